//! Route planning (路线规划) in the server: a service area's day loaded from the database,
//! turned into a solver problem ([`daojia_dispatch::day`]), solved off the request path
//! with a bound on its size and time, and kept in memory for the console to poll.
//!
//! Plans are not stored: [`Plans`] keeps the last [`KEEP`] of them in the process (a
//! restart forgets them, and with several server nodes a plan lives on the node that made
//! it), and runs at most [`RUNNING`] at once. Committing a plan to the workers comes with
//! dispatch.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use daojia_dispatch::day::{DayInput, DayOrder, DayProblem, DayTotals, DayWorker, Stage, StopKind};
use daojia_dispatch::vrp::{Progress, SolveOptions, UnassignedReason, solve};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_domain::travel::TravelModel;
use daojia_store::entity::service_order;
use daojia_store::repo::planning::{PlanDay, load_day};
use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Most orders (the area's and the other areas' its workers hold) a plan may have.
pub const MAX_ORDERS: usize = 2_000;
/// Most workers a plan may have.
pub const MAX_WORKERS: usize = 400;
/// Longest time a plan may search, seconds.
pub const MAX_SECONDS: f64 = 60.0;
/// Plans kept in memory, finished or not.
pub const KEEP: usize = 32;
/// Plans searching at the same time (each on one thread).
pub const RUNNING: usize = 2;

/// A day loaded for planning: the rows and the solver's input made from them.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The rows.
    pub day: PlanDay,
    /// The solver's input.
    pub input: DayInput,
    /// The workers' names, decrypted when the day was loaded (the solver runs off the
    /// request path, without the vault).
    pub worker_names: std::collections::HashMap<Uuid, String>,
}

impl Loaded {
    /// Orders (the area's and the other areas') and workers.
    pub fn size(&self) -> (usize, usize) {
        (self.input.orders.len(), self.input.workers.len())
    }
}

fn skills(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

fn day_order(o: &service_order::Model, elsewhere: bool) -> DayOrder {
    let state: Option<OrderState> = o.state.parse().ok();
    let stage = match (o.worker_id, state) {
        (Some(worker), _) if elsewhere => Stage::Elsewhere { worker },
        (Some(worker), Some(OrderState::EnRoute | OrderState::InService)) => {
            Stage::UnderWay { worker }
        }
        (Some(worker), _) => Stage::Told { worker },
        (None, _) => Stage::Open,
    };
    DayOrder {
        id: o.id,
        at: LatLng::new(o.lat, o.lng),
        window_start: o.window_start.timestamp(),
        window_end: o.window_end.timestamp(),
        duration: i64::from(o.duration_min.max(1)) * 60,
        skills: skills(o.skills.as_deref()),
        stage,
    }
}

/// The solver's input for a stored day; on the current day nothing starts before `now`.
pub fn day_input(day: &PlanDay, now: DateTime<Utc>) -> DayInput {
    let midnight = day.midnight.timestamp();
    let mut input = DayInput::new(midnight);
    input.orders = day
        .orders
        .iter()
        .map(|o| day_order(o, false))
        .chain(day.elsewhere.iter().map(|o| day_order(o, true)))
        .collect();
    let at = |minute: i32| midnight + i64::from(minute) * 60;
    input.workers = day
        .workers
        .iter()
        .map(|(w, s)| DayWorker {
            id: w.id,
            home: LatLng::new(w.home_lat, w.home_lng),
            skills: skills(Some(&w.skills)),
            shift_start: at(s.start_minute),
            shift_end: at(s.end_minute),
            rest: match (s.break_start_minute, s.break_end_minute) {
                (Some(a), Some(b)) if b > a => Some((at(a), at(b))),
                _ => None,
            },
        })
        .collect();
    input.not_before = (now.timestamp() > midnight).then(|| now.timestamp());
    input
}

/// Loads the day `date` of area `area`; `None` when the area does not exist.
pub async fn load(
    store: &daojia_store::Store,
    area: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<Loaded>, DbErr> {
    Ok(load_day(store.db(), area, date).await?.map(|day| {
        let worker_names = day
            .workers
            .iter()
            .map(|(w, _)| {
                let name = daojia_store::repo::accounts::worker_name(store, w)
                    .unwrap_or_else(|_| "•••".into());
                (w.id, name)
            })
            .collect();
        Loaded {
            input: day_input(&day, now),
            day,
            worker_names,
        }
    }))
}

/// A point (WGS-84).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Point {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
}

/// One stop of a planned route.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanStop {
    /// `order` or `break`.
    pub kind: String,
    /// The order (orders only).
    pub order_id: Option<Uuid>,
    /// Its number.
    pub order_no: Option<String>,
    /// True for an order of another area this worker already holds (shown, not planned).
    pub elsewhere: bool,
    /// Where (orders only).
    pub at: Option<Point>,
    /// The appointment window (orders only).
    pub window_start: Option<DateTime<Utc>>,
    /// The appointment window's end.
    pub window_end: Option<DateTime<Utc>>,
    /// Arrival.
    pub arrival: DateTime<Utc>,
    /// Start of the service or break (the ETA).
    pub start: DateTime<Utc>,
    /// End of the service or break.
    pub finish: DateTime<Utc>,
    /// Kilometres driven to get here.
    pub km: f64,
}

