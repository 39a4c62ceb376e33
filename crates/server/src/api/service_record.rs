//! The service record kept during the visit (服务记录, issue 11, docs/visit.md "Service
//! record") over HTTP: the worker ticks checklists, adds before/after photos, writes a note
//! and lists materials while in service; the customer and the console read it on the
//! order page. The use cases are [`daojia_app::visits::record`]; the handlers translate
//! only.

use super::admin_workers::{app, scope_of};
use crate::http::auth::{Can, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use daojia_app::visits::record::{self, Material, ServiceRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A line's checklist.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistView {
    /// The order line.
    pub line_id: Uuid,
    /// Its item's code.
    pub item_code: String,
    /// Its item's name.
    pub item_name: String,
    /// The steps, in order.
    pub steps: Vec<String>,
    /// Positions (from 0) of the steps ticked.
    pub ticked: Vec<u32>,
}

/// A photo on the record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordPhotoView {
    /// The upload.
    pub upload_id: Uuid,
    /// `before` or `after`.
    pub purpose: String,
    /// The order line it shows, if named.
    pub line_id: Option<Uuid>,
    /// When it was added.
    pub recorded_at: DateTime<Utc>,
    /// Where the reader fetches it (with their token).
    pub url: String,
}

/// One material used.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialView {
    /// What (1–40 characters).
    pub name: String,
    /// How much (more than 0, at most 100000; two decimals kept).
    pub quantity: f64,
    /// Unit (1–10 characters).
    pub unit: String,
}

/// Something finishing still needs.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingView {
    /// `checklist[i]` or `after_photo`.
    pub field: String,
    /// `checklist_incomplete` or `after_photo_required`.
    pub code: String,
    /// What to do.
    pub message: String,
}

/// An order's service record (服务记录).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRecordView {
    /// The order.
    pub order_id: Uuid,
    /// The order's state (recorded while `in_service`).
    pub state: String,
    /// Each line's checklist (lines whose item has none are left out).
    pub checklists: Vec<ChecklistView>,
    /// Before and after photos, oldest first.
    pub photos: Vec<RecordPhotoView>,
    /// The worker's note.
    pub note: Option<String>,
    /// Materials used.
    pub materials: Vec<MaterialView>,
    /// What a complete record still needs (every step ticked, an after photo); finishing
    /// requires it empty when `[visit.record] require_complete` is on.
    pub missing: Vec<MissingView>,
}

fn view(r: ServiceRecord, url: impl Fn(Uuid) -> String) -> ServiceRecordView {
    ServiceRecordView {
        order_id: r.order_id,
        state: r.state,
        checklists: r
            .lines
            .into_iter()
            .map(|l| ChecklistView {
                line_id: l.line_id,
                item_code: l.item_code,
                item_name: l.item_name,
                steps: l.steps,
                ticked: l.ticked,
            })
            .collect(),
        photos: r
            .photos
            .into_iter()
            .map(|p| RecordPhotoView {
                url: url(p.upload_id),
                upload_id: p.upload_id,
                purpose: p.purpose,
                line_id: p.line_id,
                recorded_at: p.recorded_at,
            })
            .collect(),
        note: r.note,
        materials: r
            .materials
            .into_iter()
            .map(|m| MaterialView {
                name: m.name,
                quantity: m.quantity,
                unit: m.unit,
            })
            .collect(),
        missing: r
            .missing
            .into_iter()
            .map(|m| MissingView {
                field: m.field,
                code: m.code.into(),
                message: m.message,
            })
            .collect(),
    }
}

fn worker_view(r: ServiceRecord) -> ServiceRecordView {
    view(r, |u| format!("/api/v1/worker/uploads/{u}"))
}

/// The service record of one of the worker's jobs. Someone else's order is 404.
#[utoipa::path(operation_id = "worker_job_record", get, path = "/api/v1/worker/jobs/{id}/record", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = ServiceRecordView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_get(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let r = record::for_worker(&app(&state), me.id, id).await?;
    Ok(axum::Json(worker_view(r)))
}

/// Ticks of one line's checklist.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistRequest {
    /// The order line.
    pub line_id: Uuid,
    /// Every step ticked now (positions from 0); a step left out is unticked.
    pub ticked: Vec<u32>,
}

