//! The demo's orders needing two trades (docs/adr/0008): a few a day, today's and
//! tomorrow's, each a home cleaning with an appliance repair, booked as two linked visits
//! through the same claim as a customer's placement (every visit served in the window by
//! a different worker, or the order is turned away), paid, and left for dispatch, so a
//! newcomer sees one on the dispatch board and in the customer app.

use super::DemoError;
use super::context::Context;
use super::history::new_order;
use super::live::Day;
use crate::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_demo::City;
use daojia_demo::booked::two_trades;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, PaymentMethod, Window};
use daojia_store::repo::orders::{self, OrderError, SlotClaim};
use daojia_store::repo::{bundles, slots};
use sea_orm::DatabaseTransaction;

/// The customer's notes on a two-trade order (written once, on every visit).
const NOTES: &str = "保洁和维修同一时段上门，请两位师傅先沟通分工";

/// Books `date`'s orders needing two trades whose window starts at least three hours
/// from `now` (they wait for a worker; nobody should be late for them at the start).
pub(super) async fn book_all(
    state: &AppState,
    city: &City,
    ctx: &mut Context,
    tx: &DatabaseTransaction,
    date: NaiveDate,
    now: DateTime<Utc>,
    day: &mut Day,
) -> Result<(), DemoError> {
    for (b, second) in two_trades(city, date) {
        let Some(customer) = ctx.customers[b.customer] else {
            continue;
        };
        let Some(place) = ctx.places[b.customer][b.address].clone() else {
            continue;
        };
        let Some(area) = ctx.area(&place.area_code).cloned() else {
            continue;
        };
        let (Some(one), Some(two)) = (
            ctx.price(state, city, b.item, &area).await?,
            ctx.price(state, city, second, &area).await?,
        ) else {
            continue;
        };
        let window_min = crate::api::orders::window_minutes(&area);
        let start = slots::midnight(slots::zone(&area), date)
            + Duration::minutes(i64::from(b.start_minute));
        if start < now + Duration::hours(3)
            || b.start_minute < area.open_minute
            || i64::from(b.start_minute) + window_min > i64::from(area.close_minute)
        {
            continue;
        }
        let window = Window {
            start,
            end: start + Duration::minutes(window_min),
        };
        let mut visits = vec![
            new_order(customer, &place, window, &one, b.item),
            new_order(customer, &place, window, &two, second),
        ];
        // One order, one set of rules: the first item's, its fee cap shared out.
        let totals: Vec<Money> = visits.iter().map(|v| v.lines[0].total).collect();
        let policies = daojia_domain::bundle::policies(one.policy, &totals);
        for (v, p) in visits.iter_mut().zip(policies) {
            v.policy = p;
            v.notes = NOTES.into();
        }
        let pool = slots::pool_of(&ctx.areas, &area);
        let claim = SlotClaim {
            area: &area,
            pool: &pool,
            travel: state.travel.as_ref(),
            reach_m: crate::api::orders::reach_m(state),
            plans: Some(&state.app.day_plans),
            staff: None,
            recent: None,
        };
        let placed_at = (start - Duration::hours(3)).min(now - Duration::minutes(5))
            - Duration::minutes(i64::from(b.roll) * 9);
        let placed =
            match bundles::place_tx(tx, &state.store, visits, placed_at, None, Some(claim)).await {
                Ok(placed) => placed,
                Err(OrderError::TradeUnavailable(_) | OrderError::SlotUnavailable) => {
                    day.turned_away += 1;
                    continue;
                }
                Err(e) => return Err(DemoError::Data(format!("placing two visits: {e}"))),
            };
        for (m, o) in &placed {
            // The demo's payment, as the customer app's placement makes it.
            let pay = Action::RecordPayment {
                amount: o.due_before_dispatch(),
                method: PaymentMethod::Demo,
                reference: format!("demo-{}", m.order_no),
            };
            orders::apply_tx(tx, &state.store, m.id, Actor::System, pay, placed_at, None)
                .await
                .map_err(|e| DemoError::Data(format!("visit {}: {e}", m.order_no)))?;
            day.placed += 1;
            day.waiting += 1;
        }
    }
    Ok(())
}
