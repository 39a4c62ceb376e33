//! Route planning in the operations console: ask for a plan of an area's day, poll it,
//! list the day's plans, commit one to the workers. A plan covers every worker of an
//! area, so running or committing one needs `dispatch.read` as well as `dispatch.write`
//! (the partner role has only the latter), and partner staff are refused plans outright.
//!
//! The use cases are in [`daojia_app::planning`]: plans are stored in the database, so any
//! node answers for any plan; the search runs off the request path on the node that was
//! asked, bounded in size ([`planning::MAX_ORDERS`], [`planning::MAX_WORKERS`]) and time
//! ([`planning::MAX_SECONDS`]), at most [`planning::RUNNING`] at once per node.

use super::admin_workers::scope_of;
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::planning::{self, CommitInput, CommitSummary, PlanStatus, Start, StartPlan};
use daojia_domain::ids::StaffId;
use daojia_domain::order::machine::Actor;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Default time limit of a plan, seconds.
const DEFAULT_SECONDS: f64 = 5.0;

/// What to plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanRequest {
    /// Service area code, e.g. `sh-xuhui`.
    pub area: String,
    /// Local date (YYYY-MM-DD, in the area's time zone).
    pub date: String,
    /// Time limit of the search, 0 to 60 seconds (default 5). Zero gives the first plan.
    pub seconds: Option<f64>,
}

/// Plan a service area's day: the booked orders of that day and the workers on shift.
/// Returns at once with the plan's id; poll it until `state` is `done`. When the day has a
/// committed plan, the search starts from it and keeps to its promises.
#[utoipa::path(operation_id = "admin_plan_start", post, path = "/api/v1/admin/plans", tag = "admin", security(("bearer" = ["dispatch.read", "dispatch.write"])), request_body = PlanRequest,
    responses((status = 202, body = PlanStatus), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    who: Can<perm::DispatchWrite>,
    _: Can<perm::DispatchRead>,
    Json(req): Json<PlanRequest>,
) -> ApiResult<(StatusCode, axum::Json<PlanStatus>)> {
    scope_of(&who.staff).require_platform()?;
    let date = crate::http::bounds::parse_date("date", &req.date)
        .map_err(|e| ApiError::invalid(vec![e]))?;
    let seconds = req.seconds.unwrap_or(DEFAULT_SECONDS);
    let started = planning::start(
        &state.app,
        &state.plans,
        &state.config.travel,
        state.clock.clone(),
        StartPlan {
            area: req.area,
            date,
            seconds,
            requested_by: who.staff.staff.id,
        },
        state.now(),
    )
    .await?;
    match started {
        Start::Started(status) => Ok((StatusCode::ACCEPTED, axum::Json(*status))),
        Start::Busy => Err(ApiError::too_many(
            format!(
                "{} plans are being made; try again when one is done",
                planning::RUNNING
            ),
            seconds.ceil().max(1.0) as u64,
        )),
    }
}

/// A plan: progress while it runs; routes, orders left out and totals when done; what the
/// commit did once committed.
#[utoipa::path(operation_id = "admin_plan_get", get, path = "/api/v1/admin/plans/{id}", tag = "admin", security(("bearer" = ["dispatch.read"])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, body = PlanStatus), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Can<perm::DispatchRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<PlanStatus>> {
    scope_of(&who.staff).require_platform()?;
    let plan = planning::get(&state.app, Some(&state.plans), id, state.now()).await?;
    Ok(axum::Json(plan))
}

/// Plan list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanListParams {
    /// Service area code.
    pub area: Option<String>,
    /// Local date (YYYY-MM-DD).
    pub date: Option<String>,
    /// How many, 1 to 100 (default 20).
    pub limit: Option<u64>,
}

/// Recent plans.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    /// Newest first, without their routes.
    pub items: Vec<PlanStatus>,
}

/// The latest plans, newest first, of one area and day when given (without routes).
#[utoipa::path(operation_id = "admin_plan_list", get, path = "/api/v1/admin/plans", tag = "admin", security(("bearer" = ["dispatch.read"])), params(PlanListParams),
    responses((status = 200, body = PlanList), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::DispatchRead>,
    Query(p): Query<PlanListParams>,
) -> ApiResult<axum::Json<PlanList>> {
    scope_of(&who.staff).require_platform()?;
    let date = p
        .date
        .as_deref()
        .map(|d| crate::http::bounds::parse_date("date", d))
        .transpose()
        .map_err(|e| ApiError::invalid(vec![e]))?;
    let limit = match p.limit {
        None => 20,
        Some(n @ 1..=100) => n,
        Some(_) => {
            return Err(ApiError::field("limit", "out_of_range", "from 1 to 100"));
        }
    };
    let area = p.area.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let items = planning::list(
        &state.app,
        Some(&state.plans),
        area,
        date,
        limit,
        state.now(),
    )
    .await?;
    Ok(axum::Json(PlanList { items }))
}

/// How to commit.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    /// Also move orders another worker holds (offered or accepted, not under way) to the
    /// plan's worker. Default false: such orders are skipped.
    #[serde(default)]
    pub reassign: bool,
    /// Only say what committing would do (assign N, reassign M, skip K); change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Commit a ready plan: each order of its routes still waiting for a worker is assigned
/// to the route's worker, and the planned arrivals and starts become the promises the next
/// plan of the day keeps to; earlier plans of the day are superseded. Orders changed since
/// the plan was made, or held by another worker without `reassign`, are skipped and listed
/// with the reason. Committing again changes nothing and answers the first commit.
#[utoipa::path(operation_id = "admin_plan_commit", post, path = "/api/v1/admin/plans/{id}/commit", tag = "admin", security(("bearer" = ["dispatch.read", "dispatch.write"])), request_body = CommitRequest,
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, body = CommitSummary), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn commit(
    State(state): State<AppState>,
    who: Can<perm::DispatchWrite>,
    _: Can<perm::DispatchRead>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<CommitRequest>,
) -> ApiResult<axum::Json<CommitSummary>> {
    scope_of(&who.staff).require_platform()?;
    let actor = Actor::Staff {
        id: StaffId(who.staff.staff.id),
        role: who.staff.role,
    };
    let audit = super::audit_entry(
        &who.staff,
        &client,
        "plan.commit",
        "route_plan",
        &id.to_string(),
        None,
        None,
    );
    let summary = planning::commit(
        &state.app,
        CommitInput {
            plan: id,
            reassign: req.reassign,
            dry_run: req.dry_run,
        },
        actor,
        audit,
        state.now(),
    )
    .await?;
    Ok(axum::Json(summary))
}
