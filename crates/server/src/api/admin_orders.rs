//! Orders in the operations console: the list with filters, the detail with timeline and
//! payments, and the actions staff take on an order. Each action is one transition of the
//! order state machine, recorded in the order's timeline and in the audit log together.

use super::account::readable;
use super::admin_workers::scope_of;
use super::orders::{EventView, LineView};
use crate::http::auth::{Can, ClientInfo, CurrentStaff, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Duration, Utc};
use daojia_app::orders::{self as cases, By, StaffCall, read};
use daojia_domain::access::Role;
use daojia_domain::order::OrderState;
use daojia_domain::phone::{Phone, mask_phone};
use daojia_domain::privacy;
use daojia_store::entity::service_order;
use daojia_store::repo::accounts::{self, address_context as ctx};
use daojia_store::repo::{PageRequest, orders};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// An order in the console.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOrder {
    /// Id.
    pub id: Uuid,
    /// Order number.
    pub order_no: String,
    /// State.
    pub state: String,
    /// Customer id.
    pub customer_id: Uuid,
    /// Worker id (offered to or assigned).
    pub worker_id: Option<Uuid>,
    /// Service area.
    pub area_code: Option<String>,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end.
    pub window_end: DateTime<Utc>,
    // Masked (`王**`) without `pii.read` (docs/api.md, "Masked personal data").
    /// Contact name.
    pub contact_name: String,
    /// Contact phone, masked (138****8000).
    pub contact_phone: String,
    // Without `pii.read` cut after the street (`上海市徐汇区漕溪北路***`), except for
    // dispatchers while the order is open.
    /// Address.
    pub address: String,
    /// Total, 分.
    pub total_fen: i64,
    /// Paid, 分.
    pub paid_fen: i64,
    /// Refunded, 分.
    pub refunded_fen: i64,
    /// Fee kept, 分.
    pub fee_fen: i64,
    /// Placed at.
    pub created_at: DateTime<Utc>,
    /// Lines (detail only).
    pub lines: Vec<LineView>,
    /// Timeline (detail only).
    pub events: Vec<EventView>,
    // `***`, and the coordinate rounded to 0.01°, when the address is masked.
    /// Building, floor, door.
    pub house_number: String,
    /// Latitude (WGS-84).
    pub lat: f64,
    /// Longitude (WGS-84).
    pub lng: f64,
    // `[hidden]` without `pii.read`.
    /// The customer's notes for the worker.
    pub notes: String,
    /// Working time of the visit, minutes.
    pub duration_min: i32,
    /// The order this one reworks (返工), if it is a rework visit.
    pub rework_of: Option<Uuid>,
    /// The rework visit made for this order, if any (in the detail view).
    pub rework_id: Option<Uuid>,
    /// The order (its first visit) this visit belongs to, when the order needs several
    /// trades (docs/adr/0008); none to a partner's staff when that first visit is another
    /// partner's.
    pub bundle_id: Option<Uuid>,
    /// The visits of that order the caller sees, this one included, first visit first
    /// (detail only; empty for an order of one visit).
    pub visits: Vec<BundleVisit>,
    /// Photos the customer attached (in the detail view).
    pub photos: Vec<super::orders::PhotoView>,
    /// Payments recorded (detail only).
    pub payments: Vec<RecordedPayment>,
    /// The promotion (限时特价) the order was booked at (detail only; none when it was
    /// booked at the usual prices).
    pub promotion: Option<daojia_app::promotions::BookedPromotion>,
}

/// One visit of an order needing several trades, for a link.
#[derive(Debug, Serialize, ToSchema)]
pub struct BundleVisit {
    /// The visit's id.
    pub id: Uuid,
    /// Its number.
    pub order_no: String,
    /// Its state.
    pub state: String,
    /// Its worker, once one is sent.
    pub worker_id: Option<Uuid>,
}

