//! A payment intent: one attempt to collect an amount of an order through one channel.

use sea_orm::entity::prelude::*;

/// A row of `payment_intent`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_intent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Our number, the channel's `out_trade_no` (unique).
    pub intent_no: String,
    /// The order paid.
    pub order_id: Uuid,
    /// Who pays.
    pub customer_id: Uuid,
    /// `wechat_native`, `wechat_h5`, `alipay_precreate` or `alipay_wap`.
    pub channel: String,
    /// `wechat` or `alipay`.
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
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
