//! The customer's orders: place one (priced by the server, at a saved address, in a window
//! the area is open for), list them by what the customer sees, follow one with its
//! timeline, cancel (the fee is shown first) and reschedule under the order's policy.

use crate::http::auth::CurrentCustomer;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::http::idempotency::IdempotencyClaim;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Timelike, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::CustomerId;
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, Order, PaymentPlan, TransitionError, Window};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::pricing::{self, ItemOption, Selection};
use daojia_store::entity::{customer_address, service_area, service_order};
use daojia_store::repo::accounts::{self, address_context as ctx};
use daojia_store::repo::{catalog, orders, slots};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
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
    #[serde(deserialize_with = "crate::http::bounds::instant")]
    pub window_start: DateTime<Utc>,
    /// Notes for the worker (at most 500 characters).
    #[serde(default)]
    pub notes: String,
    /// Photos of the problem: ids from `POST /api/v1/customer/uploads` (at most 6).
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
    /// A coupon code. Coupons arrive with the growth capability; until then any code is
    /// refused (`coupons_unavailable`) rather than silently ignored.
    #[serde(default)]
    pub coupon: Option<String>,
}

/// Adds the detail view's lines, timeline, photos and summary.
async fn fill_detail(state: &AppState, view: &mut OrderView) -> ApiResult<()> {
    fill_detail_in(state.store.db(), view).await
}

/// [`fill_detail`] read through `db` (a transaction that has not committed yet).
async fn fill_detail_in(db: &impl ConnectionTrait, view: &mut OrderView) -> ApiResult<()> {
    view.lines = lines_of(db, view.id).await?;
    view.events = events_of(db, view.id).await?;
    view.photos = photos_in(db, view.id, "customer").await?;
    view.summary = summarise(&view.lines);
    Ok(())
}

fn summarise(lines: &[LineView]) -> String {
    lines
        .iter()
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join("、")
}

/// Most photos on one order or case.
pub const MAX_PHOTOS: usize = 6;

/// A photo attached to an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoView {
    /// Upload id.
    pub id: Uuid,
    /// `problem` (when booking) or `after_sales`.
    pub purpose: String,
    /// Where to fetch it (with a token).
    pub url: String,
}

