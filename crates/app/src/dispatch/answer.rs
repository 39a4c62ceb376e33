//! The worker's side of an offer: the open offers (what, when, how far, what it pays, the
//! address masked until accepted, the deadline for a countdown), accept and reject.
//!
//! Accepting an offer that expired, was withdrawn (the order went to someone else or was
//! cancelled) or that the worker cannot take now (offline) is a clear conflict, and
//! nothing changes. The offer's answer and the order's step are one transaction.

use crate::workers::positions;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_domain::ids::WorkerId;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, Order};
use daojia_store::entity::{dispatch_offer, service_order, worker};
use daojia_store::repo::accounts::address_context as ctx;
use daojia_store::repo::dispatch::{self as rows, status};
use daojia_store::repo::orders::{self, OrderError};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// An open offer as the worker sees it.
#[derive(Debug, Clone)]
pub struct OpenOffer {
    /// The offer.
    pub offer: dispatch_offer::Model,
    /// The order's number.
    pub order_no: String,
    /// What is ordered (item names).
    pub items: Vec<String>,
    /// The order's window.
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// Working time, minutes.
    pub duration_min: i32,
    /// Straight-line distance from where the worker is, metres.
    pub distance_m: f64,
    /// What the order pays, 分.
    pub amount_fen: i64,
    /// The area's code.
    pub area_code: Option<String>,
    /// The address, masked (shown in full once accepted).
    pub address_masked: String,
}

async fn worker_row(app: &App, worker_id: Uuid) -> Result<worker::Model> {
    worker::Entity::find_by_id(worker_id)
        .one(app.store.db())
        .await?
        .ok_or(Error::NotFound("worker"))
}

/// Where the worker is now: a fresh live report or check-in from the positions index,
/// else home.
async fn position(app: &App, w: &worker::Model, now: DateTime<Utc>) -> LatLng {
    let recorded = positions::recorded_one(app, w.id, now).await;
    positions::best(recorded.as_ref(), None, LatLng::new(w.home_lat, w.home_lng)).0
}

/// The worker's open offers, oldest first (those past their deadline are left out: the
/// timer is about to expire them).
pub async fn open_offers(app: &App, worker_id: Uuid, now: DateTime<Utc>) -> Result<Vec<OpenOffer>> {
    let db = app.store.db();
    let w = worker_row(app, worker_id).await?;
    let here = position(app, &w, now).await;
    let mut out = vec![];
    for offer in rows::open_offers_of_worker(db, worker_id).await? {
        if offer.expires_at <= now {
            continue;
        }
        let Some(o) = orders::get(db, offer.order_id).await? else {
            continue;
        };
        let items = orders::lines(db, o.id)
            .await?
            .into_iter()
            .map(|l| l.item_name)
            .collect();
        let address = app
            .store
            .vault()
            .decrypt(ctx::ADDRESS, &o.address_enc)
            .map(|a| daojia_domain::privacy::mask_address(&a))
            .unwrap_or_else(|_| "•••".into());
        out.push(OpenOffer {
            distance_m: haversine_m(here, LatLng::new(o.lat, o.lng)),
            order_no: o.order_no.clone(),
            items,
            window: (o.window_start, o.window_end),
            duration_min: o.duration_min,
            amount_fen: o.total_fen,
            area_code: o.area_code.clone(),
            address_masked: address,
            offer,
        });
    }
    Ok(out)
}

/// The offer `id` of `worker_id`, open and still the order's, or why not.
async fn answerable(
    app: &App,
    worker_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(dispatch_offer::Model, service_order::Model)> {
    let db = app.store.db();
    let offer = rows::offer(db, id)
        .await?
        .filter(|o| o.worker_id == worker_id)
        .ok_or(Error::NotFound("offer"))?;
    match offer.status.as_str() {
        status::OPEN => {}
        status::EXPIRED => return Err(expired()),
        status::WITHDRAWN => return Err(withdrawn()),
        status::ACCEPTED => {
            return Err(Error::conflict(
                "offer_accepted",
                "you have already accepted this offer",
            ));
        }
        _ => {
            return Err(Error::conflict(
                "offer_rejected",
                "you have already declined this offer",
            ));
        }
    }
    if offer.expires_at <= now {
        return Err(expired());
    }
    let order = orders::get(db, offer.order_id)
        .await?
        .ok_or(Error::NotFound("order"))?;
    if order.state != OrderState::PendingAccept.as_str() || order.worker_id != Some(worker_id) {
        return Err(withdrawn());
    }
    Ok((offer, order))
}

fn expired() -> Error {
    Error::conflict(
        "offer_expired",
        "this offer has expired; the order is being offered to another worker",
    )
}

fn withdrawn() -> Error {
    Error::conflict(
        "offer_withdrawn",
        "this order is no longer offered to you (it went to another worker or was cancelled)",
    )
}

/// Answers offer `id` with `to` (`accepted` or `rejected`) and the order's `action`, in one
/// transaction.
async fn answer(
    app: &App,
    worker_id: Uuid,
    id: Uuid,
    to: &str,
    reason: Option<&str>,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Order> {
    for _ in 0..5 {
        let (offer, _) = answerable(app, worker_id, id, now).await?;
        let tx = daojia_store::begin(app.store.db()).await?;
        if !rows::close_offer(&tx, offer.id, to, reason, now).await? {
            // Answered or expired meanwhile: say which.
            tx.rollback().await?;
            continue;
        }
        let actor = Actor::Worker {
            id: WorkerId(worker_id),
        };
        match orders::apply_tx(
            &tx,
            &app.store,
            offer.order_id,
            actor,
            action.clone(),
            now,
            None,
        )
        .await
        {
            Ok((_, order)) => {
                tx.commit().await?;
                app.wake_relay();
                return Ok(order);
            }
            Err(OrderError::Transition(_)) => {
                tx.rollback().await?;
                return Err(withdrawn());
            }
            Err(OrderError::Busy) => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e.into());
            }
        }
    }
    Err(Error::conflict(
        "order_busy",
        "the order kept changing; try again",
    ))
}

/// The worker takes the offered order. They must be online.
pub async fn accept(app: &App, worker_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Order> {
    let w = worker_row(app, worker_id).await?;
    answerable(app, worker_id, id, now).await?;
    if !w.online {
        return Err(Error::conflict(
            "worker_offline",
            "go online in the app to accept orders",
        ));
    }
    answer(
        app,
        worker_id,
        id,
        status::ACCEPTED,
        None,
        Action::Accept,
        now,
    )
    .await
}

/// The worker declines the offered order, with a reason (1–200 characters); it is offered
/// to the next worker.
pub async fn reject(
    app: &App,
    worker_id: Uuid,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Order> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::field(
            "reason",
            "invalid_reason",
            "give a reason of 1 to 200 characters",
        ));
    }
    let action = Action::Reject {
        reason: reason.to_string(),
    };
    answer(
        app,
        worker_id,
        id,
        status::REJECTED,
        Some(reason),
        action,
        now,
    )
    .await
}
