//! The counters behind the nodes' caches of worker data (`data_version`, see
//! `repo::versions`): a row per kind, bumped in the transaction of every write to it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("data_version")
                .col(string_len("name", 32).primary_key())
                .col(uuid("epoch"))
                .col(big_integer("version"))
                .take(),
        )
        .await?;
        crate::repo::versions::open(m.get_connection(), crate::repo::versions::STAFF).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("data_version").to_owned())
            .await
    }
}
