//! A WeChat Pay platform certificate (平台证书) as downloaded: what every node verifies
//! WeChat's replies and callbacks with, from its effective time until it expires.

use sea_orm::entity::prelude::*;

/// A row of `wechat_platform_certificate`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wechat_platform_certificate")]
pub struct Model {
    /// The certificate's serial, as `Wechatpay-Serial` names it (upper-case hex).
    #[sea_orm(primary_key, auto_increment = false)]
    pub serial_no: String,
    pub effective_at: DateTimeUtc,
    pub expire_at: DateTimeUtc,
    /// The certificate, PEM, decrypted from the list (public data).
    #[sea_orm(column_type = "Text")]
    pub certificate_pem: String,
    /// When a download first listed it.
    pub first_seen_at: DateTimeUtc,
    /// When a download last listed it.
    pub last_seen_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
