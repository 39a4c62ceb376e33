//! A plan to start the search from: the routes the slot model (or anyone using the day
//! model of [`daojia_domain::workday`]) already made, as a solver [`Solution`].

use daojia_domain::workday::Stop as DayStop;
use uuid::Uuid;

use super::DayProblem;
use crate::vrp::{Activity, Route, Solution, Stop, Unassigned, UnassignedReason};

impl DayProblem {
    /// The solver's plan for routes given in the day model's terms: each worker's stops
    /// (visits by order id, the break where it is taken) with their times. Orders of the
    /// problem on no route are left out (`fleet_full`); visits of orders or workers the
    /// problem does not have are skipped. Pass it to [`crate::vrp::solve_from`] to start the
    /// search there, or to [`crate::vrp::check()`] to see whether the solver agrees.
    pub fn start_from<'a>(
        &self,
        routes: impl IntoIterator<Item = (Uuid, &'a [DayStop])>,
    ) -> Solution {
        let mut served = vec![false; self.orders.len()];
        let mut out = Solution::default();
        for (worker, stops) in routes {
            let Some(w) = self.worker_index(worker) else {
                continue;
            };
            let mut route = Route {
                worker: w,
                departure: self.problem.workers[w].shift.start,
                stops: Vec::with_capacity(stops.len()),
                end: self.problem.workers[w].shift.start,
            };
            let has_break = !self.problem.workers[w].breaks.is_empty();
            for stop in stops {
                let (activity, arrive, start, finish) = match *stop {
                    DayStop::Visit {
                        key,
                        arrive,
                        start,
                        finish,
                    } => match self.order_index(key) {
                        Some(j) if !served[j] => {
                            served[j] = true;
                            (Activity::Job(j), arrive, start, finish)
                        }
                        _ => continue,
                    },
                    DayStop::Break {
                        arrive,
                        start,
                        finish,
                    } if has_break => (Activity::Break(0), arrive, start, finish),
                    DayStop::Break { .. } => continue,
                };
                route.stops.push(Stop {
                    activity,
                    arrival: self.rel(arrive),
                    start: self.rel(start),
                });
                route.end = self.rel(finish);
            }
            if route.jobs().next().is_some() {
                out.routes.push(route);
            }
        }
        out.unassigned = (0..self.orders.len())
            .filter(|&j| !served[j])
            .map(|job| Unassigned {
                job,
                reason: UnassignedReason::FleetFull,
            })
            .collect();
        out
    }

    /// A Unix time as a time of the problem.
    fn rel(&self, t: i64) -> f64 {
        (t - self.midnight) as f64
    }
}
