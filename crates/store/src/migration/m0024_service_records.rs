//! Tamper-evident service records (issue 11): each order's hash chain of record entries
//! (`service_record`, one row per entry, unique by order and position so that two writers
//! can never fork a chain), and the daily anchors that chain each day's heads
//! (`record_anchor`, one row per day, also published in the audit log).
//!
//! An entry's content holds no personal values, only salted hashes of them; the salt is
//! kept beside it (`salt`, outside the hash) and deleted when the person is erased.

use super::util::{code, index, ts};
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
                .table("service_record")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(big_integer("seq"))
                .col(code("kind"))
                .col(ts(b, "at"))
                .col(text("body"))
                .col(string_len_null("salt", 64))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .take(),
        )
        .await?;
        m.create_index(index("service_record", &["order_id", "seq"], true))
            .await?;
        m.create_index(index("service_record", &["at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("record_anchor")
                .col(string_len("day", 10).primary_key())
                .col(integer("heads"))
                .col(text("heads_json"))
                .col(string_len("root", 64))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("record_anchor").if_exists().take())
            .await?;
        m.drop_table(Table::drop().table("service_record").if_exists().take())
            .await
    }
}
