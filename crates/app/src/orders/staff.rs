//! What staff do to an order in the console besides changing it: record an offline
//! payment (现金 / 转账), assign a worker by hand (派单), and record a step of the visit for
//! the worker (depart, check in, finish, complete).

use super::{By, apply};
use crate::board::AssignPreview;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, AssignedBy, Order, PaymentMethod};
use daojia_store::repo::{accounts, orders};
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
    let (_, visits) = super::bundle::visible_visits(app, by, id).await?;
    if visits.len() > 1 && amount_fen > 0 {
        // One payment for the whole order, shared out over its visits.
        let code = if matches!(method, PaymentMethod::Cash) {
            "cash"
        } else {
            "bank_transfer"
        };
        let shares =
            super::bundle::payment_steps(app, &visits, Money::fen(amount_fen), code, &reference)
                .await?;
        let pay = |v: &daojia_store::entity::service_order::Model| {
            shares
                .iter()
                .find(|(id, _)| *id == v.id)
                .map(|(_, amount)| Action::RecordPayment {
                    amount: *amount,
                    method: method.clone(),
                    reference: reference.clone(),
                })
        };
        return super::bundle::apply_all(app, by, &visits, pay, now, None).await;
    }
    let action = Action::RecordPayment {
        amount: Money::fen(amount_fen),
        method,
        reference,
    };
    Ok(apply(app, by, id, action, now, None).await?.1)
}

/// How a manual assignment went.
#[derive(Debug, Clone)]
pub enum Assigned {
    /// Only checked (`dry_run`): what would go wrong.
    Preview(AssignPreview),
    /// Not made: there are conflicts and no reason to override them.
    Refused(AssignPreview),
    /// Made (with the conflicts overridden, if any).
    Done(Box<Order>, AssignPreview),
}

/// Longest override reason, characters.
pub const MAX_REASON: usize = 200;

/// Gives the order to an active worker directly, or to another worker than the one who
/// has it (改派). The conflicts of [`crate::board::check`] (late arrival, overlap, missing
/// skill or certificate, off shift...) are checked first: with `dry_run` only they are
/// returned; with conflicts and no `override_reason` nothing changes
/// ([`Assigned::Refused`]); with one the order is assigned and the reason recorded in the
/// order's event and the audit entry. A partner's staff only their partner's orders to
/// their partner's workers.
pub async fn assign(
    app: &App,
    by: &By,
    id: Uuid,
    worker: Uuid,
    dry_run: bool,
    override_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Assigned> {
    let reason = crate::workers::text("override_reason", override_reason, false, MAX_REASON)?;
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
    let (m, _) = super::visible(app, by, id).await?;
    let preview = crate::board::check::preview(app, &m, &w, now).await?;
    if dry_run {
        return Ok(Assigned::Preview(preview));
    }
    // The deposit gate is the platform's rule, not the dispatcher's call: no reason lifts it.
    if let Some(c) = preview
        .conflicts
        .iter()
        .find(|c| c.code == "deposit_too_low")
        && reason.is_some()
    {
        return Err(Error::conflict("deposit_too_low", c.message.clone()));
    }
    if !preview.conflicts.is_empty() && reason.is_none() {
        return Ok(Assigned::Refused(preview));
    }
    let action = Action::Assign {
        worker: WorkerId(w.id),
        by: AssignedBy::Manual,
    };
    let audit = by.audit(id, &action);
    let (_, order) = orders::apply_noted(
        &app.store,
        id,
        by.actor(),
        action,
        now,
        by.request_id(),
        audit,
        None,
        reason.as_deref(),
    )
    .await?;
    app.wake_relay();
    Ok(Assigned::Done(Box::new(order), preview))
}

/// The order actions of a visit step, by name: `depart`, `arrive` (checked in at the
/// door: `arrived`), `start` (service starts), `check_in` (arrived and started at once, for
/// a visit recorded after the fact), `finish` (service done) or `complete`.
fn visit_actions(step: &str) -> Result<Vec<Action>> {
    Ok(match step {
        "depart" => vec![Action::Depart],
        "arrive" => vec![Action::CheckIn],
        "start" => vec![Action::StartService],
        "check_in" => vec![Action::CheckIn, Action::StartService],
        "finish" => vec![Action::FinishService],
        "complete" => vec![Action::Complete],
        _ => {
            return Err(Error::field(
                "step",
                "unknown_step",
                "`depart`, `arrive`, `start`, `check_in`, `finish` or `complete`",
            ));
        }
    })
}

/// At the door or done there: the worker is at the job's place now.
async fn at_the_job(
    app: &App,
    action: &Action,
    order: &Order,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    if matches!(
        action,
        Action::CheckIn | Action::StartService | Action::FinishService
    ) && let Some(w) = order.worker
        && let Some(row) = orders::get(app.store.db(), id).await?
    {
        crate::workers::positions::at_job(app, w.0, LatLng::new(row.lat, row.lng), now).await;
    }
    Ok(())
}

/// A step of the visit recorded by staff, by name (see [`visit_actions`]): staff start a
/// visit without the door check code (the event and the audit entry name them). Checking in
/// and finishing record the job's place as the worker's position.
pub async fn visit(app: &App, by: &By, id: Uuid, step: &str, now: DateTime<Utc>) -> Result<Order> {
    let mut last = None;
    for action in visit_actions(step)? {
        let order = apply(app, by, id, action.clone(), now, None).await?.1;
        at_the_job(app, &action, &order, id, now).await?;
        last = Some(order);
    }
    last.ok_or_else(|| Error::internal("a visit step without an action"))
}

/// A step of the visit recorded for the assigned worker without the worker app's checks
/// (the day simulator), by name (see [`visit_actions`]); someone else's order is "not
/// found". The worker app goes through [`crate::visits`] instead: the check-in fence and
/// the door check code.
pub async fn worker_visit(
    app: &App,
    worker_id: Uuid,
    id: Uuid,
    step: &str,
    now: DateTime<Utc>,
) -> Result<Order> {
    let actions = visit_actions(step)?;
    orders::get(app.store.db(), id)
        .await?
        .filter(|r| r.worker_id == Some(worker_id))
        .ok_or(Error::NotFound("order"))?;
    let actor = daojia_domain::order::machine::Actor::Worker {
        id: daojia_domain::ids::WorkerId(worker_id),
    };
    let mut last = None;
    for action in actions {
        let (_, order) =
            orders::apply_checked(&app.store, id, actor, action.clone(), now, None, None, None)
                .await?;
        app.wake_relay();
        at_the_job(app, &action, &order, id, now).await?;
        last = Some(order);
    }
    last.ok_or_else(|| Error::internal("a visit step without an action"))
}
