//! The openid a customer has under a WeChat app, for paying inside WeChat (JSAPI).

use sea_orm::entity::prelude::*;

/// A row of `customer_wechat`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_wechat")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    /// The app the openid belongs to (an openid means nothing under another app).
    #[sea_orm(primary_key, auto_increment = false)]
    pub wechat_appid: String,
    /// The openid, encrypted (`customer.wechat_openid`).
    #[sea_orm(column_type = "Text")]
    pub openid_enc: String,
    pub bound_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
