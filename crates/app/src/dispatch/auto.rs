//! One step of automatic dispatch for an order, and the timers that drive it.
//!
//! A step ranks the feasible workers and either offers the order to the best one or, after
//! [`DispatchSettings::max_offers`](super::DispatchSettings::max_offers) offers or with
//! nobody feasible, puts it in the grab pool and/or raises an alarm. The decision (with its
//! explanation), the order's `Offer` step (its event and outbox event), the offer row and
//! the offer's timeout timer are written in ONE transaction: a crash loses nothing, and the
//! worker is told by the consumers of the outbox event.

use super::load::{Loaded, load};
use super::{Mode, policy_of};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_dispatch::matching::Decision;
use daojia_domain::ids::WorkerId;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, Outcome};
use daojia_store::entity::{order_alarm, service_order};
use daojia_store::repo::alarms;
use daojia_store::repo::dispatch::{self as rows, NewDecision, job_kind, status};
use daojia_store::repo::jobs::{self, NewJob};
use daojia_store::repo::orders::{self, OrderError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The alarm kind of an order automatic dispatch gave up on.
pub const ALARM: &str = "dispatch_failed";

/// What a step did.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The order is not waiting for a worker (gone, offered, assigned, cancelled).
    NotWaiting,
    /// Its area is dispatched by hand.
    Manual,
    /// It is in the grab pool already.
    InPool,
    /// Its window is beyond the horizon: a timer dispatches it at this moment.
    Deferred(DateTime<Utc>),
    /// Offered to a worker.
    Offered {
        /// The worker.
        worker: Uuid,
        /// The offer.
        offer: Uuid,
        /// The decision.
        decision: Uuid,
    },
    /// Nobody (more) to offer it to: it went to the grab pool and/or raised an alarm.
    NoTaker {
        /// `offers_exhausted` or `no_candidate`.
        reason: &'static str,
        /// Put in the grab pool.
        grab: bool,
        /// An alarm raised.
        alarm: bool,
    },
}

/// Runs one dispatch step for order `id`.
pub async fn step(app: &App, id: Uuid, now: DateTime<Utc>) -> Result<Step> {
    let settings = &app.settings.dispatch;
    for _ in 0..5 {
        let db = app.store.db();
        let Some(row) = orders::get(db, id).await? else {
            return Ok(Step::NotWaiting);
        };
        if row.state != OrderState::PendingDispatch.as_str() {
            return Ok(Step::NotWaiting);
        }
        let code = row.area_code.clone().unwrap_or_default();
        if settings.mode_of(&code) != Mode::Auto {
            return Ok(Step::Manual);
        }
        if rows::grab_entry(db, id).await?.is_some() {
            return Ok(Step::InPool);
        }
        let due = row.window_start - Duration::hours(settings.horizon_hours);
        if due > now {
            defer(app, &row, due, now).await?;
            return Ok(Step::Deferred(due));
        }
        let Some(loaded) = load(app, id, now).await? else {
            return Ok(Step::NotWaiting);
        };
        let policy = policy_of(
            settings.policy,
            settings.engine(&code, app.settings.reach_m),
        );
        let started = std::time::Instant::now();
        let decision = policy.decide(&loaded.pool, &loaded.order, app.travel.as_ref(), now);
        metrics::histogram!("dispatch_decision_seconds").record(started.elapsed().as_secs_f64());
        let made = rows::offers_made(db, id).await?;
        let done = match decision.best() {
            Some(best) if made < u64::from(settings.max_offers) => {
                offer(app, &loaded, &decision, best.worker, now).await?
            }
            _ => {
                let reason = if made >= u64::from(settings.max_offers) {
                    "offers_exhausted"
                } else {
                    "no_candidate"
                };
                give_up(app, &loaded, &decision, reason, made, now).await?
            }
        };
        if let Some(step) = done {
            let outcome = match &step {
                Step::Offered { .. } => "offered",
                Step::NoTaker { reason, .. } => reason,
                _ => "other",
            };
            metrics::counter!("dispatch_decisions_total", "outcome" => outcome).increment(1);
            app.wake_relay();
            return Ok(step);
        }
        // Someone else changed the order meanwhile: look again.
    }
    Err(Error::conflict(
        "order_busy",
        "the order kept changing while it was being dispatched",
    ))
}

