//! Photo uploads (a picture of the leaking tap, of the damage after a visit). Checked by
//! their bytes, stripped of EXIF, stored in the file store under a new id, recorded with
//! their digest; attached to an order when it is placed or an after-sales case is opened.
//! Only the uploader and staff who can read orders see them.

use crate::http::auth::{Can, CurrentCustomer, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use daojia_store::repo::uploads;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// Most photos one customer uploads in a day.
pub const DAILY_LIMIT: u64 = 60;
/// Purposes a customer uploads for.
pub const PURPOSES: [&str; 3] = ["problem", "after_sales", "review"];

/// A stored photo.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadView {
    /// Id (send it in `photo_ids`).
    pub id: Uuid,
    /// `problem`, `after_sales` or `review` (a customer's); `item`, `worker_document`… (staff's).
    pub purpose: String,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Bytes stored.
    pub size_bytes: i64,
    /// Pixels across.
    pub width: i32,
    /// Pixels down.
    pub height: i32,
    /// Where its owner fetches it (with their token).
    pub url: String,
}

/// The multipart form of an upload (for the documentation).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// `problem` (default), `after_sales` or `review`.
    purpose: Option<String>,
    /// The photo: JPEG, PNG or WebP.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a photo (multipart: `file`, optional `purpose`).
#[utoipa::path(operation_id = "customer_upload", post, path = "/api/v1/customer/uploads", tag = "customer", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadView), (status = 401, body = crate::http::error::Problem), (status = 413, body = crate::http::error::Problem),
        (status = 415, description = "not a JPEG, PNG or WebP image", body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    me: CurrentCustomer,
    form: Multipart,
) -> ApiResult<(StatusCode, axum::Json<UploadView>)> {
    receive(&state, form, "customer", me.id, &PURPOSES, "problem").await
}

