//! Items an area does not offer (a service only some districts have workers or licences
//! for). Absent means offered, so a new item is offered everywhere until staff say not.

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
                .table("area_item_off")
                .col(uuid("id").primary_key())
                .col(code("area_code"))
                .col(code("item_code"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("area_item_off", &["area_code", "item_code"], true))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("area_item_off").if_exists().take())
            .await
    }
}
