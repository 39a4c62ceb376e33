//! Extra items (加项, issue 11, docs/visit.md) over HTTP: the worker proposes items priced
//! from the catalog on a job at the door or in service, the customer confirms or declines
//! each before it reaches the bill. The use cases are [`daojia_app::visits::extras`]; the
//! handlers translate only.

use super::admin_workers::{app, scope_of};
use super::visit::device_time;
use crate::http::auth::{Can, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use daojia_app::visits::extras::{self, Offer, Proposal};
use daojia_store::entity::order_extra;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An extra item on an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtraView {
    /// The extra.
    pub id: Uuid,
    /// The order (visit).
    pub order_id: Uuid,
    /// Catalog item code.
    pub item_code: String,
    /// Its name.
    pub item_name: String,
    /// Units.
    pub quantity: i32,
    /// One unit, 分.
    pub unit_price_fen: i64,
    /// All units, 分: what the bill grows by once confirmed.
    pub total_fen: i64,
    /// `proposed` (waiting for the customer), `confirmed` (on the bill) or `declined`.
    pub status: String,
    /// When the worker proposed it (server's clock).
    pub proposed_at: DateTime<Utc>,
    /// When the customer decided.
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<&order_extra::Model> for ExtraView {
    fn from(e: &order_extra::Model) -> Self {
        ExtraView {
            id: e.id,
            order_id: e.order_id,
            item_code: e.item_code.clone(),
            item_name: e.item_name.clone(),
            quantity: e.quantity,
            unit_price_fen: e.unit_price_fen,
            total_fen: e.total_fen,
            status: e.status.clone(),
            proposed_at: e.proposed_at,
            decided_at: e.decided_at,
        }
    }
}

/// An item the worker may propose, priced for the job's area.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtraOfferView {
    /// Catalog item code.
    pub item_code: String,
    /// Its name.
    pub name: String,
    /// One unit with the default choices, 分.
    pub unit_price_fen: i64,
    /// Minutes one unit takes.
    pub duration_min: u32,
}

impl From<&Offer> for ExtraOfferView {
    fn from(o: &Offer) -> Self {
        ExtraOfferView {
            item_code: o.item_code.clone(),
            name: o.name.clone(),
            unit_price_fen: o.unit_price_fen,
            duration_min: o.duration_min,
        }
    }
}

/// A job's extras and what may be proposed on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerExtrasView {
    /// Proposed so far, oldest first.
    pub extras: Vec<ExtraView>,
    /// Items on offer at the address, with their prices there.
    pub items: Vec<ExtraOfferView>,
}

/// The extras of one of the worker's jobs and the items on offer at its address. Someone
/// else's order is 404.
#[utoipa::path(operation_id = "worker_job_extras", get, path = "/api/v1/worker/jobs/{id}/extras", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = WorkerExtrasView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_list(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<WorkerExtrasView>> {
    let (rows, offers) = extras::for_worker(&app(&state), me.id, id).await?;
    Ok(axum::Json(WorkerExtrasView {
        extras: rows.iter().map(ExtraView::from).collect(),
        items: offers.iter().map(ExtraOfferView::from).collect(),
    }))
}

/// An extra the worker proposes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeExtraRequest {
    /// Catalog item code.
    pub item: String,
    /// Units (1–20).
    pub quantity: u32,
    /// The unit price the app showed, 分: refused (`price_mismatch`) unless it is the
    /// catalog's for the address.
    #[serde(default)]
    pub unit_price_fen: Option<i64>,
}

/// The worker proposes an extra item (加项) on a job at the door or in service, priced
/// from the catalog for its area; the customer confirms or declines it. An item not on
/// offer is 422 `unknown_item`, a price other than the catalog's 422 `price_mismatch`, a
/// job in another state 409 `extra_not_allowed`.
#[utoipa::path(operation_id = "worker_job_propose_extra", post, path = "/api/v1/worker/jobs/{id}/extras", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"),
        ("Device-Time" = Option<String>, Header, description = "Optional: when the worker proposed it by the phone's clock (RFC 3339), when queued offline"),
        ("Idempotency-Key" = Option<String>, Header, description = "Optional: a resend with the same key and body replays the first answer")),
    request_body = ProposeExtraRequest,
    responses((status = 201, body = ExtraView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_propose(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(req): Json<ProposeExtraRequest>,
) -> ApiResult<(StatusCode, axum::Json<ExtraView>)> {
    let p = Proposal {
        item: req.item,
        quantity: req.quantity,
        unit_price_fen: req.unit_price_fen,
        device_at: device_time(&headers)?,
    };
    let row = extras::propose(&app(&state), me.id, id, &p, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json((&row).into())))
}

/// The extras the worker proposed on one of the customer's orders. Someone else's order is
/// 404.
#[utoipa::path(operation_id = "customer_order_extras", get, path = "/api/v1/customer/orders/{id}/extras", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id")),
    responses((status = 200, body = Vec<ExtraView>), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_list(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<ExtraView>>> {
    let rows = extras::for_customer(&app(&state), me.id, id).await?;
    Ok(axum::Json(rows.iter().map(ExtraView::from).collect()))
}

/// The extra items proposed on an order, oldest first (what the worker proposed, at which
/// catalog price, and what the customer decided), for staff who see the order (a partner's
/// staff: their workers' orders only; any other is 404).
#[utoipa::path(operation_id = "admin_order_extras", get, path = "/api/v1/admin/orders/{id}/extras", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order (visit) id")),
    responses((status = 200, body = Vec<ExtraView>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn admin_list(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<ExtraView>>> {
    let rows = extras::for_staff(&app(&state), scope_of(&who.staff), id).await?;
    Ok(axum::Json(rows.iter().map(ExtraView::from).collect()))
}

/// The customer's answer to an extra.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraDecisionRequest {
    /// `confirm` (onto the bill) or `decline`.
    pub decision: ExtraDecision,
}

/// Confirm or decline.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExtraDecision {
    /// Onto the bill.
    Confirm,
    /// Not wanted.
    Decline,
}

/// The customer confirms an extra (it becomes a line of the order and the total grows by
/// it) or declines it. The same answer again is answered as it is; the other one is 409
/// `extra_decided`; after the customer confirmed the service, 409 `extra_not_allowed`.
#[utoipa::path(operation_id = "customer_order_extra_decision", post, path = "/api/v1/customer/orders/{id}/extras/{extra}/decision", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order (visit) id"), ("extra" = Uuid, Path, description = "Extra id")),
    request_body = ExtraDecisionRequest,
    responses((status = 200, body = ExtraView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_decide(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path((id, extra)): Path<(Uuid, Uuid)>,
    Json(req): Json<ExtraDecisionRequest>,
) -> ApiResult<axum::Json<ExtraView>> {
    let confirm = matches!(req.decision, ExtraDecision::Confirm);
    let row = extras::decide(&app(&state), me.id, id, extra, confirm, state.now()).await?;
    Ok(axum::Json((&row).into()))
}
