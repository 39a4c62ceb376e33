//! The customer wallet (余额, issue 12): a payment intent may top up a wallet instead of
//! paying an order. `payment_intent` gets `purpose` (`order`, the default and every row
//! before this migration, or `top_up`) and its `order_id` becomes nullable (a top-up pays
//! no order); intents stay one table with one state machine, so callbacks, the scheduled
//! query and reconciliation serve top-ups unchanged. `wallet_balance` keeps each
//! customer's balance next to the ledger's `customer_wallet:<id>` account: paying from
//! it takes the amount with one guarded update (`balance_fen >= amount`), the lock that
//! keeps it from going negative under concurrent payments (`ledger check` compares the
//! two).
//!
//! SQLite cannot drop a column's `NOT NULL`, so there the table is rebuilt under the same
//! name with its rows and indexes.

use super::util::{code, code_null, index, ts, ts_null};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str = "id, intent_no, order_id, customer_id, channel, provider, amount_fen, \
                       state, channel_trade_no, checkout, failure, expires_at, created_at, \
                       updated_at, succeeded_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        match b {
            DatabaseBackend::Sqlite => rebuild_on_sqlite(m).await?,
            _ => {
                m.alter_table(
                    Table::alter()
                        .table("payment_intent")
                        .add_column(code("purpose").default("order"))
                        .take(),
                )
                .await?;
                let sql = if b == DatabaseBackend::Postgres {
                    "ALTER TABLE payment_intent ALTER COLUMN order_id DROP NOT NULL"
                } else {
                    "ALTER TABLE payment_intent MODIFY order_id BINARY(16) NULL"
                };
                m.get_connection().execute_unprepared(sql).await?;
            }
        }
        m.create_index(index(
            "payment_intent",
            &["customer_id", "purpose", "created_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("wallet_balance")
                .col(uuid("customer_id").primary_key())
                .col(big_integer("balance_fen"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("wallet_balance").if_exists().take())
            .await?;
        m.drop_index(
            Index::drop()
                .name("payment_intent_customer_id_purpose_created_at_idx")
                .table("payment_intent")
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("DELETE FROM payment_intent WHERE purpose <> 'order'")
            .await?;
        m.alter_table(
            Table::alter()
                .table("payment_intent")
                .drop_column("purpose")
                .take(),
        )
        .await
    }
}

/// The table of m0017 with `order_id` nullable and `purpose`, filled from the old one
/// (renamed aside, its indexes dropped by name first, then dropped itself). One batch of
/// statements, so that it runs on one connection of the pool.
async fn rebuild_on_sqlite(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    use sea_orm_migration::sea_query::SqliteQueryBuilder as Q;
    let b = m.get_database_backend();
    let table = Table::create()
        .table("payment_intent")
        .col(uuid("id").primary_key())
        .col(code("intent_no"))
        .col(uuid_null("order_id"))
        .col(uuid("customer_id"))
        .col(code("channel"))
        .col(code("provider"))
        .col(big_integer("amount_fen"))
        .col(code("state"))
        .col(code_null("channel_trade_no"))
        .col(text_null("checkout"))
        .col(text_null("failure"))
        .col(ts(b, "expires_at"))
        .col(ts(b, "created_at"))
        .col(ts(b, "updated_at"))
        .col(ts_null(b, "succeeded_at"))
        .col(code("purpose").default("order"))
        .to_string(Q);
    let mut batch = vec![
        "ALTER TABLE payment_intent RENAME TO payment_intent_old".to_string(),
        "DROP INDEX IF EXISTS payment_intent_intent_no_idx".into(),
        "DROP INDEX IF EXISTS payment_intent_order_id_idx".into(),
        "DROP INDEX IF EXISTS payment_intent_state_created_at_idx".into(),
        table,
        format!(
            "INSERT INTO payment_intent ({COLUMNS}, purpose) SELECT {COLUMNS}, 'order' FROM payment_intent_old"
        ),
        "DROP TABLE payment_intent_old".into(),
    ];
    for (cols, unique) in [
        (&["intent_no"][..], true),
        (&["order_id"][..], false),
        (&["state", "created_at"][..], false),
    ] {
        batch.push(index("payment_intent", cols, unique).to_string(Q));
    }
    m.get_connection()
        .execute_unprepared(&batch.join(";\n"))
        .await?;
    Ok(())
}