/// A recorded payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordedPayment {
    /// `cash`, `bank_transfer`, `channel:…`, `demo`.
    pub method: String,
    /// Receipt or transaction reference.
    pub reference: String,
    /// Amount, 分.
    pub amount_fen: i64,
    /// When.
    pub at: DateTime<Utc>,
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminOrderPage {
    /// Orders, newest first.
    pub items: Vec<AdminOrder>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// An order as a staff member with `role` may see it: contact details in clear with
/// `pii.read`, the address of an open order for dispatchers, masked otherwise
/// ([`privacy::order_disclosure`]).
pub(crate) fn admin_order(state: &AppState, role: Role, m: service_order::Model) -> AdminOrder {
    let v = state.store.vault();
    let dec = |c: &str, s: &str| v.decrypt(c, s).unwrap_or_else(|_| "•••".into());
    let order_state = m.state.parse().unwrap_or(OrderState::Completed);
    let show = privacy::order_disclosure(role, order_state);
    let (address, house_number, lat, lng) = if show.shows_address() {
        let house = dec(ctx::HOUSE_NUMBER, &m.house_number_enc);
        let text = dec(ctx::ADDRESS, &m.address_enc);
        (format!("{text} {house}"), house, m.lat, m.lng)
    } else {
        (
            privacy::mask_address(&dec(ctx::ADDRESS, &m.address_enc)),
            privacy::mask_house_number(&dec(ctx::HOUSE_NUMBER, &m.house_number_enc)),
            privacy::coarse_coordinate(m.lat),
            privacy::coarse_coordinate(m.lng),
        )
    };
    let (contact_name, notes) = if show.shows_contact() {
        (
            dec(ctx::CONTACT_NAME, &m.contact_name_enc),
            readable(orders::notes(&state.store, &m), "order notes"),
        )
    } else {
        (
            privacy::mask_name(&dec(ctx::CONTACT_NAME, &m.contact_name_enc)),
            privacy::mask_notes(&readable(orders::notes(&state.store, &m), "order notes")),
        )
    };
    AdminOrder {
        id: m.id,
        order_no: m.order_no,
        state: m.state,
        customer_id: m.customer_id,
        worker_id: m.worker_id,
        area_code: m.area_code,
        window_start: m.window_start,
        window_end: m.window_end,
        contact_name,
        contact_phone: mask_phone(&dec(ctx::CONTACT_PHONE, &m.contact_phone_enc)),
        address,
        total_fen: m.total_fen,
        paid_fen: m.paid_fen,
        refunded_fen: m.refunded_fen,
        fee_fen: m.fee_fen,
        created_at: m.created_at,
        lines: vec![],
        events: vec![],
        rework_of: m.rework_of,
        rework_id: None,
        bundle_id: m.bundle_id,
        visits: vec![],
        house_number,
        lat,
        lng,
        notes,
        duration_min: m.duration_min,
        photos: vec![],
        payments: vec![],
        promotion: None,
    }
}

/// Order list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderListParams {
    /// States, comma-separated (e.g. `pending_dispatch,pending_accept`).
    pub state: Option<String>,
    /// Service area code.
    pub area: Option<String>,
    /// Local date of the window (YYYY-MM-DD, China Standard Time).
    pub date: Option<String>,
    /// Worker id.
    pub worker_id: Option<Uuid>,
    /// The customer's phone.
    pub customer_phone: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// Orders, newest first, with filters.
#[utoipa::path(operation_id = "admin_order_list", get, path = "/api/v1/admin/orders", tag = "admin", security(("bearer" = ["order.read"])), params(OrderListParams),
    responses((status = 200, body = AdminOrderPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Query(p): Query<OrderListParams>,
) -> ApiResult<axum::Json<AdminOrderPage>> {
    let page: PageRequest = super::admin::page_request(p.cursor.as_deref(), p.limit)?;
    let mut f = orders::OrderFilter {
        area_code: p.area,
        worker: p.worker_id,
        ..Default::default()
    };
    if let Some(s) = &p.state {
        for name in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            f.states.push(name.parse().map_err(|_| {
                ApiError::field("state", "unknown_state", format!("no state `{name}`"))
            })?);
        }
    }
    if let Some(d) = &p.date {
        let day =
            crate::http::bounds::parse_date("date", d).map_err(|e| ApiError::invalid(vec![e]))?;
        let start =
            day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc() - Duration::hours(8);
        f.from = Some(start);
        f.until = Some(start + Duration::days(1));
    }
    if let Some(ph) = &p.customer_phone {
        let phone = Phone::parse(ph)
            .map_err(|e| ApiError::field("customer_phone", "invalid", e.to_string()))?;
        match accounts::customer_by_phone(&state.store, &phone).await? {
            Some(c) => f.customer = Some(c.id),
            None => {
                return Ok(axum::Json(AdminOrderPage {
                    items: vec![],
                    next_cursor: None,
                }));
            }
        }
    }
    let scope = scope_of(&who.staff);
    let rows = read::list(&state.app, scope, f, page).await?;
    let mut items = Vec::with_capacity(rows.items.len());
    for m in rows.items {
        let m = read::shown(&state.app, scope, m).await?;
        items.push(admin_order(&state, who.staff.role, m));
    }
    Ok(axum::Json(AdminOrderPage {
        items,
        next_cursor: rows.next_cursor,
    }))
}

/// One order with its lines, timeline and payments, if `who` sees it (404 otherwise).
async fn detail_of(state: &AppState, who: &CurrentStaff, id: Uuid) -> ApiResult<AdminOrder> {
    let db = state.store.db();
    let scope = scope_of(who);
    let m = read::get(&state.app, scope, id).await?;
    let bundle = m.bundle_id;
    let mut o = admin_order(state, who.role, read::shown(&state.app, scope, m).await?);
    o.lines = orders::lines(db, id)
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
        .collect();
    o.events = orders::events(db, id)
        .await?
        .into_iter()
        .map(EventView::from)
        .collect();
    o.photos = super::orders::photos_of(state, id, "admin").await?;
    o.rework_id = service_order::Entity::find()
        .filter(service_order::Column::ReworkOf.eq(id))
        .one(db)
        .await?
        .map(|r| r.id);
    if let Some(b) = bundle {
        let all = daojia_store::repo::bundles::visits(db, b).await?;
        o.visits = read::retain_visible(&state.app, scope, all)
            .await?
            .into_iter()
            .map(|v| BundleVisit {
                id: v.id,
                order_no: v.order_no,
                state: v.state,
                worker_id: v.worker_id,
            })
            .collect();
    }
    o.payments = orders::payments(db, id)
        .await?
        .into_iter()
        .map(|p| RecordedPayment {
            method: p.method,
            reference: p.reference,
            amount_fen: p.amount_fen,
            at: p.at,
        })
        .collect();
    let mut visits = vec![id];
    visits.extend(o.visits.iter().map(|v| v.id).filter(|v| *v != id));
    o.promotion = daojia_app::promotions::booked(db, &visits).await?;
    Ok(o)
}

/// One order with lines, timeline and payments.
#[utoipa::path(operation_id = "admin_order_detail", get, path = "/api/v1/admin/orders/{id}", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AdminOrder), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<AdminOrder>> {
    Ok(axum::Json(detail_of(&state, &who.staff, id).await?))
}