/// Uploads a photo for the catalog (multipart: `file`; purpose `item`).
#[utoipa::path(operation_id = "admin_upload", post, path = "/api/v1/admin/uploads", tag = "admin", security(("bearer" = ["catalog.write"])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadView), (status = 403, body = crate::http::error::Problem), (status = 413, body = crate::http::error::Problem),
        (status = 415, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn staff_upload(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    form: Multipart,
) -> ApiResult<(StatusCode, axum::Json<UploadView>)> {
    receive(&state, form, "staff", who.staff.staff.id, &["item"], "item").await
}

pub(crate) async fn receive(
    state: &AppState,
    mut form: Multipart,
    owner_type: &'static str,
    owner_id: Uuid,
    purposes: &[&str],
    default_purpose: &str,
) -> ApiResult<(StatusCode, axum::Json<UploadView>)> {
    let max = state.config.booking.upload_max_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!("a photo may be at most {} MB", max / (1024 * 1024)),
        )
    };
    let mut purpose = default_purpose.to_string();
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(ApiError::bad_request("bad_multipart", e.body_text())),
        };
        match field.name() {
            Some("purpose") => {
                purpose = field
                    .text()
                    .await
                    .map_err(|e| ApiError::bad_request("bad_multipart", e.body_text()))?;
            }
            Some("file") => {
                let mut field = field;
                let mut buf = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            if buf.len() + c.len() > max {
                                return Err(too_large());
                            }
                            buf.extend_from_slice(&c);
                        }
                        Ok(None) => break,
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return Err(too_large());
                        }
                        Err(e) => {
                            return Err(ApiError::bad_request("bad_multipart", e.body_text()));
                        }
                    }
                }
                file = Some(buf);
            }
            _ => {}
        }
    }
    if !purposes.contains(&purpose.as_str()) {
        return Err(ApiError::field(
            "purpose",
            "unknown_purpose",
            format!("one of: {}", purposes.join(", ")),
        ));
    }
    let bytes =
        file.ok_or_else(|| ApiError::field("file", "required", "attach the photo as `file`"))?;
    let photo = crate::files::check_photo(&bytes).map_err(|e| match e {
        crate::files::PhotoError::NotAnImage => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_an_image",
            "only JPEG, PNG or WebP photos",
        ),
        other => ApiError::field("file", "bad_image", other.to_string()),
    })?;
    let now = state.now();
    let db = state.store.db();
    if uploads::count_since(db, owner_type, owner_id, now - Duration::days(1)).await? >= DAILY_LIMIT
    {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_uploads",
            format!("at most {DAILY_LIMIT} photos a day"),
        ));
    }
    let id = Uuid::now_v7();
    state
        .files
        .put(id, &photo.bytes)
        .await
        .map_err(ApiError::internal)?;
    let row = uploads::insert(
        db,
        uploads::NewUpload {
            id,
            owner_type,
            owner_id,
            purpose,
            content_type: photo.content_type.into(),
            size_bytes: photo.bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&photo.bytes)),
            width: photo.width as i32,
            height: photo.height as i32,
        },
        now,
    )
    .await?;
    let audience = if owner_type == "customer" {
        "customer"
    } else {
        "admin"
    };
    let mut v = view(&row, audience);
    if row.purpose == "item" {
        v.url = format!("/api/v1/public/photos/{}", row.id);
    }
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// A catalog photo (anyone may see it).
#[utoipa::path(operation_id = "public_photo", get, path = "/api/v1/public/photos/{id}", tag = "public",
    params(("id" = Uuid, Path, description = "Photo id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 404, body = crate::http::error::Problem)))]
pub async fn public_photo(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let u = uploads::get(state.store.db(), id)
        .await?
        .filter(|u| u.purpose == "item")
        .ok_or_else(|| ApiError::not_found("photo"))?;
    let mut r = serve(&state, &u).await?;
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=604800, immutable"),
    );
    Ok(r)
}

/// The view of an upload, with the URL for `audience` (`customer` or `admin`).
pub fn view(u: &daojia_store::entity::upload::Model, audience: &str) -> UploadView {
    UploadView {
        id: u.id,
        purpose: u.purpose.clone(),
        content_type: u.content_type.clone(),
        size_bytes: u.size_bytes,
        width: u.width,
        height: u.height,
        url: format!("/api/v1/{audience}/uploads/{}", u.id),
    }
}

pub(crate) async fn serve(
    state: &AppState,
    u: &daojia_store::entity::upload::Model,
) -> ApiResult<Response> {
    let bytes = state
        .files
        .get(u.id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    Ok((
        [
            (header::CONTENT_TYPE, u.content_type.clone()),
            (header::CACHE_CONTROL, "private, max-age=86400".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// One of the customer's own photos.
#[utoipa::path(operation_id = "customer_upload_get", get, path = "/api/v1/customer/uploads/{id}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn mine(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let u = uploads::get(state.store.db(), id)
        .await?
        .filter(|u| u.owner_type == "customer" && u.owner_id == me.id)
        .ok_or_else(|| ApiError::not_found("upload"))?;
    serve(&state, &u).await
}

/// A photo attached to an order, for staff who can read orders.
#[utoipa::path(operation_id = "admin_upload_get", get, path = "/api/v1/admin/uploads/{id}", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Upload id")),
    responses((status = 200, description = "The image", content_type = "image/*"), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn for_staff(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let db = state.store.db();
    let u = uploads::get(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    // Staff see photos customers attached to orders they see, not everything anyone
    // uploaded.
    let scope = super::admin_workers::scope_of(&who.staff);
    let mut seen = false;
    // A worker's photo at the door of a check-in outside the fence belongs to its order.
    // So is the worker's photo of themselves at check-in, and the photo at the door of a
    // customer not home.
    use daojia_store::entity::{visit_check_in as ci, visit_no_show as ns};
    let check_ins = ci::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(ci::Column::PhotoUploadId.eq(id))
                .add(ci::Column::SelfieUploadId.eq(id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.order_id);
    // So does a photo on a service record (before / after the service).
    let recorded = daojia_store::repo::visit_records::orders_of_upload(db, id).await?;
    let no_shows = ns::Entity::find()
        .filter(ns::Column::PhotoUploadId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|n| n.order_id);
    let orders: Vec<Uuid> = uploads::attached_to(db, id)
        .await?
        .into_iter()
        .chain(check_ins)
        .chain(recorded)
        .chain(no_shows)
        .collect();
    for order in orders {
        match daojia_app::orders::read::get(&state.app, scope, order).await {
            Ok(_) => {
                seen = true;
                break;
            }
            Err(daojia_app::Error::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if !seen {
        return Err(ApiError::not_found("upload"));
    }
    serve(&state, &u).await
}