/// Enqueues the horizon timer of an order (once per window).
async fn defer(
    app: &App,
    row: &service_order::Model,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    jobs::enqueue(
        app.store.db(),
        NewJob {
            kind: job_kind::HORIZON.into(),
            payload: serde_json::json!({ "order_id": row.id, "window_start": row.window_start }),
            run_at: due,
            dedupe_key: Some(format!(
                "{}:{}:{}",
                job_kind::HORIZON,
                row.id,
                row.window_start.timestamp()
            )),
            max_attempts: 5,
        },
        now,
    )
    .await?;
    Ok(())
}

fn explanation(d: &Decision) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "{}".into())
}

/// Whether an order step failed because others were in the way (run it again).
fn retry(e: &OrderError) -> bool {
    match e {
        OrderError::Busy => true,
        OrderError::Db(d) => daojia_store::is_retryable(d) || daojia_store::is_unique_violation(d),
        _ => false,
    }
}

/// Offers the order to `worker` in one transaction; `None` to look again.
async fn offer(
    app: &App,
    loaded: &Loaded,
    decision: &Decision,
    worker: WorkerId,
    now: DateTime<Utc>,
) -> Result<Option<Step>> {
    let id = loaded.row.id;
    let tx = daojia_store::begin(app.store.db()).await?;
    let applied = orders::apply_tx(
        &tx,
        &app.store,
        id,
        Actor::System,
        Action::Offer { worker },
        now,
        None,
    )
    .await;
    match applied {
        Ok((Outcome::Applied(_), _)) => {}
        Ok((Outcome::AlreadyDone, _)) | Err(OrderError::Transition(_)) => {
            tx.rollback().await?;
            return Ok(Some(Step::NotWaiting));
        }
        Err(e) if retry(&e) => {
            let _ = tx.rollback().await;
            return Ok(None);
        }
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e.into());
        }
    }
    let decision_id = rows::insert_decision(
        &tx,
        NewDecision {
            order_id: id,
            policy: app.settings.dispatch.policy.name(),
            worker_id: Some(worker.0),
            outcome: "offered",
            candidates: decision.ranked.len(),
            rejected: decision.rejected.len(),
            explanation: explanation(decision),
        },
        now,
    )
    .await?;
    let expires_at = now + Duration::seconds(app.settings.dispatch.offer_timeout_secs);
    let offer_id =
        rows::insert_offer(&tx, id, worker.0, Some(decision_id), now, expires_at).await?;
    jobs::enqueue(
        &tx,
        NewJob {
            kind: job_kind::OFFER_TIMEOUT.into(),
            payload: serde_json::json!({ "order_id": id, "offer_id": offer_id }),
            run_at: expires_at,
            dedupe_key: Some(format!("{}:{offer_id}", job_kind::OFFER_TIMEOUT)),
            max_attempts: 10,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(order = %id, worker = %worker, offer = %offer_id, "order offered");
    Ok(Some(Step::Offered {
        worker: worker.0,
        offer: offer_id,
        decision: decision_id,
    }))
}

/// Nobody (more) to offer to: the decision, the grab pool, the alarm, in one transaction;
/// `None` to look again.
async fn give_up(
    app: &App,
    loaded: &Loaded,
    decision: &Decision,
    reason: &'static str,
    made: u64,
    now: DateTime<Utc>,
) -> Result<Option<Step>> {
    let settings = &app.settings.dispatch;
    let id = loaded.row.id;
    let tx = daojia_store::begin(app.store.db()).await?;
    let current = orders::get(&tx, id).await?;
    if current.as_ref().map(|r| r.version) != Some(loaded.row.version) {
        tx.rollback().await?;
        return Ok(None);
    }
    let outcome = match (settings.grab_pool, settings.exceptions) {
        (true, true) => "grab_pool_exception",
        (true, false) => "grab_pool",
        (false, _) => "exception",
    };
    rows::insert_decision(
        &tx,
        NewDecision {
            order_id: id,
            policy: app.settings.dispatch.policy.name(),
            worker_id: None,
            outcome,
            candidates: decision.ranked.len(),
            rejected: decision.rejected.len(),
            explanation: explanation(decision),
        },
        now,
    )
    .await?;
    let code = loaded.area.code.as_str();
    let grab = settings.grab_pool && rows::enter_grab(&tx, id, code, reason, now).await?;
    // One alarm per order and kind: look first (a failed insert would end the
    // transaction on PostgreSQL).
    let mut alarm = false;
    if settings.exceptions || !settings.grab_pool {
        let exists = order_alarm::Entity::find()
            .filter(order_alarm::Column::OrderId.eq(id))
            .filter(order_alarm::Column::Kind.eq(ALARM))
            .one(&tx)
            .await?
            .is_some();
        if !exists {
            let detail = match reason {
                "offers_exhausted" => format!("自动派单：已向 {made} 位师傅发出邀请，均未接单"),
                _ => format!(
                    "自动派单：没有可接单的师傅（查看 {} 位，均不符合）",
                    decision.rejected.len()
                ),
            };
            alarm = alarms::raise(&tx, id, ALARM, &detail, now).await?;
        }
    }
    tx.commit().await?;
    tracing::warn!(order = %id, reason, grab, alarm, "automatic dispatch found nobody");
    Ok(Some(Step::NoTaker {
        reason,
        grab,
        alarm,
    }))
}

/// What the offer timer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// The offer was answered or withdrawn before: nothing.
    Nothing,
    /// The offer expired and the order went back to waiting (the consumer offers the next).
    Expired,
}

