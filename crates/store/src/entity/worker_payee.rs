//! The WeChat account a worker's withdrawals are transferred to (商家转账收款人).

use sea_orm::entity::prelude::*;

/// A row of `worker_payee`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "worker_payee")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_id: Uuid,
    /// The app the openid belongs to (an openid means nothing under another app).
    pub wechat_appid: String,
    /// The openid, encrypted (`worker.payee_openid`).
    #[sea_orm(column_type = "Text")]
    pub wechat_openid_enc: String,
    pub bound_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
