//! The `notifications` outbox consumer: order events to notices for the people they
//! concern. Each notice's dedupe key is the event id, the kind and the recipient, so an
//! event delivered twice (a relay restarted, a broker redelivery) makes each notification
//! once.
//!
//! | event | who | kind |
//! |---|---|---|
//! | `order.offer` | the worker offered it | offer |
//! | `order.assign` | the worker given it; the customer | offer; accepted |
//! | `order.accept` | the customer | accepted |
//! | `order.depart` | the customer, with an ETA | departed |
//! | `order.check_in` | the customer | arrived |
//! | `order.finish_service` with money owed | the customer | payment_due |
//! | `order.complete` | the customer | completed, review_request |
//! | `order.complete` with money owed (to `awaiting_balance`) | the customer | payment_due |
//! | `order.record_payment` settling the balance (`awaiting_balance` to `completed`) | the customer | completed, review_request |
//! | `order.cancel`, `order.resolve_after_sales` with a refund | the customer | refund |

use super::{OrderFacts, notify, order_facts, worker_surname};
use crate::App;
use crate::outbox::{Consumer, Event, HandleError};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::notification::Kind;
use daojia_domain::notification::template::yuan;
use daojia_store::repo::{accounts, orders, payments};
use std::sync::Arc;
use uuid::Uuid;

/// The consumer's name (its progress row).
pub const NAME: &str = "notifications";

/// The order actions it turns into notices.
const ACTIONS: &[&str] = &[
    "offer",
    "assign",
    "accept",
    "depart",
    "check_in",
    "finish_service",
    "complete",
    "record_payment",
    "cancel",
    "resolve_after_sales",
];

/// Turns order events into notifications.
pub struct Notifications {
    app: App,
    clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
}

impl Notifications {
    /// The consumer over `app`, stamping what it writes with `clock`.
    pub fn new(app: App, clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>) -> Notifications {
        Notifications { app, clock }
    }
}

#[async_trait::async_trait]
impl Consumer for Notifications {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, topic: &str) -> bool {
        topic
            .strip_prefix("order.")
            .is_some_and(|a| ACTIONS.contains(&a))
    }

    fn routing_keys(&self) -> Vec<String> {
        ACTIONS.iter().map(|a| orders::topic(a)).collect()
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        for n in notices(&self.app, event, (self.clock)()).await? {
            notify(&self.app, n, (self.clock)()).await?;
        }
        Ok(())
    }
}

fn key(event: &Event, kind: Kind, recipient: Uuid) -> String {
    format!(
        "{}:{}:{}",
        event.id.simple(),
        kind.as_str(),
        recipient.simple()
    )
}

/// The notices event `event` makes (none for an order that is gone or an event that does
/// not concern anyone).
pub async fn notices(
    app: &App,
    event: &Event,
    now: DateTime<Utc>,
) -> crate::Result<Vec<super::Notice>> {
    let Some(action) = event.topic.strip_prefix("order.") else {
        return Ok(vec![]);
    };
    let Some(f) = order_facts(app, event.aggregate_id).await? else {
        return Ok(vec![]);
    };
    let worker = event.payload["worker_id"]
        .as_str()
        .and_then(|s| s.parse::<Uuid>().ok());
    let customer = f.row.customer_id;
    let mut out = vec![];
    let for_customer =
        |kind: Kind, vars| f.notice(kind, customer, vars, key(event, kind, customer));
    match action {
        "offer" | "assign" => {
            if let Some(w) = worker {
                out.push(f.notice(Kind::Offer, w, f.vars(), key(event, Kind::Offer, w)));
            }
            if action == "assign" {
                out.push(for_customer(
                    Kind::Accepted,
                    with_worker(app, &f, worker).await?,
                ));
            }
        }
        "accept" => out.push(for_customer(
            Kind::Accepted,
            with_worker(app, &f, worker).await?,
        )),
        "depart" => {
            let mut v = with_worker(app, &f, worker).await?;
            v.insert(
                "eta_min".into(),
                eta_minutes(app, &f, worker, now).await?.to_string(),
            );
            out.push(for_customer(Kind::Departed, v));
        }
        "check_in" => out.push(for_customer(
            Kind::Arrived,
            with_worker(app, &f, worker).await?,
        )),
        "finish_service" => {
            let due = f.row.total_fen - f.row.paid_fen;
            if due > 0 && event.payload["to"] != "completed" {
                let mut v = f.vars();
                v.insert("amount".into(), yuan(due));
                out.push(for_customer(Kind::PaymentDue, v));
            }
        }
        // Confirmed with money still owed: the balance is asked for, and the payment that
        // settles it completes the order (then the completion notices go out).
        "complete" if event.payload["to"] == "awaiting_balance" => {
            let due = f.row.total_fen - f.row.paid_fen;
            if due > 0 {
                let mut v = f.vars();
                v.insert("amount".into(), yuan(due));
                out.push(for_customer(Kind::PaymentDue, v));
            }
        }
        "complete" => {
            out.push(for_customer(Kind::Completed, f.vars()));
            out.push(for_customer(Kind::ReviewRequest, f.vars()));
        }
        "record_payment"
            if event.payload["from"] == "awaiting_balance"
                && event.payload["to"] == "completed" =>
        {
            out.push(for_customer(Kind::Completed, f.vars()));
            out.push(for_customer(Kind::ReviewRequest, f.vars()));
        }
        "cancel" | "resolve_after_sales" => {
            let refunded = match event.payload["seq"].as_u64() {
                Some(seq) => payments::order_step(app.store.db(), f.row.id, seq as u32)
                    .await?
                    .map_or(0, |s| s.refunded_fen),
                None => 0,
            };
            if refunded > 0 {
                let mut v = f.vars();
                v.insert("amount".into(), yuan(refunded));
                out.push(for_customer(Kind::Refund, v));
            }
        }
        _ => {}
    }
    Ok(out)
}

async fn with_worker(
    app: &App,
    f: &OrderFacts,
    worker: Option<Uuid>,
) -> crate::Result<daojia_domain::notification::template::Vars> {
    let mut v = f.vars();
    v.insert(
        "worker".into(),
        worker_surname(app, worker.or(f.row.worker_id)).await?,
    );
    Ok(v)
}

/// Minutes from the worker's best known position (a live report, else their home base) to
/// the order's address at `now`, by the travel-time provider; at least 1.
async fn eta_minutes(
    app: &App,
    f: &OrderFacts,
    worker: Option<Uuid>,
    now: DateTime<Utc>,
) -> crate::Result<i64> {
    let to = LatLng::new(f.row.lat, f.row.lng);
    let Some(w) = worker.or(f.row.worker_id) else {
        return Ok(1);
    };
    let from = match crate::workers::positions::recorded_one(app, w, now).await {
        Some(p) => p.at,
        None => match accounts::worker(app.store.db(), w).await? {
            Some(row) => LatLng::new(row.home_lat, row.home_lng),
            None => to,
        },
    };
    let secs = app.travel.seconds(from, to, now.timestamp());
    Ok((secs + 59).div_euclid(60).max(1))
}
