//! The durable job queue: timeouts, reminders, housekeeping and, later, notifications and
//! settlement run from here so that they survive restarts and run once across nodes.

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
                .table("job")
                .col(uuid("id").primary_key())
                .col(code("kind"))
                .col(text("payload"))
                .col(string_len_null("dedupe_key", 191))
                .col(ts(b, "run_at"))
                .col(integer("attempts"))
                .col(integer("max_attempts"))
                .col(string_len_null("locked_by", 64))
                .col(ts_null(b, "locked_until"))
                .col(ts_null(b, "done_at"))
                .col(ts_null(b, "failed_at"))
                .col(text_null("last_error"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("job", &["dedupe_key"], true)).await?;
        m.create_index(index("job", &["done_at", "run_at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("job").if_exists().take())
            .await
    }
}
