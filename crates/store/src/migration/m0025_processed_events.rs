//! The events each consumer has applied (`processed_event`), keyed by consumer and event
//! id and written in the transaction of the consumer's effect: a consumer fed twice with
//! one event (a relay restarted after the effect, a broker redelivery or a republish)
//! applies it once.

use super::util::{code, ts};
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
                .table("processed_event")
                .col(code("consumer"))
                .col(uuid("event_id"))
                .col(ts(b, "processed_at"))
                .primary_key(Index::create().col("consumer").col("event_id"))
                .take(),
        )
        .await?;
        m.create_index(super::util::index(
            "processed_event",
            &["processed_at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("processed_event").if_exists().take())
            .await
    }
}
