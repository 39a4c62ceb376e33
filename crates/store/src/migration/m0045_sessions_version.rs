//! The counter of revoked and deleted sessions (`data_version` row `sessions`, see
//! `repo::versions` and `repo::sessions::LiveSessions`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::repo::versions::open(m.get_connection(), crate::repo::versions::SESSIONS).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM data_version WHERE name = 'sessions'")
            .await?;
        Ok(())
    }
}
