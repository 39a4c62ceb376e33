//! A place taken in a promotion by one order: the order's record of the promotion and the
//! price it got. Released (its seat cleared) when the order is cancelled.

use sea_orm::entity::prelude::*;

/// A row of `promotion_claim`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promotion_claim")]
pub struct Model {
    /// Its id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The promotion.
    pub promotion_id: Uuid,
    /// The order (the visit carrying the promoted line); one claim per order.
    pub order_id: Uuid,
    /// Who booked.
    pub customer_id: Uuid,
    /// 1 to the promotion's per-customer limit while live; `None` once released.
    pub seat: Option<i32>,
    /// The promotional unit price the order got, fen.
    pub price_fen: i64,
    /// Taken.
    pub created_at: DateTimeUtc,
    /// Given back (the order was cancelled).
    pub released_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
