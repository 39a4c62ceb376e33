//! The day itself: a virtual clock that jumps from event to event (the next order
//! arrival, the next due timer of the job queue, the next answer to an offer, the next step
//! of a worker's visit) and, at each moment, lets the application settle: the outbox relay
//! delivers order events to automatic dispatch, due timers run through
//! `daojia_app::jobs::run_one`, and new offers get their answer scheduled.
//!
//! - **Customers** look at the day's windows through the slot search at their arrival and
//!   book through `orders::place`: the preferred window, else the available one nearest
//!   to it within two hours, else the same time the next day, else they give up
//!   (refused).
//! - **Workers** answer an offer 10–90 s after it is sent: accept with
//!   [`Behaviour::accept`], decline with [`Behaviour::reject`], otherwise let it expire
//!   (the offer timer moves it on). They do their accepted jobs in window order: leave
//!   when the travel (the `TravelTime` provider) brings them to the window's start, never
//!   before their shift starts nor before the previous job ends (from home on a new day),
//!   wait at the door when early, serve for the planned time × a log-normal noise
//!   ([`Behaviour::service_sigma`]), and record `depart`, `check_in` and `finish` through
//!   the visit use case; the customer then confirms.

use crate::demand::{Request, zone};
use crate::world::World;
use crate::{SimError, normal, unit};
use chrono::{DateTime, Duration, Utc};
use daojia_app::dispatch::answer;
use daojia_app::dispatch::consumer::AutoDispatch;
use daojia_app::orders::place::{PlaceOrder, place};
use daojia_app::orders::pricing::LineRequest;
use daojia_app::orders::slots::{self, BookingSearch};
use daojia_app::outbox::relay::{Relay, RelayOptions};
use daojia_domain::geo::LatLng;
use daojia_store::entity::{dispatch_offer, job};
use daojia_store::repo::dispatch::status;
use daojia_store::repo::jobs;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use uuid::Uuid;

/// How workers behave.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// Probability that a worker accepts an offer.
    pub accept: f64,
    /// Probability that they decline it (otherwise they let it expire).
    pub reject: f64,
    /// Spread of the service time around the planned one (σ of its logarithm).
    pub service_sigma: f64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            accept: 0.85,
            reject: 0.10,
            service_sigma: 0.15,
        }
    }
}

impl Behaviour {
    /// Checks the values; the message names the flag.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.accept)
            || !(0.0..=1.0).contains(&self.reject)
            || self.accept + self.reject > 1.0
        {
            return Err("--accept and --reject: each 0–1, together at most 1".into());
        }
        if !(0.0..=1.0).contains(&self.service_sigma) {
            return Err("--service-sigma: between 0 and 1".into());
        }
        Ok(())
    }
}

/// A placed order as the simulator tracks it.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The request.
    pub n: usize,
    /// Paid (placed) at.
    pub paid: i64,
    /// The customer.
    pub customer: Uuid,
    /// The address.
    pub at: LatLng,
    /// Its window, Unix seconds.
    pub window: (i64, i64),
    /// Planned working time, seconds.
    pub planned_s: i64,
}

/// A visit done.
#[derive(Debug, Clone)]
pub struct Visit {
    /// The order.
    pub order: Uuid,
    /// The worker (index into the world's hands).
    pub hand: usize,
    /// Left for it.
    pub depart: i64,
    /// At the door.
    pub arrive: i64,
    /// Service started.
    pub check_in: i64,
    /// Service ended.
    pub finish: i64,
    /// Metres travelled to it.
    pub meters: f64,
}

/// What happened over the day.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Orders placed, by id.
    pub placed: HashMap<Uuid, Placed>,
    /// Requests that found no window.
    pub refused: usize,
    /// First acceptance of each order: the worker and when.
    pub assigned: HashMap<Uuid, (usize, i64)>,
    /// Visits done.
    pub visits: Vec<Visit>,
}

#[derive(Debug, Clone, Copy)]
enum Stage {
    EnRoute,
    Waiting,
    Serving,
}

#[derive(Debug, Clone)]
struct Busy {
    order: Uuid,
    depart: i64,
    arrive: i64,
    check_in: i64,
    meters: f64,
    stage: Stage,
    next_at: i64,
}

#[derive(Debug, Clone)]
struct Runner {
    pos: LatLng,
    free_at: i64,
    jobs: Vec<Uuid>,
    busy: Option<Busy>,
}

/// An answer a worker will give.
#[derive(Debug, Clone, Copy)]
struct Answer {
    offer: Uuid,
    worker: Uuid,
    order: Uuid,
    accept: bool,
}

