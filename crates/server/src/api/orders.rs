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
use chrono::{DateTime, Utc};
use daojia_app::orders::{self as cases, By};
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Order, TransitionError};
use daojia_domain::order::policy::Policy;
use daojia_domain::pricing::Selection;
use daojia_store::entity::{service_area, service_order};
use daojia_store::repo::accounts::address_context as ctx;
use daojia_store::repo::{orders, versions};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Length of an appointment window when the area sets none, minutes.
pub const WINDOW_MINUTES: i64 = cases::WINDOW_MINUTES;

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
    /// A promotion (限时特价) from `GET /api/v1/public/promotions`: one unit of its item is
    /// booked at its price. Refused with 409 on `promotion_id` when it is sold out
    /// (`promotion_sold_out`), not open (`promotion_not_started`, `promotion_ended`), not
    /// offered at the address (`promotion_not_offered_here`) or the customer already holds
    /// what one may (`promotion_limit_reached`).
    #[serde(default)]
    pub promotion_id: Option<Uuid>,
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

/// The promotion the order was booked at, held by the order or by one of its visits (after
/// `visits::fill`).
async fn fill_promotion(db: &impl ConnectionTrait, view: &mut OrderView) -> ApiResult<()> {
    let mut ids = vec![view.id];
    ids.extend(view.visits.iter().map(|v| v.id).filter(|id| *id != view.id));
    view.promotion = daojia_app::promotions::booked(db, &ids).await?;
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
pub const MAX_PHOTOS: usize = cases::place::MAX_PHOTOS;

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
    /// When the worker took this step by the phone's clock, for a step the worker app
    /// queued offline and sent later (`at` is the server's time, which counts).
    pub device_at: Option<DateTime<Utc>>,
}

impl From<daojia_store::entity::order_event::Model> for EventView {
    fn from(e: daojia_store::entity::order_event::Model) -> Self {
        let device_at = serde_json::from_str::<serde_json::Value>(&e.detail)
            .ok()
            .and_then(|d| d.get("device_at").cloned())
            .and_then(|v| serde_json::from_value(v).ok());
        EventView {
            seq: e.seq,
            at: e.at,
            actor: e.actor_type,
            action: e.action,
            state: e.to_state,
            paid_fen: e.paid_fen,
            refunded_fen: e.refunded_fen,
            device_at,
        }
    }
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
    /// What the order owes now and can be paid online, 分: the rest of the deposit or full
    /// price before dispatch, the balance afterwards (`POST /api/v1/orders/{id}/payments`
    /// opens a payment of exactly this). 0 when nothing is owed, and for an order of
    /// several visits (paid at the counter for now).
    pub owed_now_fen: i64,
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
    /// The visits of an order needing several trades, one per trade, each dispatched on
    /// its own (empty for an order of one visit).
    pub visits: Vec<super::visits::VisitView>,
    /// The promotion (限时特价) the order was booked at (in the detail view; none when it
    /// was booked at the usual prices).
    pub promotion: Option<daojia_app::promotions::BookedPromotion>,
    /// Placed at.
    pub created_at: DateTime<Utc>,
}

pub(crate) fn view_name(s: OrderState) -> String {
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
        owed_now_fen: daojia_domain::payment::owed_now(o).as_fen(),
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
        visits: vec![],
        promotion: None,
        created_at: m.created_at,
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
        TransitionError::Amount(_) => {
            ApiError::field("amount_fen", "invalid_amount", t.to_string())
        }
        TransitionError::Window(_) => {
            ApiError::field("window_start", "invalid_window", t.to_string())
        }
    }
}

/// The customer as the application layer's caller.
fn by(me: &CurrentCustomer) -> By {
    By::Customer {
        id: me.id,
        request_id: crate::http::error::current_request_id(),
    }
}

async fn owned(
    state: &AppState,
    me: &CurrentCustomer,
    id: Uuid,
) -> ApiResult<(service_order::Model, Order)> {
    Ok(cases::visible(&state.app, &by(me), id).await?)
}

/// The area's appointment window length, minutes.
pub(crate) fn window_minutes(area: &service_area::Model) -> i64 {
    cases::area::window_minutes(area)
}

/// The lines as the application layer takes them.
pub(crate) fn line_requests(items: Vec<LineInput>) -> Vec<cases::pricing::LineRequest> {
    items
        .into_iter()
        .map(|l| cases::pricing::LineRequest {
            item: l.item,
            options: l
                .options
                .into_iter()
                .map(|s| Selection {
                    option: s.option,
                    choice: s.choice,
                })
                .collect(),
            quantity: l.quantity,
        })
        .collect()
}

/// How far from home a worker is sent, metres.
pub(crate) fn reach_m(state: &AppState) -> f64 {
    state.app.settings.reach_m
}

