//! A worker's withdrawal (提现) and its course.

use sea_orm::entity::prelude::*;

/// A row of `withdrawal`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "withdrawal")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub withdrawal_no: String,
    pub worker_id: Uuid,
    /// The worker's partner when asked (for partner-scoped finance staff).
    pub partner_id: Option<Uuid>,
    pub amount_fen: i64,
    pub fee_fen: i64,
    /// `requested`, `approved`, `paid`, `rejected` or `failed`.
    pub state: String,
    /// `wechat` (transfer to balance) or `bank` (transfer recorded by hand).
    pub channel: String,
    /// The channel's or the bank's reference, once paid.
    pub reference: Option<String>,
    /// Why it was rejected or failed.
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// WeChat: the payee's openid when the worker asked, encrypted (`worker.payee_openid`).
    #[sea_orm(column_type = "Text", nullable)]
    pub payee_enc: Option<String>,
    /// WeChat's number of the transfer bill, once created.
    pub transfer_bill_no: Option<String>,
    /// What the payee's WeChat confirms the bill with, while it waits for them.
    #[sea_orm(column_type = "Text", nullable)]
    pub package_info: Option<String>,
    /// The bill's last state as WeChat reported it (`WAIT_USER_CONFIRM`, `SUCCESS`...).
    pub transfer_state: Option<String>,
    /// WeChat: the payee's real name when the worker asked, encrypted
    /// (`withdrawal.payee_name`); sent with the bill from 0.3 yuan on.
    #[sea_orm(column_type = "Text", nullable)]
    pub payee_name_enc: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
