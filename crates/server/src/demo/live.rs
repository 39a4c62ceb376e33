//! The demo's booked days: today's and tomorrow's orders, topped up on every start, once
//! per date (an `app_meta` key per date records it), so a demo started next week still
//! shows a living day.
//!
//! Candidate bookings ([`daojia_demo::booked`]) are placed one after another through the
//! slot claim, as a customer's booking is: only those some worker can still take are
//! booked. Each is paid (the demo's payment) and, depending on its window and the time of
//! the start, left waiting for a worker, offered, or given to the worker slot search places
//! it with, and taken as far as the clock allows: on the way, at the door, finished,
//! completed. A few of today's close to their start stay without a worker (the exceptions
//! queue raises them), and a few of the morning's are late.

use super::DemoError;
use super::context::Context;
use super::history::new_order;
use crate::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_demo::City;
use daojia_demo::booked::{Booking, bookings};
use daojia_domain::ids::{CustomerId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, AssignedBy, PaymentMethod, Window};
use daojia_domain::slots::DayPlan;
use daojia_store::entity::app_meta;
use daojia_store::is_unique_violation;
use daojia_store::repo::orders::{self, OrderError, SlotClaim};
use daojia_store::repo::{meta, slots};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait};
use uuid::Uuid;

/// Where automatic dispatch runs, an offered order's offer as dispatch keeps it: open (the
/// worker app shows it with its countdown) until a timer from now expires it.
async fn open_offer(
    state: &AppState,
    tx: &DatabaseTransaction,
    area: &daojia_store::entity::service_area::Model,
    order: Uuid,
    worker: Uuid,
    sent_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DemoError> {
    use daojia_store::repo::{dispatch, jobs};
    let settings = &state.app.settings.dispatch;
    if settings.mode_of(&area.code) != daojia_app::dispatch::Mode::Auto {
        return Ok(());
    }
    let expires_at = now + Duration::seconds(settings.offer_timeout_secs);
    let db = |e: sea_orm::DbErr| DemoError::Data(format!("recording a demo offer: {e}"));
    let offer = dispatch::insert_offer(tx, order, worker, None, sent_at, expires_at)
        .await
        .map_err(db)?;
    let job = jobs::NewJob {
        kind: dispatch::job_kind::OFFER_TIMEOUT.into(),
        payload: serde_json::json!({ "order_id": order, "offer_id": offer }),
        run_at: expires_at,
        dedupe_key: Some(format!("{}:{offer}", dispatch::job_kind::OFFER_TIMEOUT)),
        max_attempts: 10,
    };
    jobs::enqueue(tx, job, now).await.map_err(db)?;
    Ok(())
}

/// The `app_meta` key recording that `date` was topped up.
pub fn day_key(date: NaiveDate) -> String {
    format!("demo_day:{date}")
}

/// Orders today's start leaves without a worker close to their window, at most.
const AT_RISK: usize = 3;

/// What a booked day holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Day {
    /// The local date.
    pub date: NaiveDate,
    /// True when this run booked it.
    pub fresh: bool,
    /// Orders booked.
    pub placed: usize,
    /// Of those, given to a worker.
    pub assigned: usize,
    /// Of those, offered to a worker who has not answered.
    pub offered: usize,
    /// Of those, waiting for a worker.
    pub waiting: usize,
    /// Of those waiting, starting soon (the exceptions queue shows them).
    pub at_risk: usize,
    /// Candidates slot search turned away (no worker could take them).
    pub turned_away: usize,
}

impl Day {
    fn to_meta(&self) -> String {
        serde_json::json!({
            "placed": self.placed, "assigned": self.assigned, "offered": self.offered,
            "waiting": self.waiting, "at_risk": self.at_risk, "turned_away": self.turned_away,
        })
        .to_string()
    }

    fn from_meta(date: NaiveDate, s: &str) -> Day {
        let v: serde_json::Value = serde_json::from_str(s).unwrap_or_default();
        let n = |k: &str| v[k].as_u64().unwrap_or(0) as usize;
        Day {
            date,
            fresh: false,
            placed: n("placed"),
            assigned: n("assigned"),
            offered: n("offered"),
            waiting: n("waiting"),
            at_risk: n("at_risk"),
            turned_away: n("turned_away"),
        }
    }
}

/// How far a booked order has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Waiting,
    Offered,
    Accepted,
    EnRoute,
    InService,
    Finished,
    Completed,
}