/// One worker's planned day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanRoute {
    /// The worker.
    pub worker_id: Uuid,
    /// Employee code.
    pub worker_code: String,
    /// Name.
    pub worker_name: String,
    /// Home, where the day starts and ends.
    pub home: Point,
    /// Leaves home.
    pub departure: DateTime<Utc>,
    /// Back home.
    pub back: DateTime<Utc>,
    /// Kilometres, the way home included.
    pub km: f64,
    /// Hours from leaving home to being back.
    pub hours: f64,
    /// Orders served.
    pub orders: usize,
    /// Stops in order.
    pub stops: Vec<PlanStop>,
}

/// An order the plan leaves out.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanLeftOut {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// Where.
    pub at: Point,
    /// The appointment window.
    pub window_start: DateTime<Utc>,
    /// Its end.
    pub window_end: DateTime<Utc>,
    /// True for an order of another area held by a worker of this plan.
    pub elsewhere: bool,
    /// Why: `no_worker_with_skills`, `capacity`, `window_unreachable`, `shift_too_short`,
    /// `max_jobs` or `fleet_full`.
    pub reason: String,
    /// The reason in words (English).
    pub message: String,
}

/// Totals of a plan or of the current assignment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanTotals {
    /// Orders served.
    pub orders: usize,
    /// Workers with orders.
    pub workers: usize,
    /// Kilometres driven.
    pub km: f64,
    /// Working hours (leaving home to being back), summed.
    pub hours: f64,
    /// Hours driving.
    pub travel_hours: f64,
    /// Visits starting after their window.
    pub late: usize,
}

/// One worker's plan against their current assignment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanWorker {
    /// The worker.
    pub worker_id: Uuid,
    /// Employee code.
    pub worker_code: String,
    /// Name.
    pub worker_name: String,
    /// Orders in the plan.
    pub plan_orders: usize,
    /// Kilometres in the plan.
    pub plan_km: f64,
    /// Hours in the plan.
    pub plan_hours: f64,
    /// Orders assigned now.
    pub current_orders: usize,
    /// Kilometres now.
    pub current_km: f64,
    /// Hours now.
    pub current_hours: f64,
    /// Late visits now.
    pub current_late: usize,
}

/// A finished plan of a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanResult {
    /// Orders considered (the area's booked orders of the day).
    pub orders: usize,
    /// Orders of other areas the workers hold, kept on their routes.
    pub elsewhere: usize,
    /// Workers on shift in the area's pool.
    pub workers_on_shift: usize,
    /// Seconds the search took.
    pub seconds: f64,
    /// Routes of the workers with orders.
    pub routes: Vec<PlanRoute>,
    /// Orders left out, with the reason.
    pub unassigned: Vec<PlanLeftOut>,
    /// The plan's totals.
    pub totals: PlanTotals,
    /// The current assignment's totals (orders' workers, in window order).
    pub current: PlanTotals,
    /// Per worker with orders in either: plan against now.
    pub workers: Vec<PlanWorker>,
}

