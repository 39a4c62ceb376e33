//! The service record kept during the visit (服务记录, issue 11): a checklist on each
//! catalog item (`service_item.checklist`, a JSON array of short steps), and what the
//! worker records while in service (`visit_record`): checklist ticks per order line,
//! before and after photos, notes and materials used. Rows are only added; the newest of
//! each kind (per line for ticks) is the current state, and each has its entry in the
//! order's hash chain.

use super::util::{index, ts};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.alter_table(
            Table::alter()
                .table("service_item")
                .add_column(text_null("checklist"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("visit_record")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("worker_id"))
                .col(string_len("kind", 16))
                .col(uuid_null("line_id"))
                .col(uuid_null("upload_id"))
                .col(text("body"))
                .col(ts(b, "recorded_at"))
                .take(),
        )
        .await?;
        m.create_index(index("visit_record", &["order_id", "recorded_at"], false))
            .await?;
        m.create_index(index("visit_record", &["upload_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("visit_record").if_exists().take())
            .await?;
        m.alter_table(
            Table::alter()
                .table("service_item")
                .drop_column("checklist")
                .take(),
        )
        .await
    }
}
