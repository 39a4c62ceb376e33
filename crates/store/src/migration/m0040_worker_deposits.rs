//! Worker deposits (保证金): `worker_deposit` keeps each worker's deposit next to the
//! ledger's `worker_deposit:<id>` account (the balance a fine takes with one guarded
//! update, `balance_fen >= amount`, so concurrent fines never take it below zero), where
//! it stands (`active`, `held` until `hold_until`, `refunded`) and the id the pending
//! refund posts its entry under; `deposit_fine` records each fine with its reason, the
//! staff member and the order or credit event it answers. Lodgings are payment intents of
//! purpose `deposit` (no new column: `customer_id` holds the paying worker).

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
                .table("worker_deposit")
                .col(uuid("worker_id").primary_key())
                .col(big_integer("balance_fen"))
                .col(big_integer("lodged_fen"))
                .col(big_integer("fined_fen"))
                .col(big_integer("refunded_fen"))
                .col(code("state"))
                .col(ts_null(b, "hold_until"))
                .col(uuid_null("refund_id"))
                .col(ts_null(b, "refund_requested_at"))
                .col(ts_null(b, "refunded_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("worker_deposit", &["state", "hold_until"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("deposit_fine")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(big_integer("amount_fen"))
                .col(text("reason"))
                .col(uuid_null("order_id"))
                .col(uuid_null("credit_event_id"))
                .col(uuid_null("staff_id"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("deposit_fine", &["worker_id", "created_at"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("deposit_fine").if_exists().take())
            .await?;
        m.drop_table(Table::drop().table("worker_deposit").if_exists().take())
            .await
    }
}