/// The customer's photos for `purpose`, checked one by one (errors name `photo_ids[i]`).
pub(crate) async fn check_photos(
    state: &AppState,
    customer: Uuid,
    ids: &[Uuid],
    purpose: &str,
) -> ApiResult<()> {
    if ids.len() > MAX_PHOTOS {
        return Err(ApiError::field(
            "photo_ids",
            "too_many",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        let ok = daojia_store::repo::uploads::get(state.store.db(), *id)
            .await?
            .is_some_and(|u| {
                u.owner_type == "customer" && u.owner_id == customer && u.purpose == purpose
            });
        if !ok {
            return Err(ApiError::field(
                &format!("photo_ids[{i}]"),
                "unknown_photo",
                format!("not one of your `{purpose}` photos"),
            ));
        }
    }
    Ok(())
}

/// An order's photos with URLs for `audience` (`customer` or `admin`).
pub(crate) async fn photos_of(
    state: &AppState,
    id: Uuid,
    audience: &str,
) -> ApiResult<Vec<PhotoView>> {
    photos_in(state.store.db(), id, audience).await
}

async fn photos_in(
    db: &impl ConnectionTrait,
    id: Uuid,
    audience: &str,
) -> ApiResult<Vec<PhotoView>> {
    Ok(daojia_store::repo::uploads::photos_of(db, id)
        .await?
        .into_iter()
        .map(|p| PhotoView {
            id: p.upload_id,
            purpose: p.purpose,
            url: format!("/api/v1/{audience}/uploads/{}", p.upload_id),
        })
        .collect())
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
    /// Photos (in the detail view).
    pub photos: Vec<PhotoView>,
    /// What was ordered, in a few words (item names, for lists).
    pub summary: String,
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
    let notes = super::account::readable(orders::notes(&state.store, &m), "order notes");
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
        notes,
        lines: vec![],
        events: vec![],
        photos: vec![],
        summary: String::new(),
        created_at: m.created_at,
    }
}

pub(crate) fn order_error(e: orders::OrderError) -> ApiError {
    match e {
        orders::OrderError::NotFound => ApiError::not_found("order"),
        orders::OrderError::Busy => ApiError::conflict("order_busy", e.to_string()),
        orders::OrderError::Photo(p) => ApiError::field(
            "photo_ids",
            "unknown_photo",
            format!("photo {p} is not one of yours"),
        ),
        orders::OrderError::SlotUnavailable => {
            let mut p = ApiError::conflict(
                "slot_unavailable",
                "this window is no longer available; please choose another",
            );
            p.errors.push(crate::http::error::FieldError::new(
                "window_start",
                "slot_unavailable",
                "nobody can come in this window any more",
            ));
            p
        }
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

/// Checks the window against the area's hours, lead time and horizon, and returns it with
/// the area's window length.
pub(crate) fn check_window(
    area: &service_area::Model,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<Window> {
    let bad = |msg: String| Err(ApiError::field("window_start", "window_unavailable", msg));
    let tz = slots::zone(area);
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
    let length = window_minutes(area);
    if minute < i64::from(area.open_minute) || minute + length > i64::from(area.close_minute) {
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
        end: start + Duration::minutes(length),
    })
}

/// The area's appointment window length, minutes (30 to 240; 60 when unset).
pub(crate) fn window_minutes(area: &service_area::Model) -> i64 {
    match area.window_minutes {
        m @ 30..=240 => i64::from(m),
        _ => WINDOW_MINUTES,
    }
}

/// The service area containing a point, if any.
pub(crate) async fn area_at(
    state: &AppState,
    at: LatLng,
) -> ApiResult<Option<service_area::Model>> {
    for a in catalog::areas(state.store.db()).await? {
        let g: daojia_domain::geo::GeoJsonPolygon =
            serde_json::from_str(&a.polygon).map_err(ApiError::internal)?;
        if daojia_domain::geo::Polygon::from_geojson(&g)
            .map_err(ApiError::internal)?
            .contains(at)
        {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// The customer's saved address `id` and the area serving it.
pub(crate) async fn address_and_area(
    state: &AppState,
    customer: Uuid,
    id: Uuid,
) -> ApiResult<(customer_address::Model, service_area::Model)> {
    let address = accounts::addresses(state.store.db(), customer)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| {
            ApiError::field(
                "address_id",
                "unknown_address",
                "not one of your saved addresses",
            )
        })?;
    let area = area_at(state, LatLng::new(address.lat, address.lng))
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "address_id",
                "out_of_area",
                "we do not serve this address yet",
            )
        })?;
    Ok((address, area))
}

/// Items priced by the server for one area, with what the visit needs.
pub(crate) struct Priced {
    /// The lines.
    pub lines: Vec<orders::NewLine>,
    /// Full payment, or a deposit first.
    pub plan: PaymentPlan,
    /// Working time including the longest packing-up time of the items, minutes.
    pub duration_min: u32,
    /// Skills the worker needs (all items').
    pub skills: Vec<String>,
    /// The rules: the first item's own policy, else the area's, else the default.
    pub policy: Policy,
}

/// Prices the lines with the area's price overrides. Errors name the line's field.
pub(crate) async fn price(
    state: &AppState,
    items: Vec<LineInput>,
    area: &service_area::Model,
) -> ApiResult<Priced> {
    let db = state.store.db();
    if items.is_empty() || items.len() > 5 {
        return Err(ApiError::field("items", "count", "between 1 and 5 items"));
    }
    let on_shelf = catalog::items_on_shelf(db).await?;
    let overrides = catalog::area_prices(db, &area.code).await?;
    let off = catalog::items_not_offered(db, &area.code).await?;
    let mut lines = Vec::with_capacity(items.len());
    let mut deposit = Money::ZERO;
    let mut any_deposit = false;
    let mut duration = 0u32;
    let mut buffer = 0u32;
    let mut skills: Vec<String> = vec![];
    let mut policy: Option<Policy> = None;
    for (i, l) in items.into_iter().enumerate() {
        let item = on_shelf.iter().find(|x| x.code == l.item).ok_or_else(|| {
            ApiError::field(
                &format!("items[{i}].item"),
                "unknown_item",
                format!("`{}` is not on offer", l.item),
            )
        })?;
        if off.contains(&item.code) {
            return Err(ApiError::field(
                &format!("items[{i}].item"),
                "not_offered_here",
                format!("`{}` is not offered at this address", item.name),
            ));
        }
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
        let area_price = overrides
            .iter()
            .find(|o| o.item_code == item.code)
            .map(|o| pricing::AreaPrice {
                base_price: o.base_price_fen.map(Money::fen),
                markup_percent: o.markup_percent,
            });
        let q = pricing::quote(
            Money::fen(item.base_price_fen),
            item.base_duration_min.max(0) as u32,
            &options,
            area_price.as_ref(),
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
        duration += q.duration_min;
        buffer = buffer.max(item.buffer_min.max(0) as u32);
        let needs: Vec<String> = serde_json::from_str(&item.skills).unwrap_or_default();
        for s in needs {
            if !skills.contains(&s) {
                skills.push(s);
            }
        }
        if policy.is_none() {
            policy = item
                .policy
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok());
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
    let policy = policy
        .or_else(|| {
            area.policy
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
        })
        .unwrap_or_default();
    Ok(Priced {
        lines,
        plan: if any_deposit {
            PaymentPlan::Deposit { deposit }
        } else {
            PaymentPlan::Full
        },
        duration_min: duration + buffer,
        skills,
        policy,
    })
}

/// The areas whose workers may serve `area` (its city's).
pub(crate) async fn pool(state: &AppState, area: &service_area::Model) -> ApiResult<Vec<String>> {
    Ok(slots::pool_of(
        &catalog::areas(state.store.db()).await?,
        area,
    ))
}

/// How far from home a worker is sent, metres.
pub(crate) fn reach_m(state: &AppState) -> f64 {
    state.config.booking.reach_km * 1000.0
}

/// Whether orders are marked paid on placement (the demo setting).
pub(crate) fn autopay(state: &AppState) -> bool {
    state.config.booking.demo_autopay.unwrap_or(state.demo)
}

// The order, what placing it does next (the demo's payment) and the completion of the key
// commit in one transaction, and the answer is the order as committed: a retry after a
// crash finds the order and gets it replayed, and never finds an order without its key.
/// Places an order. `Idempotency-Key` is required: a retried request returns the same order.
#[utoipa::path(operation_id = "customer_order_place", post, path = "/api/v1/customer/orders", tag = "customer", security(("bearer" = [])), request_body = PlaceOrder,
    params(("Idempotency-Key" = String, Header, description = "A UUID per order attempt; a retry with the same key returns the same order")),
    responses((status = 201, body = OrderView), (status = 400, body = crate::http::error::Problem), (status = 401, body = crate::http::error::Problem),
        (status = 409, description = "`slot_unavailable`: someone took the last place in this window", body = crate::http::error::Problem),
        (status = 422, body = crate::http::error::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    me: CurrentCustomer,
    key: Option<axum::Extension<IdempotencyClaim>>,
    Json(req): Json<PlaceOrder>,
) -> ApiResult<axum::response::Response> {
    let now = state.now();
    if req.notes.chars().count() > 500 {
        return Err(ApiError::field(
            "notes",
            "too_long",
            "at most 500 characters",
        ));
    }
    if req.coupon.as_deref().is_some_and(|c| !c.trim().is_empty()) {
        return Err(ApiError::field(
            "coupon",
            "coupons_unavailable",
            "coupons are not available yet",
        ));
    }
    let (address, area) = address_and_area(&state, me.id, req.address_id).await?;
    let window = check_window(&area, req.window_start, now)?;
    check_photos(&state, me.id, &req.photo_ids, "problem").await?;
    let priced = price(&state, req.items, &area).await?;
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
        at: LatLng::new(address.lat, address.lng),
        window,
        plan: priced.plan,
        policy: priced.policy,
        notes: req.notes,
        lines: priced.lines,
        duration_min: priced.duration_min,
        skills: priced.skills,
        photos: req.photo_ids,
    };
    let request_id = crate::http::error::current_request_id();
    let pool = pool(&state, &area).await?;
    let claim = orders::SlotClaim {
        area: &area,
        pool: &pool,
        travel: state.travel.as_ref(),
        reach_m: reach_m(&state),
    };
    let tx = state.store.db().begin().await?;
    let placed = async {
        let rid = request_id.as_deref();
        let (mut m, mut o) = orders::place_tx(&tx, &state.store, new, now, rid, Some(claim))
            .await
            .map_err(order_error)?;
        let due = o.due_before_dispatch();
        if autopay(&state) && due > Money::ZERO {
            let payment = Action::RecordPayment {
                amount: due,
                method: daojia_domain::order::machine::PaymentMethod::Demo,
                reference: format!("demo-{}", m.order_no),
            };
            (_, o) = orders::apply_tx(&tx, &state.store, m.id, Actor::System, payment, now, rid)
                .await
                .map_err(order_error)?;
            m = orders::get(&tx, m.id)
                .await?
                .ok_or_else(|| ApiError::not_found("order"))?;
        }
        let mut view = order_view(&state, m, &o, now);
        fill_detail_in(&tx, &mut view).await?;
        let body = serde_json::to_vec(&view).map_err(ApiError::internal)?;
        if let Some(axum::Extension(key)) = &key {
            key.complete_in(&tx, &state, StatusCode::CREATED, &body, JSON)
                .await?;
        }
        Ok::<_, ApiError>(body)
    }
    .await;
    let body = match placed {
        Ok(body) => {
            tx.commit().await?;
            body
        }
        Err(e) => {
            // Explicitly: a dropped transaction keeps its locks (the booking lock) until its
            // connection is used again.
            let _ = tx.rollback().await;
            return Err(e);
        }
    };
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CONTENT_TYPE, JSON)],
        body,
    )
        .into_response())
}