/// The staff member as the application layer's caller.
pub(crate) fn by(who: &CurrentStaff, client: &ClientInfo) -> By {
    By::Staff(StaffCall {
        id: who.staff.id,
        role: who.role,
        scope: scope_of(who),
        name: who.name.clone(),
        request_id: client.request_id.clone(),
        ip: client.ip.clone(),
    })
}

/// An offline payment (现金 / 转账) with its receipt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfflinePayment {
    /// Amount, 分.
    pub amount_fen: i64,
    /// `cash` or `bank_transfer`.
    pub method: String,
    /// Receipt number or transfer reference (the same reference twice is one payment).
    pub reference: String,
}

/// Records an offline payment.
#[utoipa::path(operation_id = "admin_order_record_payment", post, path = "/api/v1/admin/orders/{id}/payments", tag = "admin", security(("bearer" = ["finance.write"])), request_body = OfflinePayment,
    params(("id" = Uuid, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body records the payment once and replays the answer")),
    responses((status = 200, body = AdminOrder), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn record_payment(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<OfflinePayment>,
) -> ApiResult<axum::Json<AdminOrder>> {
    let by = by(&who.staff, &client);
    let now = state.now();
    cases::staff::record_payment(
        &state.app,
        &by,
        id,
        req.amount_fen,
        &req.method,
        &req.reference,
        now,
    )
    .await?;
    Ok(axum::Json(detail_of(&state, &who.staff, id).await?))
}

/// The worker to assign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// Worker id.
    pub worker_id: Uuid,
    /// Only check: answer the conflicts and change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Why the dispatcher assigns despite the conflicts (up to 200 characters); without it
    /// an assignment with conflicts is refused (409 `assign_conflicts`). Recorded in the
    /// order's timeline and the audit log.
    pub override_reason: Option<String>,
}

/// A manual assignment: the order (as it is after, or as it is for a dry run) with what
/// the check found.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignResult {
    /// The order.
    #[serde(flatten)]
    pub order: AdminOrder,
    /// Whether the order was assigned (false for a dry run).
    pub assigned: bool,
    /// The conflicts found (overridden, when assigned).
    pub conflicts: Vec<daojia_app::board::ConflictView>,
    /// When the worker would arrive.
    pub expected_arrival: Option<DateTime<Utc>>,
    /// When the visit would start.
    pub expected_start: Option<DateTime<Utc>>,
    /// When it would end.
    pub expected_finish: Option<DateTime<Utc>>,
}

/// Assigns a worker by hand (派单), or moves an accepted order to another worker (改派).
/// The assignment is checked first (late arrival, overlap with a job, missing skill or
/// certificate, no shift, past the shift's end, outside the area, daily limit): with
/// `dry_run` only the check is answered; with conflicts and no `override_reason` the
/// answer is 409 `assign_conflicts`, one entry in `errors` per conflict, nothing changed.
#[utoipa::path(operation_id = "admin_order_assign", post, path = "/api/v1/admin/orders/{id}/assign", tag = "admin", security(("bearer" = ["dispatch.write"])), request_body = AssignRequest,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AssignResult), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    who: Can<perm::DispatchWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<AssignRequest>,
) -> ApiResult<axum::Json<AssignResult>> {
    use cases::staff::Assigned;
    let by = by(&who.staff, &client);
    let done = cases::staff::assign(
        &state.app,
        &by,
        id,
        req.worker_id,
        req.dry_run,
        req.override_reason.as_deref(),
        state.now(),
    )
    .await?;
    let (preview, assigned) = match done {
        Assigned::Preview(p) => (p, false),
        Assigned::Done(_, p) => (p, true),
        Assigned::Refused(p) => {
            let mut e = ApiError::conflict(
                "assign_conflicts",
                format!(
                    "{} conflict(s); check them and give `override_reason` to assign anyway",
                    p.conflicts.len()
                ),
            );
            for c in &p.conflicts {
                e.errors.push(crate::http::error::FieldError::new(
                    "override_reason",
                    c.code.clone(),
                    c.message.clone(),
                ));
            }
            return Err(e);
        }
    };
    Ok(axum::Json(AssignResult {
        order: detail_of(&state, &who.staff, id).await?,
        assigned,
        conflicts: preview.conflicts,
        expected_arrival: preview.arrival,
        expected_start: preview.start,
        expected_finish: preview.finish,
    }))
}

