//! One shared payment (分账): the partner's share of a WeChat payment sent to its receiver
//! and the rest unfrozen, or (no share) the whole unfrozen; its return before a refund.

use sea_orm::entity::prelude::*;

/// A row of `profit_sharing`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "profit_sharing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The payment shared (unique: a payment is shared once).
    pub intent_id: Uuid,
    pub order_id: Uuid,
    /// The partner whose share it is; `None` when nothing is shared (unfreeze only).
    pub partner_id: Option<Uuid>,
    /// Our number at WeChat (`S…` sharing, `U…` unfreeze), derived from the intent's:
    /// a retry sends the same request.
    pub out_order_no: String,
    /// WeChat's number of the payment.
    pub transaction_id: String,
    /// The receiver's merchant id (the partner's).
    pub receiver_mchid: Option<String>,
    /// The partner's share, in fen (0 for an unfreeze).
    pub amount_fen: i64,
    /// `requested`, `processing`, `succeeded`, `failed`, `returned`.
    pub state: String,
    /// WeChat's number of the sharing order.
    pub wx_order_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub fail_reason: Option<String>,
    /// Our number of the return (`R…`), once one was asked for.
    pub return_no: Option<String>,
    /// Given back by the receiver, in fen.
    pub returned_fen: i64,
    /// Submissions and queries so far.
    pub attempts: i32,
    pub requested_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
