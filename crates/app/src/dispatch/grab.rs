//! The grab pool (抢单池) as a worker sees it, and claims.
//!
//! A worker sees the pooled orders they qualify for and are near enough to (the engine's
//! `can_grab`: the rules of an offer, grab rights needed, within the grab radius, the day's
//! schedule holding), nearest first, then by window. A claim re-checks that and then, in
//! one transaction, takes the order out of the pool (a conditional delete) and assigns it
//! (`Assign { by: Grab }`, a conditional update on the order's version): of concurrent
//! claims exactly one wins on every database, and the others are told the order is taken.

use super::load::load_with;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_dispatch::matching::can_grab;
use daojia_domain::ids::WorkerId;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, AssignedBy, Order};
use daojia_store::entity::{service_area, worker};
use daojia_store::repo::dispatch as rows;
use daojia_store::repo::orders::{self, OrderError};
use daojia_store::repo::{catalog, slots};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// An order in the grab pool the worker may claim.
#[derive(Debug, Clone)]
pub struct Pooled {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// What is ordered (item names).
    pub items: Vec<String>,
    /// The window.
    pub window: (DateTime<Utc>, DateTime<Utc>),
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

async fn city_of(app: &App, w: &worker::Model) -> Result<Vec<String>> {
    let areas: Vec<service_area::Model> = catalog::areas(app.store.db()).await?;
    Ok(areas
        .iter()
        .find(|a| Some(&a.code) == w.area_code.as_ref())
        .map(|a| slots::pool_of(&areas, a))
        .unwrap_or_default())
}

/// The pooled orders `worker_id` may claim now, nearest first, then by window.
pub async fn pool_for(app: &App, worker_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Pooled>> {
    let db = app.store.db();
    let w = worker::Entity::find_by_id(worker_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("worker"))?;
    let mut out = vec![];
    for entry in rows::grab_pool(db, &city_of(app, &w).await?).await? {
        let Some(loaded) = load_with(app, entry.order_id, Some(worker_id), now).await? else {
            continue;
        };
        if loaded.row.state != OrderState::PendingDispatch.as_str() {
            continue;
        }
        let Some(me) = loaded.pool.get(WorkerId(worker_id)) else {
            continue;
        };
        let settings = app
            .settings
            .dispatch
            .engine(&entry.area_code, app.settings.reach_m);
        if can_grab(me, &loaded.order, &settings, app.travel.as_ref(), now).is_err() {
            continue;
        }
        let items = orders::lines(db, entry.order_id)
            .await?
            .into_iter()
            .map(|l| l.item_name)
            .collect();
        out.push(Pooled {
            order_id: entry.order_id,
            order_no: loaded.row.order_no.clone(),
            items,
            window: (loaded.row.window_start, loaded.row.window_end),
            duration_min: loaded.row.duration_min,
            distance_m: daojia_domain::geo::haversine_m(me.presence.at, loaded.order.at),
            amount_fen: loaded.row.total_fen,
            area_code: entry.area_code,
            since: entry.since,
        });
    }
    out.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(a.window.0.cmp(&b.window.0))
            .then(a.order_id.cmp(&b.order_id))
    });
    Ok(out)
}

fn taken() -> Error {
    Error::conflict(
        "order_taken",
        "another worker has taken this order; pick another from the pool",
    )
}

/// `worker_id` claims order `order_id` from the grab pool; the first valid claim wins.
pub async fn claim(
    app: &App,
    worker_id: Uuid,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Order> {
    let db = app.store.db();
    for _ in 0..8 {
        let Some(entry) = rows::grab_entry(db, order_id).await? else {
            return match orders::get(db, order_id).await? {
                Some(o) if o.worker_id == Some(worker_id) && o.state == "accepted" => {
                    Ok(orders::to_domain(&o)?)
                }
                Some(o) if o.state != OrderState::PendingDispatch.as_str() => Err(taken()),
                Some(_) => Err(Error::conflict(
                    "not_in_grab_pool",
                    "this order is not in the grab pool",
                )),
                None => Err(Error::NotFound("order")),
            };
        };
        let loaded = load_with(app, order_id, Some(worker_id), now)
            .await?
            .ok_or(Error::NotFound("order"))?;
        let me = loaded.pool.get(WorkerId(worker_id)).ok_or_else(|| {
            Error::conflict("not_eligible", "you do not work in this order's city")
        })?;
        let settings = app
            .settings
            .dispatch
            .engine(&entry.area_code, app.settings.reach_m);
        if let Err(reason) = can_grab(me, &loaded.order, &settings, app.travel.as_ref(), now) {
            if let daojia_dispatch::matching::Reason::DepositTooLow { required, lodged } = reason {
                return Err(Error::conflict(
                    "deposit_too_low",
                    format!(
                        "this order needs a deposit of {}; yours is {} (lodge more on the 保证金 page)",
                        crate::finance::yuan(daojia_domain::money::Money::fen(required)),
                        crate::finance::yuan(daojia_domain::money::Money::fen(lodged))
                    ),
                ));
            }
            return Err(Error::conflict(
                "not_eligible",
                format!("you cannot take this order ({})", reason.code()),
            ));
        }
        let tx = daojia_store::begin(db).await?;
        match rows::leave_grab(&tx, order_id).await {
            Ok(true) => {}
            Ok(false) => {
                tx.rollback().await?;
                return Err(taken());
            }
            Err(e) if daojia_store::is_retryable(&e) => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e.into());
            }
        }
        let action = Action::Assign {
            worker: WorkerId(worker_id),
            by: AssignedBy::Grab,
        };
        let actor = Actor::Worker {
            id: WorkerId(worker_id),
        };
        match orders::apply_tx(&tx, &app.store, order_id, actor, action, now, None).await {
            Ok((_, order)) => {
                tx.commit().await?;
                app.wake_relay();
                return Ok(order);
            }
            Err(OrderError::Transition(_)) => {
                tx.rollback().await?;
                return Err(taken());
            }
            Err(OrderError::Busy) => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(OrderError::Db(e)) if daojia_store::is_retryable(&e) => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e.into());
            }
        }
    }
    Err(taken())
}
