//! The visit at the door over HTTP (issue 11, docs/visit.md): the worker app's steps on a
//! job of theirs (depart, check in, start with the door check code, finish), the customer
//! app's door check code, and operations' list of check-ins flagged outside the fence. The
//! use cases are [`daojia_app::visits`]; the handlers translate only. Every time is the
//! server's; a step the app queued offline sends the phone's time of it in the
//! `Device-Time` header (RFC 3339), recorded beside the server's, and its
//! `Idempotency-Key` makes a resend answer as the first send did.

use super::admin_workers::{app, scope_of};
use crate::http::auth::{Can, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use daojia_app::planning::Point;
use daojia_app::visits::{self, CheckInInput, customer, ops};
use daojia_domain::order::machine::Order;
use daojia_store::entity::visit_check_in;
use daojia_store::repo::visits as stored;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A job after a step of the visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitStepView {
    /// The order.
    pub order_id: Uuid,
    /// Its state now: `en_route`, `arrived`, `in_service` or `pending_settlement`.
    pub state: String,
    /// The server's time of the answer (the step's time when it was applied now).
    pub at: DateTime<Utc>,
}

/// The header with the phone's time of a step sent later than it was taken.
pub const DEVICE_TIME: &str = "device-time";

/// The `Device-Time` header: none, or an RFC 3339 time (422 on `device_time` otherwise).
pub fn device_time(headers: &HeaderMap) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(v) = headers.get(DEVICE_TIME) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| {
            ApiError::field(
                "device_time",
                "invalid_time",
                "the Device-Time header is an RFC 3339 time, e.g. 2026-12-06T09:30:00+08:00",
            )
        })
}

fn step_view(o: &Order, at: DateTime<Utc>) -> VisitStepView {
    VisitStepView {
        order_id: o.id.0,
        state: o.state.as_str().into(),
        at,
    }
}

/// The worker sets off (出发): `accepted` → `en_route`; the customer's app shows the door
/// check code from now on. Someone else's order is 404; a wrong state is 409.
#[utoipa::path(operation_id = "worker_job_depart", post, path = "/api/v1/worker/jobs/{id}/depart", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), ("Device-Time" = Option<String>, Header, description = "Optional: when the worker took this step by the phone's clock (RFC 3339), for a step queued offline and sent later; recorded beside the server's time"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a resend with the same key and body replays the first answer")),
    responses((status = 200, body = VisitStepView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn depart(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> ApiResult<axum::Json<VisitStepView>> {
    let now = state.now();
    let o = visits::depart(&app(&state), me.id, id, now, device_time(&headers)?).await?;
    Ok(axum::Json(step_view(&o, now)))
}

/// A check-in at the door.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// Latitude, WGS-84 (the browser's geolocation).
    pub lat: f64,
    /// Longitude, WGS-84.
    pub lng: f64,
    /// The position's accuracy, metres.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// Why, when outside the fence (1–200 characters).
    #[serde(default)]
    pub reason: Option<String>,
    /// A photo at the door (uploaded with purpose `check_in`), when outside the fence.
    #[serde(default)]
    pub photo_upload_id: Option<Uuid>,
    /// A photo of the worker (uploaded with purpose `arrival_selfie`), which the customer's
    /// app shows to check who has come. Optional; the worker app asks for it.
    #[serde(default)]
    pub selfie_upload_id: Option<Uuid>,
}

/// A check-in as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInView {
    /// The check-in.
    pub id: Uuid,
    /// When, by the server's clock.
    pub at: DateTime<Utc>,
    /// Metres from the address.
    pub distance_m: i32,
    /// The radius in force, metres.
    pub radius_m: i32,
    /// Within the radius.
    pub inside_radius: bool,
    /// Within the time around the window.
    pub on_time: bool,
    /// Outside the fence: operations will look at it.
    pub flagged: bool,
    /// How it was outside: `too_far`, `too_early`, `too_late`.
    pub outside: Vec<String>,
    /// The worker's reason.
    pub reason: Option<String>,
    /// Whether the worker took a photo of themselves for the customer.
    pub selfie: bool,
}

fn check_in_view(r: &visit_check_in::Model) -> CheckInView {
    let outside: Vec<serde_json::Value> = serde_json::from_str(&r.outside).unwrap_or_default();
    CheckInView {
        id: r.id,
        at: r.at,
        distance_m: r.distance_m,
        radius_m: r.radius_m,
        inside_radius: r.inside_radius,
        on_time: r.on_time,
        flagged: r.flagged,
        outside: outside
            .iter()
            .filter_map(|o| o["kind"].as_str().map(String::from))
            .collect(),
        reason: r.reason.clone(),
        selfie: r.selfie_upload_id.is_some(),
    }
}

/// The job after a check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedInView {
    /// The order.
    pub order_id: Uuid,
    /// Its state now (`arrived`).
    pub state: String,
    /// The check-in (the last one recorded, when this was a retry).
    pub check_in: Option<CheckInView>,
}

