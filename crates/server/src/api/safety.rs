//! SOS during a visit over HTTP (issue 11, docs/visit.md "Safety"): the worker app's and
//! the customer app's red button, and the console's safety alerts (安全警报). The use cases
//! are [`daojia_app::safety`]; the handlers translate only.

use super::admin_workers::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_app::planning::Point;
use daojia_app::safety::{self, AlertView, Raiser, SosInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An SOS from an app.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SosRequest {
    /// Latitude, WGS-84 (the browser's geolocation), when the phone has it.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude, WGS-84.
    #[serde(default)]
    pub lng: Option<f64>,
    /// The position's accuracy, metres.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// What is wrong (at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// An SOS as its raiser sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SosView {
    /// The alert.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    /// When it was raised.
    pub raised_at: DateTime<Utc>,
    /// Whether this press raised it (`false`: the open alert raised before).
    pub new: bool,
    /// Where it was placed: `caller`, `last_known` or `none`.
    pub position_source: String,
}

fn sos_input(req: SosRequest) -> SosInput {
    SosInput {
        lat: req.lat,
        lng: req.lng,
        accuracy_m: req.accuracy_m,
        note: req.note,
    }
}

fn sos_view(r: &safety::Raised) -> (StatusCode, axum::Json<SosView>) {
    let status = if r.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        axum::Json(SosView {
            id: r.alert.id,
            order_id: r.alert.order_id,
            status: r.alert.status.clone(),
            raised_at: r.alert.raised_at,
            new: r.new,
            position_source: r.alert.position_source.clone(),
        }),
    )
}

