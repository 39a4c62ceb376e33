//! Personal-information rights (PIPL): the consents each account gave (which version of
//! the privacy policy and the terms, when, from where) and the accounts that were erased at
//! their holder's request (so a deleted account stays deleted and the request is on record
//! without the data).

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
                .table("consent")
                .col(uuid("id").primary_key())
                .col(uuid("subject_id"))
                .col(code("audience"))
                .col(code("document"))
                .col(code("version"))
                .col(ts(b, "accepted_at"))
                .col(string_len_null("ip", 64))
                .take(),
        )
        .await?;
        m.create_index(index(
            "consent",
            &["subject_id", "audience", "document"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("account_erasure")
                .col(uuid("id").primary_key())
                .col(code("audience"))
                .col(uuid("subject_id"))
                .col(ts(b, "erased_at"))
                .take(),
        )
        .await?;
        m.create_index(index("account_erasure", &["audience", "subject_id"], true))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["account_erasure", "consent"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