fn totals(t: &DayTotals) -> PlanTotals {
    PlanTotals {
        orders: t.orders,
        workers: t.workers,
        km: t.meters / 1000.0,
        hours: t.seconds / 3600.0,
        travel_hours: t.travel_seconds / 3600.0,
        late: t.late,
    }
}

fn time(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// The stable name of a reason.
pub fn reason_code(r: UnassignedReason) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Solves a loaded day (on the calling thread: call it off the request path) with a time
/// limit, reporting to `progress`.
pub fn solve_day(
    loaded: &Loaded,
    travel: &TravelModel,
    seconds: f64,
    threads: usize,
    progress: Option<Arc<Progress>>,
) -> Result<PlanResult, String> {
    let started = std::time::Instant::now();
    let day = DayProblem::build(&loaded.input, travel).map_err(|e| e.to_string())?;
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(seconds.clamp(0.0, MAX_SECONDS)),
        seed: 1,
        threads: threads.max(1),
        progress,
        ..SolveOptions::default()
    };
    let solution = solve(&day.problem, &options).map_err(|e| e.to_string())?;
    let plan = day.plan(&solution);
    let rows: std::collections::HashMap<Uuid, &service_order::Model> = loaded
        .day
        .orders
        .iter()
        .chain(&loaded.day.elsewhere)
        .map(|o| (o.id, o))
        .collect();
    let worker = |id: Uuid| {
        loaded
            .day
            .workers
            .iter()
            .find(|(w, _)| w.id == id)
            .map(|(w, _)| w)
    };
    let name = |id: Uuid| {
        worker(id).map_or((String::new(), String::new()), |w| {
            (
                w.code.clone(),
                loaded.worker_names.get(&w.id).cloned().unwrap_or_default(),
            )
        })
    };
    let routes = plan
        .routes
        .iter()
        .map(|r| {
            let (code, wname) = name(r.worker);
            let home = worker(r.worker).map_or(Point { lat: 0.0, lng: 0.0 }, |w| Point {
                lat: w.home_lat,
                lng: w.home_lng,
            });
            let stops: Vec<PlanStop> = r
                .stops
                .iter()
                .map(|s| {
                    let (kind, order, elsewhere) = match s.kind {
                        StopKind::Order { order, elsewhere } => {
                            ("order", rows.get(&order), elsewhere)
                        }
                        StopKind::Break => ("break", None, false),
                    };
                    PlanStop {
                        kind: kind.into(),
                        order_id: order.map(|o| o.id),
                        order_no: order.map(|o| o.order_no.clone()),
                        elsewhere,
                        at: order.map(|o| Point {
                            lat: o.lat,
                            lng: o.lng,
                        }),
                        window_start: order.map(|o| o.window_start),
                        window_end: order.map(|o| o.window_end),
                        arrival: time(s.arrival),
                        start: time(s.start),
                        finish: time(s.finish),
                        km: s.meters / 1000.0,
                    }
                })
                .collect();
            PlanRoute {
                worker_id: r.worker,
                worker_code: code,
                worker_name: wname,
                home,
                departure: time(r.departure),
                back: time(r.home),
                km: r.meters / 1000.0,
                hours: r.seconds / 3600.0,
                orders: stops.iter().filter(|s| s.kind == "order").count(),
                stops,
            }
        })
        .collect();
    let unassigned = plan
        .unassigned
        .iter()
        .filter_map(|u| {
            let o = rows.get(&u.order)?;
            Some(PlanLeftOut {
                order_id: o.id,
                order_no: o.order_no.clone(),
                at: Point {
                    lat: o.lat,
                    lng: o.lng,
                },
                window_start: o.window_start,
                window_end: o.window_end,
                elsewhere: o.area_code.as_deref() != Some(loaded.day.area.code.as_str()),
                reason: reason_code(u.reason),
                message: u.reason.to_string(),
            })
        })
        .collect();
    let mut workers: Vec<PlanWorker> = Vec::new();
    for (w, _) in &loaded.day.workers {
        let planned = plan.totals.per_worker.iter().find(|x| x.worker == w.id);
        let current = plan.current.per_worker.iter().find(|x| x.worker == w.id);
        if planned.is_none() && current.is_none() {
            continue;
        }
        workers.push(PlanWorker {
            worker_id: w.id,
            worker_code: w.code.clone(),
            worker_name: loaded.worker_names.get(&w.id).cloned().unwrap_or_default(),
            plan_orders: planned.map_or(0, |x| x.orders),
            plan_km: planned.map_or(0.0, |x| x.meters / 1000.0),
            plan_hours: planned.map_or(0.0, |x| x.seconds / 3600.0),
            current_orders: current.map_or(0, |x| x.orders),
            current_km: current.map_or(0.0, |x| x.meters / 1000.0),
            current_hours: current.map_or(0.0, |x| x.seconds / 3600.0),
            current_late: current.map_or(0, |x| x.late),
        });
    }
    Ok(PlanResult {
        orders: loaded.day.orders.len(),
        elsewhere: loaded.day.elsewhere.len(),
        workers_on_shift: loaded.day.workers.len(),
        seconds: started.elapsed().as_secs_f64(),
        routes,
        unassigned,
        totals: totals(&plan.totals),
        current: totals(&plan.current),
        workers,
    })
}

