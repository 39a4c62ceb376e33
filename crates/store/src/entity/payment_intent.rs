//! A payment intent: one attempt to collect an amount through one channel, for an order or
//! a wallet top-up (`purpose`).

use sea_orm::entity::prelude::*;

/// A row of `payment_intent`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_intent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Our number, the channel's `out_trade_no` (unique).
    pub intent_no: String,
    /// The order paid; `None` for a wallet top-up.
    pub order_id: Option<Uuid>,
    /// Who pays.
    pub customer_id: Uuid,
    /// `wechat_native`, `wechat_h5`, `alipay_precreate`, `alipay_wap`, or `wallet` (paid
    /// from the customer's balance).
    pub channel: String,
    /// `wechat`, `alipay` or `wallet`.
    pub provider: String,
    /// In fen.
    pub amount_fen: i64,
    /// `created`, `pending`, `succeeded`, `failed` or `closed`.
    pub state: String,
    /// The channel's transaction id, once paid.
    pub channel_trade_no: Option<String>,
    /// What the payer's client needs: the QR code's content or the page URL.
    #[sea_orm(column_type = "Text", nullable)]
    pub checkout: Option<String>,
    /// Why it failed, for the operator.
    #[sea_orm(column_type = "Text", nullable)]
    pub failure: Option<String>,
    /// When it stops being payable.
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub succeeded_at: Option<DateTimeUtc>,
    /// `order` (pays `order_id`) or `top_up` (credits the customer's wallet).
    pub purpose: String,
    /// Opened to be shared at the channel (`settle_info.profit_sharing`): its money stays
    /// frozen at WeChat until it is shared or unfrozen.
    pub profit_sharing: bool,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
