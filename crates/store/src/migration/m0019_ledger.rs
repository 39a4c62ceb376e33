//! The double-entry ledger (issue 12): `ledger_account`, the chart (fixed accounts seeded
//! here, per-person accounts opened on first use); `ledger_entry`, one money movement,
//! unique by its source (`source_type`, `source_id`: the intent, refund, payment or order
//! transition that caused it) so that a cause posts once; `ledger_posting`, the entry's
//! lines, a debit positive and a credit negative, summing to zero per entry. Entries are
//! append-only: a correction is a reversing entry (`reverses`).
//!
//! `refund.source` records the order transition (`<order id>#<seq>`) whose booked refund a
//! refund row carries, unique per intent, so that an outbox event delivered twice books
//! the refund once.
//!
//! The data step backfills what was paid and refunded before the ledger existed (see
//! [`crate::repo::ledger::backfill`]), so that `daojia ledger check` passes on an upgraded
//! database.

use super::util::{code, code_null, index, ts};
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
                .table("ledger_account")
                .col(string_len("code", 96).primary_key())
                .col(code("kind"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_entry")
                .col(uuid("id").primary_key())
                .col(code("source_type"))
                .col(string_len("source_id", 96))
                .col(uuid_null("order_id"))
                .col(uuid_null("reverses"))
                .col(string_len("memo", 200))
                .col(ts(b, "at"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("ledger_entry", &["source_type", "source_id"], true))
            .await?;
        m.create_index(index("ledger_entry", &["order_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("ledger_posting")
                .col(uuid("id").primary_key())
                .col(uuid("entry_id"))
                .col(string_len("account", 96))
                .col(big_integer("amount_fen"))
                .col(ts(b, "at"))
                .take(),
        )
        .await?;
        m.create_index(index("ledger_posting", &["entry_id"], false))
            .await?;
        m.create_index(index("ledger_posting", &["account", "at"], false))
            .await?;
        m.alter_table(
            Table::alter()
                .table("refund")
                .add_column(code_null("source"))
                .take(),
        )
        .await?;
        m.create_index(index("refund", &["source", "intent_id"], true))
            .await?;
        let db = m.get_connection();
        crate::repo::ledger::open_fixed_accounts(db, chrono::Utc::now()).await?;
        // The backfill of what moved before the ledger runs at the end of
        // `m0031_close_invoices`: it writes entries in today's shape (their accounting
        // period), which this migration's tables do not have yet. It is idempotent, so a
        // database whose `m0019` already backfilled posts nothing again there.
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut drop = Index::drop();
        drop.name("refund_source_intent_id_idx").table("refund");
        m.drop_index(drop).await?;
        m.alter_table(Table::alter().table("refund").drop_column("source").take())
            .await?;
        for t in ["ledger_posting", "ledger_entry", "ledger_account"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
