//! The transactional outbox: every order transition writes one event row in the same
//! transaction as the order (so a crash loses no event and a rolled-back transition leaves
//! none), numbered by an auto-increment position that relays read in order; per-consumer
//! progress with a lease, so several nodes never deliver one event to one consumer at the
//! same time; and the event an SMS was sent for, so a consumer that sends one is idempotent
//! by event id.

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
                .table("outbox")
                .col(big_pk_auto("position"))
                .col(uuid("id"))
                .col(code("topic"))
                .col(uuid("aggregate_id"))
                .col(text("payload"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("outbox", &["id"], true)).await?;
        m.create_index(index("outbox", &["aggregate_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("outbox_consumer")
                .col(code("name").primary_key())
                .col(big_integer("position"))
                .col(string_len_null("lease_owner", 96))
                .col(ts_null(b, "lease_until"))
                .col(integer("attempts"))
                .col(ts_null(b, "retry_at"))
                .col(text_null("last_error"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sms_outbox")
                .add_column(uuid_null("event_id"))
                .take(),
        )
        .await?;
        m.create_index(index("sms_outbox", &["event_id"], true))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("sms_outbox_event_id_idx")
                .table("sms_outbox")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sms_outbox")
                .drop_column("event_id")
                .take(),
        )
        .await?;
        for t in ["outbox_consumer", "outbox"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
