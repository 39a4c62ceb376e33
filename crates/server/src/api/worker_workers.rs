//! The worker app's side of worker management: presence (online, 接单/休息), position
//! reports, the worker's own calendar and certificates, and document uploads
//! (certificates, photos) for the worker and for staff; staff read those documents
//! through `/api/v1/admin/worker-documents/{id}`.

use super::admin_worker_time::{CalendarDayView, RangeParams, day_view};
use super::admin_workers::{CertificateRequest, CertificateView, app, scope_of};
use super::uploads::{UploadForm, UploadView, receive, serve};
use crate::http::auth::{Can, CurrentWorker, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use daojia_app::workers::certificates::{self, Submitter};
use daojia_app::workers::{Scope, positions, presence, profile, shifts, visible};
use daojia_store::entity::{worker, worker_certificate};
use daojia_store::repo::uploads;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Purposes of worker documents.
pub const DOCUMENT_PURPOSES: [&str; 2] = ["certificate", "worker_photo"];
/// Purposes of a worker's own uploads: their documents, a photo at a door where the
/// check-in is outside the fence (`check_in`), their photo at arrival (`arrival_selfie`),
/// the evidence of a customer not home (`no_show`), and the service record's photos taken
/// before and after the service (`before`, `after`).
pub const WORKER_PURPOSES: [&str; 7] = [
    "certificate",
    "worker_photo",
    "check_in",
    "before",
    "after",
    "arrival_selfie",
    "no_show",
];

fn document_url(mut v: UploadView) -> UploadView {
    v.url = format!("/api/v1/admin/worker-documents/{}", v.id);
    v
}

/// Uploads a document for a worker (multipart: `file`, `purpose` `certificate` or
/// `worker_photo`).
#[utoipa::path(operation_id = "admin_worker_upload", post, path = "/api/v1/admin/worker-uploads", tag = "admin", security(("bearer" = ["worker.write"])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadView), (status = 403, body = crate::http::error::Problem), (status = 413, body = crate::http::error::Problem),
        (status = 415, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn staff_upload(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    form: Multipart,
) -> ApiResult<(StatusCode, axum::Json<UploadView>)> {
    let (s, v) = receive(
        &state,
        form,
        "staff",
        who.staff.staff.id,
        &DOCUMENT_PURPOSES,
        "certificate",
    )
    .await?;
    Ok((s, axum::Json(document_url(v.0))))
}

/// Uploads one of the worker's own documents or a photo at the door (multipart: `file`,
/// `purpose` `certificate`, `worker_photo` or `check_in`).
#[utoipa::path(operation_id = "worker_upload", post, path = "/api/v1/worker/uploads", tag = "worker", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadView), (status = 401, body = crate::http::error::Problem), (status = 413, body = crate::http::error::Problem),
        (status = 415, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn worker_upload(
    State(state): State<AppState>,
    me: CurrentWorker,
    form: Multipart,
) -> ApiResult<(StatusCode, axum::Json<UploadView>)> {
    let (s, v) = receive(
        &state,
        form,
        "worker",
        me.id,
        &WORKER_PURPOSES,
        "certificate",
    )
    .await?;
    Ok((s, axum::Json(document_url(v.0))))
}

/// A worker's document (a certificate or their photo), for staff who see the worker.
#[utoipa::path(operation_id = "admin_worker_document", get, path = "/api/v1/admin/worker-documents/{id}", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Upload id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn document(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let db = state.store.db();
    let scope = scope_of(&who.staff);
    let u = uploads::get(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    let cert = worker_certificate::Entity::find()
        .filter(worker_certificate::Column::UploadId.eq(id))
        .one(db)
        .await?
        .map(|c| c.worker_id);
    let photo = worker::Entity::find()
        .filter(worker::Column::PhotoUploadId.eq(id))
        .one(db)
        .await?
        .map(|w| w.id);
    // Documents not yet attached to a worker are visible to the staff who may attach them:
    // platform staff, or the staff of the partner whose staff uploaded them.
    let owner = cert.or(photo);
    match owner {
        Some(w) => {
            visible(db, scope, w).await?;
        }
        None if profile::staff_upload_in_scope(db, scope, &u).await? => {}
        None => return Err(ApiError::not_found("upload")),
    }
    serve(&state, &u).await
}

/// The worker's presence.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresenceView {
    /// The app is online.
    pub online: bool,
    /// Taking orders (接单); false is resting (休息).
    pub accepting: bool,
    /// When it last changed.
    pub presence_at: Option<DateTime<Utc>>,
}

/// A presence change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresenceRequest {
    /// Online.
    pub online: bool,
    /// Taking orders (only while online).
    pub accepting: bool,
}

/// Goes online or offline, and switches between taking orders (接单) and rest (休息).
#[utoipa::path(operation_id = "workers_set_presence", put, path = "/api/v1/worker/me/presence", tag = "worker", security(("bearer" = [])),
    request_body = PresenceRequest,
    responses((status = 200, body = PresenceView), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_presence(
    State(state): State<AppState>,
    me: CurrentWorker,
    Json(req): Json<PresenceRequest>,
) -> ApiResult<axum::Json<PresenceView>> {
    let w = presence::set(&app(&state), me.id, req.online, req.accepting, state.now()).await?;
    Ok(axum::Json(PresenceView {
        online: w.online,
        accepting: w.accepting,
        presence_at: w.presence_at,
    }))
}

/// Where the worker's device says they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionRequest {
    /// Latitude, degrees (WGS-84), -85.05 to 85.05.
    pub lat: f64,
    /// Longitude, degrees (WGS-84), -180 to 180.
    pub lng: f64,
    /// Radius of the fix's uncertainty, metres (0 to 500).
    pub accuracy_m: f64,
    /// When the device measured it: not more than a minute ahead of the server's clock,
    /// nor more than 10 minutes behind (the time of arrival when absent).
    pub measured_at: Option<DateTime<Utc>>,
}

/// The position dispatch now has for the worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionView {
    /// Latitude, degrees (WGS-84).
    pub lat: f64,
    /// Longitude, degrees (WGS-84).
    pub lng: f64,
    /// `live`: this report; or, when something newer is recorded (a report measured later
    /// that arrived first, a check-in), that one (`live` or `last_job`).
    pub source: String,
    /// When it was measured.
    pub seen_at: Option<DateTime<Utc>>,
    /// Online.
    pub online: bool,
    /// Taking orders (接单).
    pub accepting: bool,
}

