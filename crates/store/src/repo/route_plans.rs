//! Stored route plans (路线规划): the queries behind planning and committing a plan.
//!
//! A plan is written when it is asked for (`solving`), its progress and a heartbeat while
//! one node searches, its result and stops when it is done (`ready`) or the reason it is
//! not (`failed`). Every write that ends the search is conditional on the plan still
//! solving, so a plan that another node declared interrupted stays so. A commit turns a
//! ready plan into `committed` and the earlier plans of its area and day into
//! `superseded`; the stops of the committed plan are the promises the next plan keeps.

use crate::entity::{route_plan, route_plan_stop};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, QueryFilter,
    QueryOrder, QuerySelect, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

/// The stored statuses of a plan.
pub mod status {
    /// One node is searching.
    pub const SOLVING: &str = "solving";
    /// Done; may be committed.
    pub const READY: &str = "ready";
    /// The search failed or was interrupted.
    pub const FAILED: &str = "failed";
    /// Committed to the workers.
    pub const COMMITTED: &str = "committed";
    /// A later plan of the same area and day was committed.
    pub const SUPERSEDED: &str = "superseded";
}

/// Rows inserted per statement (well under every backend's limit on bound values).
const CHUNK: usize = 500;

/// A plan being asked for.
#[derive(Debug, Clone)]
pub struct NewPlan {
    /// Its id.
    pub id: Uuid,
    /// Service area code.
    pub area: String,
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// What was asked for (JSON).
    pub params: serde_json::Value,
    /// The staff member who asked.
    pub created_by: Uuid,
    /// Orders of the area considered.
    pub orders: usize,
    /// Workers on shift.
    pub workers: usize,
}

/// Records a plan that starts searching now.
pub async fn insert_solving(
    db: &impl ConnectionTrait,
    p: NewPlan,
    now: DateTime<Utc>,
) -> Result<route_plan::Model, DbErr> {
    let row = route_plan::ActiveModel {
        id: Set(p.id),
        area_code: Set(p.area),
        plan_date: Set(p.date),
        status: Set(status::SOLVING.into()),
        params: Set(p.params.to_string()),
        created_by: Set(p.created_by),
        created_at: Set(now),
        heartbeat_at: Set(now),
        finished_at: Set(None),
        committed_at: Set(None),
        committed_by: Set(None),
        progress: Set(0),
        best_cost: Set(None),
        left_out: Set(None),
        orders: Set(count(p.orders)),
        workers: Set(count(p.workers)),
        planned_orders: Set(0),
        km: Set(0.0),
        hours: Set(0.0),
        error: Set(None),
        result: Set(None),
        commit_summary: Set(None),
    };
    route_plan::Entity::insert(row).exec(db).await?;
    route_plan::Entity::find_by_id(p.id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("route plan {}", p.id)))
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Progress of a search, as its node last saw it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Beat {
    /// 0 to 99.
    pub progress: i32,
    /// Cost of the best plan so far.
    pub best_cost: Option<f64>,
    /// Orders left out of the best plan so far.
    pub left_out: Option<usize>,
}

/// Writes the progress and a heartbeat; false when the plan is no longer solving (another
/// node declared it interrupted), so that its search may stop.
pub async fn heartbeat(
    db: &impl ConnectionTrait,
    id: Uuid,
    beat: Beat,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = route_plan::Entity::update_many()
        .col_expr(route_plan::Column::HeartbeatAt, Expr::value(now))
        .col_expr(route_plan::Column::Progress, Expr::value(beat.progress))
        .col_expr(route_plan::Column::BestCost, Expr::value(beat.best_cost))
        .col_expr(
            route_plan::Column::LeftOut,
            Expr::value(beat.left_out.map(count)),
        )
        .filter(route_plan::Column::Id.eq(id))
        .filter(route_plan::Column::Status.eq(status::SOLVING))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// A stop of a finished plan.
#[derive(Debug, Clone)]
pub struct NewStop {
    /// The worker.
    pub worker_id: Uuid,
    /// Position on the route.
    pub seq: i32,
    /// `order` or `break`.
    pub kind: &'static str,
    /// The order (visits).
    pub order_id: Option<Uuid>,
    /// The order's version when the day was loaded.
    pub order_version: Option<i32>,
    /// Another area's order the worker holds.
    pub elsewhere: bool,
    /// Arrival.
    pub arrival: DateTime<Utc>,
    /// Planned start.
    pub start: DateTime<Utc>,
    /// Planned finish.
    pub finish: DateTime<Utc>,
}

/// What a finished search found.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The plan as shown (JSON).
    pub result: serde_json::Value,
    /// Orders on routes.
    pub planned_orders: usize,
    /// Orders left out.
    pub left_out: usize,
    /// Kilometres.
    pub km: f64,
    /// Working hours.
    pub hours: f64,
    /// Cost of the plan.
    pub cost: Option<f64>,
    /// Its stops.
    pub stops: Vec<NewStop>,
}