// The order, what placing it does next (the demo's payment) and the completion of the key
// commit in one transaction, and the answer is the order as committed: a retry after a
// crash finds the order and gets it replayed, and never finds an order without its key.
/// Places an order. `Idempotency-Key` is required: a retried request returns the same order.
#[utoipa::path(operation_id = "customer_order_place", post, path = "/api/v1/customer/orders", tag = "customer", security(("bearer" = [])), request_body = PlaceOrder,
    params(("Idempotency-Key" = String, Header, description = "A UUID per order attempt; a retry with the same key returns the same order")),
    responses((status = 201, body = OrderView), (status = 400, body = crate::http::error::Problem), (status = 401, body = crate::http::error::Problem),
        (status = 409, description = "`slot_unavailable`: someone took the last place in this window; `promotion_sold_out`, `promotion_not_started`, `promotion_ended`, `promotion_not_offered_here`, `promotion_limit_reached` (field `promotion_id`): the promotion cannot be booked", body = crate::http::error::Problem),
        (status = 422, body = crate::http::error::Problem)))]
pub async fn place(
    State(state): State<AppState>,
    me: CurrentCustomer,
    key: Option<axum::Extension<IdempotencyClaim>>,
    counters: Option<axum::Extension<versions::RequestCounters>>,
    Json(req): Json<PlaceOrder>,
) -> ApiResult<axum::response::Response> {
    let now = state.now();
    let input = cases::place::PlaceOrder {
        customer: me.id,
        items: line_requests(req.items),
        address_id: req.address_id,
        window_start: req.window_start,
        notes: req.notes,
        photo_ids: req.photo_ids,
        coupon: req.coupon,
        promotion: req.promotion_id,
        // Read with the session check: no second read of them.
        counters: counters.map(|c| c.0),
    };
    let request_id = crate::http::error::current_request_id();
    // Checked on reads first: a refusal here (nearly every attempt in a busy day) wrote
    // nothing, and the layer stores its answer in one statement. The key is claimed before
    // the first write.
    let prepared = cases::place::prepare(&state.app, input, now).await?;
    if let Some(axum::Extension(key)) = &key {
        key.claim(&state).await?;
    }
    let placing = prepared
        .write(&state.app, now, request_id.as_deref())
        .await?;
    let view = async {
        let mut view = order_view(&state, placing.row.clone(), &placing.order, now);
        fill_detail_in(placing.tx(), &mut view).await?;
        super::visits::fill(&state, placing.tx(), &mut view, &placing.row, now, true).await?;
        fill_promotion(placing.tx(), &mut view).await?;
        serde_json::to_vec(&view).map_err(ApiError::internal)
    }
    .await;
    created(&state, placing, key, view).await
}

/// Answers 201 with `body` for a placement: completes the request's `Idempotency-Key` in
/// the placement's transaction, then commits both (or rolls both back on any error), so a
/// retry after a crash finds the order and its answer, never one without the other.
pub(crate) async fn created(
    state: &AppState,
    placing: cases::place::Placing,
    key: Option<axum::Extension<IdempotencyClaim>>,
    body: ApiResult<Vec<u8>>,
) -> ApiResult<axum::response::Response> {
    let answered = async {
        let body = body?;
        if let Some(axum::Extension(key)) = &key {
            key.complete_in(placing.tx(), state, StatusCode::CREATED, &body, JSON)
                .await?;
        }
        Ok::<_, ApiError>(body)
    }
    .await;
    let body = match answered {
        Ok(body) => {
            placing.commit(&state.app).await?;
            body
        }
        Err(e) => {
            placing.rollback().await;
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
        .map(EventView::from)
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
    // An order of several trades is listed once, as its first visit.
    use sea_orm::sea_query::ExprTrait;
    let not_linked = sea_orm::Condition::any()
        .add(service_order::Column::BundleId.is_null())
        .add(
            sea_orm::sea_query::Expr::col(service_order::Column::BundleId)
                .equals(service_order::Column::Id),
        );
    let mut q = service_order::Entity::find()
        .filter(service_order::Column::CustomerId.eq(me.id))
        .filter(not_linked);
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
        let mut v = order_view(&state, m.clone(), &o, now);
        v.summary = summary;
        super::visits::fill(&state, state.store.db(), &mut v, &m, now, false).await?;
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
    whole(&state, m, &o).await
}

/// The detail view of the order `m`: with its lines, timeline and photos, and, for an order
/// of several trades, its visits.
async fn whole(
    state: &AppState,
    m: service_order::Model,
    o: &Order,
) -> ApiResult<axum::Json<OrderView>> {
    let now = state.now();
    let mut view = order_view(state, m.clone(), o, now);
    fill_detail(state, &mut view).await?;
    super::visits::fill(state, state.store.db(), &mut view, &m, now, true).await?;
    fill_promotion(state.store.db(), &mut view).await?;
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
    cases::change::cancel(&state.app, &by(&me), id, req.reason, state.now()).await?;
    answer(&state, &me, id).await
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
    let now = state.now();
    cases::change::reschedule(&state.app, &by(&me), id, req.window_start, false, now).await?;
    answer(&state, &me, id).await
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
    let now = state.now();
    cases::change::open_after_sales(&state.app, &by(&me), id, req.reason, &req.photo_ids, now)
        .await?;
    answer(&state, &me, id).await
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
    cases::change::confirm(&state.app, &by(&me), id, state.now()).await?;
    answer(&state, &me, id).await
}

/// The answer to a change: the order as it is now (applied, or already so on a retry).
async fn answer(
    state: &AppState,
    me: &CurrentCustomer,
    id: Uuid,
) -> ApiResult<axum::Json<OrderView>> {
    let (m, o) = owned(state, me, id).await?;
    whole(state, m, &o).await
}
