//! Notifications (消息通知, issue 11): `notification` is one message to one person (a
//! customer or a worker), written once per business event and recipient (`dedupe_key`
//! unique, so an event delivered twice makes one); it is their inbox row. Each channel it
//! goes by has a `notification_delivery` with its state, attempts, last error and when it
//! was sent, which the console lists. `notification_preference` holds a person's opt-outs
//! (kind and channel pairs, a JSON array) and quiet hours (local `HH:MM`).

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
                .table("notification")
                .col(uuid("id").primary_key())
                .col(code("audience"))
                .col(uuid("recipient_id"))
                .col(code("kind"))
                .col(string_len("dedupe_key", 160))
                .col(uuid_null("order_id"))
                .col(text("vars"))
                .col(string_len("title", 200))
                .col(text("body"))
                .col(string_len_null("url", 300))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "read_at"))
                .take(),
        )
        .await?;
        m.create_index(index("notification", &["dedupe_key"], true))
            .await?;
        m.create_index(index(
            "notification",
            &["audience", "recipient_id", "id"],
            false,
        ))
        .await?;
        m.create_index(index(
            "notification",
            &["audience", "recipient_id", "read_at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("notification_delivery")
                .col(uuid("id").primary_key())
                .col(uuid("notification_id"))
                .col(code("channel"))
                .col(code("kind"))
                .col(code("audience"))
                .col(code("state"))
                .col(integer("attempts"))
                .col(code_null("target"))
                .col(text_null("last_error"))
                .col(ts(b, "not_before"))
                .col(ts_null(b, "sent_at"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "notification_delivery",
            &["notification_id", "channel"],
            true,
        ))
        .await?;
        m.create_index(index(
            "notification_delivery",
            &["state", "channel", "kind"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("notification_preference")
                .col(code("audience"))
                .col(uuid("recipient_id"))
                .col(text("opt_outs"))
                .col(string_len_null("quiet_start", 5))
                .col(string_len_null("quiet_end", 5))
                .col(ts(b, "updated_at"))
                .primary_key(Index::create().col("audience").col("recipient_id"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "notification_preference",
            "notification_delivery",
            "notification",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
