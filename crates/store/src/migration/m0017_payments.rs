//! Online payments (issue 12): `payment_intent`, one attempt to collect an amount of an order
//! through one channel (`wechat_native`, `wechat_h5`, `alipay_precreate`, `alipay_wap`),
//! numbered by `intent_no` (the channels' `out_trade_no`, unique); `refund`, money sent back
//! through the intent's channel, numbered by `refund_no` (the channels' refund number,
//! unique); and `payment_notification`, each channel notification applied, unique by
//! (provider, the channel's notification id), so that a notification delivered twice is
//! applied once. Amounts are integer fen. The order keeps its own `paid_fen`/`refunded_fen`
//! bookkeeping, written in the same transaction as the intent's success; it holds no
//! payment state of its own.

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
                .table("payment_intent")
                .col(uuid("id").primary_key())
                .col(code("intent_no"))
                .col(uuid("order_id"))
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
                .take(),
        )
        .await?;
        m.create_index(index("payment_intent", &["intent_no"], true))
            .await?;
        m.create_index(index("payment_intent", &["order_id"], false))
            .await?;
        m.create_index(index("payment_intent", &["state", "created_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("refund")
                .col(uuid("id").primary_key())
                .col(code("refund_no"))
                .col(uuid("intent_id"))
                .col(uuid("order_id"))
                .col(big_integer("amount_fen"))
                .col(code("state"))
                .col(code("origin"))
                .col(text_null("reason"))
                .col(text_null("failure"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .col(ts_null(b, "finished_at"))
                .take(),
        )
        .await?;
        m.create_index(index("refund", &["refund_no"], true))
            .await?;
        m.create_index(index("refund", &["intent_id"], false))
            .await?;
        m.create_index(index("refund", &["order_id"], false))
            .await?;
        m.create_index(index("refund", &["state", "created_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("payment_notification")
                .col(uuid("id").primary_key())
                .col(code("provider"))
                .col(string_len("notification_id", 128))
                .col(code("kind"))
                .col(code("subject_no"))
                .col(ts(b, "received_at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "payment_notification",
            &["provider", "notification_id"],
            true,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["payment_notification", "refund", "payment_intent"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
