//! Push subscriptions (issue 11, notifications): `push_subscription`, one row per place a
//! recipient (a customer or a worker) can be pushed to: a browser's Web Push subscription
//! (endpoint and keys) or an app install registered with JPush or Getui (its device id).
//! `target_key` is the SHA-256 of the kind and the target (endpoint or device id), unique,
//! so registering the same browser or install again updates its row (it may move to another
//! account on a shared phone) instead of adding one; the endpoint itself is too long for a
//! unique index on MariaDB. Rows are found by recipient (`owner_kind`, `owner_id`); a push
//! service's "gone" deletes the row, and `failures` counts consecutive failed pushes.

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
                .table("push_subscription")
                .col(uuid("id").primary_key())
                .col(code("owner_kind"))
                .col(uuid("owner_id"))
                .col(code("kind"))
                .col(code("target_key"))
                .col(text_null("endpoint"))
                .col(string_len_null("p256dh", 128))
                .col(string_len_null("auth", 64))
                .col(string_len_null("device_id", 200))
                .col(string_len_null("user_agent", 300))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .col(ts_null(b, "last_success_at"))
                .col(integer("failures").default(0))
                .col(string_len_null("last_error", 300))
                .take(),
        )
        .await?;
        m.create_index(index("push_subscription", &["target_key"], true))
            .await?;
        m.create_index(index(
            "push_subscription",
            &["owner_kind", "owner_id"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("push_subscription").to_owned())
            .await
    }
}