/// The lease the simulator's job runner takes (the virtual clock never waits on it).
const LEASE: Duration = Duration::seconds(120);

/// Runs the day of `requests` in `world`.
pub async fn run(
    world: &World,
    requests: &[Request],
    how: &Behaviour,
    seed: u64,
) -> Result<Outcome, SimError> {
    let app = &world.app;
    let start = requests.first().map_or(0, |r| r.arrive.timestamp());
    let clock = Arc::new(AtomicI64::new(start));
    let read = clock.clone();
    let now_fn = Arc::new(move || at(read.load(Ordering::SeqCst)));
    let relay = Relay::new(
        app.clone(),
        RelayOptions {
            owner: "sim".into(),
            grace: std::time::Duration::ZERO,
            ..RelayOptions::default()
        },
    )
    .with(Arc::new(AutoDispatch::new(app.clone(), now_fn)));
    relay.register(at(start)).await?;
    let mut day = Day {
        world,
        how,
        seed,
        relay,
        out: Outcome::default(),
        runners: world
            .hands
            .iter()
            .map(|h| Runner {
                pos: h.home,
                free_at: start,
                jobs: vec![],
                busy: None,
            })
            .collect(),
        answers: BTreeMap::new(),
        seen: HashSet::new(),
        offers_of: HashMap::new(),
        last_window_end: start,
    };
    let mut now = start;
    let mut next_request = 0;
    loop {
        clock.store(now, Ordering::SeqCst);
        day.settle(now).await?;
        let limit = day.last_window_end + 6 * 3600;
        let candidates = [
            requests.get(next_request).map(|r| r.arrive.timestamp()),
            day.answers.keys().next().map(|k| k.0),
            (0..day.runners.len()).filter_map(|i| day.next_at(i)).min(),
            day.next_job().await?.filter(|t| *t <= limit),
        ];
        let Some(next) = candidates.into_iter().flatten().min() else {
            break;
        };
        now = next.max(now);
        clock.store(now, Ordering::SeqCst);
        while let Some(r) = requests
            .get(next_request)
            .filter(|r| r.arrive.timestamp() <= now)
        {
            day.book(r, now).await?;
            next_request += 1;
        }
        while let Some((&key, _)) = day.answers.iter().next().filter(|(k, _)| k.0 <= now) {
            let a = day.answers.remove(&key).expect("just seen");
            day.answer(a, now).await?;
        }
        for i in 0..day.runners.len() {
            if day.next_at(i).is_some_and(|t| t <= now) {
                day.act(i, now).await?;
            }
        }
    }
    Ok(day.out)
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

struct Day<'a> {
    world: &'a World,
    how: &'a Behaviour,
    seed: u64,
    relay: Relay,
    out: Outcome,
    runners: Vec<Runner>,
    answers: BTreeMap<(i64, Uuid), Answer>,
    seen: HashSet<Uuid>,
    offers_of: HashMap<Uuid, u64>,
    last_window_end: i64,
}

