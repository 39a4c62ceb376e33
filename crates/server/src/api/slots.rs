//! Booking slots (预约时段): the start windows of the coming days in which a qualified,
//! on-shift worker can reach the address in time, given what they already have booked and
//! the travel between visits. For a new booking, for rescheduling an order (the customer's
//! and the console's view), all answered by the same day plans as the check made when the
//! order is written.

use super::orders::{LineInput, line_requests, window_minutes};
use crate::http::auth::{Can, CurrentCustomer, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, NaiveDate, Utc};
use daojia_app::orders::slots::{self as cases, BookingSearch, Slots};
use daojia_domain::order::policy::Policy;
use daojia_store::repo::orders;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Most days one request may ask for.
pub const MAX_DAYS: u32 = cases::MAX_DAYS;

/// A start window.
#[derive(Debug, Serialize, ToSchema)]
pub struct WindowView {
    /// Window start.
    pub start: DateTime<Utc>,
    /// Window end (the worker arrives and starts in between).
    pub end: DateTime<Utc>,
    /// Whether someone can come.
    pub available: bool,
}

/// One day's windows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayView {
    /// Local date (`YYYY-MM-DD`).
    pub date: NaiveDate,
    /// Windows in time order, from the area's opening to its closing.
    pub windows: Vec<WindowView>,
}

/// The windows of the coming days for one visit.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotsView {
    /// Service area of the address.
    pub area_code: String,
    /// The area's time zone (IANA name).
    pub timezone: String,
    /// Length of a window, minutes.
    pub window_minutes: i64,
    /// Working time of the visit, minutes.
    pub duration_min: u32,
    /// The rules the order would have (cancellation, rescheduling, after-sales).
    #[schema(value_type = Object)]
    pub policy: Policy,
    /// Days from `from`.
    pub days: Vec<DayView>,
}

/// What to find windows for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotsRequest {
    /// The items (as when placing).
    pub items: Vec<LineInput>,
    /// One of the customer's saved addresses.
    pub address_id: Uuid,
    /// First local date (default: today in the area).
    #[serde(default, deserialize_with = "crate::http::bounds::opt_date")]
    pub from: Option<NaiveDate>,
    /// Number of days (1–14, default 7).
    pub days: Option<u32>,
}

/// Days to show for an order being rescheduled.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// First local date (default: today in the area).
    #[serde(default, deserialize_with = "crate::http::bounds::opt_date")]
    pub from: Option<NaiveDate>,
    /// Number of days (1–14, default 7).
    pub days: Option<u32>,
}

impl From<Slots> for SlotsView {
    fn from(s: Slots) -> Self {
        SlotsView {
            window_minutes: window_minutes(&s.area),
            area_code: s.area.code,
            timezone: s.area.timezone,
            duration_min: s.duration_min,
            policy: s.policy,
            days: s
                .days
                .into_iter()
                .map(|d| DayView {
                    date: d.date,
                    windows: d
                        .windows
                        .into_iter()
                        .map(|w| WindowView {
                            start: w.start,
                            end: w.end,
                            available: w.available,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The windows in which a worker can come for these items at this address.
#[utoipa::path(operation_id = "customer_slots", post, path = "/api/v1/customer/slots", tag = "customer", security(("bearer" = [])), request_body = SlotsRequest,
    responses((status = 200, body = SlotsView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn for_booking(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Json(req): Json<SlotsRequest>,
) -> ApiResult<axum::Json<SlotsView>> {
    Ok(axum::Json(booking(&state, me.id, req).await?))
}

/// The windows for a new booking by `customer` (the app's, or an agent's on their behalf).
pub(crate) async fn booking(
    state: &AppState,
    customer: Uuid,
    req: SlotsRequest,
) -> ApiResult<SlotsView> {
    let q = BookingSearch {
        customer,
        items: line_requests(req.items),
        address_id: req.address_id,
        from: req.from,
        days: req.days,
    };
    Ok(cases::for_booking(&state.app, q, state.now()).await?.into())
}

/// The windows this order could move to (its own current place does not count).
#[utoipa::path(operation_id = "customer_order_slots", get, path = "/api/v1/customer/orders/{id}/slots", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), RangeParams),
    responses((status = 200, body = SlotsView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn for_my_order(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Query(p): Query<RangeParams>,
) -> ApiResult<axum::Json<SlotsView>> {
    let m = orders::get(state.store.db(), id)
        .await?
        .filter(|m| m.customer_id == me.id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    let slots = cases::for_order(&state.app, m, p.from, p.days, state.now()).await?;
    Ok(axum::Json(slots.into()))
}

/// The windows an order could move to, for staff rescheduling it.
#[utoipa::path(operation_id = "admin_order_slots", get, path = "/api/v1/admin/orders/{id}/slots", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order id"), RangeParams),
    responses((status = 200, body = SlotsView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn for_staff(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
    Query(p): Query<RangeParams>,
) -> ApiResult<axum::Json<SlotsView>> {
    let scope = super::admin_workers::scope_of(&who.staff);
    let m = daojia_app::orders::read::get(&state.app, scope, id).await?;
    let slots = cases::for_order(&state.app, m, p.from, p.days, state.now()).await?;
    Ok(axum::Json(slots.into()))
}
