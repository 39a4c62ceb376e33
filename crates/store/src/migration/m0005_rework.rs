//! Rework (返工): an after-sales decision that sends someone again creates a new order
//! linked to the original, at most one per original.

use super::util::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("service_order")
                .add_column(uuid_null("rework_of"))
                .take(),
        )
        .await?;
        m.create_index(index("service_order", &["rework_of"], true))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut drop = Index::drop();
        drop.name("service_order_rework_of_idx")
            .table("service_order");
        m.drop_index(drop).await?;
        m.alter_table(
            Table::alter()
                .table("service_order")
                .drop_column("rework_of")
                .take(),
        )
        .await
    }
}
