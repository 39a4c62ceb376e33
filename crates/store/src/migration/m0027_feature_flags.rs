//! Feature flags for gradual release (灰度发布, issue 14): `feature_flag`, one row per flag
//! (enabled, percentage, the areas and roles it is limited to, as JSON arrays), and the
//! `flags` counter of `data_version` that every write bumps, so that each node's copy of
//! the flags is refreshed as soon as a change commits.

use super::util::ts;
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
                .table("feature_flag")
                .col(string_len("key", 64).primary_key())
                .col(string_len("description", 500))
                .col(boolean("enabled"))
                .col(small_integer("percent"))
                .col(text("areas"))
                .col(text("roles"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        crate::repo::versions::open(m.get_connection(), crate::repo::versions::FLAGS).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("feature_flag").to_owned())
            .await?;
        let db = m.get_connection();
        db.execute_unprepared("DELETE FROM data_version WHERE name = 'flags'")
            .await?;
        Ok(())
    }
}
