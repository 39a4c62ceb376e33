//! The customer's orders: place one (priced by the server, at a saved address, in a window
//! the area is open for), list them by what the customer sees, follow one with its
//! timeline, cancel (the fee is shown first) and reschedule under the order's policy.

use crate::http::auth::CurrentCustomer;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Timelike, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::CustomerId;
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, Order, PaymentPlan, TransitionError, Window};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::pricing::{self, ItemOption, Selection};
use daojia_store::entity::service_order;
use daojia_store::repo::accounts::{self, address_context as ctx};
use daojia_store::repo::{catalog, orders};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Length of an appointment window, minutes.
pub const WINDOW_MINUTES: i64 = 60;

/// One item to order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// Item code.
    pub item: String,
    /// Chosen options (others take their first choice).
    #[serde(default)]
    pub options: Vec<super::catalog::SelectionInput>,
    /// Units.
    #[serde(default = "one")]
    pub quantity: u32,
}

fn one() -> u32 {
    1
}

/// A new order. The price is the server's; the window is one hour from `window_start`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    /// The items (1–5).
    pub items: Vec<LineInput>,
    /// One of the customer's saved addresses.
    pub address_id: Uuid,
    /// Start of the appointment window (RFC 3339), on the hour or half hour.
    pub window_start: DateTime<Utc>,
    /// Notes for the worker (at most 500 characters).
    #[serde(default)]
    pub notes: String,
}

/// A line of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    /// Item code.
    pub item: String,
    /// Item name when ordered.
    pub name: String,
    /// Units.
    pub quantity: i32,
    /// Unit price, 分.
    pub unit_price_fen: i64,
    /// Line total, 分.
    pub total_fen: i64,
    /// Working time, minutes.
    pub duration_min: i32,
}

/// One step of the order's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Step number (0 = placed).
    pub seq: i32,
    /// When.
    pub at: DateTime<Utc>,
    /// `customer`, `worker`, `staff` or `system`.
    pub actor: String,
    /// What happened (`place`, `record_payment`, `assign`, `cancel`…).
    pub action: String,
    /// State after.
    pub state: String,
    /// Paid in this step, 分.
    pub paid_fen: i64,
    /// Refunded in this step, 分.
    pub refunded_fen: i64,
}

/// An order as its customer sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    /// Id.
    pub id: Uuid,
    /// Order number for the phone.
    pub order_no: String,
    /// State (`pending_payment`…`cancelled`).
    pub state: String,
    /// What the customer sees: awaiting_payment, awaiting_worker, awaiting_service,
    /// in_service, completed, cancelled, after_sales.
    pub view: String,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end.
    pub window_end: DateTime<Utc>,
    /// Service area.
    pub area_code: Option<String>,
    /// Address (decrypted for its owner).
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
    /// Total, 分.
    pub total_fen: i64,
    /// Due before a worker is sent, 分.
    pub due_before_dispatch_fen: i64,
    /// Paid, 分.
    pub paid_fen: i64,
    /// Refunded, 分.
    pub refunded_fen: i64,
    /// Kept as a cancellation fee, 分.
    pub fee_fen: i64,
    /// What cancelling now would cost, 分 (shown before the customer confirms).
    pub cancel_fee_now_fen: i64,
    /// The rules of this order.
    #[schema(value_type = Object)]
    pub policy: Policy,
    /// Notes.
    pub notes: String,
    /// Lines (in the detail view).
    pub lines: Vec<LineView>,
    /// Timeline (in the detail view).
    pub events: Vec<EventView>,
    /// Placed at.
    pub created_at: DateTime<Utc>,
}