/// Checks in at the door (签到): `en_route` → `arrived`. Inside the fence (the configured
/// radius around the address and time around the window) nothing more is needed; outside
/// it, 422 names `reason` (`outside_fence_reason_required`) and `photo_upload_id`
/// (`outside_fence_photo_required`) with the distance, and with both the check-in is
/// accepted and flagged for operations. Someone else's order is 404; a wrong state is 409.
#[utoipa::path(operation_id = "worker_job_check_in", post, path = "/api/v1/worker/jobs/{id}/check-in", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), ("Device-Time" = Option<String>, Header, description = "Optional: when the worker took this step by the phone's clock (RFC 3339), for a step queued offline and sent later; recorded beside the server's time"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a resend with the same key and body replays the first answer")), request_body = CheckInRequest,
    responses((status = 200, body = CheckedInView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn check_in(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<CheckInRequest>,
) -> ApiResult<axum::Json<CheckedInView>> {
    let a = app(&state);
    let input = CheckInInput {
        lat: req.lat,
        lng: req.lng,
        accuracy_m: req.accuracy_m,
        reason: req.reason,
        photo_upload_id: req.photo_upload_id,
        selfie_upload_id: req.selfie_upload_id,
        device_at: device_time(&headers)?,
    };
    let done = visits::check_in(&a, me.id, id, &input, state.now()).await?;
    let record = match done.record {
        Some(r) => Some(r),
        None => stored::of_order(state.store.db(), id).await?.pop(),
    };
    Ok(axum::Json(CheckedInView {
        order_id: id,
        state: done.order.state.as_str().into(),
        check_in: record.as_ref().map(check_in_view),
    }))
}

/// The door check code the customer read out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// The code (4–6 digits).
    pub code: String,
}

/// Starts the service with the customer's door check code (上门校验码): `arrived` →
/// `in_service`, stamped with the server's time. A wrong code is 422 on `code`
/// (`wrong_door_code`, with the tries left); after the last try it is 409
/// `door_code_locked` and operations start the visit from the console.
#[utoipa::path(operation_id = "worker_job_start", post, path = "/api/v1/worker/jobs/{id}/start", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), ("Device-Time" = Option<String>, Header, description = "Optional: when the worker took this step by the phone's clock (RFC 3339), for a step queued offline and sent later; recorded beside the server's time"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a resend with the same key and body replays the first answer")), request_body = StartRequest,
    responses((status = 200, body = VisitStepView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn start(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<StartRequest>,
) -> ApiResult<axum::Json<VisitStepView>> {
    let now = state.now();
    let device_at = device_time(&headers)?;
    let o = visits::start(&app(&state), me.id, id, &req.code, now, device_at).await?;
    Ok(axum::Json(step_view(&o, now)))
}

/// The service is done (`in_service` → `pending_settlement`), stamped with the server's
/// time; the customer confirms next.
#[utoipa::path(operation_id = "worker_job_finish", post, path = "/api/v1/worker/jobs/{id}/finish", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), ("Device-Time" = Option<String>, Header, description = "Optional: when the worker took this step by the phone's clock (RFC 3339), for a step queued offline and sent later; recorded beside the server's time"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a resend with the same key and body replays the first answer")),
    responses((status = 200, body = VisitStepView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn finish(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> ApiResult<axum::Json<VisitStepView>> {
    let now = state.now();
    let o = visits::finish(&app(&state), me.id, id, now, device_time(&headers)?).await?;
    Ok(axum::Json(step_view(&o, now)))
}

/// An order's door check code, for its customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoorCodeView {
    /// The order (visit).
    pub order_id: Uuid,
    /// The code: tell it to the worker at the door, to nobody else.
    pub code: String,
    /// The order's state (`en_route` or `arrived`).
    pub state: String,
    /// Entries the worker has left.
    pub attempts_left: u32,
}

/// The door check code (上门校验码) of one of the customer's orders (or visits), while the
/// worker is on the way or at the door; otherwise 409 `door_code_not_available`. Someone
/// else's order is 404.
#[utoipa::path(operation_id = "customer_order_door_code", get, path = "/api/v1/customer/orders/{id}/door-code", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id")),
    responses((status = 200, body = DoorCodeView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn door_code(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<DoorCodeView>> {
    let d = customer::door_code(&app(&state), me.id, id, state.now()).await?;
    Ok(axum::Json(DoorCodeView {
        order_id: d.order_id,
        code: d.code,
        state: d.state.as_str().into(),
        attempts_left: d.attempts_left,
    }))
}

/// Which flagged check-ins.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FlaggedParams {
    /// Only this service area's.
    pub area: Option<String>,
    /// Only at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// A check-in outside the fence, for operations.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedCheckInView {
    /// The check-in.
    #[serde(flatten)]
    pub check_in: CheckInView,
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// Its state now.
    pub order_state: String,
    /// The service area.
    pub area_code: Option<String>,
    /// The worker.
    pub worker_id: Uuid,
    /// Their name.
    pub worker_name: String,
    /// Where the worker's phone said they were (WGS-84).
    pub position: Option<Point>,
    /// The accuracy reported, metres.
    pub accuracy_m: Option<f64>,
    /// The worker's photo at the door (`/api/v1/admin/uploads/{id}`).
    pub photo_url: Option<String>,
}

/// A page of flagged check-ins.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedCheckInPage {
    /// Newest first.
    pub items: Vec<FlaggedCheckInView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Check-ins made outside the fence (too far from the address, too early or too late),
/// newest first, with the worker's reason and photo. A partner's staff see their
/// partner's workers' only.
#[utoipa::path(operation_id = "admin_flagged_check_ins", get, path = "/api/v1/admin/check-ins/flagged", tag = "admin", security(("bearer" = ["order.read"])),
    params(FlaggedParams),
    responses((status = 200, body = FlaggedCheckInPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn flagged(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Query(p): Query<FlaggedParams>,
) -> ApiResult<axum::Json<FlaggedCheckInPage>> {
    let page = super::admin::page_request(p.cursor.as_deref(), p.limit)?;
    let found = ops::flagged(&app(&state), scope_of(&who.staff), p.area, p.since, page).await?;
    Ok(axum::Json(FlaggedCheckInPage {
        items: found
            .items
            .into_iter()
            .map(|f| FlaggedCheckInView {
                check_in: check_in_view(&f.record),
                order_id: f.record.order_id,
                order_no: f.order_no,
                order_state: f.order_state,
                area_code: f.record.area_code.clone(),
                worker_id: f.record.worker_id,
                worker_name: f.worker_name,
                position: f.position.map(|p| Point {
                    lat: p.lat,
                    lng: p.lng,
                }),
                accuracy_m: f.record.accuracy_m,
                photo_url: f
                    .record
                    .photo_upload_id
                    .map(|u| format!("/api/v1/admin/uploads/{u}")),
            })
            .collect(),
        next_cursor: found.next_cursor,
    }))
}

/// The customer is not home (客户不在家): the worker's evidence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoShowRequest {
    /// Latitude, WGS-84 (the browser's geolocation).
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, WGS-84.
    #[serde(default)]
    pub lng: Option<f64>,
    /// The position's accuracy, metres.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// Calls to the customer tried (at least `[visit.no_show] min_calls`, default 2).
    #[serde(default)]
    pub call_attempts: Option<u32>,
    /// A photo at the door (uploaded with purpose `no_show`).
    #[serde(default)]
    pub photo_upload_id: Option<Uuid>,
    /// What the worker adds (at most 200 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// A no-show as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoShowView {
    /// The order.
    pub order_id: Uuid,
    /// Its state now (`cancelled`).
    pub state: String,
    /// The no-show.
    pub id: Uuid,
    /// When, by the server's clock.
    pub at: DateTime<Utc>,
    /// Metres from the address.
    pub distance_m: i32,
    /// Calls tried.
    pub call_attempts: i32,
    /// The no-show fee kept, 分.
    pub fee_fen: i64,
    /// What went back to the customer, 分.
    pub refunded_fen: i64,
}

/// The customer is not home (客户不在家): at the door (`arrived`), once
/// `[visit.no_show] wait_min` minutes have passed since the window started (or since the
/// check-in, when later; 409 `no_show_too_early` before), with a photo at the door (purpose
/// `no_show`), the position and the calls tried (at least `min_calls`), the order is
/// cancelled under the no-show policy: the late-cancellation fee is kept and the rest
/// refunded. Missing evidence is 422 with one field error each. A repeat answers the
/// no-show recorded. Someone else's order is 404; a wrong state is 409.
#[utoipa::path(operation_id = "worker_job_no_show", post, path = "/api/v1/worker/jobs/{id}/no-show", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), ("Device-Time" = Option<String>, Header, description = "Optional: when the worker took this step by the phone's clock (RFC 3339), for a step queued offline and sent later; recorded beside the server's time"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a resend with the same key and body replays the first answer")), request_body = NoShowRequest,
    responses((status = 200, body = NoShowView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn no_show(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<NoShowRequest>,
) -> ApiResult<axum::Json<NoShowView>> {
    let input = visits::NoShowInput {
        lat: req.lat,
        lng: req.lng,
        accuracy_m: req.accuracy_m,
        call_attempts: req.call_attempts,
        photo_upload_id: req.photo_upload_id,
        note: req.note,
        device_at: device_time(&headers)?,
    };
    let done = visits::no_show(&app(&state), me.id, id, &input, state.now()).await?;
    let r = done.record;
    Ok(axum::Json(NoShowView {
        order_id: id,
        state: done.order.state.as_str().into(),
        id: r.id,
        at: r.at,
        distance_m: r.distance_m,
        call_attempts: r.call_attempts,
        fee_fen: r.fee_fen,
        refunded_fen: r.refunded_fen,
    }))
}

/// Who has come to the customer's door.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArrivalView {
    /// The order (visit).
    pub order_id: Uuid,
    /// Its state (`arrived` or `in_service`).
    pub state: String,
    /// The worker's name.
    pub worker_name: String,
    /// When they checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// Their photo taken at check-in (`/api/v1/customer/orders/{id}/arrival/photo`), if any.
    pub photo_url: Option<String>,
}

/// Who is at the door (请核对服务人员): the worker's name and the photo they took of
/// themselves when checking in, while they are at the door or serving (`arrived`,
/// `in_service`); otherwise 409 `arrival_not_available`. Someone else's order is 404.
#[utoipa::path(operation_id = "customer_order_arrival", get, path = "/api/v1/customer/orders/{id}/arrival", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id")),
    responses((status = 200, body = ArrivalView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn arrival(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ArrivalView>> {
    let a = customer::arrival(&app(&state), me.id, id).await?;
    Ok(axum::Json(ArrivalView {
        order_id: a.order_id,
        state: a.state.as_str().into(),
        worker_name: a.worker_name,
        checked_in_at: a.checked_in_at,
        photo_url: a
            .selfie
            .map(|_| format!("/api/v1/customer/orders/{id}/arrival/photo")),
    }))
}

/// The worker's photo taken at check-in, for the customer of the order, while the worker
/// is at the door or serving. None taken: 404.
#[utoipa::path(operation_id = "customer_order_arrival_photo", get, path = "/api/v1/customer/orders/{id}/arrival/photo", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn arrival_photo(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::response::Response> {
    let a = customer::arrival(&app(&state), me.id, id).await?;
    let u = a.selfie.ok_or_else(|| ApiError::not_found("photo"))?;
    super::uploads::serve(&state, &u).await
}

/// A no-show, for operations.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoShowAdminView {
    /// The no-show.
    #[serde(flatten)]
    pub no_show: NoShowView,
    /// The order's number.
    pub order_no: String,
    /// The service area.
    pub area_code: Option<String>,
    /// The worker.
    pub worker_id: Uuid,
    /// Their name.
    pub worker_name: String,
    /// Where the worker's phone said they were (WGS-84).
    pub position: Option<Point>,
    /// The accuracy reported, metres.
    pub accuracy_m: Option<f64>,
    /// The worker's note.
    pub note: Option<String>,
    /// The photo at the door (`/api/v1/admin/uploads/{id}`).
    pub photo_url: String,
}

/// A page of no-shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoShowPage {
    /// Newest first.
    pub items: Vec<NoShowAdminView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Orders cancelled because the customer was not home (客户不在家), newest first, with the
/// worker's evidence and the fee kept. A partner's staff see their partner's workers' only.
#[utoipa::path(operation_id = "admin_no_shows", get, path = "/api/v1/admin/check-ins/no-shows", tag = "admin", security(("bearer" = ["order.read"])),
    params(FlaggedParams),
    responses((status = 200, body = NoShowPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn no_shows(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Query(p): Query<FlaggedParams>,
) -> ApiResult<axum::Json<NoShowPage>> {
    let page = super::admin::page_request(p.cursor.as_deref(), p.limit)?;
    let found = ops::no_shows(&app(&state), scope_of(&who.staff), p.area, p.since, page).await?;
    Ok(axum::Json(NoShowPage {
        items: found
            .items
            .into_iter()
            .map(|n| {
                let r = n.record;
                NoShowAdminView {
                    no_show: NoShowView {
                        order_id: r.order_id,
                        state: "cancelled".into(),
                        id: r.id,
                        at: r.at,
                        distance_m: r.distance_m,
                        call_attempts: r.call_attempts,
                        fee_fen: r.fee_fen,
                        refunded_fen: r.refunded_fen,
                    },
                    order_no: n.order_no,
                    area_code: r.area_code,
                    worker_id: r.worker_id,
                    worker_name: n.worker_name,
                    position: n.position.map(|p| Point {
                        lat: p.lat,
                        lng: p.lng,
                    }),
                    accuracy_m: r.accuracy_m,
                    note: r.note,
                    photo_url: format!("/api/v1/admin/uploads/{}", r.photo_upload_id),
                }
            })
            .collect(),
        next_cursor: found.next_cursor,
    }))
}
