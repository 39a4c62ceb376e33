//! Commissions, settlement and withdrawals (issue 12): `commission_rule` (抽成规则, scoped
//! by category, area, worker level or campaign); `partner_share`, a partner's share of
//! what the platform leaves of its workers' orders; `order_earning`, the split recorded
//! when an order completes (with the terms it used, and whether it is settled);
//! `withdrawal` (提现), a worker's request and its course; `worker_balance`, the kept
//! withdrawable balance a withdrawal decrements with a guarded update, so that concurrent
//! requests cannot overdraw it. Seeds the default rule (20%) and opens the new fixed
//! ledger accounts (`withdrawals_in_flight`, `withdrawal_fees`).

use super::util::{code, code_null, index, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 5] = [
    "worker_balance",
    "withdrawal",
    "order_earning",
    "partner_share",
    "commission_rule",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("commission_rule")
                .col(uuid("id").primary_key())
                .col(string_len("name", 64))
                .col(code_null("category_code"))
                .col(code_null("area_code"))
                .col(small_integer_null("min_level"))
                .col(code_null("campaign"))
                .col(ts_null(b, "starts_at"))
                .col(ts_null(b, "ends_at"))
                .col(code("share_kind"))
                .col(big_integer("share_value"))
                .col(big_integer("minimum_fen"))
                .col(boolean("active"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("partner_share")
                .col(uuid("partner_id").primary_key())
                .col(integer("share_bp"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("order_earning")
                .col(uuid("order_id").primary_key())
                .col(uuid("worker_id"))
                .col(uuid_null("partner_id"))
                .col(uuid_null("rule_id"))
                .col(code("share_kind"))
                .col(big_integer("share_value"))
                .col(big_integer("minimum_fen"))
                .col(integer("partner_bp"))
                .col(big_integer("gross_fen"))
                .col(big_integer("platform_fen"))
                .col(big_integer("partner_fen"))
                .col(big_integer("worker_fen"))
                .col(code("state"))
                .col(ts(b, "earned_at"))
                .col(ts_null(b, "settled_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("order_earning", &["state", "earned_at"], false))
            .await?;
        m.create_index(index("order_earning", &["worker_id", "earned_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("withdrawal")
                .col(uuid("id").primary_key())
                .col(code("withdrawal_no"))
                .col(uuid("worker_id"))
                .col(uuid_null("partner_id"))
                .col(big_integer("amount_fen"))
                .col(big_integer("fee_fen"))
                .col(code("state"))
                .col(code("channel"))
                .col(code_null("reference"))
                .col(text_null("reason"))
                .col(ts(b, "requested_at"))
                .col(uuid_null("decided_by"))
                .col(ts_null(b, "decided_at"))
                .col(ts_null(b, "finished_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("withdrawal", &["withdrawal_no"], true))
            .await?;
        m.create_index(index("withdrawal", &["worker_id", "requested_at"], false))
            .await?;
        m.create_index(index("withdrawal", &["state", "requested_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("worker_balance")
                .col(uuid("worker_id").primary_key())
                .col(big_integer("withdrawable_fen"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        let now = chrono::Utc::now();
        crate::repo::ledger::open_fixed_accounts(db, now).await?;
        crate::repo::earnings::seed_default_rule(db, now).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in TABLES {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        let db = m.get_connection();
        db.execute_unprepared(
            "DELETE FROM ledger_account WHERE code IN ('withdrawals_in_flight', 'withdrawal_fees')",
        )
        .await?;
        Ok(())
    }
}
