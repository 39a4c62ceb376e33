//! Changes to a placed order by its customer or by staff: cancel (under the order's
//! policy), reschedule (改约), confirm the visit (确认完成), and after-sales (售后): opening a
//! case, and staff's decision, with a free rework visit (返工) linked to the order.

use super::area::{WINDOW_MINUTES, area_of, check_window, claim, pool, window_minutes};
use super::place::check_photos;
use super::{By, apply, bundle, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Order, Resolution, TransitionError, Window};
use daojia_store::entity::service_order;
use daojia_store::repo::{orders, uploads};
use uuid::Uuid;

/// Cancels the order: a customer under its policy (the fee is what the order shows as
/// `customer_cancel_fee`), staff with a full refund. The reason has 1 to 200 characters.
pub async fn cancel(
    app: &App,
    by: &By,
    id: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> Result<Order> {
    if reason.trim().is_empty() || reason.chars().count() > 200 {
        return Err(Error::field(
            "reason",
            "length",
            "between 1 and 200 characters",
        ));
    }
    let (_, visits) = bundle::visible_visits(app, by, id).await?;
    if visits.len() > 1 {
        // Every visit, in one transaction; one already cancelled stays as it is.
        let cancel = |v: &service_order::Model| {
            (v.state != OrderState::Cancelled.as_str()).then(|| Action::Cancel {
                reason: reason.clone(),
            })
        };
        return bundle::apply_all(app, by, &visits, cancel, now, None).await;
    }
    Ok(apply(app, by, id, Action::Cancel { reason }, now, None)
        .await?
        .1)
}

/// The customer confirms the visit is done. With money still owed the order then awaits
/// the balance (`awaiting_balance`) and the payment completes it; confirming and paying are
/// separate steps. An order of several trades is confirmed whole: every visit must be done.
pub async fn confirm(app: &App, by: &By, id: Uuid, now: DateTime<Utc>) -> Result<Order> {
    let (_, visits) = bundle::visible_visits(app, by, id).await?;
    if visits.len() > 1 {
        let complete = |_: &service_order::Model| Some(Action::Complete);
        return bundle::apply_all(app, by, &visits, complete, now, None).await;
    }
    Ok(apply(app, by, id, Action::Complete, now, None).await?.1)
}

/// Moves the visit to the window starting at `start`.
///
/// A customer's window must be one the area takes bookings for (hours, lead time, horizon)
/// and somebody must be able to come then (`slot_unavailable`); the policy limits how often
/// and until when. Staff may move it to any window; without `force` a window nobody can
/// take is refused too.
pub async fn reschedule(
    app: &App,
    by: &By,
    id: Uuid,
    start: DateTime<Utc>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Order> {
    let (m, visits) = bundle::visible_visits(app, by, id).await?;
    let area = area_of(app, &m).await?;
    let window = match (by, &area) {
        (By::Customer { .. }, None) => {
            return Err(Error::conflict(
                "area_closed",
                "the order's service area no longer takes bookings",
            ));
        }
        (By::Customer { .. }, Some(a)) => check_window(a, start, now)?,
        (_, a) => Window {
            start,
            end: start + Duration::minutes(a.as_ref().map_or(WINDOW_MINUTES, window_minutes)),
        },
    };
    let pool = match &area {
        Some(a) => pool(app, a).await?,
        None => vec![],
    };
    let slot = match (&area, force && !matches!(by, By::Customer { .. })) {
        (Some(a), false) => Some(claim(app, a, &pool)),
        _ => None,
    };
    if visits.len() > 1 {
        // Every visit moves to the new window together, each still with its own worker.
        let live = |v: &service_order::Model| {
            (v.state != OrderState::Cancelled.as_str()).then_some(Action::Reschedule { window })
        };
        let slot = slot.map(|c| (c, window));
        return bundle::apply_all(app, by, &visits, live, now, slot).await;
    }
    Ok(apply(app, by, id, Action::Reschedule { window }, now, slot)
        .await?
        .1)
}

/// Opens an after-sales case on a completed order within the policy's days: the customer's
/// (with `after_sales` photos) or staff's on the customer's behalf.
pub async fn open_after_sales(
    app: &App,
    by: &By,
    id: Uuid,
    reason: String,
    photo_ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Order> {
    let customer = match by {
        By::Customer { id, .. } => Some(*id),
        _ => None,
    };
    if let Some(c) = customer {
        let n = reason.trim().chars().count();
        if n == 0 || n > 500 {
            return Err(Error::field(
                "reason",
                "length",
                "between 1 and 500 characters",
            ));
        }
        check_photos(app, c, photo_ids, "after_sales").await?;
    }
    let (_, order) = apply(app, by, id, Action::OpenAfterSales { reason }, now, None).await?;
    if let Some(c) = customer {
        uploads::attach(
            app.store.db(),
            id,
            "customer",
            c,
            photo_ids,
            "after_sales",
            now,
        )
        .await
        .map_err(Error::internal)?;
    }
    Ok(order)
}

/// Staff's after-sales decision, as the console sends it.
#[derive(Debug, Clone)]
pub struct Decision {
    /// `open` (on the customer's behalf), `rework`, `refund` or `declined`.
    pub decision: String,
    /// Refund amount, 分 (for `refund` only).
    pub amount_fen: Option<i64>,
    /// Explanation for the record and the customer (at most 500 characters).
    pub note: String,
    /// For `rework`: the start of the new visit's window.
    pub window_start: Option<DateTime<Utc>>,
}

/// Opens or decides an after-sales case. A rework makes the free linked visit first (once
/// per order: a retry after a failure finds it and goes on), then resolves the case.
pub async fn decide_after_sales(
    app: &App,
    by: &By,
    id: Uuid,
    d: Decision,
    now: DateTime<Utc>,
) -> Result<Order> {
    if d.note.chars().count() > 500 {
        return Err(Error::field("note", "too_long", "at most 500 characters"));
    }
    let resolve = |resolution, note| Action::ResolveAfterSales { resolution, note };
    let action = match (d.decision.as_str(), d.amount_fen) {
        ("open", None) => return open_after_sales(app, by, id, d.note, &[], now).await,
        ("rework", None) => {
            let rework = rework(app, by, id, d.window_start, now).await?;
            let note = format!("{} → 返工单 {}", d.note, rework.order_no);
            resolve(Resolution::Rework, note)
        }
        ("declined", None) => resolve(Resolution::Declined, d.note),
        ("refund", Some(a)) => resolve(
            Resolution::Refund {
                amount: Money::fen(a),
            },
            d.note,
        ),
        ("refund", None) => {
            return Err(Error::field(
                "amount_fen",
                "required",
                "a refund needs an amount",
            ));
        }
        ("open" | "rework" | "declined", Some(_)) => {
            return Err(Error::field(
                "amount_fen",
                "unexpected",
                "only a refund has an amount",
            ));
        }
        _ => {
            return Err(Error::field(
                "decision",
                "unknown_decision",
                "`open`, `rework`, `refund` or `declined`",
            ));
        }
    };
    Ok(apply(app, by, id, action, now, None).await?.1)
}

/// The rework visit of an order in after-sales, in the window starting at `start`.
async fn rework(
    app: &App,
    by: &By,
    id: Uuid,
    start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<daojia_store::entity::service_order::Model> {
    let Some(start) = start else {
        return Err(Error::field(
            "window_start",
            "required",
            "a rework needs the new visit's window",
        ));
    };
    if start <= now {
        return Err(Error::field(
            "window_start",
            "in_the_past",
            "the new visit must be in the future",
        ));
    }
    let (m, o) = visible(app, by, id).await?;
    if o.state != OrderState::AfterSales {
        return Err(TransitionError::InvalidState {
            action: "resolve_after_sales",
            state: o.state,
        }
        .into());
    }
    let minutes = area_of(app, &m)
        .await?
        .as_ref()
        .map_or(WINDOW_MINUTES, window_minutes);
    let window = Window {
        start,
        end: start + Duration::minutes(minutes),
    };
    let row =
        orders::place_rework(&app.store, id, window, by.actor(), now, by.request_id()).await?;
    app.wake_relay();
    Ok(row)
}
