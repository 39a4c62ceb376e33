//! A difference between a channel's bill and our records, open until finance resolves it.

use sea_orm::entity::prelude::*;

/// A row of `reconciliation_difference`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_difference")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The run that (last) found it.
    pub run_id: Uuid,
    /// `wechat` or `alipay`.
    pub provider: String,
    /// The bill's China date, `YYYY-MM-DD`.
    pub bill_date: String,
    /// `missing_ours`, `missing_theirs`, `amount_mismatch` or `status_mismatch`.
    pub kind: String,
    /// What it is about: the refund number for a refund, else the intent number.
    pub subject: String,
    /// `payment` or `refund`.
    pub line_kind: String,
    pub intent_no: Option<String>,
    pub refund_no: Option<String>,
    pub channel_trade_no: Option<String>,
    /// Our amount, in fen (none when we have no record).
    pub ours_fen: Option<i64>,
    /// The bill's amount, in fen (none when the bill has no line).
    pub theirs_fen: Option<i64>,
    /// Our record's state.
    pub our_state: Option<String>,
    /// The bill line's state.
    pub their_state: Option<String>,
    /// `open` or `resolved`.
    pub state: String,
    /// Finance's note on resolving it.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
    pub found_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
