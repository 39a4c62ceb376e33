//! Orders needing several trades (docs/adr/0008): the visits of one order are ordinary
//! `service_order` rows sharing `bundle_id`, the id of the first visit, which is the order
//! the customer sees. A row without one is an order of a single visit.

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
                .add_column(uuid_null("bundle_id"))
                .take(),
        )
        .await?;
        m.create_index(index("service_order", &["bundle_id"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut drop = Index::drop();
        drop.name("service_order_bundle_id_idx")
            .table("service_order");
        m.drop_index(drop).await?;
        m.alter_table(
            Table::alter()
                .table("service_order")
                .drop_column("bundle_id")
                .take(),
        )
        .await
    }
}
