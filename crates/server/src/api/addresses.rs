//! The customer's saved addresses (地址簿): contact, phone, street, house number and a pin.
//! Text parts are encrypted at rest; the pin is stored in WGS-84 whatever system the map
//! that dropped it uses, and tells which service area (if any) serves the address.

use super::catalog::point;
use crate::http::auth::CurrentCustomer;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::customers::addresses::{self, AddressFields};
use daojia_domain::geo::CoordSystem;
use daojia_store::entity::customer_address;
use daojia_store::repo::accounts::{self, address_context as ctx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Most addresses one customer keeps.
pub const MAX_ADDRESSES: usize = addresses::MAX_ADDRESSES;

/// A saved address as its owner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressView {
    /// Id.
    pub id: Uuid,
    /// Label such as 家 or 公司.
    pub label: String,
    /// Contact at the door.
    pub contact_name: String,
    /// Their phone.
    pub contact_phone: String,
    /// Street address.
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
    /// Latitude, WGS-84.
    pub lat: f64,
    /// Longitude, WGS-84.
    pub lng: f64,
    /// The service area serving it, or none (cannot be booked yet).
    pub area_code: Option<String>,
    /// The default address.
    pub is_default: bool,
}

/// A new or changed address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    /// Label (at most 16 characters; default 家).
    #[serde(default)]
    pub label: Option<String>,
    /// Contact name (1–32 characters).
    pub contact_name: String,
    /// Contact phone (mainland mobile).
    pub contact_phone: String,
    /// Street address (2–200 characters).
    pub address: String,
    /// Building, floor, door (at most 64 characters).
    #[serde(default)]
    pub house_number: String,
    /// Latitude of the pin.
    pub lat: f64,
    /// Longitude of the pin.
    pub lng: f64,
    /// The pin's coordinate system: `wgs84` (default), `gcj02` (AMap, Tencent), `bd09`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub coord: Option<CoordSystem>,
    /// Make it the default address.
    #[serde(default)]
    pub is_default: bool,
}

pub(crate) fn view(state: &AppState, m: customer_address::Model) -> AddressView {
    let v = state.store.vault();
    let dec = |c: &str, s: &str| v.decrypt(c, s).unwrap_or_else(|_| "•••".into());
    AddressView {
        id: m.id,
        label: m.label,
        contact_name: dec(ctx::CONTACT_NAME, &m.contact_name_enc),
        contact_phone: dec(ctx::CONTACT_PHONE, &m.contact_phone_enc),
        address: dec(ctx::ADDRESS, &m.address_enc),
        house_number: dec(ctx::HOUSE_NUMBER, &m.house_number_enc),
        lat: m.lat,
        lng: m.lng,
        area_code: m.area_code,
        is_default: m.is_default,
    }
}

/// The address as the application layer takes it (the pin converted to WGS-84).
pub(crate) fn fields(a: AddressInput, prefix: &str) -> ApiResult<AddressFields> {
    let at = point(a.lat, a.lng, a.coord, prefix)?;
    Ok(AddressFields {
        label: a.label,
        contact_name: a.contact_name,
        contact_phone: a.contact_phone,
        address: a.address,
        house_number: a.house_number,
        at,
        is_default: a.is_default,
    })
}

/// The customer's addresses, the default first.
#[utoipa::path(operation_id = "customer_addresses", get, path = "/api/v1/customer/addresses", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = Vec<AddressView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<Vec<AddressView>>> {
    let rows = accounts::addresses(state.store.db(), me.id).await?;
    Ok(axum::Json(
        rows.into_iter().map(|m| view(&state, m)).collect(),
    ))
}

/// Saves a new address (the first one becomes the default).
#[utoipa::path(operation_id = "customer_address_add", post, path = "/api/v1/customer/addresses", tag = "customer", security(("bearer" = [])), request_body = AddressInput,
    responses((status = 201, body = AddressView), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn add(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Json(req): Json<AddressInput>,
) -> ApiResult<(StatusCode, axum::Json<AddressView>)> {
    let m = addresses::add(&state.app, me.id, fields(req, "")?, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&state, m))))
}

/// Changes a saved address.
#[utoipa::path(operation_id = "customer_address_update", put, path = "/api/v1/customer/addresses/{id}", tag = "customer", security(("bearer" = [])), request_body = AddressInput,
    params(("id" = Uuid, Path, description = "Address id")),
    responses((status = 200, body = AddressView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<AddressInput>,
) -> ApiResult<axum::Json<AddressView>> {
    let m = addresses::update(&state.app, me.id, id, fields(req, "")?).await?;
    Ok(axum::Json(view(&state, m)))
}

/// Deletes a saved address. Orders placed there keep their own copy.
#[utoipa::path(operation_id = "customer_address_delete", delete, path = "/api/v1/customer/addresses/{id}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Address id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    if accounts::delete_address(state.store.db(), me.id, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("address"))
    }
}