impl Day<'_> {
    /// Lets the application catch up at `now`: events to dispatch, due timers, new offers.
    async fn settle(&mut self, now: i64) -> Result<(), SimError> {
        let app = &self.world.app;
        loop {
            let mut busy = 0;
            busy += self.relay.tick(at(now)).await?;
            for j in jobs::claim(app.store.db(), "sim", 50, LEASE, at(now)).await? {
                busy += 1;
                match daojia_app::jobs::run_one(app, &j, at(now)).await {
                    Ok(_) => {
                        jobs::complete(app.store.db(), j.id, "sim", at(now)).await?;
                    }
                    Err(e) => {
                        tracing::debug!(job = %j.kind, error = %e, "timer failed");
                        let backoff = Duration::seconds(30 * i64::from(j.attempts.clamp(1, 20)));
                        jobs::fail(app.store.db(), &j, "sim", &e, backoff, at(now)).await?;
                    }
                }
            }
            // Offers are made only by dispatch steps, which run in the relay or the timers
            // above: when neither did anything, there is nothing new to look for.
            if busy > 0 {
                busy += self.new_offers().await?;
            }
            if busy == 0 {
                return Ok(());
            }
        }
    }

    /// Schedules the answers to offers not seen before; returns how many.
    async fn new_offers(&mut self) -> Result<usize, SimError> {
        let open = dispatch_offer::Entity::find()
            .filter(dispatch_offer::Column::Status.eq(status::OPEN))
            .all(self.world.app.store.db())
            .await?;
        let mut n = 0;
        for o in open {
            if !self.seen.insert(o.id) {
                continue;
            }
            n += 1;
            let Some(placed) = self.out.placed.get(&o.order_id) else {
                continue;
            };
            let hand = self.world.hand_of.get(&o.worker_id).copied().unwrap_or(0);
            let attempt = self.offers_of.entry(o.order_id).or_default();
            *attempt += 1;
            let u = |k: u64| {
                unit(
                    self.seed,
                    placed.n as u64,
                    hand as u64,
                    0xA0 + 4 * *attempt + k,
                )
            };
            let delay = 10 + (u(0) * 80.0) as i64;
            let x = u(1);
            if x < self.how.accept + self.how.reject {
                let when = o.sent_at.timestamp() + delay;
                self.answers.insert(
                    (when, o.id),
                    Answer {
                        offer: o.id,
                        worker: o.worker_id,
                        order: o.order_id,
                        accept: x < self.how.accept,
                    },
                );
            }
        }
        Ok(n)
    }

    /// When the next due job runs, if any.
    async fn next_job(&self) -> Result<Option<i64>, SimError> {
        Ok(job::Entity::find()
            .filter(job::Column::DoneAt.is_null())
            .filter(job::Column::FailedAt.is_null())
            .order_by_asc(job::Column::RunAt)
            .one(self.world.app.store.db())
            .await?
            .map(|j| j.run_at.timestamp()))
    }

    /// The customer of request `r` books: they look at the windows of the preferred day
    /// (one slot search, as in the app) and take the preferred window, else the available
    /// one nearest to it within two hours; failing that, the same time the next day.
    async fn book(&mut self, r: &Request, now: i64) -> Result<(), SimError> {
        let buyer = self.world.buyers[r.customer];
        let items = vec![LineRequest {
            item: r.item.clone(),
            options: vec![],
            quantity: 1,
        }];
        let tz = zone();
        for (prefer, within) in [
            (r.prefer, Duration::hours(2)),
            (r.prefer + Duration::days(1), Duration::zero()),
        ] {
            let search = BookingSearch {
                customer: buyer.id,
                items: items.clone(),
                address_id: buyer.address,
                from: Some(prefer.with_timezone(&tz).date_naive()),
                days: Some(1),
            };
            let found = match slots::for_booking(&self.world.app, search, at(now)).await {
                Ok(found) => found,
                Err(daojia_app::Error::Db(e)) => return Err(e.into()),
                // Out of range (the horizon): nothing to choose from.
                Err(_) => continue,
            };
            let Some(window) = slots::nearest(&found.days, prefer, within) else {
                continue;
            };
            let input = PlaceOrder {
                customer: buyer.id,
                items: items.clone(),
                address_id: buyer.address,
                window_start: window.start,
                notes: String::new(),
                photo_ids: vec![],
                coupon: None,
                promotion: None,
                counters: None,
            };
            match place(&self.world.app, input, at(now), None).await {
                Ok((row, _)) => {
                    let window = (row.window_start.timestamp(), row.window_end.timestamp());
                    self.last_window_end = self.last_window_end.max(window.1);
                    self.out.placed.insert(
                        row.id,
                        Placed {
                            n: r.n,
                            paid: now,
                            customer: buyer.id,
                            at: LatLng::new(row.lat, row.lng),
                            window,
                            planned_s: i64::from(row.duration_min.max(1)) * 60,
                        },
                    );
                    return Ok(());
                }
                Err(daojia_app::Error::Db(e)) => return Err(e.into()),
                // The search and the booking are one model: a window shown available is
                // taken unless someone booked it in between, which cannot happen here.
                Err(e) => {
                    return Err(SimError::Other(format!(
                        "request {}: the window {} was shown available but booking it failed: {e}",
                        r.n, window.start
                    )));
                }
            }
        }
        self.out.refused += 1;
        Ok(())
    }

    /// A worker answers an offer.
    async fn answer(&mut self, a: Answer, now: i64) -> Result<(), SimError> {
        let app = &self.world.app;
        if !a.accept {
            return match answer::reject(app, a.worker, a.offer, "排不开 (busy)", at(now)).await {
                Ok(_) | Err(daojia_app::Error::Conflict { .. }) => Ok(()),
                Err(daojia_app::Error::NotFound(_)) => Ok(()),
                Err(e) => Err(e.into()),
            };
        }
        match answer::accept(app, a.worker, a.offer, at(now)).await {
            Ok(_) => {
                let hand = self.world.hand_of[&a.worker];
                self.runners[hand].jobs.push(a.order);
                self.out.assigned.entry(a.order).or_insert((hand, now));
                Ok(())
            }
            Err(daojia_app::Error::Conflict { .. } | daojia_app::Error::NotFound(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The next job of a runner (earliest window), with where they would leave from.
    fn next_job_of(&self, i: usize) -> Option<(Uuid, &crate::day::Placed, LatLng, i64)> {
        let r = &self.runners[i];
        let (id, p) = r
            .jobs
            .iter()
            .filter_map(|id| self.out.placed.get(id).map(|p| (*id, p)))
            .min_by_key(|(id, p)| (p.window.0, *id))?;
        let tz = zone();
        let day = at(p.window.0).with_timezone(&tz).date_naive();
        let new_day = at(r.free_at).with_timezone(&tz).date_naive() < day;
        let from = if new_day {
            self.world.hands[i].home
        } else {
            r.pos
        };
        let shift_start = self.world.shift_on(i, day).map_or(0, |s| s.0);
        let leg = self.world.app.travel.seconds(from, p.at, p.window.0);
        let depart = (p.window.0 - leg).max(r.free_at).max(shift_start);
        Some((id, p, from, depart))
    }

    /// When a runner acts next.
    fn next_at(&self, i: usize) -> Option<i64> {
        match &self.runners[i].busy {
            Some(b) => Some(b.next_at),
            None => self.next_job_of(i).map(|(_, _, _, depart)| depart),
        }
    }

    /// Runner `i` takes their next step at `now`.
    async fn act(&mut self, i: usize, now: i64) -> Result<(), SimError> {
        let worker = self.world.hands[i].id;
        let app = &self.world.app;
        let Some(b) = self.runners[i].busy.clone() else {
            let Some((order, p, from, _)) = self.next_job_of(i) else {
                return Ok(());
            };
            let to = p.at;
            self.runners[i].jobs.retain(|j| *j != order);
            if let Err(e) =
                daojia_app::orders::staff::worker_visit(app, worker, order, "depart", at(now)).await
            {
                // Taken away or cancelled meanwhile: nothing to do for it.
                tracing::debug!(order = %order, error = %e, "cannot depart");
                return Ok(());
            }
            let seconds = app.travel.seconds(from, to, now);
            let meters = daojia_domain::geo::haversine_m(from, to) * travel_detour();
            self.runners[i].busy = Some(Busy {
                order,
                depart: now,
                arrive: now + seconds,
                check_in: 0,
                meters,
                stage: Stage::EnRoute,
                next_at: now + seconds,
            });
            return Ok(());
        };
        let p = self.out.placed[&b.order].clone();
        let mut b = b;
        match b.stage {
            Stage::EnRoute if now < p.window.0 => {
                b.stage = Stage::Waiting;
                b.next_at = p.window.0;
            }
            Stage::EnRoute | Stage::Waiting => {
                daojia_app::orders::staff::worker_visit(app, worker, b.order, "check_in", at(now))
                    .await?;
                let noise = (self.how.service_sigma
                    * normal(
                        unit(self.seed, p.n as u64, 0x5E, 1),
                        unit(self.seed, p.n as u64, 0x5E, 2),
                    ))
                .exp();
                b.check_in = now;
                b.stage = Stage::Serving;
                b.next_at = now + ((p.planned_s as f64) * noise).round().max(60.0) as i64;
            }
            Stage::Serving => {
                daojia_app::orders::staff::worker_visit(app, worker, b.order, "finish", at(now))
                    .await?;
                let by = daojia_app::orders::By::Customer {
                    id: p.customer,
                    request_id: None,
                };
                if let Err(e) =
                    daojia_app::orders::change::confirm(app, &by, b.order, at(now)).await
                {
                    tracing::debug!(order = %b.order, error = %e, "confirmation refused");
                }
                self.out.visits.push(Visit {
                    order: b.order,
                    hand: i,
                    depart: b.depart,
                    arrive: b.arrive,
                    check_in: b.check_in,
                    finish: now,
                    meters: b.meters,
                });
                let r = &mut self.runners[i];
                r.pos = p.at;
                r.free_at = now;
                r.busy = None;
                return Ok(());
            }
        }
        self.runners[i].busy = Some(b);
        Ok(())
    }
}

/// The built-in model's detour factor (road distance over straight line), for the
/// kilometres of a leg.
fn travel_detour() -> f64 {
    daojia_domain::travel::TravelModel::default().detour
}
