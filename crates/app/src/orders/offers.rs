//! The dispatch steps over the state machine's offer actions: offer an order to one worker
//! (派单邀请), the worker accepts or rejects it, or the offer expires. The offer is written
//! with its order event and outbox event in one transaction, so a crash between choosing
//! the worker and telling them loses nothing: the notification follows from the event.

use super::{By, apply};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::ids::WorkerId;
use daojia_domain::order::machine::{Action, Actor, Order, Outcome};
use daojia_store::repo::accounts;
use daojia_store::repo::orders;
use uuid::Uuid;

/// Offers the order to `worker` (by the dispatcher, `By::System`, or staff; a partner's
/// staff only their partner's orders to their partner's workers).
pub async fn offer(
    app: &App,
    by: &By,
    id: Uuid,
    worker: Uuid,
    now: DateTime<Utc>,
) -> Result<(Outcome, Order)> {
    if let By::Staff(_) = by {
        super::visible(app, by, id).await?;
        let known = accounts::worker(app.store.db(), worker).await?;
        if !known.is_some_and(|w| by.may_dispatch_to(&w)) {
            return Err(Error::field(
                "worker_id",
                "unknown_worker",
                "no worker with this id",
            ));
        }
    }
    let action = Action::Offer {
        worker: WorkerId(worker),
    };
    apply(app, by, id, action, now, None).await
}

/// The offered worker takes the order.
pub async fn accept(
    app: &App,
    worker: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(Outcome, Order)> {
    by_worker(app, worker, id, Action::Accept, now).await
}

/// The offered worker declines the order.
pub async fn reject(
    app: &App,
    worker: Uuid,
    id: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> Result<(Outcome, Order)> {
    by_worker(app, worker, id, Action::Reject { reason }, now).await
}

/// The offer ran out without an answer (a timer).
pub async fn offer_expired(app: &App, id: Uuid, now: DateTime<Utc>) -> Result<(Outcome, Order)> {
    apply(app, &By::System, id, Action::OfferExpired, now, None).await
}

async fn by_worker(
    app: &App,
    worker: Uuid,
    id: Uuid,
    action: Action,
    now: DateTime<Utc>,
) -> Result<(Outcome, Order)> {
    let actor = Actor::Worker {
        id: WorkerId(worker),
    };
    let done = orders::apply(&app.store, id, actor, action, now, None).await?;
    app.wake_relay();
    Ok(done)
}