/// Books up to `target` orders for `date` unless that date was booked already.
pub(super) async fn top_up(
    state: &AppState,
    city: &City,
    ctx: &mut Context,
    date: NaiveDate,
    target: u32,
    now: DateTime<Utc>,
) -> Result<Day, DemoError> {
    let db = state.store.db();
    let key = day_key(date);
    if let Some(m) = meta::get(db, &key).await? {
        return Ok(Day::from_meta(date, &m));
    }
    let mut day = Day {
        date,
        fresh: true,
        ..Day::default()
    };
    if target == 0 {
        return Ok(day);
    }
    let target = target as usize;
    let tx = daojia_store::begin(db).await?;
    let tried = target * 3;
    let candidates = bookings(city, date, tried + 40);
    for b in &candidates[..tried] {
        if day.placed >= target {
            break;
        }
        book(state, city, ctx, &tx, b, date, now, false, &mut day).await?;
    }
    // Today: a few orders starting within the hour that nobody has taken yet.
    super::bundled::book_all(state, city, ctx, &tx, date, now, &mut day).await?;
    for b in &candidates[tried..] {
        if day.at_risk >= AT_RISK {
            break;
        }
        let Some(start_minute) = soon(ctx, date, now) else {
            break;
        };
        let b = Booking {
            start_minute,
            ..b.clone()
        };
        book(state, city, ctx, &tx, &b, date, now, true, &mut day).await?;
    }
    let marker = app_meta::ActiveModel {
        key: Set(key.clone()),
        value: Set(day.to_meta()),
        updated_at: Set(now),
    };
    match app_meta::Entity::insert(marker)
        .exec_without_returning(&tx)
        .await
    {
        Ok(_) => {
            tx.commit().await?;
            Ok(day)
        }
        // Another process booked the date meanwhile: theirs stands.
        Err(e) if is_unique_violation(&e) => {
            let _ = tx.rollback().await;
            let m = meta::get(db, &key).await?.unwrap_or_default();
            Ok(Day::from_meta(date, &m))
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e.into())
        }
    }
}

/// The first half-hour start on `date` between 20 and 60 minutes from now (inside the
/// demo's opening hours), if there is one.
fn soon(ctx: &Context, date: NaiveDate, now: DateTime<Utc>) -> Option<i32> {
    let area = ctx.areas.first()?;
    let midnight = slots::midnight(slots::zone(area), date);
    let from = (now + Duration::minutes(21) - midnight).num_minutes();
    let minute = ((from + 29) / 30 * 30) as i32;
    let close = area.close_minute - crate::api::orders::window_minutes(area) as i32;
    (i64::from(minute) <= (now + Duration::minutes(60) - midnight).num_minutes()
        && minute >= area.open_minute
        && minute <= close)
        .then_some(minute)
}

/// Where an order of window `start` is at `now`, from its roll.
fn stage(
    b: &Booking,
    start: DateTime<Utc>,
    window_min: i64,
    service_min: i64,
    now: DateTime<Utc>,
    at_risk: bool,
) -> Stage {
    let roll = i64::from(b.roll);
    if at_risk {
        return Stage::Waiting;
    }
    if start > now + Duration::minutes(90) {
        return match roll {
            0..55 => Stage::Accepted,
            55..63 => Stage::Offered,
            _ => Stage::Waiting,
        };
    }
    if start > now + Duration::minutes(20) {
        return Stage::Accepted;
    }
    let check_in = start + Duration::minutes(roll % 30);
    let finished = check_in + Duration::minutes(service_min);
    if roll < 3 && now >= start + Duration::minutes(window_min + 15) {
        // Late: on the way, long past the window (the late-visit alarm fires).
        Stage::EnRoute
    } else if now >= finished + Duration::minutes(15) {
        if roll < 80 {
            Stage::Completed
        } else {
            Stage::Finished
        }
    } else if now >= finished {
        Stage::Finished
    } else if now >= check_in {
        Stage::InService
    } else if now >= start - Duration::minutes(40) {
        Stage::EnRoute
    } else {
        Stage::Accepted
    }
}

