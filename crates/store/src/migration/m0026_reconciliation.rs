//! Reconciliation against the channels' daily bills (对账, issue 12):
//! `reconciliation_run`, one row per run of one channel's bill of one China date (how the
//! bill was obtained, its hash, what matched); `reconciliation_difference`, each
//! difference found (missing on our side, missing on theirs, amount or status mismatch),
//! unique per channel, date, kind and subject, open until finance resolves it with a note.

use super::util::{code, code_null, index, ts, ts_null};
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
                .table("reconciliation_run")
                .col(uuid("id").primary_key())
                .col(code("provider"))
                .col(string_len("bill_date", 10))
                .col(code("source"))
                .col(code("state"))
                .col(code_null("bill_sha1"))
                .col(integer("bill_lines"))
                .col(integer("matched"))
                .col(integer("differences"))
                .col(text_null("error"))
                .col(uuid_null("started_by"))
                .col(ts(b, "started_at"))
                .col(ts(b, "finished_at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "reconciliation_run",
            &["bill_date", "provider"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("reconciliation_difference")
                .col(uuid("id").primary_key())
                .col(uuid("run_id"))
                .col(code("provider"))
                .col(string_len("bill_date", 10))
                .col(code("kind"))
                .col(code("subject"))
                .col(code("line_kind"))
                .col(code_null("intent_no"))
                .col(code_null("refund_no"))
                .col(code_null("channel_trade_no"))
                .col(big_integer_null("ours_fen"))
                .col(big_integer_null("theirs_fen"))
                .col(code_null("our_state"))
                .col(code_null("their_state"))
                .col(code("state"))
                .col(text_null("note"))
                .col(uuid_null("resolved_by"))
                .col(ts_null(b, "resolved_at"))
                .col(ts(b, "found_at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "reconciliation_difference",
            &["provider", "bill_date", "kind", "subject"],
            true,
        ))
        .await?;
        m.create_index(index(
            "reconciliation_difference",
            &["state", "bill_date"],
            false,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["reconciliation_difference", "reconciliation_run"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
