//! An offer of an order to one worker (派单邀请) with its deadline and answer.

use sea_orm::entity::prelude::*;

/// A row of `dispatch_offer`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dispatch_offer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub worker_id: Uuid,
    pub decision_id: Option<Uuid>,
    pub sent_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    /// `open`, `accepted`, `rejected`, `expired` or `withdrawn`.
    pub status: String,
    pub answered_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