/// Reports where the worker is, for dispatch (the nearest workers are offered an order
/// first) and the grab pool's distances. Only while online; the position is kept as the
/// worker's current one (no history) and shared by every API node. At most
/// `workers.position_reports_per_minute` per worker (429 with `Retry-After` beyond);
/// 503 `positions_unavailable` with `Retry-After` while the shared state does not answer.
#[utoipa::path(operation_id = "workers_report_position", put, path = "/api/v1/worker/me/position", tag = "worker", security(("bearer" = [])),
    request_body = PositionRequest,
    responses((status = 200, body = PositionView), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem),
        (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn report_position(
    State(state): State<AppState>,
    me: CurrentWorker,
    Json(req): Json<PositionRequest>,
) -> ApiResult<axum::Json<PositionView>> {
    crate::ratelimit::enforce(
        &state,
        &state.limits.position_per_worker,
        &me.id.to_string(),
        "too many position reports; send one every few seconds at most",
    )
    .await?;
    let report = positions::Report {
        lat: req.lat,
        lng: req.lng,
        accuracy_m: req.accuracy_m,
        measured_at: req.measured_at,
    };
    let p = positions::report(&app(&state), me.id, report, state.now()).await?;
    Ok(axum::Json(PositionView {
        lat: p.at.lat,
        lng: p.at.lng,
        source: p.source.code().into(),
        seen_at: DateTime::from_timestamp(p.seen_at, 0),
        online: p.online,
        accepting: p.accepting,
    }))
}

/// The worker's own calendar.
#[utoipa::path(operation_id = "workers_my_calendar", get, path = "/api/v1/worker/me/calendar", tag = "worker", security(("bearer" = [])),
    params(RangeParams),
    responses((status = 200, body = Vec<CalendarDayView>), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn my_calendar(
    State(state): State<AppState>,
    me: CurrentWorker,
    Query(r): Query<RangeParams>,
) -> ApiResult<axum::Json<Vec<CalendarDayView>>> {
    let days = shifts::worker_calendar(&app(&state), Scope::All, me.id, r.from, r.to).await?;
    Ok(axum::Json(days.into_iter().map(day_view).collect()))
}

/// The worker's own certificates, newest first.
#[utoipa::path(operation_id = "workers_my_certificates", get, path = "/api/v1/worker/me/certificates", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<CertificateView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn my_certificates(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Vec<CertificateView>>> {
    let rows = certificates::of_worker(&app(&state), Scope::All, me.id).await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}

/// Submits one of the worker's certificates for review (upload the document first).
#[utoipa::path(operation_id = "workers_submit_certificate", post, path = "/api/v1/worker/me/certificates", tag = "worker", security(("bearer" = [])),
    request_body = CertificateRequest,
    responses((status = 201, body = CertificateView), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn submit_certificate(
    State(state): State<AppState>,
    me: CurrentWorker,
    Json(req): Json<CertificateRequest>,
) -> ApiResult<(StatusCode, axum::Json<CertificateView>)> {
    let c = certificates::submit(
        &app(&state),
        Submitter::Worker,
        me.id,
        req.into(),
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(c.into())))
}

/// The certificate kinds a service item requires.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequiredCertificates {
    /// Kinds (`health`, `electrician`...).
    pub kinds: Vec<String>,
}

/// The certificate kinds an item requires of the worker who serves it.
#[utoipa::path(operation_id = "workers_item_certificates", get, path = "/api/v1/admin/catalog/items/{code}/certificates", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = RequiredCertificates), (status = 403, body = crate::http::error::Problem)))]
pub async fn item_certificates(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<RequiredCertificates>> {
    let kinds = certificates::required_for_item(&app(&state), &code).await?;
    Ok(axum::Json(RequiredCertificates { kinds }))
}

/// Replaces the certificate kinds an item requires (audited): a worker without an
/// approved, unexpired certificate of each kind is not dispatched for the item's skills.
#[utoipa::path(operation_id = "workers_set_item_certificates", put, path = "/api/v1/admin/catalog/items/{code}/certificates", tag = "admin", security(("bearer" = ["catalog.write"])),
    params(("code" = String, Path, description = "Item code")), request_body = RequiredCertificates,
    responses((status = 200, body = RequiredCertificates), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_item_certificates(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: crate::http::auth::ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<RequiredCertificates>,
) -> ApiResult<axum::Json<RequiredCertificates>> {
    let actor = super::admin_workers::actor(&who.staff, &client);
    let kinds =
        certificates::set_required_for_item(&app(&state), &actor, &code, &req.kinds, state.now())
            .await?;
    Ok(axum::Json(RequiredCertificates { kinds }))
}
