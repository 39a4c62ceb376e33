//! What slot search needs from the database: a pool's workers, their shifts on a day,
//! their visits, and the pool's booked visits nobody has been given yet (in booking
//! order); and the booking lock that makes "is this window still free?" and "place the
//! order" one step.
//!
//! A pool is the service areas of one city: workers cross district lines, so a visit may
//! go to any worker of the city whose home is within reach, and every booking in the city
//! counts against the same workers.
//!
//! The lock is a day's: the row of `booking_lock` for the pool and the local date of the
//! window being booked, taken by an upsert that bumps its `seq` (made by the first booking
//! of that day, a write lock on every database, SQLite included, taken before anything is
//! read). It covers exactly what the capacity check reads: one pool's orders whose window
//! starts that day and its workers' shifts that day (the one model of a worker's day, ADR
//! 0007, carries nothing from one day to the next). Two customers racing for the last place
//! in a window are served one after the other; the second sees the first's order and is
//! told the window is gone. Bookings on other days, or in other cities, never wait for it
//! (ADR 0012 says why the grain is the pool's day and not the worker's).

use crate::entity::{booking_lock, service_area, service_order, worker_shift};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_domain::slots::{DayPlan, Job, Pending, Shift, Visit, WorkerDay};
use daojia_domain::travel::TravelTime;
use daojia_domain::worker::DayShift;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// States in which an order holds a worker's time (the domain's list).
pub use daojia_domain::order::ON_A_ROUTE;

/// States in which a booked order waits for a worker and still needs one's time.
pub const AWAITING_WORKER: [OrderState; 2] =
    [OrderState::PendingPayment, OrderState::PendingDispatch];

/// An area's time zone (Shanghai when the stored name is not one).
pub fn zone(area: &service_area::Model) -> Tz {
    area.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

/// Local midnight of `date` in `tz`, as UTC.
pub fn midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&naive)
        .earliest()
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive).with_timezone(&tz))
        .with_timezone(&Utc)
}

/// The service areas (codes, sorted) sharing workers with `area`: those of its city.
pub fn pool_of(areas: &[service_area::Model], area: &service_area::Model) -> Vec<String> {
    let mut pool: Vec<String> = areas
        .iter()
        .filter(|a| a.city == area.city)
        .map(|a| a.code.clone())
        .collect();
    if !pool.contains(&area.code) {
        pool.push(area.code.clone());
    }
    pool.sort();
    pool
}