fn view_name(s: OrderState) -> String {
    serde_json::to_value(s.customer_view())
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn order_view(
    state: &AppState,
    m: service_order::Model,
    o: &Order,
    now: DateTime<Utc>,
) -> OrderView {
    let v = state.store.vault();
    let dec = |c: &str, s: &str| v.decrypt(c, s).unwrap_or_else(|_| "•••".into());
    OrderView {
        id: m.id,
        order_no: m.order_no,
        state: m.state,
        view: view_name(o.state),
        window_start: m.window_start,
        window_end: m.window_end,
        area_code: m.area_code,
        address: dec(ctx::ADDRESS, &m.address_enc),
        house_number: dec(ctx::HOUSE_NUMBER, &m.house_number_enc),
        total_fen: m.total_fen,
        due_before_dispatch_fen: o.due_before_dispatch().as_fen(),
        paid_fen: m.paid_fen,
        refunded_fen: m.refunded_fen,
        fee_fen: m.fee_fen,
        cancel_fee_now_fen: o.customer_cancel_fee(now).as_fen(),
        policy: o.policy,
        notes: m.notes,
        lines: vec![],
        events: vec![],
        created_at: m.created_at,
    }
}

fn order_error(e: orders::OrderError) -> ApiError {
    match e {
        orders::OrderError::NotFound => ApiError::not_found("order"),
        orders::OrderError::Busy => ApiError::conflict("order_busy", e.to_string()),
        orders::OrderError::Transition(t) => transition_error(t),
        other => ApiError::internal(other),
    }
}

/// A refused transition as a problem: 409 with the current state, 403, or 422.
pub fn transition_error(t: TransitionError) -> ApiError {
    match &t {
        TransitionError::InvalidState { state, .. } => {
            let mut e = ApiError::conflict("invalid_state", t.to_string());
            e.errors.push(crate::http::error::FieldError::new(
                "state",
                state.as_str(),
                format!("the order is {}", state.as_str()),
            ));
            e
        }
        TransitionError::Forbidden(_) => ApiError::forbidden("not_allowed", t.to_string()),
        TransitionError::Policy(_) => ApiError::conflict("policy", t.to_string()),
        TransitionError::BalanceDue { .. } => ApiError::conflict("balance_due", t.to_string()),
        TransitionError::Amount(_) => {
            ApiError::field("amount_fen", "invalid_amount", t.to_string())
        }
        TransitionError::Window(_) => {
            ApiError::field("window_start", "invalid_window", t.to_string())
        }
    }
}

async fn owned(
    state: &AppState,
    me: &CurrentCustomer,
    id: Uuid,
) -> ApiResult<(service_order::Model, Order)> {
    let m = orders::get(state.store.db(), id)
        .await?
        .filter(|m| m.customer_id == me.id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    let o = orders::to_domain(&m).map_err(ApiError::internal)?;
    Ok((m, o))
}

/// Checks the window against the area's hours, lead time and horizon.
fn check_window(
    area: &daojia_store::entity::service_area::Model,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<Window> {
    let bad = |msg: String| Err(ApiError::field("window_start", "window_unavailable", msg));
    let tz: chrono_tz::Tz = area.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let local = start.with_timezone(&tz);
    if local.second() != 0 || local.nanosecond() != 0 || !local.minute().is_multiple_of(30) {
        return bad("a window starts on the hour or the half hour".into());
    }
    if start < now + Duration::minutes(i64::from(area.lead_minutes)) {
        return bad(format!(
            "the earliest start in this area is {} minutes from now",
            area.lead_minutes
        ));
    }
    if start > now + Duration::days(i64::from(area.horizon_days)) {
        return bad(format!(
            "this area takes bookings up to {} days ahead",
            area.horizon_days
        ));
    }
    let minute = (local.hour() * 60 + local.minute()) as i64;
    if minute < i64::from(area.open_minute)
        || minute + WINDOW_MINUTES > i64::from(area.close_minute)
    {
        return bad(format!(
            "this area is served from {:02}:{:02} to {:02}:{:02}",
            area.open_minute / 60,
            area.open_minute % 60,
            area.close_minute / 60,
            area.close_minute % 60
        ));
    }
    Ok(Window {
        start,
        end: start + Duration::minutes(WINDOW_MINUTES),
    })
}

/// Places an order. `Idempotency-Key` is required: a retried request returns the same order.
#[utoipa::path(operation_id = "customer_order_place", post, path = "/api/v1/customer/orders", tag = "customer", security(("bearer" = [])), request_body = PlaceOrder,
    params(("Idempotency-Key" = String, Header, description = "A UUID per order attempt; a retry with the same key returns the same order")),
    responses((status = 201, body = OrderView), (status = 400, body = crate::http::error::Problem), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Json(req): Json<PlaceOrder>,
) -> ApiResult<(StatusCode, axum::Json<OrderView>)> {
    let now = state.now();
    let db = state.store.db();
    if req.items.is_empty() || req.items.len() > 5 {
        return Err(ApiError::field("items", "count", "between 1 and 5 items"));
    }
    if req.notes.chars().count() > 500 {
        return Err(ApiError::field(
            "notes",
            "too_long",
            "at most 500 characters",
        ));
    }
    let address = accounts::addresses(db, me.id)
        .await?
        .into_iter()
        .find(|a| a.id == req.address_id)
        .ok_or_else(|| {
            ApiError::field(
                "address_id",
                "unknown_address",
                "not one of your saved addresses",
            )
        })?;
    let at = LatLng::new(address.lat, address.lng);
    let mut area = None;
    for a in catalog::areas(db).await? {
        let g: daojia_domain::geo::GeoJsonPolygon =
            serde_json::from_str(&a.polygon).map_err(ApiError::internal)?;
        if daojia_domain::geo::Polygon::from_geojson(&g)
            .map_err(ApiError::internal)?
            .contains(at)
        {
            area = Some(a);
            break;
        }
    }
    let area = area.ok_or_else(|| {
        ApiError::field(
            "address_id",
            "out_of_area",
            "we do not serve this address yet",
        )
    })?;
    let window = check_window(&area, req.window_start, now)?;

    let on_shelf = catalog::items_on_shelf(db).await?;
    let mut lines = Vec::with_capacity(req.items.len());
    let mut deposit = Money::ZERO;
    let mut any_deposit = false;
    for (i, l) in req.items.into_iter().enumerate() {
        let item = on_shelf.iter().find(|x| x.code == l.item).ok_or_else(|| {
            ApiError::field(
                &format!("items[{i}].item"),
                "unknown_item",
                format!("`{}` is not on offer", l.item),
            )
        })?;
        let options: Vec<ItemOption> =
            serde_json::from_str(&item.options).map_err(ApiError::internal)?;
        let sel: Vec<Selection> = l
            .options
            .into_iter()
            .map(|s| Selection {
                option: s.option,
                choice: s.choice,
            })
            .collect();
        let q = pricing::quote(
            Money::fen(item.base_price_fen),
            item.base_duration_min.max(0) as u32,
            &options,
            None,
            &sel,
            l.quantity,
        )
        .map_err(|e| ApiError::field(&format!("items[{i}].{}", e.field), e.code, e.message))?;
        if item.payment_mode == "deposit" {
            any_deposit = true;
            deposit = deposit + Money::fen(item.deposit_fen * i64::from(q.quantity)).min(q.total);
        } else {
            deposit = deposit + q.total;
        }
        lines.push(orders::NewLine {
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            quantity: q.quantity,
            unit_price: q.unit_price,
            total: q.total,
            duration_min: q.duration_min,
            selections: q.selections,
        });
    }
    let v = state.store.vault();
    let dec = |c: &str, s: &str| v.decrypt(c, s).map_err(ApiError::internal);
    let contact_phone = Phone::parse(&dec(ctx::CONTACT_PHONE, &address.contact_phone_enc)?)
        .map_err(ApiError::internal)?;
    let new = orders::NewOrder {
        customer: CustomerId(me.id),
        area_code: Some(area.code.clone()),
        address_id: Some(address.id),
        contact_name: dec(ctx::CONTACT_NAME, &address.contact_name_enc)?,
        contact_phone,
        address: dec(ctx::ADDRESS, &address.address_enc)?,
        house_number: dec(ctx::HOUSE_NUMBER, &address.house_number_enc)?,
        at,
        window,
        plan: if any_deposit {
            PaymentPlan::Deposit { deposit }
        } else {
            PaymentPlan::Full
        },
        policy: Policy::default(),
        notes: req.notes,
        lines,
    };
    let request_id = crate::http::error::current_request_id();
    let (m, o) = orders::place(&state.store, new, now, request_id.as_deref())
        .await
        .map_err(order_error)?;
    let id = m.id;
    let mut view = order_view(&state, m, &o, now);
    view.lines = lines_of(&state, id).await?;
    view.events = events_of(&state, id).await?;
    Ok((StatusCode::CREATED, axum::Json(view)))
}

async fn lines_of(state: &AppState, id: Uuid) -> ApiResult<Vec<LineView>> {
    Ok(orders::lines(state.store.db(), id)
        .await?
        .into_iter()
        .map(|l| LineView {
            item: l.item_code,
            name: l.item_name,
            quantity: l.quantity,
            unit_price_fen: l.unit_price_fen,
            total_fen: l.total_fen,
            duration_min: l.duration_min,
        })
        .collect())
}

async fn events_of(state: &AppState, id: Uuid) -> ApiResult<Vec<EventView>> {
    Ok(orders::events(state.store.db(), id)
        .await?
        .into_iter()
        .map(|e| EventView {
            seq: e.seq,
            at: e.at,
            actor: e.actor_type,
            action: e.action,
            state: e.to_state,
            paid_fen: e.paid_fen,
            refunded_fen: e.refunded_fen,
        })
        .collect())
}

/// Filters for the customer's order list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MyOrdersParams {
    /// Only orders the customer sees as this (awaiting_payment, awaiting_worker,
    /// awaiting_service, in_service, completed, cancelled, after_sales).
    pub view: Option<String>,
}

/// The customer's orders, newest first (at most 100).
#[utoipa::path(operation_id = "customer_order_mine", get, path = "/api/v1/customer/orders", tag = "customer", security(("bearer" = [])), params(MyOrdersParams),
    responses((status = 200, body = Vec<OrderView>), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn mine(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Query(p): Query<MyOrdersParams>,
) -> ApiResult<axum::Json<Vec<OrderView>>> {
    let states: Option<Vec<&str>> = match p.view.as_deref() {
        None => None,
        Some(v) => {
            let s: Vec<&str> = OrderState::ALL
                .iter()
                .filter(|s| view_name(**s) == v)
                .map(|s| s.as_str())
                .collect();
            if s.is_empty() {
                return Err(ApiError::field(
                    "view",
                    "unknown_view",
                    format!("no view `{v}`"),
                ));
            }
            Some(s)
        }
    };
    let mut q = service_order::Entity::find().filter(service_order::Column::CustomerId.eq(me.id));
    if let Some(s) = states {
        q = q.filter(service_order::Column::State.is_in(s));
    }
    let rows = q
        .order_by_desc(service_order::Column::CreatedAt)
        .limit(100)
        .all(state.store.db())
        .await?;
    let now = state.now();
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let o = orders::to_domain(&m).map_err(ApiError::internal)?;
        out.push(order_view(&state, m, &o, now));
    }
    Ok(axum::Json(out))
}

/// One of the customer's orders with its lines and timeline.
#[utoipa::path(operation_id = "customer_order_detail", get, path = "/api/v1/customer/orders/{id}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<OrderView>> {
    let (m, o) = owned(&state, &me, id).await?;
    let mut view = order_view(&state, m, &o, state.now());
    view.lines = lines_of(&state, id).await?;
    view.events = events_of(&state, id).await?;
    Ok(axum::Json(view))
}

/// Why the customer cancels.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelRequest {
    /// Reason (at most 200 characters).
    pub reason: String,
}

