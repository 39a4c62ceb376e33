//! The counter of what a placement prices and checks (`data_version` row `catalog`, see
//! `repo::versions` and `repo::catalog_rows`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::repo::versions::open(m.get_connection(), crate::repo::versions::CATALOG).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DELETE FROM data_version WHERE name = 'catalog'")
            .await?;
        Ok(())
    }
}
