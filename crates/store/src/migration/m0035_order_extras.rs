//! Extra items (加项, issue 11): items the worker proposes at the door, priced from the
//! catalog for the order's area, which reach the bill only once the customer confirms them
//! (then as an `order_line` and a higher `service_order.total_fen`) or are declined.

use super::util::{code, index, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("order_extra")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("worker_id"))
                .col(code("item_code"))
                .col(string_len("item_name", 200))
                .col(integer("quantity"))
                .col(big_integer("unit_price_fen"))
                .col(big_integer("total_fen"))
                .col(integer("duration_min"))
                .col(text("selections"))
                .col(string_len("status", 16))
                .col(ts(b, "proposed_at"))
                .col(ts_null(b, "device_at"))
                .col(ts_null(b, "decided_at"))
                .col(uuid_null("line_id"))
                .take(),
        )
        .await?;
        m.create_index(index("order_extra", &["order_id", "proposed_at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("order_extra").if_exists().take())
            .await
    }
}
