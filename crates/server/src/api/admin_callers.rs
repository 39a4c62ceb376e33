//! Order on behalf (代客下单) in the console: customer service looks the caller up by phone
//! (or creates them, as a first log-in would), saves the address they dictate, asks for the
//! windows and places the order with the app's pricing, windows and policies. The rules live
//! in `daojia_app::customers::callers` and `daojia_app::orders::on_behalf`.

use super::addresses::{AddressInput, AddressView, fields, view};
use super::admin_orders::{AdminOrder, admin_order, by};
use super::orders::{LineInput, created, line_requests};
use super::slots::{SlotsRequest, SlotsView, booking};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::http::idempotency::IdempotencyClaim;
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use daojia_app::customers::callers::{self, Caller};
use daojia_app::orders::{By, StaffCall, on_behalf, place::PlaceOrder};
use daojia_domain::phone::mask_phone;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A caller: the customer and their saved addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallerView {
    /// Customer id.
    pub customer_id: Uuid,
    /// Nickname.
    pub nickname: String,
    /// Their phone, masked.
    pub phone_masked: String,
    /// Saved addresses, the default first.
    pub addresses: Vec<AddressView>,
}

fn caller_view(state: &AppState, phone: &str, c: Caller) -> CallerView {
    CallerView {
        customer_id: c.customer.id,
        nickname: c.nickname,
        phone_masked: mask_phone(phone),
        addresses: c.addresses.into_iter().map(|a| view(state, a)).collect(),
    }
}

/// The phone a caller calls from.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallerQuery {
    /// Mainland mobile number.
    pub phone: String,
}

/// Finds the customer calling from a phone (404 `customer` when they have no account yet).
#[utoipa::path(operation_id = "admin_caller_find", get, path = "/api/v1/admin/callers", tag = "admin", security(("bearer" = ["order.write"])),
    params(CallerQuery),
    responses((status = 200, body = CallerView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn find(
    State(state): State<AppState>,
    _who: Can<perm::OrderWrite>,
    Query(q): Query<CallerQuery>,
) -> ApiResult<axum::Json<CallerView>> {
    let c = callers::find(&state.app, &q.phone)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(axum::Json(caller_view(&state, &q.phone, c)))
}

/// A caller to find or create, with the address they dictate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterCaller {
    /// The phone they call from (mainland mobile).
    pub phone: String,
    /// An address to save for them.
    #[serde(default)]
    pub address: Option<AddressInput>,
}

fn staff_call(by: By) -> StaffCall {
    match by {
        By::Staff(s) => s,
        _ => unreachable!("the console's caller is staff"),
    }
}

/// Finds or creates the customer calling from `phone` and saves the address they dictate
/// (both recorded in the audit log under the agent's name).
#[utoipa::path(operation_id = "admin_caller_register", post, path = "/api/v1/admin/callers", tag = "admin", security(("bearer" = ["order.write"])), request_body = RegisterCaller,
    responses((status = 200, body = CallerView), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Json(req): Json<RegisterCaller>,
) -> ApiResult<axum::Json<CallerView>> {
    let staff = staff_call(by(&who.staff, &client));
    let address = match req.address {
        Some(a) => Some(fields(a, "address.")?),
        None => None,
    };
    let c = callers::register(&state.app, &staff, &req.phone, address, state.now()).await?;
    Ok(axum::Json(caller_view(&state, &req.phone, c)))
}

/// The windows for a new booking of the caller's.
#[utoipa::path(operation_id = "admin_caller_slots", post, path = "/api/v1/admin/callers/{id}/slots", tag = "admin", security(("bearer" = ["order.write"])), request_body = SlotsRequest,
    params(("id" = Uuid, Path, description = "Customer id")),
    responses((status = 200, body = SlotsView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn slots(
    State(state): State<AppState>,
    _who: Can<perm::OrderWrite>,
    Path(id): Path<Uuid>,
    Json(req): Json<SlotsRequest>,
) -> ApiResult<axum::Json<SlotsView>> {
    callers::get(&state.app, id).await?;
    Ok(axum::Json(booking(&state, id, req).await?))
}

/// An order placed for a caller.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceForCaller {
    /// The caller's customer id (from `GET /api/v1/admin/callers`).
    pub customer_id: Uuid,
    /// The items (1–5).
    pub items: Vec<LineInput>,
    /// One of the caller's saved addresses.
    pub address_id: Uuid,
    /// Start of the appointment window (RFC 3339), on the hour or half hour.
    #[serde(deserialize_with = "crate::http::bounds::instant")]
    pub window_start: DateTime<Utc>,
    /// Notes for the worker (at most 500 characters).
    #[serde(default)]
    pub notes: String,
}

/// Places an order on behalf of a caller (代客下单). `Idempotency-Key` is required: a retry
/// returns the same order.
#[utoipa::path(operation_id = "admin_order_place_on_behalf", post, path = "/api/v1/admin/orders", tag = "admin", security(("bearer" = ["order.write"])), request_body = PlaceForCaller,
    params(("Idempotency-Key" = String, Header, description = "A UUID per order attempt; a retry with the same key returns the same order")),
    responses((status = 201, body = AdminOrder), (status = 400, body = crate::http::error::Problem), (status = 403, body = crate::http::error::Problem),
        (status = 409, description = "`slot_unavailable`: someone took the last place in this window", body = crate::http::error::Problem),
        (status = 422, body = crate::http::error::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    key: Option<axum::Extension<IdempotencyClaim>>,
    Json(req): Json<PlaceForCaller>,
) -> ApiResult<axum::response::Response> {
    let staff = staff_call(by(&who.staff, &client));
    let input = PlaceOrder {
        customer: req.customer_id,
        items: line_requests(req.items),
        address_id: req.address_id,
        window_start: req.window_start,
        notes: req.notes,
        photo_ids: vec![],
        coupon: None,
        promotion: None,
        counters: None,
    };
    let placing = on_behalf::begin(&state.app, &staff, input, state.now()).await?;
    let view = admin_order(&state, who.staff.role, placing.row.clone());
    let body = serde_json::to_vec(&view).map_err(ApiError::internal);
    created(&state, placing, key, body).await
}
