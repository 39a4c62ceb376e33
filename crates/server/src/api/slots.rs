//! Booking slots (预约时段): the start windows of the coming days in which a qualified,
//! on-shift worker can reach the address in time, given what they already have booked and
//! the travel between visits. For a new booking, for rescheduling an order (the customer's
//! and the console's view), all answered by the same day plans as the check made when the
//! order is written.

use super::orders::{
    LineInput, address_and_area, check_window, pool, price, reach_m, window_minutes,
};
use crate::http::auth::{Can, CurrentCustomer, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_domain::order::policy::Policy;
use daojia_domain::slots::{DayPlan, Job};
use daojia_store::entity::{service_area, service_order};
use daojia_store::repo::{bundles, catalog, orders, slots};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Most days one request may ask for.
pub const MAX_DAYS: u32 = 14;

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

fn range(
    area: &service_area::Model,
    from: Option<NaiveDate>,
    days: Option<u32>,
    now: DateTime<Utc>,
) -> ApiResult<(NaiveDate, u32)> {
    let days = days.unwrap_or(7);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::field(
            "days",
            "out_of_range",
            format!("between 1 and {MAX_DAYS}"),
        ));
    }
    let today = now.with_timezone(&slots::zone(area)).date_naive();
    let from = from.unwrap_or(today);
    if from < today - Duration::days(1) || from > today + Duration::days(366) {
        return Err(ApiError::field(
            "from",
            "out_of_range",
            "from yesterday to a year ahead",
        ));
    }
    Ok((from, days))
}

/// Every window the area offers on `date` that is bookable now (hours, lead time,
/// horizon), in order.
fn windows_of(
    area: &service_area::Model,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let m = slots::midnight(slots::zone(area), date);
    let first = (area.open_minute + 29) / 30 * 30;
    (0..)
        .map(|k| m + Duration::minutes(i64::from(first) + k * 30))
        .take_while(|s| {
            *s + Duration::minutes(window_minutes(area))
                <= m + Duration::minutes(i64::from(area.close_minute))
        })
        .filter_map(|s| check_window(area, s, now).ok())
        .map(|w| (w.start, w.end))
        .collect()
}

/// Answers the days for one order: its visit, or its visits (one per trade) all in the
/// same window, each by a different worker. `exclude` leaves the order's own visits out.
async fn compute(
    state: &AppState,
    area: &service_area::Model,
    jobs: Vec<Job>,
    from: NaiveDate,
    days: u32,
    exclude: &[Uuid],
) -> ApiResult<Vec<DayView>> {
    let now = state.now();
    let pool = pool(state, area).await?;
    let loaded = slots::load_days_without(
        state.store.db(),
        &pool,
        slots::zone(area),
        from,
        days,
        exclude,
    )
    .await?;
    let travel = state.travel.clone();
    let area = area.clone();
    // The search is CPU work: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        loaded
            .into_iter()
            .map(|(date, workers, pending)| {
                let windows = windows_of(&area, date, now);
                let plan = DayPlan::build(workers, pending, travel.as_ref());
                let secs: Vec<(i64, i64)> = windows
                    .iter()
                    .map(|(s, e)| (s.timestamp(), e.timestamp()))
                    .collect();
                let open = plan.availability_all(travel.as_ref(), &jobs, &secs);
                DayView {
                    date,
                    windows: windows
                        .into_iter()
                        .zip(open)
                        .map(|((start, end), available)| WindowView {
                            start,
                            end,
                            available,
                        })
                        .collect(),
                }
            })
            .collect()
    })
    .await
    .map_err(ApiError::internal)
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
    let state = state.clone();
    let (address, area) = address_and_area(&state, customer, req.address_id).await?;
    let (from, days) = range(&area, req.from, req.days, state.now())?;
    let priced = price(&state, req.items, &area).await?;
    let at = LatLng::new(address.lat, address.lng);
    let codes = pool(&state, &area).await?;
    let trades = daojia_app::orders::bundle::trades_on(&state.app, &codes, from, &priced).await?;
    let jobs = match trades {
        None => vec![job(at, priced.duration_min, priced.skills.clone(), &state)],
        Some(groups) => groups
            .iter()
            .map(|g| {
                let p = priced.part(g);
                job(at, p.duration_min, p.skills, &state)
            })
            .collect(),
    };
    let days = compute(&state, &area, jobs, from, days, &[]).await?;
    Ok(SlotsView {
        area_code: area.code.clone(),
        timezone: area.timezone.clone(),
        window_minutes: window_minutes(&area),
        duration_min: priced.duration_min,
        policy: priced.policy,
        days,
    })
}

fn job(at: LatLng, duration_min: u32, skills: Vec<String>, state: &AppState) -> Job {
    Job {
        at,
        duration: i64::from(duration_min.max(1)) * 60,
        skills,
        reach_m: reach_m(state),
    }
}

async fn for_order(
    state: &AppState,
    m: service_order::Model,
    p: RangeParams,
) -> ApiResult<axum::Json<SlotsView>> {
    let area = match &m.area_code {
        Some(code) => catalog::areas(state.store.db())
            .await?
            .into_iter()
            .find(|a| &a.code == code),
        None => None,
    }
    .ok_or_else(|| {
        ApiError::conflict(
            "area_closed",
            "the order's service area no longer takes bookings",
        )
    })?;
    let (from, days) = range(&area, p.from, p.days, state.now())?;
    // Every visit of the order moves together (one, unless it needs several trades).
    let visits: Vec<service_order::Model> = bundles::siblings(state.store.db(), m.clone())
        .await?
        .into_iter()
        .filter(|v| v.state != OrderState::Cancelled.as_str())
        .collect();
    let jobs = visits
        .iter()
        .map(|v| {
            let skills = v
                .skills
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            job(
                LatLng::new(v.lat, v.lng),
                v.duration_min.max(1) as u32,
                skills,
                state,
            )
        })
        .collect();
    let ids: Vec<Uuid> = visits.iter().map(|v| v.id).chain([m.id]).collect();
    let policy = orders::to_domain(&m).map_err(ApiError::internal)?.policy;
    let days = compute(state, &area, jobs, from, days, &ids).await?;
    Ok(axum::Json(SlotsView {
        area_code: area.code.clone(),
        timezone: area.timezone.clone(),
        window_minutes: window_minutes(&area),
        duration_min: m.duration_min.max(1) as u32,
        policy,
        days,
    }))
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
    for_order(&state, m, p).await
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
    for_order(&state, m, p).await
}