/// The worker ticks steps of a line's checklist while in service. Another state is 409
/// `invalid_state`; an unknown line or step 422.
#[utoipa::path(operation_id = "worker_job_record_checklist", put, path = "/api/v1/worker/jobs/{id}/record/checklist", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = ChecklistRequest,
    responses((status = 200, body = ServiceRecordView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_checklist(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<ChecklistRequest>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let r = record::tick(
        &app(&state),
        me.id,
        id,
        req.line_id,
        &req.ticked,
        state.now(),
    )
    .await?;
    Ok(axum::Json(worker_view(r)))
}

/// A photo to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordPhotoRequest {
    /// The worker's upload (`POST /api/v1/worker/uploads` with purpose `before` or
    /// `after`).
    pub upload_id: Uuid,
    /// The order line it shows, if one.
    #[serde(default)]
    pub line_id: Option<Uuid>,
}

/// The worker adds a before or after photo to the record while in service. Someone else's
/// upload or one of another purpose is 422 `unknown_photo`; the same photo again changes
/// nothing.
#[utoipa::path(operation_id = "worker_job_record_photo", post, path = "/api/v1/worker/jobs/{id}/record/photos", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = RecordPhotoRequest,
    responses((status = 200, body = ServiceRecordView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_photo(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<RecordPhotoRequest>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let r = record::photo(
        &app(&state),
        me.id,
        id,
        req.upload_id,
        req.line_id,
        state.now(),
    )
    .await?;
    Ok(axum::Json(worker_view(r)))
}

/// The worker's note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordNoteRequest {
    /// At most 1000 characters; empty clears it.
    pub text: String,
}

/// The worker writes the record's note while in service (its text enters the hash chain
/// only salted).
#[utoipa::path(operation_id = "worker_job_record_note", put, path = "/api/v1/worker/jobs/{id}/record/note", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = RecordNoteRequest,
    responses((status = 200, body = ServiceRecordView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_note(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<RecordNoteRequest>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let r = record::note(&app(&state), me.id, id, &req.text, state.now()).await?;
    Ok(axum::Json(worker_view(r)))
}

/// The materials used.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialsRequest {
    /// The whole list (at most 30).
    pub materials: Vec<MaterialView>,
}

/// The worker lists the materials used while in service (the whole list each time).
#[utoipa::path(operation_id = "worker_job_record_materials", put, path = "/api/v1/worker/jobs/{id}/record/materials", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    request_body = MaterialsRequest,
    responses((status = 200, body = ServiceRecordView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_materials(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<MaterialsRequest>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let list: Vec<Material> = req
        .materials
        .into_iter()
        .map(|m| Material {
            name: m.name,
            quantity: m.quantity,
            unit: m.unit,
        })
        .collect();
    let r = record::materials(&app(&state), me.id, id, &list, state.now()).await?;
    Ok(axum::Json(worker_view(r)))
}

/// The service record of one of the customer's orders. Someone else's order is 404.
#[utoipa::path(operation_id = "customer_order_record", get, path = "/api/v1/customer/orders/{id}/record", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id")),
    responses((status = 200, body = ServiceRecordView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_get(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let r = record::for_customer(&app(&state), me.id, id).await?;
    Ok(axum::Json(view(r, |u| {
        format!("/api/v1/customer/orders/{id}/record/photos/{u}")
    })))
}

/// A photo of the service record of one of the customer's orders.
#[utoipa::path(operation_id = "customer_order_record_photo", get, path = "/api/v1/customer/orders/{id}/record/photos/{upload}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id"), ("upload" = Uuid, Path, description = "Upload id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_photo(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path((id, upload)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let r = record::for_customer(&app(&state), me.id, id).await?;
    if !r.photos.iter().any(|p| p.upload_id == upload) {
        return Err(ApiError::not_found("upload"));
    }
    let u = daojia_store::repo::uploads::get(state.store.db(), upload)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    super::uploads::serve(&state, &u).await
}

/// The service record of an order, for staff who see the order (a partner's staff: their
/// workers' orders only; any other is 404). Photos are fetched from
/// `/api/v1/admin/uploads/{id}`.
#[utoipa::path(operation_id = "admin_order_service_record", get, path = "/api/v1/admin/orders/{id}/service-record", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = ServiceRecordView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn admin_get(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ServiceRecordView>> {
    let r = record::for_staff(&app(&state), scope_of(&who.staff), id).await?;
    Ok(axum::Json(view(r, |u| {
        format!("/api/v1/admin/uploads/{u}")
    })))
}

/// One of the worker's own photos (a record's, a check-in's).
#[utoipa::path(operation_id = "worker_upload_get", get, path = "/api/v1/worker/uploads/{id}", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_upload_get(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let u = daojia_store::repo::uploads::get(state.store.db(), id)
        .await?
        .filter(|u| u.owner_type == "worker" && u.owner_id == me.id)
        .ok_or_else(|| ApiError::not_found("upload"))?;
    super::uploads::serve(&state, &u).await
}
