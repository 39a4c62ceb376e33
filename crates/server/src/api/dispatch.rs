//! Automatic dispatch over HTTP: the worker's open offers (accept, reject), the grab pool
//! (list, claim), and an order's dispatch history for the console. Handlers translate
//! only; the use cases are `daojia_app::dispatch`.

use super::admin_workers::app;
use crate::http::auth::{Can, CurrentWorker, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use daojia_app::dispatch::{answer, console, grab};
use daojia_domain::order::machine::Order;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An open offer in the worker app (派单邀请).
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferView {
    /// The offer (to accept or reject).
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The order's number.
    pub order_no: String,
    /// What is ordered (item names).
    pub items: Vec<String>,
    /// Start window: earliest start.
    pub window_start: DateTime<Utc>,
    /// Start window: latest start.
    pub window_end: DateTime<Utc>,
    /// Working time, minutes.
    pub duration_min: i32,
    /// Straight-line distance from the worker, metres.
    pub distance_m: f64,
    /// What the order pays, 分.
    pub amount_fen: i64,
    /// The area's code.
    pub area_code: Option<String>,
    /// The address, masked until the offer is accepted.
    pub address: String,
    /// When the offer was sent.
    pub sent_at: DateTime<Utc>,
    /// The deadline (for a countdown); unanswered, it goes to the next worker.
    pub expires_at: DateTime<Utc>,
}

/// The order after the worker's answer or claim.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnsweredOrder {
    /// The order.
    pub order_id: Uuid,
    /// Its state now (`accepted` after an accept or a claim, `pending_dispatch` after a
    /// rejection).
    pub state: String,
    /// Its worker now.
    pub worker_id: Option<Uuid>,
}

fn answered(o: Order) -> AnsweredOrder {
    AnsweredOrder {
        order_id: o.id.0,
        state: o.state.as_str().into(),
        worker_id: o.worker.map(|w| w.0),
    }
}

/// The worker's open offers, oldest first.
#[utoipa::path(operation_id = "worker_offers", get, path = "/api/v1/worker/offers", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<OfferView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn my_offers(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Vec<OfferView>>> {
    let list = answer::open_offers(&app(&state), me.id, state.now()).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|o| OfferView {
                id: o.offer.id,
                order_id: o.offer.order_id,
                order_no: o.order_no,
                items: o.items,
                window_start: o.window.0,
                window_end: o.window.1,
                duration_min: o.duration_min,
                distance_m: o.distance_m.round(),
                amount_fen: o.amount_fen,
                area_code: o.area_code,
                address: o.address_masked,
                sent_at: o.offer.sent_at,
                expires_at: o.offer.expires_at,
            })
            .collect(),
    ))
}

/// Accepts an offer. Expired, withdrawn (given to someone else, cancelled) or answered
/// offers, and a worker offline, are 409 problems (`offer_expired`, `offer_withdrawn`,
/// `offer_accepted`, `offer_rejected`, `worker_offline`) and change nothing.
#[utoipa::path(operation_id = "worker_offer_accept", post, path = "/api/v1/worker/offers/{id}/accept", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Offer id")),
    responses((status = 200, body = AnsweredOrder), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn accept(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<AnsweredOrder>> {
    let o = answer::accept(&app(&state), me.id, id, state.now()).await?;
    Ok(axum::Json(answered(o)))
}

/// Why the worker declines.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// The reason, 1–200 characters.
    pub reason: String,
}

/// Declines an offer with a reason; the order is offered to the next worker.
#[utoipa::path(operation_id = "worker_offer_reject", post, path = "/api/v1/worker/offers/{id}/reject", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Offer id")), request_body = RejectRequest,
    responses((status = 200, body = AnsweredOrder), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<RejectRequest>,
) -> ApiResult<axum::Json<AnsweredOrder>> {
    let o = answer::reject(&app(&state), me.id, id, &req.reason, state.now()).await?;
    Ok(axum::Json(answered(o)))
}

/// An order in the grab pool (抢单池).
#[derive(Debug, Serialize, ToSchema)]
pub struct PooledView {
    /// The order (to claim).
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// What is ordered (item names).
    pub items: Vec<String>,
    /// Start window: earliest start.
    pub window_start: DateTime<Utc>,
    /// Start window: latest start.
    pub window_end: DateTime<Utc>,
    /// Working time, minutes.
    pub duration_min: i32,
    /// Straight-line distance from the worker, metres.
    pub distance_m: f64,
    /// What the order pays, 分.
    pub amount_fen: i64,
    /// The area's code.
    pub area_code: String,
    /// In the pool since.
    pub since: DateTime<Utc>,
}

/// The grab pool's orders the worker qualifies for and is near enough to, nearest first,
/// then by window.
#[utoipa::path(operation_id = "worker_grab_pool", get, path = "/api/v1/worker/grab-pool", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<PooledView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn grab_pool(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Vec<PooledView>>> {
    let list = grab::pool_for(&app(&state), me.id, state.now()).await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|p| PooledView {
                order_id: p.order_id,
                order_no: p.order_no,
                items: p.items,
                window_start: p.window.0,
                window_end: p.window.1,
                duration_min: p.duration_min,
                distance_m: p.distance_m.round(),
                amount_fen: p.amount_fen,
                area_code: p.area_code,
                since: p.since,
            })
            .collect(),
    ))
}