/// The local date in `tz` of the instant `at`: the day a window starting then is booked on.
pub fn day_of(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Takes the booking lock of the pool's day `date` until the transaction ends: the row of
/// `booking_lock` for (the pool's first area, `date`), made if it is the day's first
/// booking. One statement, so two transactions making the row at once do not both make it:
/// the second waits for the first and then bumps its row. Take it first in the
/// transaction, before anything is read (see the module doc), and at most one per
/// transaction (every caller books onto one day).
pub async fn lock_day(
    db: &impl ConnectionTrait,
    pool: &[String],
    date: NaiveDate,
) -> Result<(), DbErr> {
    use booking_lock::Column as C;
    let Some(code) = pool.first() else {
        return Ok(());
    };
    booking_lock::Entity::insert(booking_lock::ActiveModel {
        pool: Set(code.clone()),
        day: Set(date.format("%Y-%m-%d").to_string()),
        seq: Set(1),
    })
    .on_conflict(
        // Qualified: PostgreSQL's `DO UPDATE` would take a bare `seq` as ambiguous.
        OnConflict::columns([C::Pool, C::Day])
            .value(
                C::Seq,
                sea_orm::sea_query::ExprTrait::add(Expr::col((booking_lock::Entity, C::Seq)), 1),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn skills(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// A weekly shift row as the domain sees it (a break that does not end after it starts is
/// no break).
pub fn template_of(s: &worker_shift::Model) -> DayShift {
    DayShift {
        start: s.start_minute,
        end: s.end_minute,
        rest: s
            .break_start_minute
            .zip(s.break_end_minute)
            .filter(|(a, b)| b > a),
    }
}

/// The columns of an order the day model reads: id, worker, place, window, working time,
/// skills (slot search reads them for every search; whole rows cost several times more).
type SlimRow = (
    Uuid,
    Option<Uuid>,
    f64,
    f64,
    DateTime<Utc>,
    DateTime<Utc>,
    i32,
    Option<String>,
);

/// An order as the day model reads it.
struct Slim {
    id: Uuid,
    worker_id: Option<Uuid>,
    lat: f64,
    lng: f64,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
    duration_min: i32,
    skills: Option<String>,
}

impl From<SlimRow> for Slim {
    fn from(
        (id, worker_id, lat, lng, window_start, window_end, duration_min, skills): SlimRow,
    ) -> Slim {
        Slim {
            id,
            worker_id,
            lat,
            lng,
            window_start,
            window_end,
            duration_min,
            skills,
        }
    }
}

impl Slim {
    fn visit(&self) -> Visit {
        Visit {
            key: self.id,
            at: LatLng::new(self.lat, self.lng),
            window_start: self.window_start.timestamp(),
            window_end: self.window_end.timestamp(),
            duration: i64::from(self.duration_min.max(1)) * 60,
        }
    }
}

/// A query of orders selecting the columns of [`SlimRow`], in its order.
fn slim(q: sea_orm::Select<service_order::Entity>) -> sea_orm::Select<service_order::Entity> {
    use service_order::Column as C;
    q.select_only().columns([
        C::Id,
        C::WorkerId,
        C::Lat,
        C::Lng,
        C::WindowStart,
        C::WindowEnd,
        C::DurationMin,
        C::Skills,
    ])
}

/// The days `from .. from + days` (local dates in `tz`) of a pool as slot search sees
/// them: for each day, its workers (with their visits that day) and the pending visits.
/// `exclude` leaves one order out (the one being rescheduled).
pub async fn load_days(
    db: &impl ConnectionTrait,
    pool: &[String],
    tz: Tz,
    from: NaiveDate,
    days: u32,
    exclude: Option<Uuid>,
) -> Result<Vec<(NaiveDate, Vec<WorkerDay>, Vec<Pending>)>, DbErr> {
    load_days_without(db, pool, tz, from, days, exclude.as_slice()).await
}

/// Like [`load_days`], leaving out every order of `exclude` (the visits of an order of
/// several trades being rescheduled).
pub async fn load_days_without(
    db: &impl ConnectionTrait,
    pool: &[String],
    tz: Tz,
    from: NaiveDate,
    days: u32,
    exclude: &[Uuid],
) -> Result<Vec<(NaiveDate, Vec<WorkerDay>, Vec<Pending>)>, DbErr> {
    load_days_of(db, pool, tz, from, days, exclude, None).await
}

/// Like [`load_days_without`], with the staff of `from ..= from + days - 1` when the caller
/// has read them already (else read here).
async fn load_days_of(
    db: &impl ConnectionTrait,
    pool: &[String],
    tz: Tz,
    from: NaiveDate,
    days: u32,
    exclude: &[Uuid],
    staff: Option<&super::workers::Staff>,
) -> Result<Vec<(NaiveDate, Vec<WorkerDay>, Vec<Pending>)>, DbErr> {
    let last = from + Duration::days(i64::from(days.max(1)) - 1);
    let loaded;
    let staff = match staff {
        Some(s) => s,
        None => {
            loaded = super::workers::Staff::load(db, pool, from, last).await?;
            &loaded
        }
    };
    let ids: Vec<Uuid> = staff.workers.iter().map(|w| w.id).collect();
    let start = midnight(tz, from);
    let end = midnight(tz, from + Duration::days(i64::from(days)));
    // One statement for the workers' visits and the visits nobody has yet: one snapshot,
    // so a visit given to a worker meanwhile is counted once, never twice or not at all.
    use sea_orm::sea_query::Condition;
    let on_a_route = Condition::all()
        .add(service_order::Column::WorkerId.is_in(ids.iter().copied()))
        .add(service_order::Column::State.is_in(ON_A_ROUTE.map(|s| s.as_str())));
    let awaiting = Condition::all()
        .add(service_order::Column::AreaCode.is_in(pool.iter().map(String::as_str)))
        .add(service_order::Column::WorkerId.is_null())
        .add(service_order::Column::State.is_in(AWAITING_WORKER.map(|s| s.as_str())));
    let either = if ids.is_empty() {
        Condition::any().add(awaiting)
    } else {
        Condition::any().add(on_a_route).add(awaiting)
    };
    let rows: Vec<Slim> = slim(service_order::Entity::find())
        .filter(service_order::Column::WindowStart.gte(start))
        .filter(service_order::Column::WindowStart.lt(end))
        .filter(either)
        // In the order they were booked: each visit nobody has was accepted on the plan of
        // those before it, so the slot model places every one of them again (see
        // `DayPlan::build`).
        .order_by_asc(service_order::Column::CreatedAt)
        .order_by_asc(service_order::Column::Id)
        .into_tuple::<SlimRow>()
        .all(db)
        .await?
        .into_iter()
        .map(Slim::from)
        .filter(|o| !exclude.contains(&o.id))
        .collect();
    let mut by_worker: HashMap<(Uuid, NaiveDate), Vec<Visit>> = HashMap::new();
    let mut waiting = vec![];
    for o in rows {
        match o.worker_id {
            Some(w) => {
                let day = o.window_start.with_timezone(&tz).date_naive();
                by_worker.entry((w, day)).or_default().push(o.visit());
            }
            None => waiting.push(o),
        }
    }
    Ok(days_of(staff, tz, from, days, by_worker)
        .into_iter()
        .map(|(date, day)| {
            let pending = waiting
                .iter()
                .filter(|o| o.window_start.with_timezone(&tz).date_naive() == date)
                .map(|o| Pending {
                    visit: o.visit(),
                    skills: skills(o.skills.as_deref()),
                })
                .collect();
            (date, day, pending)
        })
        .collect())
}

/// The workers of the days `from .. from + days` of a pool (on shift, with their visits
/// that day), without the visits nobody has been given yet: what dispatch decides over.
/// `exclude` leaves orders out.
pub async fn worker_days(
    db: &impl ConnectionTrait,
    pool: &[String],
    tz: Tz,
    from: NaiveDate,
    days: u32,
    exclude: &[Uuid],
) -> Result<Vec<(NaiveDate, Vec<WorkerDay>)>, DbErr> {
    // Certificates decide which skills may be dispatched, exceptions which hours are
    // worked: the same staff as planning's (`super::planning::load_day`).
    let last = from + Duration::days(i64::from(days.max(1)) - 1);
    let staff = super::workers::Staff::load(db, pool, from, last).await?;
    let ids: Vec<Uuid> = staff.workers.iter().map(|w| w.id).collect();
    let start = midnight(tz, from);
    let end = midnight(tz, from + Duration::days(i64::from(days)));
    let mut on_route: Vec<Slim> = if ids.is_empty() {
        vec![]
    } else {
        slim(service_order::Entity::find())
            .filter(service_order::Column::WorkerId.is_in(ids))
            .filter(service_order::Column::State.is_in(ON_A_ROUTE.map(|s| s.as_str())))
            .filter(service_order::Column::WindowStart.gte(start))
            .filter(service_order::Column::WindowStart.lt(end))
            .into_tuple::<SlimRow>()
            .all(db)
            .await?
            .into_iter()
            .map(Slim::from)
            .collect()
    };
    on_route.retain(|o| !exclude.contains(&o.id));
    let mut by_worker: HashMap<(Uuid, NaiveDate), Vec<Visit>> = HashMap::new();
    for o in &on_route {
        let day = o.window_start.with_timezone(&tz).date_naive();
        if let Some(w) = o.worker_id {
            by_worker.entry((w, day)).or_default().push(o.visit());
        }
    }
    Ok(days_of(&staff, tz, from, days, by_worker))
}

/// The days `from` and the `days - 1` after it of `staff`'s workers on shift, with their
/// visits on a route by worker and local date (`on_route`).
pub fn days_of(
    staff: &super::workers::Staff,
    tz: Tz,
    from: NaiveDate,
    days: u32,
    mut on_route: HashMap<(Uuid, NaiveDate), Vec<Visit>>,
) -> Vec<(NaiveDate, Vec<WorkerDay>)> {
    let mut out = Vec::with_capacity(days as usize);
    for d in 0..days {
        let date = from + Duration::days(i64::from(d));
        let m = midnight(tz, date).timestamp();
        let mut day = vec![];
        for on in staff.on(date) {
            let (w, s) = (&on.worker, on.shift);
            let at = |minute: i32| m + i64::from(minute) * 60;
            let rest = s.rest.map(|(a, b)| (at(a), at(b)));
            day.push(WorkerDay {
                worker: w.id,
                home: LatLng::new(w.home_lat, w.home_lng),
                skills: on.skills,
                shift: Shift {
                    start: at(s.start),
                    end: at(s.end),
                    rest,
                },
                visits: on_route.remove(&(w.id, date)).unwrap_or_default(),
            });
        }
        out.push((date, day));
    }
    out
}

/// Most day plans a node keeps (one per pool and day searched or booked lately).
const PLANS_KEPT: usize = 1024;

/// Day plans a node has built, each with exactly what it was built from: a plan is used
/// again only when the workers' days and the visits nobody has yet, read afresh, are equal
/// to its own, so a kept plan is always the plan a rebuild would make (building is
/// deterministic), and any write that changes a day (a booking, a cancellation, a worker
/// given a visit, a shift) is seen at the next read. What it saves is the building: each
/// pending visit's cheapest insertion over the pool's routes, and every route's timing.
///
/// One per application (its travel times are fixed), shared by its slot search and its
/// bookings' capacity checks.
#[derive(Default)]
pub struct DayPlans {
    kept: std::sync::Mutex<HashMap<(Vec<String>, NaiveDate), KeptPlan>>,
    hits: std::sync::atomic::AtomicU64,
    builds: std::sync::atomic::AtomicU64,
}

struct KeptPlan {
    workers: Vec<WorkerDay>,
    pending: Vec<Pending>,
    plan: std::sync::Arc<DayPlan>,
}

impl std::fmt::Debug for DayPlans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (hits, builds) = self.counts();
        f.debug_struct("DayPlans")
            .field("hits", &hits)
            .field("builds", &builds)
            .finish_non_exhaustive()
    }
}

impl DayPlans {
    /// The plan of the pool's day `date` over `workers` and `pending`: the kept one when
    /// it was built from equal inputs, else built now (and kept).
    pub fn plan(
        &self,
        pool: &[String],
        date: NaiveDate,
        workers: Vec<WorkerDay>,
        pending: Vec<Pending>,
        travel: &dyn TravelTime,
    ) -> std::sync::Arc<DayPlan> {
        use std::sync::atomic::Ordering::Relaxed;
        let key = (pool.to_vec(), date);
        if let Some(k) = self.kept.lock().expect("not poisoned").get(&key)
            && k.workers == workers
            && k.pending == pending
        {
            self.hits.fetch_add(1, Relaxed);
            return k.plan.clone();
        }
        self.builds.fetch_add(1, Relaxed);
        let plan = std::sync::Arc::new(DayPlan::build(workers.clone(), pending.clone(), travel));
        let mut kept = self.kept.lock().expect("not poisoned");
        if kept.len() >= PLANS_KEPT && !kept.contains_key(&key) {
            // Days go by: the earliest day kept is the least likely to be asked again.
            if let Some(oldest) = kept.keys().min_by_key(|(_, d)| *d).cloned() {
                kept.remove(&oldest);
            }
        }
        kept.insert(
            key,
            KeptPlan {
                workers,
                pending,
                plan: plan.clone(),
            },
        );
        plan
    }

    /// Plans used again and plans built, since the node started.
    pub fn counts(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.hits.load(Relaxed), self.builds.load(Relaxed))
    }
}

/// Whether `job` still fits in the window `[start, end]` (someone in the pool can take it
/// beside everything booked). Call it after [`lock_day`] (of the window's day) in the
/// transaction that books.
pub async fn fits(
    db: &impl ConnectionTrait,
    claim: &super::orders::SlotClaim<'_>,
    job: &Job,
    window: (DateTime<Utc>, DateTime<Utc>),
    exclude: Option<Uuid>,
) -> Result<bool, DbErr> {
    use super::recent_days::Recent;
    let (pool, travel, plans) = (claim.pool, claim.travel, claim.plans);
    let tz = zone(claim.area);
    let date = window.0.with_timezone(&tz).date_naive();
    let (start, end) = (window.0.timestamp(), window.1.timestamp());
    // A reschedule leaves its own visit out of the day: never a copy's business.
    let recent = claim.recent.filter(|_| exclude.is_none());
    if let Some(Recent::Refuse {
        days,
        counters,
        lifetime,
    }) = recent
        && let Some(plan) = days.get(pool, date, counters, lifetime)
    {
        let fits = plan.fits(travel, job, start, end).is_some();
        days.count(true);
        return Ok(fits);
    }
    let generation = match recent {
        Some(Recent::Refuse { days, .. } | Recent::Keep { days, .. }) => days.generation(),
        None => 0,
    };
    let staff = claim.staff.filter(|(_, d)| *d == date).map(|(s, _)| s);
    let mut days = load_days_of(db, pool, tz, date, 1, exclude.as_slice(), staff).await?;
    let (_, workers, pending) = days.pop().expect("one day");
    let plan = plan_of(plans, pool, date, workers, pending, travel);
    let fits = plan.fits(travel, job, start, end).is_some();
    match recent {
        Some(Recent::Refuse { days, counters, .. }) => {
            days.count(false);
            days.keep(pool, date, counters, plan, generation);
        }
        Some(Recent::Keep { days, .. }) if fits => days.forget(pool, date),
        Some(Recent::Keep { days, counters }) => days.keep(pool, date, counters, plan, generation),
        None => {}
    }
    Ok(fits)
}

/// Whether the visits `jobs` of one order (one per trade) still fit together in the window
/// `[start, end]`, each with a different worker ([`DayPlan::fits_all`]): the workers, or the
/// index of the first job nobody is left for. Call it after [`lock_day`] in the
/// transaction that books; `exclude` leaves the order's own visits out (a reschedule).
pub async fn fits_all(
    db: &impl ConnectionTrait,
    claim: &super::orders::SlotClaim<'_>,
    jobs: &[Job],
    window: (DateTime<Utc>, DateTime<Utc>),
    exclude: &[Uuid],
) -> Result<Result<Vec<Uuid>, usize>, DbErr> {
    let (pool, travel, plans) = (claim.pool, claim.travel, claim.plans);
    let tz = zone(claim.area);
    let date = window.0.with_timezone(&tz).date_naive();
    let staff = claim.staff.filter(|(_, d)| *d == date).map(|(s, _)| s);
    let mut days = load_days_of(db, pool, tz, date, 1, exclude, staff).await?;
    let (_, workers, pending) = days.pop().expect("one day");
    let plan = plan_of(plans, pool, date, workers, pending, travel);
    Ok(plan.fits_all(travel, jobs, window.0.timestamp(), window.1.timestamp()))
}

/// The plan of a day, through `plans` when there are any.
fn plan_of(
    plans: Option<&DayPlans>,
    pool: &[String],
    date: NaiveDate,
    workers: Vec<WorkerDay>,
    pending: Vec<Pending>,
    travel: &dyn TravelTime,
) -> std::sync::Arc<DayPlan> {
    match plans {
        Some(p) => p.plan(pool, date, workers, pending, travel),
        None => std::sync::Arc::new(DayPlan::build(workers, pending, travel)),
    }
}

/// The skills each active worker of the pool may be dispatched for on `date` (on shift
/// or not): what decides whether an order's items need several trades
/// (`daojia_domain::bundle::trades`).
pub async fn skill_sets(
    db: &impl ConnectionTrait,
    pool: &[String],
    date: NaiveDate,
) -> Result<Vec<Vec<String>>, DbErr> {
    Ok(super::workers::Staff::load(db, pool, date, date)
        .await?
        .skill_sets(date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use daojia_domain::travel::TravelModel;

    fn worker(n: u128, visits: Vec<Visit>) -> WorkerDay {
        WorkerDay {
            worker: Uuid::from_u128(n),
            home: LatLng::new(31.2, 121.45),
            skills: vec!["cleaning".into()],
            shift: Shift {
                start: 9 * 3600,
                end: 18 * 3600,
                rest: None,
            },
            visits,
        }
    }

    fn visit(n: u128, hour: i64) -> Visit {
        Visit {
            key: Uuid::from_u128(n),
            at: LatLng::new(31.21, 121.46),
            window_start: hour * 3600,
            window_end: (hour + 1) * 3600,
            duration: 3600,
        }
    }

    fn pending(n: u128, hour: i64) -> Pending {
        Pending {
            visit: visit(n, hour),
            skills: vec!["cleaning".into()],
        }
    }

    #[test]
    fn a_plan_is_used_again_only_for_equal_inputs() {
        let travel = TravelModel::default();
        let plans = DayPlans::default();
        let pool = vec!["a".to_string()];
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let workers = vec![worker(1, vec![visit(10, 9)]), worker(2, vec![])];
        let job = Job {
            at: LatLng::new(31.21, 121.46),
            duration: 3600,
            skills: vec!["cleaning".into()],
            reach_m: 50_000.0,
        };

        let first = plans.plan(&pool, date, workers.clone(), vec![], &travel);
        let again = plans.plan(&pool, date, workers.clone(), vec![], &travel);
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        assert_eq!(plans.counts(), (1, 1));

        // A visit nobody has yet, in the window asked about: a new plan, answering as a
        // fresh build does.
        let with_pending = plans.plan(&pool, date, workers.clone(), vec![pending(11, 11)], &travel);
        assert!(!std::sync::Arc::ptr_eq(&first, &with_pending));
        assert_eq!(plans.counts(), (1, 2));
        let fresh = DayPlan::build(workers.clone(), vec![pending(11, 11)], &travel);
        let (s, e) = (11 * 3600, 12 * 3600);
        assert_eq!(
            with_pending.fits(&travel, &job, s, e),
            fresh.fits(&travel, &job, s, e)
        );

        // A worker's visits changed (a visit given to worker 2): rebuilt again.
        let moved = vec![
            worker(1, vec![visit(10, 9)]),
            worker(2, vec![visit(11, 11)]),
        ];
        let after = plans.plan(&pool, date, moved, vec![], &travel);
        assert!(!std::sync::Arc::ptr_eq(&with_pending, &after));
        assert_eq!(plans.counts(), (1, 3));

        // Another day or pool is another plan.
        let other = plans.plan(&pool, date.succ_opt().unwrap(), workers, vec![], &travel);
        assert!(!std::sync::Arc::ptr_eq(&first, &other));
        assert_eq!(plans.counts(), (1, 4));
    }
}
