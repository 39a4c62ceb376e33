//! Route planning in the operations console: ask for a plan of an area's day, then poll it.
//!
//! Planning runs off the request path on a blocking thread, bounded in size
//! ([`planning::MAX_ORDERS`], [`planning::MAX_WORKERS`]) and time ([`planning::MAX_SECONDS`]),
//! at most [`planning::RUNNING`] at once; plans live in this process's memory (the last
//! [`planning::KEEP`]). A plan is a proposal: nothing is assigned until dispatch commits
//! it.

use crate::http::auth::{Can, perm};
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::Json;
use crate::planning::{self, Busy, PlanJob, PlanResult};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
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

/// A plan being made or made.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanStatus {
    /// The plan's id, to poll.
    pub id: Uuid,
    /// Service area code.
    pub area: String,
    /// Local date.
    pub date: NaiveDate,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// How far the search is, 0 to 100.
    pub progress: u8,
    /// Cost of the best plan so far (metres driven plus seconds worked, plus the cost of
    /// moving orders workers were told); none before the first plan.
    pub best_cost: Option<f64>,
    /// Orders left out of the best plan so far.
    pub left_out: Option<usize>,
    /// The time limit, seconds.
    pub seconds: f64,
    /// When it was asked for.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// The plan, once done.
    pub plan: Option<PlanResult>,
}

fn status(job: &PlanJob) -> PlanStatus {
    let snap = job.progress.snapshot();
    let outcome = job.outcome();
    let (state, finished_at, error, plan) = match outcome {
        None => ("running", None, None, None),
        Some((at, Ok(plan))) => ("done", Some(at), None, Some(plan)),
        Some((at, Err(e))) => ("failed", Some(at), Some(e), None),
    };
    let progress = if state == "running" {
        (snap.done * 100.0).clamp(0.0, 99.0) as u8
    } else {
        100
    };
    PlanStatus {
        id: job.id,
        area: job.area.clone(),
        date: job.date,
        state: state.into(),
        progress,
        best_cost: snap.cost,
        left_out: plan.as_ref().map(|p| p.unassigned.len()).or(snap.left_out),
        seconds: job.seconds,
        started_at: job.started_at,
        finished_at,
        error,
        plan,
    }
}

/// Plan a service area's day: the booked orders of that day and the workers on shift.
/// Returns at once with the plan's id; poll it until `state` is `done`.
#[utoipa::path(operation_id = "admin_plan_start", post, path = "/api/v1/admin/plans", tag = "admin", security(("bearer" = ["dispatch.write"])), request_body = PlanRequest,
    responses((status = 202, body = PlanStatus), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    who: Can<perm::DispatchWrite>,
    Json(req): Json<PlanRequest>,
) -> ApiResult<(StatusCode, axum::Json<PlanStatus>)> {
    let mut errors = vec![];
    let date = crate::http::bounds::parse_date("date", &req.date);
    if let Err(e) = &date {
        errors.push(e.clone());
    }
    let seconds = req.seconds.unwrap_or(DEFAULT_SECONDS);
    if !(seconds.is_finite() && (0.0..=planning::MAX_SECONDS).contains(&seconds)) {
        errors.push(FieldError::new(
            "seconds",
            "out_of_range",
            format!("from 0 to {} seconds", planning::MAX_SECONDS),
        ));
    }
    let area = req.area.trim();
    if area.is_empty() {
        errors.push(FieldError::new("area", "required", "a service area code"));
    }
    let Ok(date) = date else {
        return Err(ApiError::invalid(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = state.now();
    let loaded = planning::load(&state.store, area, date, now)
        .await?
        .ok_or_else(|| {
            ApiError::field("area", "unknown_area", format!("no service area `{area}`"))
        })?;
    let (orders, workers) = loaded.size();
    if orders > planning::MAX_ORDERS || workers > planning::MAX_WORKERS {
        return Err(ApiError::field(
            "area",
            "too_large",
            format!(
                "the day has {orders} orders and {workers} workers; the planner takes at most {} and {}",
                planning::MAX_ORDERS,
                planning::MAX_WORKERS
            ),
        ));
    }
    let job = state
        .plans
        .start(
            loaded,
            state.config.travel.clone(),
            seconds,
            who.staff.staff.id,
            now,
            state.clock.clone(),
        )
        .map_err(|Busy::Running| {
            ApiError::too_many(
                format!(
                    "{} plans are being made; try again when one is done",
                    planning::RUNNING
                ),
                seconds.ceil().max(1.0) as u64,
            )
        })?;
    Ok((StatusCode::ACCEPTED, axum::Json(status(&job))))
}

/// A plan: progress while it runs; routes, orders left out and totals when done.
#[utoipa::path(operation_id = "admin_plan_get", get, path = "/api/v1/admin/plans/{id}", tag = "admin", security(("bearer" = ["dispatch.read"])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, body = PlanStatus), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _: Can<perm::DispatchRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<PlanStatus>> {
    let job = state
        .plans
        .get(id)
        .ok_or_else(|| ApiError::not_found("plan"))?;
    Ok(axum::Json(status(&job)))
}