/// Cancels the order under its policy (the fee, if any, is `cancel_fee_now_fen`).
#[utoipa::path(operation_id = "customer_order_cancel", post, path = "/api/v1/customer/orders/{id}/cancel", tag = "customer", security(("bearer" = [])), request_body = CancelRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<CancelRequest>,
) -> ApiResult<axum::Json<OrderView>> {
    if req.reason.trim().is_empty() || req.reason.chars().count() > 200 {
        return Err(ApiError::field(
            "reason",
            "length",
            "between 1 and 200 characters",
        ));
    }
    act(&state, &me, id, Action::Cancel { reason: req.reason }).await
}

/// The new window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// New window start (RFC 3339), on the hour or half hour.
    pub window_start: DateTime<Utc>,
}

/// Moves the visit to another window (改约), within the order's policy.
#[utoipa::path(operation_id = "customer_order_reschedule", post, path = "/api/v1/customer/orders/{id}/reschedule", tag = "customer", security(("bearer" = [])), request_body = RescheduleRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reschedule(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<RescheduleRequest>,
) -> ApiResult<axum::Json<OrderView>> {
    let (m, _) = owned(&state, &me, id).await?;
    let area = match &m.area_code {
        Some(code) => catalog::areas(state.store.db())
            .await?
            .into_iter()
            .find(|a| &a.code == code),
        None => None,
    };
    let area = area.ok_or_else(|| {
        ApiError::conflict(
            "area_closed",
            "the order's service area no longer takes bookings",
        )
    })?;
    let window = check_window(&area, req.window_start, state.now())?;
    act(&state, &me, id, Action::Reschedule { window }).await
}

async fn act(
    state: &AppState,
    me: &CurrentCustomer,
    id: Uuid,
    action: Action,
) -> ApiResult<axum::Json<OrderView>> {
    owned(state, me, id).await?;
    let request_id = crate::http::error::current_request_id();
    let now = state.now();
    // Applied or already so (a retry): either way the answer is the order as it is now.
    orders::apply(
        &state.store,
        id,
        Actor::Customer {
            id: CustomerId(me.id),
        },
        action,
        now,
        request_id.as_deref(),
    )
    .await
    .map_err(order_error)?;
    let (m, o) = owned(state, me, id).await?;
    let mut view = order_view(state, m, &o, now);
    view.lines = lines_of(state, id).await?;
    view.events = events_of(state, id).await?;
    Ok(axum::Json(view))
}