/// A plan being made or made.
#[derive(Debug)]
pub struct PlanJob {
    /// Its id.
    pub id: Uuid,
    /// Service area code.
    pub area: String,
    /// Local date.
    pub date: NaiveDate,
    /// Time limit, seconds.
    pub seconds: f64,
    /// When it was asked for.
    pub started_at: DateTime<Utc>,
    /// Who asked.
    pub requested_by: Uuid,
    /// The search's progress.
    pub progress: Arc<Progress>,
    outcome: Mutex<Option<Outcome>>,
}

/// When a plan finished, and the plan or why it failed.
pub type Outcome = (DateTime<Utc>, Result<PlanResult, String>);

impl PlanJob {
    /// When it finished and how, once it has.
    pub fn outcome(&self) -> Option<Outcome> {
        self.outcome
            .lock()
            .expect("no panic holding the lock")
            .clone()
    }

    fn finished(&self) -> bool {
        self.outcome
            .lock()
            .expect("no panic holding the lock")
            .is_some()
    }
}

/// Why a plan cannot be started now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// [`RUNNING`] plans are searching already.
    Running,
}

/// The plans of this process: at most [`KEEP`], at most [`RUNNING`] searching.
#[derive(Debug, Default)]
pub struct Plans {
    jobs: Mutex<VecDeque<Arc<PlanJob>>>,
}

impl Plans {
    /// A plan by id.
    pub fn get(&self, id: Uuid) -> Option<Arc<PlanJob>> {
        let jobs = self.jobs.lock().expect("no panic holding the lock");
        jobs.iter().find(|j| j.id == id).cloned()
    }

    /// Starts planning `loaded` on a blocking thread; the oldest finished plan makes room.
    pub fn start(
        &self,
        loaded: Loaded,
        travel: TravelModel,
        seconds: f64,
        requested_by: Uuid,
        now: DateTime<Utc>,
        clock: crate::state::Clock,
    ) -> Result<Arc<PlanJob>, Busy> {
        let job = Arc::new(PlanJob {
            id: Uuid::now_v7(),
            area: loaded.day.area.code.clone(),
            date: loaded.day.date,
            seconds,
            started_at: now,
            requested_by,
            progress: Arc::new(Progress::new()),
            outcome: Mutex::new(None),
        });
        {
            let mut jobs = self.jobs.lock().expect("no panic holding the lock");
            if jobs.iter().filter(|j| !j.finished()).count() >= RUNNING {
                return Err(Busy::Running);
            }
            while jobs.len() >= KEEP {
                match jobs.iter().position(|j| j.finished()) {
                    Some(i) => {
                        jobs.remove(i);
                    }
                    None => return Err(Busy::Running),
                }
            }
            jobs.push_back(job.clone());
        }
        let running = job.clone();
        tokio::task::spawn_blocking(move || {
            let progress = running.progress.clone();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                solve_day(&loaded, &travel, seconds, 1, Some(progress))
            }))
            .unwrap_or_else(|_| Err("the planner failed".into()));
            if let Err(e) = &result {
                tracing::warn!(plan = %running.id, error = %e, "route planning failed");
            }
            *running.outcome.lock().expect("no panic holding the lock") = Some((clock(), result));
        });
        Ok(job)
    }
}