/// Claims an order from the grab pool; the first valid claim wins. Others get a 409
/// problem: `order_taken`, `not_in_grab_pool`, or `not_eligible` (with the reason code).
#[utoipa::path(operation_id = "worker_grab_claim", post, path = "/api/v1/worker/grab-pool/{order_id}/claim", tag = "worker", security(("bearer" = [])),
    params(("order_id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = AnsweredOrder), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn claim(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(order_id): Path<Uuid>,
) -> ApiResult<axum::Json<AnsweredOrder>> {
    let o = grab::claim(&app(&state), me.id, order_id, state.now()).await?;
    Ok(axum::Json(answered(o)))
}

/// One decision of automatic dispatch.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// The decision.
    pub id: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// The policy (`engine`).
    pub policy: String,
    /// The worker chosen, if any.
    pub worker_id: Option<Uuid>,
    /// `offered`, `grab_pool`, `exception` or `grab_pool_exception`.
    pub outcome: String,
    /// Feasible workers found.
    pub candidates: i32,
    /// Workers examined and rejected.
    pub rejected: i32,
    /// The engine's explanation: `ranked` (candidates best first, each with `worker`,
    /// `score`, `terms` [`kind`, `value`, `normalised`, `weight`, `points`], `distance_m`,
    /// `arrival`, `start`, `finish`, `position`), `rejected` (`worker`, `reason` with a
    /// stable `code`), `unexamined`.
    #[schema(value_type = Object)]
    pub explanation: serde_json::Value,
}

/// One offer and its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferHistoryView {
    /// The offer.
    pub id: Uuid,
    /// To whom.
    pub worker_id: Uuid,
    /// The decision behind it (none for an offer the demo made).
    pub decision_id: Option<Uuid>,
    /// Sent.
    pub sent_at: DateTime<Utc>,
    /// Deadline.
    pub expires_at: DateTime<Utc>,
    /// `open`, `accepted`, `rejected`, `expired` or `withdrawn`.
    pub status: String,
    /// Answered (or expired, withdrawn) at.
    pub answered_at: Option<DateTime<Utc>>,
    /// The worker's reason for declining.
    pub reason: Option<String>,
}

/// An order's dispatch history.
#[derive(Debug, Serialize, ToSchema)]
pub struct DispatchHistory {
    /// Decisions, oldest first.
    pub decisions: Vec<DecisionView>,
    /// Offers, oldest first.
    pub offers: Vec<OfferHistoryView>,
    /// In the grab pool since, if it waits there.
    pub grab_pool_since: Option<DateTime<Utc>>,
}

/// An order's automatic-dispatch decisions with their explanations, and its offers.
///
/// A partner's staff see their own workers only: others are left out of the explanations
/// and the offers, and a decision that chose one names nobody.
#[utoipa::path(operation_id = "admin_order_dispatch", get, path = "/api/v1/admin/orders/{id}/dispatch", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = DispatchHistory), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn order_dispatch(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<DispatchHistory>> {
    // Scoped like the order itself: another partner's order is not found, and another
    // partner's workers are left out.
    let scope = super::admin_workers::scope_of(&who.staff);
    let h = console::history(&app(&state), scope, id).await?;
    Ok(axum::Json(DispatchHistory {
        decisions: h
            .decisions
            .into_iter()
            .map(|(d, e)| DecisionView {
                id: d.id,
                at: d.at,
                policy: d.policy,
                worker_id: d.worker_id,
                outcome: d.outcome,
                candidates: d.candidates,
                rejected: d.rejected,
                explanation: e
                    .and_then(|e| serde_json::to_value(e).ok())
                    .unwrap_or(serde_json::Value::Null),
            })
            .collect(),
        offers: h
            .offers
            .into_iter()
            .map(|o| OfferHistoryView {
                id: o.id,
                worker_id: o.worker_id,
                decision_id: o.decision_id,
                sent_at: o.sent_at,
                expires_at: o.expires_at,
                status: o.status,
                answered_at: o.answered_at,
                reason: o.reason,
            })
            .collect(),
        grab_pool_since: h.grab.map(|g| g.since),
    }))
}
