//! Orders needing several trades (多工种订单, docs/adr/0008): when no single worker of the
//! area's pool holds every skill the items need, the order is placed as linked visits, one
//! per trade, sharing `bundle_id`. The first visit is the order the customer sees; each
//! visit is dispatched on its own (it carries only its trade's items and skills), and the
//! customer's changes (cancel, reschedule, confirm) and a payment act on all the visits
//! together, in one transaction.
//!
//! The visits share the order's window: a window is offered, and an order placed, only when
//! every visit can be served in it by a different worker (`DayPlan::fits_all`).

use super::place::autopay;
use super::pricing::Priced;
use super::{By, visible};
use crate::error::SLOT_UNAVAILABLE;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::bundle;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Order, TransitionError, Window};
use daojia_store::entity::{order_payment, service_area, service_order};
use daojia_store::repo::bundles::{self, Step};
use daojia_store::repo::{orders, slots};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The trades of an order: `None` when one worker of the pool can serve every item (one
/// visit, as always), else the lines of each visit. An item nobody in the pool is
/// qualified for is `slot_unavailable` on `items[i]` (for an order of several items; one
/// item alone meets slot search's own refusal, on `window_start`).
pub async fn trades(
    app: &App,
    pool: &[String],
    area: &service_area::Model,
    window: Window,
    priced: &Priced,
) -> Result<Option<Vec<Vec<usize>>>> {
    let date = window.start.with_timezone(&slots::zone(area)).date_naive();
    trades_on(app, pool, date, priced).await
}

/// [`trades`] with the workers qualified on `date` (slot search's first day).
pub async fn trades_on(
    app: &App,
    pool: &[String],
    date: chrono::NaiveDate,
    priced: &Priced,
) -> Result<Option<Vec<Vec<usize>>>> {
    if priced.needs.len() < 2 {
        return Ok(None);
    }
    let workers = slots::skill_sets(app.store.db(), pool, date).await?;
    let lines: Vec<Vec<String>> = priced.needs.iter().map(|n| n.skills.clone()).collect();
    match bundle::trades(&lines, &workers) {
        Ok(groups) if groups.len() > 1 => Ok(Some(groups)),
        Ok(_) => Ok(None),
        Err(i) => Err(unservable(i)),
    }
}

pub(crate) fn unservable(line: usize) -> Error {
    Error::ConflictAt {
        code: SLOT_UNAVAILABLE,
        field: format!("items[{line}]"),
        message: "nobody can serve this item at this address in this window".into(),
    }
}

/// The visits of an order of several trades: `base` (the whole order) cut along `groups`,
/// each with its trade's lines, working time, skills and deposit, and its share of the
/// late-cancellation fee's cap. The customer's photos go with the first visit.
pub fn visits(
    base: &orders::NewOrder,
    priced: &Priced,
    groups: &[Vec<usize>],
) -> Vec<orders::NewOrder> {
    let parts: Vec<Priced> = groups.iter().map(|g| priced.part(g)).collect();
    let totals: Vec<Money> = parts
        .iter()
        .map(|p| p.lines.iter().map(|l| l.total).sum())
        .collect();
    let policies = bundle::policies(priced.policy, &totals);
    parts
        .into_iter()
        .zip(policies)
        .enumerate()
        .map(|(k, (p, policy))| orders::NewOrder {
            plan: p.plan,
            policy,
            lines: p.lines,
            duration_min: p.duration_min,
            skills: p.skills,
            photos: if k == 0 { base.photos.clone() } else { vec![] },
            ..base.clone()
        })
        .collect()
}

/// Writes the visits under the booking lock (a trade that can no longer be served is
/// `slot_unavailable` on the first of its items) and, in the demo, pays each one's due.
/// Returns the first visit (the customer's order) and every visit's row.
pub(crate) async fn write(
    app: &App,
    tx: &DatabaseTransaction,
    visits: Vec<orders::NewOrder>,
    groups: &[Vec<usize>],
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: orders::SlotClaim<'_>,
) -> Result<(service_order::Model, Order, Vec<service_order::Model>)> {
    let placed = bundles::place_tx(tx, &app.store, visits, now, request_id, Some(slot))
        .await
        .map_err(|e| match e {
            orders::OrderError::TradeUnavailable(k) => unservable(groups[k][0]),
            other => other.into(),
        })?;
    let mut rows = Vec::with_capacity(placed.len());
    let mut first = None;
    for (row, order) in placed {
        let (row, order) = autopay(app, tx, row, order, now, request_id).await?;
        first.get_or_insert((row.clone(), order));
        rows.push(row);
    }
    let (row, order) = first.expect("an order of several trades has visits");
    Ok((row, order, rows))
}

/// The order `id` as `by` may see it, with all its visits (itself alone when it has one).
pub async fn visible_visits(
    app: &App,
    by: &By,
    id: Uuid,
) -> Result<(service_order::Model, Vec<service_order::Model>)> {
    let (m, _) = visible(app, by, id).await?;
    let all = bundles::siblings(app.store.db(), m.clone()).await?;
    // A change to the whole order by a partner's staff needs every visit to be theirs.
    if let By::Staff(s) = by
        && all.len() > 1
        && crate::orders::read::retain_visible(app, s.scope, all.clone())
            .await?
            .len()
            != all.len()
    {
        return Err(Error::Forbidden {
            code: "visits_outside_scope",
            message: "another partner serves a visit of this order; ask the platform's staff"
                .into(),
        });
    }
    Ok((m, all))
}

/// Applies `action` to every visit of the order `id` (which must have several) in one
/// transaction; `slot` checks a reschedule's new window for all of them. Returns the first
/// visit (the customer's order) as it is after.
pub(crate) async fn apply_all(
    app: &App,
    by: &By,
    visits: &[service_order::Model],
    action: impl Fn(&service_order::Model) -> Option<Action>,
    now: DateTime<Utc>,
    slot: Option<(orders::SlotClaim<'_>, Window)>,
) -> Result<Order> {
    let steps: Vec<Step> = visits
        .iter()
        .filter_map(|v| {
            action(v).map(|a| Step {
                id: v.id,
                audit: by.audit(v.id, &a),
                action: a,
            })
        })
        .collect();
    let done = bundles::apply(&app.store, by.actor(), &steps, now, by.request_id(), slot)
        .await
        .map_err(|e| match e {
            orders::OrderError::TradeUnavailable(_) => Error::conflict(
                SLOT_UNAVAILABLE,
                "not every trade of this order can be served in this window; please choose another",
            ),
            other => other.into(),
        })?;
    app.wake_relay();
    let first = visits[0].id;
    match done.into_iter().find(|(_, o)| o.id.0 == first) {
        Some((_, o)) => Ok(o),
        None => {
            let m = orders::get(app.store.db(), first)
                .await?
                .ok_or(Error::NotFound("order"))?;
            Ok(orders::to_domain(&m)?)
        }
    }
}

/// A payment of `amount` for the whole order shared out over its visits by what each still
/// owes (by their totals when none owes anything), each visit recording its share under the
/// same reference. A reference already recorded on the order is that payment again: the
/// shares it was recorded with are applied (a no-op), or refused if the amount differs.
pub(crate) async fn payment_steps(
    app: &App,
    visits: &[service_order::Model],
    amount: Money,
    method_code: &str,
    reference: &str,
) -> Result<Vec<(Uuid, Money)>> {
    let ids: Vec<Uuid> = visits.iter().map(|v| v.id).collect();
    let recorded = order_payment::Entity::find()
        .filter(order_payment::Column::OrderId.is_in(ids))
        .filter(order_payment::Column::Method.eq(method_code))
        .filter(order_payment::Column::Reference.eq(reference))
        .all(app.store.db())
        .await?;
    if !recorded.is_empty() {
        if recorded.iter().map(|p| p.amount_fen).sum::<i64>() != amount.as_fen() {
            return Err(TransitionError::Amount(
                "this reference was already recorded with another amount",
            )
            .into());
        }
        return Ok(recorded
            .into_iter()
            .map(|p| (p.order_id, Money::fen(p.amount_fen)))
            .collect());
    }
    let owed: Vec<Money> = visits
        .iter()
        .map(|v| Money::fen((v.total_fen - v.paid_fen).max(0)))
        .collect();
    let weights = if owed.iter().all(|m| *m == Money::ZERO) {
        visits.iter().map(|v| Money::fen(v.total_fen)).collect()
    } else {
        owed
    };
    Ok(ids_with(visits, bundle::share(amount, &weights)))
}

fn ids_with(visits: &[service_order::Model], shares: Vec<Money>) -> Vec<(Uuid, Money)> {
    visits
        .iter()
        .zip(shares)
        .filter(|(_, s)| *s != Money::ZERO)
        .map(|(v, s)| (v.id, s))
        .collect()
}
