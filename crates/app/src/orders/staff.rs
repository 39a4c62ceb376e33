//! What staff do to an order in the console besides changing it: record an offline
//! payment (现金 / 转账), assign a worker by hand (派单), and record a step of the visit for
//! the worker (depart, check in, finish, complete).

use super::{By, apply};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::ids::WorkerId;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, AssignedBy, Order, PaymentMethod};
use daojia_store::repo::accounts;
use uuid::Uuid;

/// Records an offline payment: `method` is `cash` or `bank_transfer`, `reference` the
/// receipt or transfer reference (1–64 characters; the same reference twice is one payment).
pub async fn record_payment(
    app: &App,
    by: &By,
    id: Uuid,
    amount_fen: i64,
    method: &str,
    reference: &str,
    now: DateTime<Utc>,
) -> Result<Order> {
    let method = match method {
        "cash" => PaymentMethod::Cash,
        "bank_transfer" => PaymentMethod::BankTransfer,
        _ => {
            return Err(Error::field(
                "method",
                "unknown_method",
                "`cash` or `bank_transfer`",
            ));
        }
    };
    let reference = reference.trim().to_string();
    if reference.is_empty() || reference.chars().count() > 64 {
        return Err(Error::field(
            "reference",
            "length",
            "a receipt or transfer reference of 1 to 64 characters",
        ));
    }
    let action = Action::RecordPayment {
        amount: Money::fen(amount_fen),
        method,
        reference,
    };
    Ok(apply(app, by, id, action, now, None).await?.1)
}

/// Gives the order to an active worker directly; a partner's staff only their partner's
/// orders to their partner's workers.
pub async fn assign(
    app: &App,
    by: &By,
    id: Uuid,
    worker: Uuid,
    now: DateTime<Utc>,
) -> Result<Order> {
    super::visible(app, by, id).await?;
    let w = accounts::worker(app.store.db(), worker)
        .await?
        .filter(|w| w.active && by.may_dispatch_to(w))
        .ok_or_else(|| {
            Error::field(
                "worker_id",
                "unknown_worker",
                "no active worker with this id",
            )
        })?;
    let action = Action::Assign {
        worker: WorkerId(w.id),
        by: AssignedBy::Manual,
    };
    Ok(apply(app, by, id, action, now, None).await?.1)
}

/// A step of the visit, by name: `depart`, `check_in` (service starts), `finish` (service
/// done) or `complete`.
pub async fn visit(app: &App, by: &By, id: Uuid, step: &str, now: DateTime<Utc>) -> Result<Order> {
    let action = match step {
        "depart" => Action::Depart,
        "check_in" => Action::CheckIn,
        "finish" => Action::FinishService,
        "complete" => Action::Complete,
        _ => {
            return Err(Error::field(
                "step",
                "unknown_step",
                "`depart`, `check_in`, `finish` or `complete`",
            ));
        }
    };
    Ok(apply(app, by, id, action, now, None).await?.1)
}