/// Stores a finished plan as ready, with its stops, in one transaction; false (and nothing
/// written) when the plan is no longer solving.
pub async fn finish_ready<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    f: Finished,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let tx = crate::begin(db).await?;
    let r = route_plan::Entity::update_many()
        .col_expr(route_plan::Column::Status, Expr::value(status::READY))
        .col_expr(route_plan::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(route_plan::Column::HeartbeatAt, Expr::value(now))
        .col_expr(route_plan::Column::Progress, Expr::value(100))
        .col_expr(route_plan::Column::BestCost, Expr::value(f.cost))
        .col_expr(
            route_plan::Column::LeftOut,
            Expr::value(Some(count(f.left_out))),
        )
        .col_expr(
            route_plan::Column::PlannedOrders,
            Expr::value(count(f.planned_orders)),
        )
        .col_expr(route_plan::Column::Km, Expr::value(f.km))
        .col_expr(route_plan::Column::Hours, Expr::value(f.hours))
        .col_expr(
            route_plan::Column::Result,
            Expr::value(Some(f.result.to_string())),
        )
        .filter(route_plan::Column::Id.eq(id))
        .filter(route_plan::Column::Status.eq(status::SOLVING))
        .exec(&tx)
        .await?;
    if r.rows_affected != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    for chunk in f.stops.chunks(CHUNK) {
        let rows = chunk.iter().map(|s| route_plan_stop::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(id),
            worker_id: Set(s.worker_id),
            seq: Set(s.seq),
            kind: Set(s.kind.into()),
            order_id: Set(s.order_id),
            order_version: Set(s.order_version),
            elsewhere: Set(s.elsewhere),
            arrival: Set(s.arrival),
            start_at: Set(s.start),
            finish_at: Set(s.finish),
            outcome: Set(None),
        });
        route_plan_stop::Entity::insert_many(rows).exec(&tx).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Marks a plan failed with `error`; false when it is no longer solving.
pub async fn finish_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = route_plan::Entity::update_many()
        .col_expr(route_plan::Column::Status, Expr::value(status::FAILED))
        .col_expr(route_plan::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(route_plan::Column::Error, Expr::value(Some(error)))
        .filter(route_plan::Column::Id.eq(id))
        .filter(route_plan::Column::Status.eq(status::SOLVING))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Marks failed with `error` every plan still solving whose node has given no sign of
/// life since `stale_before` (it stopped or restarted); returns how many.
pub async fn mark_interrupted(
    db: &impl ConnectionTrait,
    stale_before: DateTime<Utc>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let r = route_plan::Entity::update_many()
        .col_expr(route_plan::Column::Status, Expr::value(status::FAILED))
        .col_expr(route_plan::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(route_plan::Column::Error, Expr::value(Some(error)))
        .filter(route_plan::Column::Status.eq(status::SOLVING))
        .filter(route_plan::Column::HeartbeatAt.lt(stale_before))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}

/// A plan by id.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<route_plan::Model>, DbErr> {
    route_plan::Entity::find_by_id(id).one(db).await
}

/// The latest plans, newest first: of one area and day when given, at most `limit`. The
/// plan's JSON is not read (a list does not show routes).
pub async fn list(
    db: &impl ConnectionTrait,
    area: Option<&str>,
    date: Option<&str>,
    limit: u64,
) -> Result<Vec<route_plan::Model>, DbErr> {
    let mut q = route_plan::Entity::find();
    if let Some(a) = area {
        q = q.filter(route_plan::Column::AreaCode.eq(a));
    }
    if let Some(d) = date {
        q = q.filter(route_plan::Column::PlanDate.eq(d));
    }
    q.select_only()
        .columns(route_plan::Column::iter().filter(|c| !matches!(c, route_plan::Column::Result)))
        .expr_as(Expr::value(Option::<String>::None), "result")
        .order_by_desc(route_plan::Column::Id)
        .limit(limit)
        .into_model::<route_plan::Model>()
        .all(db)
        .await
}

/// The stops of a plan, by worker and position.
pub async fn stops(
    db: &impl ConnectionTrait,
    plan: Uuid,
) -> Result<Vec<route_plan_stop::Model>, DbErr> {
    route_plan_stop::Entity::find()
        .filter(route_plan_stop::Column::PlanId.eq(plan))
        .order_by_asc(route_plan_stop::Column::WorkerId)
        .order_by_asc(route_plan_stop::Column::Seq)
        .all(db)
        .await
}

/// The committed plan of an area's day (the latest), if any.
pub async fn committed(
    db: &impl ConnectionTrait,
    area: &str,
    date: &str,
) -> Result<Option<route_plan::Model>, DbErr> {
    route_plan::Entity::find()
        .filter(route_plan::Column::AreaCode.eq(area))
        .filter(route_plan::Column::PlanDate.eq(date))
        .filter(route_plan::Column::Status.eq(status::COMMITTED))
        .order_by_desc(route_plan::Column::CommittedAt)
        .one(db)
        .await
}

/// Turns a ready plan into committed (the first write of a commit's transaction, so that
/// it holds the plan); false when it is not ready any more.
pub async fn claim_commit(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = route_plan::Entity::update_many()
        .col_expr(route_plan::Column::Status, Expr::value(status::COMMITTED))
        .col_expr(route_plan::Column::CommittedAt, Expr::value(Some(now)))
        .col_expr(route_plan::Column::CommittedBy, Expr::value(Some(by)))
        .filter(route_plan::Column::Id.eq(id))
        .filter(route_plan::Column::Status.eq(status::READY))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Records what the commit did with each order (by stop id) and its summary.
pub async fn record_outcomes(
    db: &impl ConnectionTrait,
    id: Uuid,
    outcomes: &[(Uuid, String)],
    summary: &serde_json::Value,
) -> Result<(), DbErr> {
    let mut by_outcome: std::collections::BTreeMap<&str, Vec<Uuid>> = Default::default();
    for (stop, outcome) in outcomes {
        by_outcome.entry(outcome.as_str()).or_default().push(*stop);
    }
    for (outcome, ids) in by_outcome {
        for chunk in ids.chunks(CHUNK) {
            route_plan_stop::Entity::update_many()
                .col_expr(route_plan_stop::Column::Outcome, Expr::value(Some(outcome)))
                .filter(route_plan_stop::Column::PlanId.eq(id))
                .filter(route_plan_stop::Column::Id.is_in(chunk.to_vec()))
                .exec(db)
                .await?;
        }
    }
    route_plan::Entity::update_many()
        .col_expr(
            route_plan::Column::CommitSummary,
            Expr::value(Some(summary.to_string())),
        )
        .filter(route_plan::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks superseded the other plans of the area's day that were committed, or ready and
/// made before `created_at`; returns how many.
pub async fn supersede_others(
    db: &impl ConnectionTrait,
    plan: &route_plan::Model,
) -> Result<u64, DbErr> {
    use sea_orm::Condition;
    let r = route_plan::Entity::update_many()
        .col_expr(route_plan::Column::Status, Expr::value(status::SUPERSEDED))
        .filter(route_plan::Column::AreaCode.eq(plan.area_code.as_str()))
        .filter(route_plan::Column::PlanDate.eq(plan.plan_date.as_str()))
        .filter(route_plan::Column::Id.ne(plan.id))
        .filter(
            Condition::any()
                .add(route_plan::Column::Status.eq(status::COMMITTED))
                .add(
                    Condition::all()
                        .add(route_plan::Column::Status.eq(status::READY))
                        .add(route_plan::Column::CreatedAt.lte(plan.created_at)),
                ),
        )
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
