//! Alarms on orders, the rows behind the console's exceptions queue: raised by timers
//! (nobody sent close to the start, a worker late), one per order and kind, open until
//! staff resolve them.

use crate::entity::order_alarm;
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// Alarm kinds.
pub mod kind {
    /// Nobody has been sent and the window starts soon.
    pub const UNASSIGNED_NEAR_START: &str = "unassigned_near_start";
    /// The window has ended and the visit has not started.
    pub const LATE: &str = "late";
    /// A timer cancelled one visit of an order of several trades while another visit was
    /// already under way: someone must call the customer.
    pub const VISIT_CANCELLED: &str = "visit_cancelled";
    /// An SOS was raised during the visit (the safety alerts page handles it).
    pub const SOS: &str = "sos";
}

/// Raises an alarm; `false` when this order already has one of this kind.
pub async fn raise(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    kind: &str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = order_alarm::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        kind: Set(kind.into()),
        detail: Set(detail.into()),
        raised_at: Set(now),
        resolved_by: Set(None),
        resolved_at: Set(None),
    }
    .insert(db)
    .await;
    match r {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Open alarms, oldest first (at most 500).
pub async fn open(db: &impl ConnectionTrait) -> Result<Vec<order_alarm::Model>, DbErr> {
    use sea_orm::QuerySelect;
    order_alarm::Entity::find()
        .filter(order_alarm::Column::ResolvedAt.is_null())
        .order_by_asc(order_alarm::Column::RaisedAt)
        .limit(500)
        .all(db)
        .await
}

/// One alarm.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<order_alarm::Model>, DbErr> {
    order_alarm::Entity::find_by_id(id).one(db).await
}

/// Resolves an open alarm; `false` when it was already resolved (or does not exist).
pub async fn resolve(
    db: &impl ConnectionTrait,
    id: Uuid,
    staff: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = order_alarm::Entity::update_many()
        .col_expr(order_alarm::Column::ResolvedBy, Expr::value(Some(staff)))
        .col_expr(order_alarm::Column::ResolvedAt, Expr::value(Some(now)))
        .filter(order_alarm::Column::Id.eq(id))
        .filter(order_alarm::Column::ResolvedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}
