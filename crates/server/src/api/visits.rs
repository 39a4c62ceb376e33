//! An order of several trades as its customer sees it (docs/adr/0008): one order (the first
//! visit's id and number) whose amounts, lines and state are those of all its visits, with
//! the visits listed: each one's trade, worker (name masked), state and window.

use super::orders::{LineView, OrderView};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use daojia_domain::bundle;
use daojia_domain::order::OrderState;
use daojia_domain::privacy::mask_name;
use daojia_store::entity::{order_line, service_order};
use daojia_store::repo::{accounts, bundles, orders};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One visit of an order of several trades.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    /// The visit's id (the first visit's is the order's).
    pub id: Uuid,
    /// Its number.
    pub order_no: String,
    /// The trade: skills its worker needs.
    pub skills: Vec<String>,
    /// Names of its items.
    pub items: Vec<String>,
    /// Its state.
    pub state: String,
    /// Its worker's name, masked (`王**`), once one is sent.
    pub worker: Option<String>,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end.
    pub window_end: DateTime<Utc>,
}

/// Makes `view` (of the first visit) the view of the whole order when it has several
/// visits: amounts summed, state the order's (`daojia_domain::bundle::order_state`), lines
/// of every visit (with `detail`), and the visits listed. Does nothing for one visit.
pub async fn fill(
    state: &AppState,
    db: &impl ConnectionTrait,
    view: &mut OrderView,
    m: &service_order::Model,
    now: DateTime<Utc>,
    detail: bool,
) -> ApiResult<()> {
    let Some(b) = m.bundle_id else {
        return Ok(());
    };
    let rows = bundles::visits(db, b).await?;
    if rows.len() < 2 {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(ids))
        .order_by_asc(order_line::Column::OrderId)
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?;
    let mut states = vec![];
    let (mut total, mut paid, mut refunded, mut fee, mut due, mut cancel_fee) = (0, 0, 0, 0, 0, 0);
    view.visits.clear();
    for r in &rows {
        let o = orders::to_domain(r).map_err(ApiError::internal)?;
        states.push(o.state);
        total += r.total_fen;
        paid += r.paid_fen;
        refunded += r.refunded_fen;
        fee += r.fee_fen;
        due += o.due_before_dispatch().as_fen();
        cancel_fee += o.customer_cancel_fee(now).as_fen();
        let worker = match r.worker_id {
            Some(w) => accounts::worker(db, w)
                .await?
                .and_then(|w| accounts::worker_name(&state.store, &w).ok())
                .map(|n| mask_name(&n)),
            None => None,
        };
        view.visits.push(VisitView {
            id: r.id,
            order_no: r.order_no.clone(),
            skills: r
                .skills
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
            items: lines
                .iter()
                .filter(|l| l.order_id == r.id)
                .map(|l| l.item_name.clone())
                .collect(),
            state: r.state.clone(),
            worker,
            window_start: r.window_start,
            window_end: r.window_end,
        });
    }
    let whole: OrderState = bundle::order_state(&states);
    view.state = whole.as_str().to_string();
    view.view = super::orders::view_name(whole);
    view.total_fen = total;
    view.paid_fen = paid;
    view.refunded_fen = refunded;
    view.fee_fen = fee;
    view.due_before_dispatch_fen = due;
    // The visits of a bundle are paid at the counter, not online (`bundle_not_payable_online`).
    view.owed_now_fen = 0;
    view.cancel_fee_now_fen = cancel_fee;
    view.summary = lines
        .iter()
        .map(|l| l.item_name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    if detail {
        view.lines = lines
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
    }
    Ok(())
}
