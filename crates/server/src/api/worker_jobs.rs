//! The worker's own day (今日任务) over HTTP: their jobs of a date in route order with the
//! travel legs between them, each with what the card at the door needs (notes, tools, the
//! customer's phone masked, navigation links), and a call to the customer through a
//! privacy number. The use cases are [`daojia_app::workers::jobs`] (one row of the
//! dispatch board) and [`daojia_app::visits::calls`]; the handlers translate only.

use super::admin_workers::app;
use crate::http::auth::CurrentWorker;
use crate::http::error::ApiResult;
use crate::http::extract::Query;
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use daojia_app::board::{BoardLeg, BoardShift};
use daojia_app::planning::Point;
use daojia_app::visits::calls;
use daojia_app::workers::jobs::{self, DayJob};
use daojia_domain::navigation::NavLinks;
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
    /// What the customer wrote for the worker when ordering (empty when nothing).
    pub notes: String,
    /// The tools to bring: those the ordered items need, each once.
    pub tools: Vec<String>,
    /// The customer's contact phone, masked (`138****5678`); call through
    /// `POST /api/v1/worker/jobs/{id}/call`.
    pub contact_phone_masked: String,
    /// Links that open a route to the address in the worker's map app.
    pub navigation: NavigationView,
}

/// A point in a map vendor's coordinate system.
#[derive(Debug, Serialize, ToSchema)]
pub struct VendorPoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
}

/// Links that open a driving route to the job's address (the street, without the house
/// number) in each map app, with the destination converted from WGS-84 into the vendor's
/// system.
#[derive(Debug, Serialize, ToSchema)]
pub struct NavigationView {
    /// The destination in GCJ-02 (AMap, Tencent).
    pub gcj02: VendorPoint,
    /// The destination in BD-09 (Baidu).
    pub bd09: VendorPoint,
    /// AMap (高德) on Android: `amapuri://route/plan/?…`.
    pub amap: String,
    /// AMap (高德) on iOS: `iosamap://path?…`.
    pub amap_ios: String,
    /// Tencent Maps (腾讯): `qqmap://map/routeplan?…`.
    pub tencent: String,
    /// Baidu Maps (百度): `baidumap://map/direction?…`.
    pub baidu: String,
    /// A web page with the route, for a phone without the apps.
    pub web: String,
}

fn navigation_view(n: NavLinks) -> NavigationView {
    NavigationView {
        gcj02: VendorPoint {
            lat: n.gcj02.lat,
            lng: n.gcj02.lng,
        },
        bd09: VendorPoint {
            lat: n.bd09.lat,
            lng: n.bd09.lng,
        },
        amap: n.amap,
        amap_ios: n.amap_ios,
        tencent: n.tencent,
        baidu: n.baidu,
        web: n.web,
    }
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
        notes: j.notes,
        tools: j.tools,
        contact_phone_masked: j.contact_phone_masked,
        navigation: navigation_view(j.navigation),
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

/// A number to call the customer through.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallView {
    /// The order.
    pub order_id: Uuid,
    /// The privacy-number provider (`log`).
    pub provider: String,
    /// The number to show, and to dial when `dialable`.
    pub number: String,
    /// True: dial `number` (a privacy number that reaches the customer). False: it is the
    /// customer's number masked, to show only (the `log` provider bridges nothing).
    pub dialable: bool,
    /// Until when the number reaches the customer.
    pub expires_at: DateTime<Utc>,
}

/// The worker asks for a number to call the customer of a job of theirs through (隐私号):
/// the configured privacy-number provider binds one, and the request is recorded (the
/// outbox event `visit.call`: who, which order, when; no phone number). Allowed while the
/// job is `accepted`, `en_route`, `arrived` or `in_service` (otherwise 409
/// `invalid_state`); someone else's order is 404; more than `[visit.calls]
/// per_order_per_hour` requests for one order is 429.
#[utoipa::path(operation_id = "worker_job_call", post, path = "/api/v1/worker/jobs/{id}/call", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = CallView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn call(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<CallView>> {
    crate::ratelimit::enforce(
        &state,
        &state.limits.call_per_order,
        &format!("{}:{id}", me.id),
        "too many calls for this order; try again later or ask customer service",
    )
    .await?;
    let c = calls::call(&app(&state), me.id, id, state.now()).await?;
    Ok(axum::Json(CallView {
        order_id: c.order_id,
        provider: c.provider.into(),
        number: c.binding.number,
        dialable: c.binding.dialable,
        expires_at: c.binding.expires_at,
    }))
}
