//! Month-end close (期末结账): every journal entry and posting gets its accounting
//! `period` (`YYYY-MM`, China time; existing rows take their own month), `ledger_books`
//! holds the one row that says up to which period the books are closed (locked by every
//! posting and by the close, so no entry slips into a period being closed),
//! `ledger_period` records each close and reopening, and `ledger_period_balance` the
//! trial balance a close took. `invoice`: a customer's request for an invoice (发票) of a
//! completed order, at most one open per order (`open_key`, unique, is the order's id
//! while the request is requested or issued and empty otherwise).

use super::util::{code, index, ts, ts_null};
use chrono::{DateTime, Utc};
use daojia_domain::period::Period;
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        for table in ["ledger_entry", "ledger_posting"] {
            m.alter_table(
                Table::alter()
                    .table(table)
                    .add_column(string_len("period", 7).default(""))
                    .take(),
            )
            .await?;
        }
        let db = m.get_connection();
        // Existing rows: their own China month, one update per month.
        let range = db
            .query_one_raw(Statement::from_string(
                b,
                "SELECT MIN(at) AS lo, MAX(at) AS hi FROM ledger_entry",
            ))
            .await?;
        if let Some(row) = range {
            let lo: Option<DateTime<Utc>> = row.try_get("", "lo")?;
            let hi: Option<DateTime<Utc>> = row.try_get("", "hi")?;
            if let (Some(lo), Some(hi)) = (lo, hi) {
                let (mut p, last) = (Period::of(lo), Period::of(hi));
                while p <= last {
                    for table in ["ledger_entry", "ledger_posting"] {
                        let q = Query::update()
                            .table(table)
                            .value("period", p.to_string())
                            .and_where(Expr::col("at").gte(p.starts()))
                            .and_where(Expr::col("at").lt(p.ends()))
                            .to_owned();
                        db.execute(&q).await?;
                    }
                    p = p.next();
                }
            }
        }
        m.create_index(index("ledger_entry", &["period"], false))
            .await?;
        m.create_index(index("ledger_posting", &["period", "account"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("ledger_books")
                .col(integer("id").primary_key())
                .col(string_len("closed_through", 7))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        db.execute(
            &Query::insert()
                .into_table("ledger_books")
                .columns(["id", "closed_through", "updated_at"])
                .values_panic([1.into(), "".into(), Utc::now().into()])
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_period")
                .col(string_len("period", 7).primary_key())
                .col(code("state"))
                .col(big_integer("entries"))
                .col(big_integer("debits_fen"))
                .col(uuid_null("closed_by"))
                .col(ts_null(b, "closed_at"))
                .col(uuid_null("reopened_by"))
                .col(ts_null(b, "reopened_at"))
                .col(string_len_null("reopen_reason", 500))
                .col(integer("closes"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("ledger_period_balance")
                .col(string_len("period", 7))
                .col(string_len("account", 100))
                .col(big_integer("opening_fen"))
                .col(big_integer("debit_fen"))
                .col(big_integer("credit_fen"))
                .col(big_integer("closing_fen"))
                .primary_key(Index::create().col("period").col("account"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("invoice")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("customer_id"))
                .col(uuid_null("open_key"))
                .col(code("title_type"))
                .col(text("title_enc"))
                .col(string_len_null("tax_id", 18))
                .col(text_null("email_enc"))
                .col(big_integer("amount_fen"))
                .col(code("state"))
                .col(string_len_null("invoice_no", 32))
                .col(uuid_null("upload_id"))
                .col(string_len_null("reason", 500))
                .col(ts(b, "requested_at"))
                .col(uuid_null("decided_by"))
                .col(ts_null(b, "decided_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("invoice", &["open_key"], true))
            .await?;
        m.create_index(index("invoice", &["order_id"], false))
            .await?;
        m.create_index(index("invoice", &["customer_id"], false))
            .await?;
        m.create_index(index("invoice", &["state", "requested_at"], false))
            .await?;
        // What moved before the ledger existed (`m0019_ledger`'s tables), posted now that
        // entries have their period: nothing for a database that already has its entries.
        crate::repo::ledger::backfill(m.get_connection(), chrono::Utc::now()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "invoice",
            "ledger_period_balance",
            "ledger_period",
            "ledger_books",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.drop_index(
            Index::drop()
                .name("ledger_posting_period_account_idx")
                .table("ledger_posting")
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ledger_entry_period_idx")
                .table("ledger_entry")
                .to_owned(),
        )
        .await?;
        for table in ["ledger_entry", "ledger_posting"] {
            m.alter_table(Table::alter().table(table).drop_column("period").take())
                .await?;
        }
        Ok(())
    }
}
