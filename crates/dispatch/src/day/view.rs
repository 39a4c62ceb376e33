//! A solved day in the platform's terms: routes with times and distances per worker, the
//! orders left out with the reason, and totals against the current assignment.

use serde::Serialize;
use uuid::Uuid;

use super::{DayProblem, Stage};
use crate::vrp::{Activity, Solution, UnassignedReason};

/// What happens at a stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopKind {
    /// A visit for an order.
    Order {
        /// The order.
        order: Uuid,
        /// Whether it belongs to another area (shown, not planned here).
        elsewhere: bool,
    },
    /// The worker's break.
    Break,
}

/// One stop of a planned route (times in Unix seconds).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedStop {
    /// What happens.
    #[serde(flatten)]
    pub kind: StopKind,
    /// When the worker gets there.
    pub arrival: i64,
    /// When the service (or break) starts: the ETA told to the customer.
    pub start: i64,
    /// When it ends.
    pub finish: i64,
    /// Metres driven to get there.
    pub meters: f64,
}

/// One worker's day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedRoute {
    /// The worker.
    pub worker: Uuid,
    /// When they leave home.
    pub departure: i64,
    /// The stops in order.
    pub stops: Vec<PlannedStop>,
    /// When they are back home.
    pub home: i64,
    /// Metres driven, the way home included.
    pub meters: f64,
    /// Seconds from leaving home to being back.
    pub seconds: f64,
}

/// An order the plan leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LeftOut {
    /// The order.
    pub order: Uuid,
    /// Why.
    pub reason: UnassignedReason,
}

/// One worker's totals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkerTotals {
    /// The worker.
    pub worker: Uuid,
    /// Orders served.
    pub orders: usize,
    /// Metres driven, the way home included.
    pub meters: f64,
    /// Seconds from leaving home to being back.
    pub seconds: f64,
    /// Visits starting after their window (only in an assignment made by hand).
    pub late: usize,
}

/// Totals of a plan or of the current assignment.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DayTotals {
    /// Orders served.
    pub orders: usize,
    /// Workers with at least one order.
    pub workers: usize,
    /// Metres driven.
    pub meters: f64,
    /// Working seconds (leaving home to being back), summed.
    pub seconds: f64,
    /// Seconds driving, summed.
    pub travel_seconds: f64,
    /// Visits starting after their window.
    pub late: usize,
    /// Per worker with orders.
    pub per_worker: Vec<WorkerTotals>,
}

/// A day's plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayPlan {
    /// Routes of the workers with orders.
    pub routes: Vec<PlannedRoute>,
    /// Orders left out.
    pub unassigned: Vec<LeftOut>,
    /// Totals of the plan.
    pub totals: DayTotals,
    /// Totals of the assignment the orders have now (their workers, in window order).
    pub current: DayTotals,
}

impl DayProblem {
    /// The plan `solution` gives, with totals against the current assignment.
    pub fn plan(&self, solution: &Solution) -> DayPlan {
        let p = &self.problem;
        let m = &p.matrix;
        let mut routes = Vec::with_capacity(solution.routes.len());
        let mut totals = DayTotals::default();
        for route in &solution.routes {
            let w = route.worker;
            let worker = &p.workers[w];
            let mut at = worker.start_location;
            let mut last_job = None;
            let mut stops = Vec::with_capacity(route.stops.len());
            let (mut meters, mut travel, mut orders) = (0.0, 0.0, 0);
            // Breaks before the first visit or after the last are taken at home: the day
            // runs from leaving for the first visit to coming back from the last.
            let mut departure = route.departure;
            let mut free = route.departure;
            for stop in &route.stops {
                let (kind, leg, finish) = match stop.activity {
                    Activity::Job(j) => {
                        let job = &p.jobs[j];
                        let leg = m.distance(at, job.location);
                        travel += m.duration(at, job.location);
                        at = job.location;
                        last_job = Some(j);
                        orders += 1;
                        let elsewhere = matches!(self.orders[j].stage, Stage::Elsewhere { .. });
                        let kind = StopKind::Order {
                            order: self.orders[j].id,
                            elsewhere,
                        };
                        (kind, leg, stop.start + job.service)
                    }
                    Activity::Break(b) => {
                        (StopKind::Break, 0.0, stop.start + worker.breaks[b].duration)
                    }
                };
                meters += leg;
                match kind {
                    StopKind::Order { .. } => free = finish,
                    StopKind::Break if last_job.is_none() => departure = finish,
                    StopKind::Break => {}
                }
                stops.push(PlannedStop {
                    kind,
                    arrival: self.unix(stop.arrival),
                    start: self.unix(stop.start),
                    finish: self.unix(finish),
                    meters: leg,
                });
            }
            let back = last_job.map_or(0.0, |j| self.home_seconds(j, w));
            meters += m.distance(at, worker.end_location);
            travel += back;
            let home = free + back;
            let seconds = home - departure;
            totals.add(WorkerTotals {
                worker: self.workers[w].id,
                orders,
                meters,
                seconds,
                late: 0,
            });
            totals.travel_seconds += travel;
            routes.push(PlannedRoute {
                worker: self.workers[w].id,
                departure: self.unix(departure),
                stops,
                home: self.unix(home),
                meters,
                seconds,
            });
        }
        let unassigned = solution
            .unassigned
            .iter()
            .map(|u| LeftOut {
                order: self.orders[u.job].id,
                reason: u.reason,
            })
            .collect();
        DayPlan {
            routes,
            unassigned,
            totals,
            current: self.current(),
        }
    }