/// Places booking `b` if slot search finds it a worker, and takes it to its stage.
#[allow(clippy::too_many_arguments)]
async fn book(
    state: &AppState,
    city: &City,
    ctx: &mut Context,
    tx: &DatabaseTransaction,
    b: &Booking,
    date: NaiveDate,
    now: DateTime<Utc>,
    at_risk: bool,
    day: &mut Day,
) -> Result<(), DemoError> {
    let Some(customer) = ctx.customers[b.customer] else {
        return Ok(());
    };
    let Some(place) = ctx.places[b.customer][b.address].clone() else {
        return Ok(());
    };
    let Some(area) = ctx.area(&place.area_code).cloned() else {
        return Ok(());
    };
    let Some(price) = ctx.price(state, city, b.item, &area).await? else {
        return Ok(());
    };
    let window_min = crate::api::orders::window_minutes(&area);
    if b.start_minute < area.open_minute
        || i64::from(b.start_minute) + window_min > i64::from(area.close_minute)
    {
        return Ok(());
    }
    let tz = slots::zone(&area);
    let start = slots::midnight(tz, date) + Duration::minutes(i64::from(b.start_minute));
    let window = Window {
        start,
        end: start + Duration::minutes(window_min),
    };
    let service_min = i64::from(price.line.duration_min);
    let stage = stage(b, start, window_min, service_min, now, at_risk);
    // Nobody waits for a worker once the window has started: the dispatch deadline would
    // cancel the order at once.
    if stage <= Stage::Offered && start <= now + Duration::minutes(20) {
        return Ok(());
    }
    let roll = i64::from(b.roll);
    let placed_at =
        (start - Duration::hours(3)).min(now - Duration::minutes(5)) - Duration::minutes(roll * 9);
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
    let new = new_order(customer, &place, window, &price, b.item);
    let (m, o) = match orders::place_tx(tx, &state.store, new, placed_at, None, Some(claim)).await {
        Ok(placed) => placed,
        Err(OrderError::SlotUnavailable) => {
            day.turned_away += 1;
            return Ok(());
        }
        Err(e) => return Err(DemoError::Data(format!("placing a booked order: {e}"))),
    };
    let step =
        |actor: Actor, action: Action, at: DateTime<Utc>| apply(state, tx, &m, actor, action, at);
    // The demo's payment, as the customer app's placement makes it.
    let due = o.due_before_dispatch();
    step(
        Actor::System,
        Action::RecordPayment {
            amount: due,
            method: PaymentMethod::Demo,
            reference: format!("demo-{}", m.order_no),
        },
        placed_at,
    )
    .await?;
    day.placed += 1;
    if stage == Stage::Waiting {
        day.waiting += 1;
        day.at_risk += usize::from(at_risk || start <= now + Duration::minutes(90));
        return Ok(());
    }
    // The worker slot search places the order with.
    let Some(worker) = tentative_worker(state, tx, &pool, &area, date, m.id).await? else {
        day.waiting += 1;
        return Ok(());
    };
    let w = WorkerId(worker);
    let worker_actor = Actor::Worker { id: w };
    let dispatched = placed_at + Duration::minutes(10 + roll).min((now - placed_at) / 2);
    let answered = dispatched + Duration::minutes(3).min((now - dispatched) / 2);
    if stage == Stage::Offered || roll % 3 == 0 {
        step(Actor::System, Action::Offer { worker: w }, dispatched).await?;
        if stage == Stage::Offered {
            day.offered += 1;
            open_offer(state, tx, &area, m.id, worker, dispatched, now).await?;
            return Ok(());
        }
        step(worker_actor, Action::Accept, answered).await?;
    } else if roll % 3 == 1 {
        let by = ctx.dispatcher.unwrap_or(Actor::System);
        let assign = Action::Assign {
            worker: w,
            by: AssignedBy::Manual,
        };
        step(by, assign, dispatched).await?;
    } else {
        let grab = Action::Assign {
            worker: w,
            by: AssignedBy::Grab,
        };
        step(worker_actor, grab, dispatched).await?;
    }
    day.assigned += 1;
    let check_in = start + Duration::minutes(roll % 30);
    let finished = check_in + Duration::minutes(service_min);
    let visit = [
        (
            Stage::EnRoute,
            Action::Depart,
            start - Duration::minutes(40),
        ),
        (Stage::InService, Action::CheckIn, check_in),
        (Stage::InService, Action::StartService, check_in),
        (Stage::Finished, Action::FinishService, finished),
    ];
    for (reached, action, at) in visit {
        if stage >= reached {
            step(worker_actor, action, at).await?;
        }
    }
    if stage == Stage::Completed {
        let balance = o.amounts.total - due;
        let pay = Action::RecordPayment {
            amount: balance,
            method: PaymentMethod::Demo,
            reference: format!("demo-{}-balance", m.order_no),
        };
        let customer = Actor::Customer {
            id: CustomerId(customer),
        };
        let confirmed = finished + Duration::minutes(10);
        if balance > Money::ZERO && roll % 2 == 0 {
            // Confirmed first (待付尾款): most pay a few minutes later, some have not yet.
            step(customer, Action::Complete, confirmed).await?;
            if roll % 6 != 0 {
                step(Actor::System, pay, confirmed + Duration::minutes(2)).await?;
            }
        } else {
            if balance > Money::ZERO {
                step(Actor::System, pay, finished + Duration::minutes(3)).await?;
            }
            step(customer, Action::Complete, confirmed).await?;
        }
    }
    Ok(())
}

/// Applies one step to the booked order `m` in the top-up's transaction.
async fn apply(
    state: &AppState,
    tx: &DatabaseTransaction,
    m: &daojia_store::entity::service_order::Model,
    actor: Actor,
    action: Action,
    at: DateTime<Utc>,
) -> Result<(), DemoError> {
    orders::apply_tx(tx, &state.store, m.id, actor, action, at, None)
        .await
        .map(|_| ())
        .map_err(|e| DemoError::Data(format!("booked order {}: {e}", m.order_no)))
}

/// The worker slot search's day places the pending order `id` with, if any.
async fn tentative_worker(
    state: &AppState,
    tx: &DatabaseTransaction,
    pool: &[String],
    area: &daojia_store::entity::service_area::Model,
    date: NaiveDate,
    id: Uuid,
) -> Result<Option<Uuid>, DemoError> {
    let mut days = slots::load_days(tx, pool, slots::zone(area), date, 1, None).await?;
    let Some((_, workers, pending)) = days.pop() else {
        return Ok(None);
    };
    let plan = DayPlan::build(workers, pending, state.travel.as_ref());
    Ok(plan.tentative().find(|(k, _)| *k == id).map(|(_, w)| w))
}