/// A step of the visit that staff record for the worker.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitStep {
    /// `depart`, `arrive` (checked in at the door), `start` (service starts without the
    /// door check code), `check_in` (arrived and started at once), `finish` (service done)
    /// or `complete`.
    pub step: String,
}

/// Records a visit step for the worker (the worker app records its own, with the check-in
/// fence and the door check code: docs/visit.md).
#[utoipa::path(operation_id = "admin_order_visit", post, path = "/api/v1/admin/orders/{id}/visit", tag = "admin", security(("bearer" = ["order.write"])), request_body = VisitStep,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AdminOrder), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn visit(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<VisitStep>,
) -> ApiResult<axum::Json<AdminOrder>> {
    let by = by(&who.staff, &client);
    cases::staff::visit(&state.app, &by, id, &req.step, state.now()).await?;
    Ok(axum::Json(detail_of(&state, &who.staff, id).await?))
}

/// Why staff cancel.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffCancel {
    /// Reason (1–200 characters), shown to the customer.
    pub reason: String,
}

/// Cancels the order (full refund of what was paid).
#[utoipa::path(operation_id = "admin_order_cancel", post, path = "/api/v1/admin/orders/{id}/cancel", tag = "admin", security(("bearer" = ["order.write"])), request_body = StaffCancel,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AdminOrder), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<StaffCancel>,
) -> ApiResult<axum::Json<AdminOrder>> {
    let by = by(&who.staff, &client);
    cases::change::cancel(&state.app, &by, id, req.reason, state.now()).await?;
    Ok(axum::Json(detail_of(&state, &who.staff, id).await?))
}