    /// Totals of the current assignment: each worker's orders in window order (the one
    /// under way first), each visit as early as the window, the travel and the break
    /// allow; late visits are counted, not refused.
    pub fn current(&self) -> DayTotals {
        let p = &self.problem;
        let m = &p.matrix;
        let mut totals = DayTotals::default();
        for (w, worker) in p.workers.iter().enumerate() {
            let id = self.workers[w].id;
            let mut mine: Vec<usize> = (0..self.orders.len())
                .filter(|&j| self.orders[j].stage.worker() == Some(id))
                .collect();
            if mine.is_empty() {
                continue;
            }
            let job_start = |j: usize| {
                p.jobs[j]
                    .windows
                    .first()
                    .map_or(f64::NEG_INFINITY, |x| x.start)
            };
            mine.sort_by(|&a, &b| {
                let first = |j| worker.first_job != Some(j);
                (first(a), job_start(a))
                    .partial_cmp(&(first(b), job_start(b)))
                    .expect("finite window starts")
            });
            let mut at = worker.start_location;
            let first_leg = m.duration(at, p.jobs[mine[0]].location);
            let departure = (job_start(mine[0]) - first_leg).max(worker.shift.start);
            let mut t = departure;
            // A long visit holds the break: no break of its own then.
            let mut rest = worker
                .breaks
                .first()
                .copied()
                .filter(|_| !mine.iter().any(|&j| p.jobs[j].holds_breaks));
            let (mut meters, mut travel, mut late) = (0.0, 0.0, 0);
            for &j in &mine {
                let job = &p.jobs[j];
                let leg = m.duration(at, job.location);
                let window = job.windows.first().copied();
                let mut start = (t + leg).max(window.map_or(f64::NEG_INFINITY, |x| x.start));
                if let Some(b) = rest
                    && start + job.service > b.window.start
                {
                    // The break comes first: the worker travels after it.
                    t = t.max(b.window.start) + b.duration;
                    start = (t + leg).max(window.map_or(f64::NEG_INFINITY, |x| x.start));
                    rest = None;
                }
                if window.is_some_and(|x| start > x.end + 1e-6) {
                    late += 1;
                }
                meters += m.distance(at, job.location);
                travel += leg;
                at = job.location;
                t = start + job.service;
            }
            let last = *mine.last().expect("not empty");
            meters += m.distance(at, worker.end_location);
            let back = self.home_seconds(last, w);
            travel += back;
            let seconds = t + back - departure;
            totals.add(WorkerTotals {
                worker: id,
                orders: mine.len(),
                meters,
                seconds,
                late,
            });
            totals.travel_seconds += travel;
        }
        totals
    }
}

impl DayTotals {
    fn add(&mut self, w: WorkerTotals) {
        self.orders += w.orders;
        self.workers += usize::from(w.orders > 0);
        self.meters += w.meters;
        self.seconds += w.seconds;
        self.late += w.late;
        self.per_worker.push(w);
    }
}
