//! From a day's orders and workers to a solver problem.

use std::collections::{BTreeSet, HashMap};

use chrono::DateTime;
use daojia_domain::geo::LatLng;
use daojia_domain::travel::TravelModel;
use daojia_domain::workday::{DayTravel, holds_break};
use uuid::Uuid;

use super::{DayInput, DayOrder, DayWorker, Stage};
use crate::vrp::{Break, Job, Matrix, Problem, Promise, Skills, TimeWindow, Worker};
use daojia_domain::workday::Shift;

/// Added to every latest time (window end, shift end, break's latest start). Times of the
/// day are whole seconds and the solver keeps a hair (1e-7) inside each latest time for its
/// own floating-point sums; half a second gives back exactly the whole-second times the day
/// model ([`daojia_domain::workday`]) allows, and no whole second more.
pub const SLACK: f64 = 0.5;

/// A day that cannot be turned into a problem.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DayError {
    /// The solver tells skills apart by one bit each.
    #[error("the day needs {0} different skills; route planning handles at most 64")]
    TooManySkills(usize),
    /// An order or worker appears twice.
    #[error("{what} {id} appears twice")]
    Duplicate { what: &'static str, id: Uuid },
    /// A coordinate is not a place on earth.
    #[error("{what} {id} has an invalid position")]
    BadPosition { what: &'static str, id: Uuid },
}

/// A day as a solver problem, with the way back from the solver's indices.
#[derive(Clone, Debug)]
pub struct DayProblem {
    /// The problem: job `j` is `orders[j]`, worker `w` is `workers[w]`.
    pub problem: Problem,
    /// The orders, in the problem's job order.
    pub orders: Vec<DayOrder>,
    /// The workers, in the problem's worker order.
    pub workers: Vec<super::DayWorker>,
    /// Local midnight of the day, Unix seconds.
    pub midnight: i64,
    /// Seconds from each job's place to each worker's home (`home_seconds[j * W + w]`),
    /// for the way home, which the problem does not time.
    home_seconds: Vec<f64>,
    order_index: HashMap<Uuid, usize>,
    worker_index: HashMap<Uuid, usize>,
}

impl DayProblem {
    /// Builds the problem of `input` with the day model of [`daojia_domain::workday`]:
    /// every leg timed with `travel` at the day's slowest departure ([`DayTravel`], the
    /// numbers slot search promised with), breaks by [`Shift::break_rule`].
    ///
    /// Matrix rows: the workers' homes, then the orders' places, then one row per worker
    /// for the end of the route, which is reached without time (the last visit ends by the
    /// shift end) but with the distance home.
    pub fn build(input: &DayInput, travel: &TravelModel) -> Result<Self, DayError> {
        let nw = input.workers.len();
        let nj = input.orders.len();
        let mut worker_index = HashMap::with_capacity(nw);
        for (w, worker) in input.workers.iter().enumerate() {
            if worker_index.insert(worker.id, w).is_some() {
                return Err(DayError::Duplicate {
                    what: "worker",
                    id: worker.id,
                });
            }
            if !worker.home.is_valid() {
                return Err(DayError::BadPosition {
                    what: "worker",
                    id: worker.id,
                });
            }
        }
        let mut order_index = HashMap::with_capacity(nj);
        for (j, order) in input.orders.iter().enumerate() {
            if order_index.insert(order.id, j).is_some() {
                return Err(DayError::Duplicate {
                    what: "order",
                    id: order.id,
                });
            }
            if !order.at.is_valid() {
                return Err(DayError::BadPosition {
                    what: "order",
                    id: order.id,
                });
            }
        }
        let names: BTreeSet<&str> = input
            .orders
            .iter()
            .flat_map(|o| o.skills.iter())
            .chain(input.workers.iter().flat_map(|w| w.skills.iter()))
            .map(String::as_str)
            .collect();
        if names.len() > 64 {
            return Err(DayError::TooManySkills(names.len()));
        }
        let bit: HashMap<&str, u64> = names
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, 1u64 << i))
            .collect();
        let skills =
            |list: &[String]| Skills(list.iter().map(|s| bit[s.as_str()]).fold(0, |a, b| a | b));

        let points: Vec<LatLng> = input
            .workers
            .iter()
            .map(|w| w.home)
            .chain(input.orders.iter().map(|o| o.at))
            .collect();
        let shifts: Vec<Shift> = input.workers.iter().map(DayWorker::shift).collect();
        let day_travel = DayTravel::for_shifts(travel, &shifts, input.midnight + 12 * 3600);
        // Metres do not depend on the hour; seconds come from the day model, leg by leg.
        let legs = travel.matrix(
            &points,
            DateTime::from_timestamp(day_travel.depart(), 0).unwrap_or_default(),
        );
        let secs = |a: usize, b: usize| day_travel.seconds(points[a], points[b]) as f64;
        let n = nw + nj;
        let size = n + nw;
        let mut durations = vec![0.0; size * size];
        let mut distances = vec![0.0; size * size];
        for a in 0..n {
            for b in 0..n {
                durations[a * size + b] = secs(a, b);
                distances[a * size + b] = f64::from(legs.leg(a, b).meters);
            }
            for w in 0..nw {
                // To the end of worker w's route: no time, the distance home.
                distances[a * size + n + w] = f64::from(legs.leg(a, w).meters);
            }
        }
        let mut home_seconds = vec![0.0; nj * nw];
        for j in 0..nj {
            for w in 0..nw {
                home_seconds[j * nw + w] = secs(nw + j, w);
            }
        }
        let matrix = Matrix::new(size, durations, distances).expect("sizes agree");

        let rel = |t: i64| (t - input.midnight) as f64;
        let not_before = input.not_before.map(rel);
        let mut workers: Vec<Worker> = input
            .workers
            .iter()
            .enumerate()
            .map(|(w, day)| {
                let mut start = rel(day.shift_start);
                if let Some(now) = not_before {
                    start = start.max(now);
                }
                let mut worker = Worker::at(w, TimeWindow::new(start, rel(day.shift_end) + SLACK));
                worker.end_location = n + w;
                worker.skills = skills(&day.skills);
                worker.cost_per_distance = 1.0;
                worker.cost_per_time = 1.0;
                if let Some(rule) = shifts[w].break_rule() {
                    let (bs, latest) = (rel(rule.earliest), rel(rule.latest));
                    let length = rule.duration as f64;
                    if start >= bs {
                        // Planning after the break could start: it is taken or being taken.
                        worker.shift.start =
                            worker.shift.start.max((bs + length).min(worker.shift.end));
                    } else {
                        worker.breaks.push(Break {
                            window: TimeWindow::new(bs, latest + SLACK),
                            duration: length,
                        });
                    }
                }
                worker
            })
            .collect();
        let mut jobs = Vec::with_capacity(nj);
        for (j, order) in input.orders.iter().enumerate() {
            let mut job = Job::at(nw + j, order.duration.max(0) as f64);
            let (ws, we) = (rel(order.window_start), rel(order.window_end));
            job.windows = vec![TimeWindow::new(ws, we.max(ws) + SLACK)];
            job.skills = skills(&order.skills);
            job.holds_breaks = holds_break(order.duration);
            let owner = order
                .stage
                .worker()
                .and_then(|id| worker_index.get(&id).copied());
            match (order.stage, owner) {
                (Stage::Told { .. }, Some(w)) => {
                    job.promise = Some(Promise {
                        worker: w,
                        move_cost: input.move_cost,
                    });
                }
                (Stage::UnderWay { .. }, Some(w)) if workers[w].first_job.is_none() => {
                    // Whenever it started, it is under way now: no window binds it.
                    workers[w].first_job = Some(j);
                    job.windows.clear();
                    job.pinned_worker = Some(w);
                }
                (Stage::UnderWay { .. } | Stage::Elsewhere { .. }, Some(w)) => {
                    job.pinned_worker = Some(w);
                }
                _ => {}
            }
            jobs.push(job);
        }
        Ok(Self {
            problem: Problem {
                jobs,
                workers,
                matrix,
            },
            orders: input.orders.clone(),
            workers: input.workers.clone(),
            midnight: input.midnight,
            home_seconds,
            order_index,
            worker_index,
        })
    }

    /// The job index of an order.
    pub fn order_index(&self, id: Uuid) -> Option<usize> {
        self.order_index.get(&id).copied()
    }

    /// The worker index of a worker.
    pub fn worker_index(&self, id: Uuid) -> Option<usize> {
        self.worker_index.get(&id).copied()
    }

    /// Seconds from job `j`'s place to worker `w`'s home.
    pub(super) fn home_seconds(&self, j: usize, w: usize) -> f64 {
        self.home_seconds[j * self.workers.len() + w]
    }

    /// A time of the problem as Unix seconds.
    pub fn unix(&self, t: f64) -> i64 {
        self.midnight + t.round() as i64
    }
}