/// The worker's SOS (紧急求助) during a visit (`en_route`, `arrived`, `in_service`): 201
/// with the alert, put live on the console; without a position, the worker's latest known
/// one is used. A second press while the alert is open answers it (200). Someone else's
/// order is 404; outside the visit 409 `sos_not_available`.
#[utoipa::path(operation_id = "worker_job_sos", post, path = "/api/v1/worker/jobs/{id}/sos", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")), request_body = SosRequest,
    responses((status = 201, body = SosView), (status = 200, body = SosView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_sos(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<SosRequest>,
) -> ApiResult<(StatusCode, axum::Json<SosView>)> {
    let r = safety::raise(
        &app(&state),
        Raiser::Worker(me.id),
        id,
        &sos_input(req),
        state.now(),
    )
    .await?;
    Ok(sos_view(&r))
}

/// The customer's SOS (紧急求助) during the visit of their order (`en_route`, `arrived`,
/// `in_service`): as the worker's. Someone else's order is 404.
#[utoipa::path(operation_id = "customer_order_sos", post, path = "/api/v1/customer/orders/{id}/sos", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id")), request_body = SosRequest,
    responses((status = 201, body = SosView), (status = 200, body = SosView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_sos(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<SosRequest>,
) -> ApiResult<(StatusCode, axum::Json<SosView>)> {
    let r = safety::raise(
        &app(&state),
        Raiser::Customer(me.id),
        id,
        &sos_input(req),
        state.now(),
    )
    .await?;
    Ok(sos_view(&r))
}

/// An alert for the console.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertAdminView {
    /// The alert.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// Its state now.
    pub order_state: String,
    /// Its state when raised.
    pub state_when_raised: String,
    /// The service area.
    pub area_code: Option<String>,
    /// The order's worker.
    pub worker_id: Option<Uuid>,
    /// `worker` or `customer`.
    pub raised_by_type: String,
    /// Who (the worker's name; a customer is `客户`).
    pub raised_by_name: String,
    /// Where (WGS-84).
    pub position: Option<Point>,
    /// The accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// `caller` (sent with the alert), `last_known` (the worker's latest position) or `none`.
    pub position_source: String,
    /// When the position was taken.
    pub position_at: Option<DateTime<Utc>>,
    /// What the raiser wrote.
    pub note: Option<String>,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    /// When raised.
    pub raised_at: DateTime<Utc>,
    /// When acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Staff's note.
    pub resolution_note: Option<String>,
}

fn admin_view(v: AlertView) -> AlertAdminView {
    let a = v.alert;
    AlertAdminView {
        id: a.id,
        order_id: a.order_id,
        order_no: v.order_no,
        order_state: v.order_state,
        state_when_raised: a.order_state,
        area_code: a.area_code,
        worker_id: a.worker_id,
        raised_by_type: a.raised_by_type,
        raised_by_name: v.raised_by_name,
        position: v.position.map(|p| Point {
            lat: p.lat,
            lng: p.lng,
        }),
        accuracy_m: a.accuracy_m,
        position_source: a.position_source,
        position_at: a.position_at,
        note: a.note,
        status: a.status,
        raised_at: a.raised_at,
        acknowledged_at: a.acknowledged_at,
        resolved_at: a.resolved_at,
        resolution_note: a.resolution_note,
    }
}

/// Which alerts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    /// `open` (default: not resolved) or `all`.
    pub status: Option<String>,
    /// Only this service area's.
    pub area: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// A page of alerts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertPage {
    /// Newest first.
    pub items: Vec<AlertAdminView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Safety alerts (安全警报), newest first: not resolved (`status=open`, the default) or
/// all. A partner's staff see those on their partner's workers' orders only.
#[utoipa::path(operation_id = "admin_safety_alerts", get, path = "/api/v1/admin/safety/alerts", tag = "admin", security(("bearer" = ["order.read"])),
    params(AlertParams),
    responses((status = 200, body = AlertPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_list(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Query(p): Query<AlertParams>,
) -> ApiResult<axum::Json<AlertPage>> {
    let open_only = match p.status.as_deref() {
        None | Some("open") => true,
        Some("all") => false,
        Some(_) => {
            return Err(crate::http::error::ApiError::field(
                "status",
                "unknown_status",
                "`open` or `all`",
            ));
        }
    };
    let page = super::admin::page_request(p.cursor.as_deref(), p.limit)?;
    let found = safety::list(&app(&state), scope_of(&who.staff), open_only, p.area, page).await?;
    Ok(axum::Json(AlertPage {
        items: found.items.into_iter().map(admin_view).collect(),
        next_cursor: found.next_cursor,
    }))
}

/// Staff's note on an alert.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertNote {
    /// What was done (required to resolve; at most 500 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// Acknowledges an open alert (someone is on it), audited. Not open: 409 `alert_not_open`.
#[utoipa::path(operation_id = "admin_safety_alert_acknowledge", post, path = "/api/v1/admin/safety/alerts/{id}/acknowledge", tag = "admin", security(("bearer" = ["order.write"])),
    params(("id" = Uuid, Path, description = "Alert id")), request_body = AlertNote,
    responses((status = 200, body = AlertAdminView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_acknowledge(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<AlertNote>,
) -> ApiResult<axum::Json<AlertAdminView>> {
    let v = safety::acknowledge(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        req.note.as_deref(),
        state.now(),
    )
    .await?;
    Ok(axum::Json(admin_view(v)))
}

/// Resolves an alert with a note (required), audited; the raiser may raise a new one
/// after it. Resolved already: 409 `alert_resolved`.
#[utoipa::path(operation_id = "admin_safety_alert_resolve", post, path = "/api/v1/admin/safety/alerts/{id}/resolve", tag = "admin", security(("bearer" = ["order.write"])),
    params(("id" = Uuid, Path, description = "Alert id")), request_body = AlertNote,
    responses((status = 200, body = AlertAdminView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_resolve(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<AlertNote>,
) -> ApiResult<axum::Json<AlertAdminView>> {
    let v = safety::resolve(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        req.note.as_deref(),
        state.now(),
    )
    .await?;
    Ok(axum::Json(admin_view(v)))
}
