//! The booking lock per pool and local date (`booking_lock`, ADR 0012): one row per pool
//! (named by its first area's code) and day, made by the first booking of that day and
//! bumped by every placement or reschedule onto it. It replaces the pool-wide lock on the
//! first area's `booking_seq`, which every booking of a city queued behind.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("booking_lock")
                .col(string_len("pool", 64))
                .col(string_len("day", 10))
                .col(big_integer("seq"))
                .primary_key(Index::create().col("pool").col("day"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("booking_lock").to_owned())
            .await
    }
}
