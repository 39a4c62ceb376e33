//! Reading plans, from any node: one with its routes, or the latest of an area's day.

use chrono::{DateTime, NaiveDate, Utc};
use daojia_store::entity::route_plan;
use daojia_store::repo::route_plans::{self, status};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::commit::CommitSummary;
use super::run::Solver;
use super::view::{PlanResult, fill_personal_data};
use super::{INTERRUPTED, STALE};
use crate::{App, Error, Result};

/// A plan being made, made, committed or superseded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanStatus {
    /// The plan's id, to poll.
    pub id: Uuid,
    /// Service area code.
    pub area: String,
    /// Local date.
    pub date: NaiveDate,
    /// `running`, `done` or `failed` (committed and superseded plans are done).
    pub state: String,
    /// As stored: `solving`, `ready`, `failed`, `committed` or `superseded`.
    pub status: String,
    /// How far the search is, 0 to 100.
    pub progress: u8,
    /// Cost of the best plan so far (metres driven plus seconds worked, plus the cost of
    /// moving orders workers were told); none before the first plan.
    pub best_cost: Option<f64>,
    /// Orders left out of the best plan so far.
    pub left_out: Option<usize>,
    /// The time limit, seconds.
    pub seconds: f64,
    /// Orders of the area considered.
    pub orders: usize,
    /// Orders on routes (once done).
    pub planned_orders: usize,
    /// Kilometres of the plan (once done).
    pub km: f64,
    /// Who asked for it.
    pub requested_by: Uuid,
    /// When it was asked for.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// When it was committed.
    pub committed_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// What the commit did, once committed.
    pub commit: Option<CommitSummary>,
    /// The plan, once done (not in lists).
    pub plan: Option<PlanResult>,
}

/// The stored plan as a status; `solver` gives the live progress of a plan searching on
/// this node.
pub fn status_of(row: &route_plan::Model, solver: Option<&Solver>) -> PlanStatus {
    let state = match row.status.as_str() {
        status::SOLVING => "running",
        status::FAILED => "failed",
        _ => "done",
    };
    let live = solver
        .filter(|_| state == "running")
        .and_then(|s| s.progress(row.id))
        .map(|p| p.snapshot());
    let progress = match (&live, state) {
        (Some(s), _) => (s.done * 100.0).clamp(0.0, 99.0) as u8,
        (None, "running") => row.progress.clamp(0, 99) as u8,
        _ => 100,
    };
    let seconds = serde_json::from_str::<serde_json::Value>(&row.params)
        .ok()
        .and_then(|p| p["seconds"].as_f64())
        .unwrap_or_default();
    let usize_of = |n: i32| usize::try_from(n).unwrap_or_default();
    PlanStatus {
        id: row.id,
        area: row.area_code.clone(),
        date: row.plan_date.parse().unwrap_or_default(),
        state: state.into(),
        status: row.status.clone(),
        progress,
        best_cost: live.and_then(|s| s.cost).or(row.best_cost),
        left_out: live.and_then(|s| s.left_out).or(row.left_out.map(usize_of)),
        seconds,
        orders: usize_of(row.orders),
        planned_orders: usize_of(row.planned_orders),
        km: row.km,
        requested_by: row.created_by,
        started_at: row.created_at,
        finished_at: row.finished_at,
        committed_at: row.committed_at,
        error: row.error.clone(),
        commit: row
            .commit_summary
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        plan: None,
    }
}

/// Marks failed the plans whose node stopped giving signs of life (see [`STALE`]); a node
/// calls it when it starts. Returns how many.
pub async fn sweep(app: &App, now: DateTime<Utc>) -> Result<u64> {
    Ok(route_plans::mark_interrupted(app.store.db(), now - STALE, INTERRUPTED, now).await?)
}

fn stale(row: &route_plan::Model, now: DateTime<Utc>) -> bool {
    row.status == status::SOLVING && row.heartbeat_at < now - STALE
}

/// A plan with its routes (the workers' names read now).
pub async fn get(
    app: &App,
    solver: Option<&Solver>,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<PlanStatus> {
    let db = app.store.db();
    let mut row = route_plans::get(db, id)
        .await?
        .ok_or(Error::NotFound("plan"))?;
    if stale(&row, now) {
        sweep(app, now).await?;
        row = route_plans::get(db, id)
            .await?
            .ok_or(Error::NotFound("plan"))?;
    }
    let mut out = status_of(&row, solver);
    if let Some(text) = row.result.as_deref() {
        let mut plan: PlanResult = serde_json::from_str(text).map_err(Error::internal)?;
        fill_personal_data(app, &mut plan).await?;
        out.plan = Some(plan);
    }
    Ok(out)
}

/// The latest `limit` plans (newest first), of one area and day when given; without routes.
pub async fn list(
    app: &App,
    solver: Option<&Solver>,
    area: Option<&str>,
    date: Option<NaiveDate>,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Vec<PlanStatus>> {
    let date = date.map(|d| d.to_string());
    let db = app.store.db();
    let mut rows = route_plans::list(db, area, date.as_deref(), limit).await?;
    if rows.iter().any(|r| stale(r, now)) {
        sweep(app, now).await?;
        rows = route_plans::list(db, area, date.as_deref(), limit).await?;
    }
    Ok(rows.iter().map(|r| status_of(r, solver)).collect())
}