const JSON: &str = "application/json";

async fn lines_of(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Vec<LineView>> {
    Ok(orders::lines(db, id)
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

async fn events_of(db: &impl ConnectionTrait, id: Uuid) -> ApiResult<Vec<EventView>> {
    Ok(orders::events(db, id)
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
    // Item names for the cards, in one query for the page.
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let mut names: std::collections::HashMap<Uuid, Vec<String>> = Default::default();
    if !ids.is_empty() {
        for l in daojia_store::entity::order_line::Entity::find()
            .filter(daojia_store::entity::order_line::Column::OrderId.is_in(ids))
            .order_by_asc(daojia_store::entity::order_line::Column::Position)
            .all(state.store.db())
            .await?
        {
            names.entry(l.order_id).or_default().push(l.item_name);
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let o = orders::to_domain(&m).map_err(ApiError::internal)?;
        let summary = names.remove(&m.id).unwrap_or_default().join("、");
        let mut v = order_view(&state, m, &o, now);
        v.summary = summary;
        out.push(v);
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
    fill_detail(&state, &mut view).await?;
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
    act(&state, &me, id, Action::Cancel { reason: req.reason }, None).await
}

/// The new window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// New window start (RFC 3339), on the hour or half hour.
    #[serde(deserialize_with = "crate::http::bounds::instant")]
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
    let pool = pool(&state, &area).await?;
    let claim = orders::SlotClaim {
        area: &area,
        pool: &pool,
        travel: state.travel.as_ref(),
        reach_m: reach_m(&state),
    };
    act(&state, &me, id, Action::Reschedule { window }, Some(claim)).await
}

/// The customer's after-sales request (售后).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AfterSalesRequest {
    /// What went wrong (1–500 characters).
    pub reason: String,
    /// Photos of it: ids from `POST /api/v1/customer/uploads` with purpose `after_sales`.
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

/// Opens an after-sales case on a completed order, within the policy's days.
#[utoipa::path(operation_id = "customer_order_after_sales", post, path = "/api/v1/customer/orders/{id}/after-sales", tag = "customer", security(("bearer" = [])), request_body = AfterSalesRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn after_sales(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<AfterSalesRequest>,
) -> ApiResult<axum::Json<OrderView>> {
    let n = req.reason.trim().chars().count();
    if n == 0 || n > 500 {
        return Err(ApiError::field(
            "reason",
            "length",
            "between 1 and 500 characters",
        ));
    }
    check_photos(&state, me.id, &req.photo_ids, "after_sales").await?;
    owned(&state, &me, id).await?;
    let request_id = crate::http::error::current_request_id();
    let now = state.now();
    orders::apply(
        &state.store,
        id,
        Actor::Customer {
            id: CustomerId(me.id),
        },
        Action::OpenAfterSales { reason: req.reason },
        now,
        request_id.as_deref(),
    )
    .await
    .map_err(order_error)?;
    daojia_store::repo::uploads::attach(
        state.store.db(),
        id,
        "customer",
        me.id,
        &req.photo_ids,
        "after_sales",
        now,
    )
    .await
    .map_err(ApiError::internal)?;
    let (m, o) = owned(&state, &me, id).await?;
    let mut view = order_view(&state, m, &o, now);
    fill_detail(&state, &mut view).await?;
    Ok(axum::Json(view))
}

/// The customer confirms the visit is done (确认完成); the balance must be paid.
#[utoipa::path(operation_id = "customer_order_confirm", post, path = "/api/v1/customer/orders/{id}/confirm", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderView), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn confirm(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<OrderView>> {
    act(&state, &me, id, Action::Complete, None).await
}

async fn act(
    state: &AppState,
    me: &CurrentCustomer,
    id: Uuid,
    action: Action,
    slot: Option<orders::SlotClaim<'_>>,
) -> ApiResult<axum::Json<OrderView>> {
    owned(state, me, id).await?;
    let request_id = crate::http::error::current_request_id();
    let now = state.now();
    // Applied or already so (a retry): either way the answer is the order as it is now.
    orders::apply_checked(
        &state.store,
        id,
        Actor::Customer {
            id: CustomerId(me.id),
        },
        action,
        now,
        request_id.as_deref(),
        None,
        slot,
    )
    .await
    .map_err(order_error)?;
    let (m, o) = owned(state, me, id).await?;
    let mut view = order_view(state, m, &o, now);
    fill_detail(state, &mut view).await?;
    Ok(axum::Json(view))
}