/// The offer timer (`dispatch.offer_timeout`, payload `order_id`, `offer_id`).
pub async fn offer_timeout(
    app: &App,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Expired> {
    let offer_id: Uuid = payload["offer_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::internal("timer payload lacks offer_id"))?;
    for _ in 0..5 {
        let Some(o) = rows::offer(app.store.db(), offer_id).await? else {
            return Ok(Expired::Nothing);
        };
        if o.status != status::OPEN {
            return Ok(Expired::Nothing);
        }
        if o.expires_at > now + Duration::seconds(5) {
            return Err(Error::internal("the offer is not due yet"));
        }
        let tx = daojia_store::begin(app.store.db()).await?;
        if !rows::close_offer(&tx, offer_id, status::EXPIRED, None, now).await? {
            tx.rollback().await?;
            return Ok(Expired::Nothing);
        }
        let row = orders::get(&tx, o.order_id).await?;
        let offered = row.as_ref().is_some_and(|r| {
            r.state == OrderState::PendingAccept.as_str() && r.worker_id == Some(o.worker_id)
        });
        if offered {
            match orders::apply_tx(
                &tx,
                &app.store,
                o.order_id,
                Actor::System,
                Action::OfferExpired,
                now,
                None,
            )
            .await
            {
                Ok(_) => {}
                Err(e) if retry(&e) => {
                    let _ = tx.rollback().await;
                    continue;
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    return Err(e.into());
                }
            }
        }
        tx.commit().await?;
        app.wake_relay();
        tracing::info!(order = %o.order_id, worker = %o.worker_id, "offer expired");
        return Ok(Expired::Expired);
    }
    Err(Error::conflict(
        "order_busy",
        "the order kept changing while its offer expired",
    ))
}

/// The horizon timer (`dispatch.horizon`, payload `order_id`): a step, if the order still
/// waits for a worker.
pub async fn horizon(app: &App, payload: &serde_json::Value, now: DateTime<Utc>) -> Result<Step> {
    let id: Uuid = payload["order_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::internal("timer payload lacks order_id"))?;
    step(app, id, now).await
}

/// Whether `kind` is one of dispatch's timers.
pub fn is_dispatch_timer(kind: &str) -> bool {
    kind == job_kind::OFFER_TIMEOUT || kind == job_kind::HORIZON
}

/// Dispatches every order waiting for a worker whose window is still ahead (on start: the
/// demo's booked days, orders paid while no node ran the consumer); returns how many were
/// offered. Orders beyond the horizon get their timer.
pub async fn sweep(app: &App, now: DateTime<Utc>) -> Result<usize> {
    if !app.settings.dispatch.any_auto() {
        return Ok(0);
    }
    let ids: Vec<Uuid> = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::Id)
        .filter(service_order::Column::State.eq(OrderState::PendingDispatch.as_str()))
        .filter(service_order::Column::WindowStart.gt(now))
        .order_by_asc(service_order::Column::WindowStart)
        .limit(5000)
        .into_tuple::<Uuid>()
        .all(app.store.db())
        .await?;
    let mut offered = 0;
    for id in ids {
        match step(app, id, now).await {
            Ok(Step::Offered { .. }) => offered += 1,
            Ok(_) => {}
            Err(e) => tracing::warn!(order = %id, error = %e, "dispatch sweep: step failed"),
        }
    }
    Ok(offered)
}
