//! A refund: money sent back through the channel of the intent it came from.

use sea_orm::entity::prelude::*;

/// A row of `refund`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refund")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Our number, the channel's refund number (unique).
    pub refund_no: String,
    /// The intent refunded.
    pub intent_id: Uuid,
    /// Its order.
    pub order_id: Uuid,
    /// In fen.
    pub amount_fen: i64,
    /// `requested`, `processing`, `succeeded` or `failed`.
    pub state: String,
    /// What caused it: `cancellation`, `after_sales`, `staff` or `unowed` (a payment the
    /// order could not take).
    pub origin: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// Why it failed, for the operator.
    #[sea_orm(column_type = "Text", nullable)]
    pub failure: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// The order transition (`<order id>#<seq>`) whose booked refund this carries; unique
    /// per intent, so that booking the same transition again writes nothing.
    pub source: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
