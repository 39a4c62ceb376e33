//! Paying inside WeChat (JSAPI): `customer_wechat`, the openid a customer has under a
//! WeChat app (encrypted as personal data, one row per customer and app: an openid means
//! nothing under another app), and `wechat_oauth_state`, the single-use `state` of each web
//! authorisation the customer app starts, bound to the log-in session that started it, so
//! that a code brought back by another browser, or a second time, is refused.

use super::util::{code, ts, ts_null};
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
                .table("customer_wechat")
                .col(uuid("customer_id"))
                .col(code("wechat_appid"))
                .col(text("openid_enc"))
                .col(ts(b, "bound_at"))
                .col(ts(b, "updated_at"))
                .primary_key(Index::create().col("customer_id").col("wechat_appid"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("wechat_oauth_state")
                .col(code("state_hash").primary_key())
                .col(uuid("customer_id"))
                .col(uuid("session_id"))
                .col(code("wechat_appid"))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "used_at"))
                .take(),
        )
        .await?;
        m.create_index(super::util::index(
            "wechat_oauth_state",
            &["created_at"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("wechat_oauth_state").if_exists().take())
            .await?;
        m.drop_table(Table::drop().table("customer_wechat").if_exists().take())
            .await
    }
}