/// The new window.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffReschedule {
    /// New window start (RFC 3339).
    #[serde(deserialize_with = "crate::http::bounds::instant")]
    pub window_start: DateTime<Utc>,
    /// Move it even when no worker has room then (staff will find one); otherwise a window
    /// nobody can take is refused with `slot_unavailable`.
    #[serde(default)]
    pub force: bool,
}

/// Moves the visit (any time before service starts; releases the worker).
#[utoipa::path(operation_id = "admin_order_reschedule", post, path = "/api/v1/admin/orders/{id}/reschedule", tag = "admin", security(("bearer" = ["order.write"])), request_body = StaffReschedule,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AdminOrder), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reschedule(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<StaffReschedule>,
) -> ApiResult<axum::Json<AdminOrder>> {
    let by = by(&who.staff, &client);
    let now = state.now();
    cases::change::reschedule(&state.app, &by, id, req.window_start, req.force, now).await?;
    Ok(axum::Json(detail_of(&state, &who.staff, id).await?))
}

/// An after-sales decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AfterSalesDecision {
    /// `open` (on the customer's behalf), `rework`, `refund` or `declined`.
    pub decision: String,
    /// Refund amount, 分 (for `refund`).
    pub amount_fen: Option<i64>,
    /// Explanation for the record and the customer.
    pub note: String,
    /// For `rework`: the start of the new visit's window (a free order linked to this one).
    #[serde(default, deserialize_with = "crate::http::bounds::opt_instant")]
    pub window_start: Option<DateTime<Utc>>,
}

/// Opens or decides an after-sales case (售后).
#[utoipa::path(operation_id = "admin_order_after_sales", post, path = "/api/v1/admin/orders/{id}/after-sales", tag = "admin", security(("bearer" = ["aftersales.write"])), request_body = AfterSalesDecision,
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AdminOrder), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn after_sales(
    State(state): State<AppState>,
    who: Can<perm::AfterSalesWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<AfterSalesDecision>,
) -> ApiResult<axum::Json<AdminOrder>> {
    let by = by(&who.staff, &client);
    let decision = cases::change::Decision {
        decision: req.decision,
        amount_fen: req.amount_fen,
        note: req.note,
        window_start: req.window_start,
    };
    cases::change::decide_after_sales(&state.app, &by, id, decision, state.now()).await?;
    Ok(axum::Json(detail_of(&state, &who.staff, id).await?))
}
