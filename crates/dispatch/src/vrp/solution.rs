//! A route plan: one route per used worker, with the time of every stop, and the jobs left
//! out with the reason.

use super::check::TIME_TOLERANCE;
use super::model::{Job, Problem, UnassignedReason};

/// What a worker does at a stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activity {
    /// Serve job `j` (index into `problem.jobs`).
    Job(usize),
    /// Take break `b` (index into the worker's `breaks`), where the worker is.
    Break(usize),
}

/// One stop of a route.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stop {
    /// What happens here.
    pub activity: Activity,
    /// When the worker gets here.
    pub arrival: f64,
    /// When the service or break starts (after waiting for the window).
    pub start: f64,
}

/// The ordered stops of one worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// Index into `problem.workers`.
    pub worker: usize,
    /// When the worker leaves the start location.
    pub departure: f64,
    /// Stops in order.
    pub stops: Vec<Stop>,
    /// When the worker reaches the end location.
    pub end: f64,
}

impl Route {
    /// The jobs of the route in order.
    pub fn jobs(&self) -> impl Iterator<Item = usize> + '_ {
        self.stops.iter().filter_map(|s| match s.activity {
            Activity::Job(j) => Some(j),
            Activity::Break(_) => None,
        })
    }
}

/// A job left out of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unassigned {
    /// Index into `problem.jobs`.
    pub job: usize,
    /// Why.
    pub reason: UnassignedReason,
}

/// A complete plan for a problem.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Solution {
    /// Non-empty routes, at most one per worker.
    pub routes: Vec<Route>,
    /// Jobs not served.
    pub unassigned: Vec<Unassigned>,
}

/// Totals of a plan, recomputed from the problem.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Totals {
    /// Distance travelled by all workers.
    pub distance: f64,
    /// Sum over routes of the time from departure to end.
    pub duration: f64,
    /// Distance, time and fixed costs.
    pub cost: f64,
    /// Penalties for changing what was told: jobs given to another worker than promised,
    /// services starting in a window that costs extra (not included in `cost`).
    pub penalty: f64,
    /// Routes used.
    pub routes: usize,
}

impl Solution {
    /// Recomputes distance, duration and cost from the routes as they stand.
    pub fn totals(&self, problem: &Problem) -> Totals {
        let mut t = Totals::default();
        for route in self.routes.iter().filter(|r| !r.stops.is_empty()) {
            let worker = &problem.workers[route.worker];
            let mut at = worker.start_location;
            let mut distance = 0.0;
            for stop in &route.stops {
                if let Activity::Job(j) = stop.activity {
                    let job = &problem.jobs[j];
                    distance += problem.matrix.distance(at, job.location);
                    at = job.location;
                    t.penalty += job_penalty(job, route.worker, stop.start);
                }
            }
            distance += problem.matrix.distance(at, worker.end_location);
            let duration = route.end - route.departure;
            t.distance += distance;
            t.duration += duration;
            t.cost += worker.fixed_cost
                + worker.cost_per_distance * distance
                + worker.cost_per_time * duration;
            t.routes += 1;
        }
        t
    }
}

/// The penalty of `job` served by `worker` starting at `start`: the promise, and the
/// cheapest of its windows that contain the start.
fn job_penalty(job: &Job, worker: usize, start: f64) -> f64 {
    let moved = job
        .promise
        .filter(|p| p.worker != worker)
        .map_or(0.0, |p| p.move_cost);
    let window = job
        .windows
        .iter()
        .enumerate()
        .filter(|(_, w)| start >= w.start - TIME_TOLERANCE && start <= w.end + TIME_TOLERANCE)
        .map(|(k, _)| job.window_costs.get(k).copied().unwrap_or(0.0))
        .fold(None, |m: Option<f64>, c| Some(m.map_or(c, |m| m.min(c))))
        .unwrap_or(0.0);
    moved + window
}
