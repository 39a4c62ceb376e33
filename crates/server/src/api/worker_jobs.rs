//! The worker's own day (今日任务) over HTTP: their jobs of a date in route order with the
//! travel legs between them. The use case is [`daojia_app::workers::jobs`] (one row of
//! the dispatch board); the handler translates only.

use super::admin_workers::app;
use crate::http::auth::CurrentWorker;
use crate::http::error::ApiResult;
use crate::http::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use daojia_app::board::{BoardLeg, BoardShift};
use daojia_app::planning::Point;
use daojia_app::workers::jobs::{self, DayJob};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Which day.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobsParams {
    /// Local date (YYYY-MM-DD, in the time zone of the worker's area); today when absent.
    #[serde(default, deserialize_with = "crate::http::bounds::opt_date")]
    pub date: Option<NaiveDate>,
}

/// A job of the worker's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerJobView {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// `accepted`, `en_route`, `arrived` or `in_service`.
    pub state: String,
    /// What is ordered (item names).
    pub items: Vec<String>,
    /// Start window: earliest start.
    pub window_start: DateTime<Utc>,
    /// Start window: latest start.
    pub window_end: DateTime<Utc>,
    /// Working time, minutes.
    pub duration_min: i32,
    /// What the order pays, 分.
    pub amount_fen: i64,
    /// The address with the house number, in full (the job is the worker's).
    pub address: String,
    /// The area's code.
    pub area_code: Option<String>,
    /// Where (WGS-84).
    pub at: Point,
    /// The trip to it from the previous job (or from where the worker is, or home); none
    /// for a visit under way.
    pub travel: Option<BoardLeg>,
    /// Expected arrival.
    pub arrival: DateTime<Utc>,
    /// Expected start.
    pub start: DateTime<Utc>,
    /// Expected end.
    pub finish: DateTime<Utc>,
    /// Seconds the expected start is after the window (0 when on time).
    pub late_by_s: i64,
}

/// The worker's day.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerDayView {
    /// The local date.
    pub date: NaiveDate,
    /// The time zone of the worker's area.
    pub timezone: String,
    /// The shift (none: a day off).
    pub shift: Option<BoardShift>,
    /// Jobs still to do, in route order.
    pub jobs: Vec<WorkerJobView>,
    /// Jobs done that day.
    pub done: u32,
    /// The check-in fence's radius around an address, metres: within it a check-in needs no
    /// reason (outside the time around the window it still does).
    pub check_in_radius_m: u32,
}

fn job_view(j: DayJob) -> WorkerJobView {
    let r = j.route;
    WorkerJobView {
        order_id: r.order_id,
        order_no: r.order_no,
        state: r.state,
        items: j.items,
        window_start: r.window_start,
        window_end: r.window_end,
        duration_min: j.duration_min,
        amount_fen: j.amount_fen,
        address: j.address,
        area_code: r.area_code,
        at: r.at,
        travel: r.travel,
        arrival: r.arrival,
        start: r.start,
        finish: r.finish,
        late_by_s: r.late_by_s,
    }
}

/// The worker's jobs of a day (accepted, on the way, in service) in route order, with the
/// travel leg before each and the expected times, as the dispatch board has the worker's
/// row; offers waiting for an answer are in `/api/v1/worker/offers` instead. A bad `date`
/// is 422 with the field.
#[utoipa::path(operation_id = "worker_jobs", get, path = "/api/v1/worker/jobs", tag = "worker", security(("bearer" = [])),
    params(JobsParams),
    responses((status = 200, body = WorkerDayView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn my_jobs(
    State(state): State<AppState>,
    me: CurrentWorker,
    Query(p): Query<JobsParams>,
) -> ApiResult<axum::Json<WorkerDayView>> {
    let d = jobs::day(&app(&state), me.id, p.date, state.now()).await?;
    Ok(axum::Json(WorkerDayView {
        date: d.date,
        timezone: d.timezone,
        shift: d.shift,
        jobs: d.jobs.into_iter().map(job_view).collect(),
        done: d.done,
        check_in_radius_m: state.config.visit.check_in.radius_m,
    }))
}
