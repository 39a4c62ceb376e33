//! Order use cases: placing one, the customer's and staff's changes, staff's visit steps,
//! the timers, and the dispatch steps (offer, accept, reject). Each takes plain inputs, who
//! acts ([`By`]) and `now`, applies one transition of the order state machine through the
//! store (the order, its event, its outbox event, its timers and the audit entry in one
//! transaction) and wakes the outbox relay after the commit.

pub mod area;
pub mod bundle;
pub mod change;
pub mod offers;
pub mod on_behalf;
pub mod place;
pub mod pricing;
pub mod read;
pub mod slots;
pub mod staff;
pub mod timers;

use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::access::Role;
use daojia_domain::ids::{CustomerId, StaffId};
use daojia_domain::order::machine::{Action, Actor, Order, Outcome};
use daojia_store::entity::service_order;
use daojia_store::repo::audit::AuditEntry;
use daojia_store::repo::orders;
use uuid::Uuid;

pub use area::WINDOW_MINUTES;

/// A staff member acting in the console, with what the audit log records of the request.
#[derive(Debug, Clone)]
pub struct StaffCall {
    /// Staff id.
    pub id: Uuid,
    /// Their role (the state machine checks its rights).
    pub role: Role,
    /// Which orders and workers they see (a partner's staff: their partner's only).
    pub scope: crate::workers::Scope,
    /// Display name for the audit log.
    pub name: String,
    /// The request.
    pub request_id: Option<String>,
    /// From where.
    pub ip: Option<String>,
}

/// Who asks for a change.
#[derive(Debug, Clone)]
pub enum By {
    /// The customer who placed the order (anyone else's order is "not found").
    Customer {
        /// Customer id.
        id: Uuid,
        /// The request.
        request_id: Option<String>,
    },
    /// A staff member; the change is recorded in the audit log too.
    Staff(StaffCall),
    /// A timer or the dispatcher.
    System,
}

impl By {
    /// The state machine's actor.
    pub fn actor(&self) -> Actor {
        match self {
            By::Customer { id, .. } => Actor::Customer {
                id: CustomerId(*id),
            },
            By::Staff(s) => Actor::Staff {
                id: StaffId(s.id),
                role: s.role,
            },
            By::System => Actor::System,
        }
    }

    /// The worker `id` if `by` may give orders to them: a partner's staff only to their
    /// partner's workers (any other is unknown to them).
    pub(crate) fn may_dispatch_to(&self, w: &daojia_store::entity::worker::Model) -> bool {
        match self {
            By::Staff(s) => s.scope.sees(w),
            _ => true,
        }
    }

    /// The request behind the change.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            By::Customer { request_id, .. } => request_id.as_deref(),
            By::Staff(s) => s.request_id.as_deref(),
            By::System => None,
        }
    }

    /// The audit entry of `action` on order `id` (staff only; the store fills in the order
    /// before and after).
    fn audit(&self, id: Uuid, action: &Action) -> Option<AuditEntry> {
        let By::Staff(s) = self else { return None };
        Some(AuditEntry {
            actor_type: "staff".into(),
            actor_id: Some(s.id),
            actor_name: Some(s.name.clone()),
            action: format!("order.{}", action.name()),
            target_type: "order".into(),
            target_id: Some(id.to_string()),
            before: None,
            after: None,
            request_id: s.request_id.clone(),
            ip: s.ip.clone(),
        })
    }
}

/// The order `id` as `by` may see it: a customer only their own, a partner's staff only
/// the orders of their partner's workers ("not found" otherwise).
pub async fn visible(app: &App, by: &By, id: Uuid) -> Result<(service_order::Model, Order)> {
    let m = match by {
        By::Staff(s) => read::get(app, s.scope, id).await?,
        _ => orders::get(app.store.db(), id)
            .await?
            .filter(|m| match by {
                By::Customer { id: c, .. } => m.customer_id == *c,
                _ => true,
            })
            .ok_or(Error::NotFound("order"))?,
    };
    let o = orders::to_domain(&m)?;
    Ok((m, o))
}

/// Applies `action` for `by` (after [`visible`]), with an optional capacity claim; an
/// action already done (a retry) is not an error. Wakes the relay after the commit.
pub(crate) async fn apply(
    app: &App,
    by: &By,
    id: Uuid,
    action: Action,
    now: DateTime<Utc>,
    slot: Option<orders::SlotClaim<'_>>,
) -> Result<(Outcome, Order)> {
    visible(app, by, id).await?;
    let audit = by.audit(id, &action);
    let done = orders::apply_checked(
        &app.store,
        id,
        by.actor(),
        action,
        now,
        by.request_id(),
        audit,
        slot,
    )
    .await?;
    app.wake_relay();
    crate::payments::refunds::after_transition(app, id, &done.0, now).await;
    Ok(done)
}
