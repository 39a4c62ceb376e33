//! Automatic dispatch's rows: decisions with their explanations, offers with their
//! answers, and the grab pool. The use cases (`daojia_app::dispatch`) write them in the
//! transaction of the order step they go with.

use crate::entity::{dispatch_decision, dispatch_grab, dispatch_offer};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Offer statuses.
pub mod status {
    /// Sent, not answered yet.
    pub const OPEN: &str = "open";
    /// The worker took it.
    pub const ACCEPTED: &str = "accepted";
    /// The worker declined it.
    pub const REJECTED: &str = "rejected";
    /// Nobody answered in time.
    pub const EXPIRED: &str = "expired";
    /// The order went elsewhere before an answer (staff assigned it, it was cancelled).
    pub const WITHDRAWN: &str = "withdrawn";
}

/// Job kinds of dispatch (run by the server's job runner).
pub mod job_kind {
    /// An offer's deadline: expire it if still open.
    pub const OFFER_TIMEOUT: &str = "dispatch.offer_timeout";
    /// An order beyond the dispatch horizon: dispatch it when it comes within.
    pub const HORIZON: &str = "dispatch.horizon";
}

/// A decision to record.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    /// The order.
    pub order_id: Uuid,
    /// The policy's name.
    pub policy: &'a str,
    /// The worker chosen.
    pub worker_id: Option<Uuid>,
    /// What came of it.
    pub outcome: &'a str,
    /// Feasible workers.
    pub candidates: usize,
    /// Rejected workers.
    pub rejected: usize,
    /// The explanation (JSON).
    pub explanation: String,
}

/// Records a decision; its id.
pub async fn insert_decision(
    db: &impl ConnectionTrait,
    d: NewDecision<'_>,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    dispatch_decision::ActiveModel {
        id: Set(id),
        order_id: Set(d.order_id),
        at: Set(now),
        policy: Set(d.policy.into()),
        worker_id: Set(d.worker_id),
        outcome: Set(d.outcome.into()),
        candidates: Set(i32::try_from(d.candidates).unwrap_or(i32::MAX)),
        rejected: Set(i32::try_from(d.rejected).unwrap_or(i32::MAX)),
        explanation: Set(d.explanation),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// An order's decisions, oldest first.
pub async fn decisions(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<dispatch_decision::Model>, DbErr> {
    dispatch_decision::Entity::find()
        .filter(dispatch_decision::Column::OrderId.eq(order_id))
        .order_by_asc(dispatch_decision::Column::At)
        .order_by_asc(dispatch_decision::Column::Id)
        .all(db)
        .await
}

/// Records an open offer; its id.
pub async fn insert_offer(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    worker_id: Uuid,
    decision_id: Option<Uuid>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    dispatch_offer::ActiveModel {
        id: Set(id),
        order_id: Set(order_id),
        worker_id: Set(worker_id),
        decision_id: Set(decision_id),
        sent_at: Set(now),
        expires_at: Set(expires_at),
        status: Set(status::OPEN.into()),
        answered_at: Set(None),
        reason: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// One offer.
pub async fn offer(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<dispatch_offer::Model>, DbErr> {
    dispatch_offer::Entity::find_by_id(id).one(db).await
}

/// An order's offers, oldest first.
pub async fn offers_of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<dispatch_offer::Model>, DbErr> {
    dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::OrderId.eq(order_id))
        .order_by_asc(dispatch_offer::Column::SentAt)
        .order_by_asc(dispatch_offer::Column::Id)
        .all(db)
        .await
}

/// A worker's open offers, oldest first.
pub async fn open_offers_of_worker(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
) -> Result<Vec<dispatch_offer::Model>, DbErr> {
    dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::WorkerId.eq(worker_id))
        .filter(dispatch_offer::Column::Status.eq(status::OPEN))
        .order_by_asc(dispatch_offer::Column::SentAt)
        .limit(100)
        .all(db)
        .await
}

/// Closes an open offer with `to` (and a reason); `false` when it was not open any more.
pub async fn close_offer(
    db: &impl ConnectionTrait,
    id: Uuid,
    to: &str,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = dispatch_offer::Entity::update_many()
        .col_expr(dispatch_offer::Column::Status, Expr::value(to))
        .col_expr(dispatch_offer::Column::AnsweredAt, Expr::value(Some(now)))
        .col_expr(
            dispatch_offer::Column::Reason,
            Expr::value(reason.map(str::to_string)),
        )
        .filter(dispatch_offer::Column::Id.eq(id))
        .filter(dispatch_offer::Column::Status.eq(status::OPEN))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Withdraws every open offer of an order (it went elsewhere); how many.
pub async fn withdraw_open(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let r = dispatch_offer::Entity::update_many()
        .col_expr(
            dispatch_offer::Column::Status,
            Expr::value(status::WITHDRAWN),
        )
        .col_expr(dispatch_offer::Column::AnsweredAt, Expr::value(Some(now)))
        .filter(dispatch_offer::Column::OrderId.eq(order_id))
        .filter(dispatch_offer::Column::Status.eq(status::OPEN))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// How many offers of an order were made and not withdrawn.
pub async fn offers_made(db: &impl ConnectionTrait, order_id: Uuid) -> Result<u64, DbErr> {
    dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::OrderId.eq(order_id))
        .filter(dispatch_offer::Column::Status.ne(status::WITHDRAWN))
        .count(db)
        .await
}

/// Puts an order in the grab pool; `false` when it is there already.
pub async fn enter_grab(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    area_code: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if dispatch_grab::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    dispatch_grab::ActiveModel {
        order_id: Set(order_id),
        area_code: Set(area_code.into()),
        since: Set(now),
        reason: Set(reason.into()),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// Takes an order out of the grab pool; `false` when it was not there.
pub async fn leave_grab(db: &impl ConnectionTrait, order_id: Uuid) -> Result<bool, DbErr> {
    let r = dispatch_grab::Entity::delete_many()
        .filter(dispatch_grab::Column::OrderId.eq(order_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// The order's grab-pool entry, if it is in the pool.
pub async fn grab_entry(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<dispatch_grab::Model>, DbErr> {
    dispatch_grab::Entity::find_by_id(order_id).one(db).await
}

/// The grab pool of some areas, oldest first (at most 500).
pub async fn grab_pool(
    db: &impl ConnectionTrait,
    areas: &[String],
) -> Result<Vec<dispatch_grab::Model>, DbErr> {
    if areas.is_empty() {
        return Ok(vec![]);
    }
    dispatch_grab::Entity::find()
        .filter(dispatch_grab::Column::AreaCode.is_in(areas.iter().map(String::as_str)))
        .order_by_asc(dispatch_grab::Column::Since)
        .limit(500)
        .all(db)
        .await
}
