//! A service area's working day as a routing problem, and the plan back in the platform's
//! terms: the adapter between orders and workers and the solver in [`crate::vrp`].
//!
//! [`DayInput`] is what the caller loads (the booked orders of the day, the on-shift
//! workers); [`DayProblem::build`] turns it into a [`Problem`] with a travel matrix from
//! the built-in [`TravelModel`]; [`DayProblem::plan`] turns a solver's [`Solution`] into a
//! [`DayPlan`] with times, distances and reasons, and totals against the assignment the
//! orders have now.
//!
//! The schedule is the one model of a worker's day in [`daojia_domain::workday`], the
//! model slot search books with, so that what booking accepted, planning can place: a
//! worker leaves home at the shift start at the earliest, a visit starts inside its
//! appointment window, the last visit ends by the shift end (the way home is the worker's
//! own time, but its distance counts in the cost and the totals), the break is a stop taken
//! where the worker is, starting up to [`BREAK_DELAY`] after its set start (or inside a
//! long visit: [`crate::vrp::Job::holds_breaks`] from `workday::holds_break`), and every leg
//! is timed at the day's slowest departure ([`daojia_domain::workday::DayTravel`]), the
//! numbers slot search promised with. Latest times get [`SLACK`] so that the solver's own
//! margin for floating-point sums does not cost a whole-second time the day model allows.
//! [`DayProblem::start_from`] turns routes made with the day model (the slot model's own
//! assignment) into a plan to start the search from.
//!
//! Times inside the problem are seconds after the local midnight of the day (small
//! numbers keep `f64` sums exact), distances metres. The cost of a route is one unit per
//! metre driven and one per second from leaving home to the end of the last visit.

mod build;
mod start;
mod view;

pub use build::{DayError, DayProblem, SLACK};
pub use daojia_domain::workday::BREAK_DELAY;
pub use view::{DayPlan, DayTotals, LeftOut, PlannedRoute, PlannedStop, StopKind, WorkerTotals};

use daojia_domain::geo::LatLng;
use daojia_domain::workday::Shift;
use uuid::Uuid;

#[cfg(doc)]
use crate::vrp::{Problem, Solution};
#[cfg(doc)]
use daojia_domain::travel::TravelModel;

/// Where an order stands towards the workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for a worker: the plan may give it to anyone able.
    Open,
    /// Offered to or accepted by a worker: moving it costs [`DayInput::move_cost`].
    Told {
        /// The worker.
        worker: Uuid,
    },
    /// The worker is on the way or serving: it stays their first stop.
    UnderWay {
        /// The worker.
        worker: Uuid,
    },
    /// An order of another area that a worker of this plan holds: it stays with them and
    /// takes their time, but is not planned here.
    Elsewhere {
        /// The worker.
        worker: Uuid,
    },
}

impl Stage {
    /// The worker the order has now, if any.
    pub fn worker(self) -> Option<Uuid> {
        match self {
            Stage::Open => None,
            Stage::Told { worker } | Stage::UnderWay { worker } | Stage::Elsewhere { worker } => {
                Some(worker)
            }
        }
    }
}

/// A booked order of the day.
#[derive(Clone, Debug, PartialEq)]
pub struct DayOrder {
    /// The order.
    pub id: Uuid,
    /// Where (WGS-84).
    pub at: LatLng,
    /// The service starts no earlier (Unix seconds).
    pub window_start: i64,
    /// The service starts no later (Unix seconds).
    pub window_end: i64,
    /// Time on site, seconds.
    pub duration: i64,
    /// Skills the worker needs.
    pub skills: Vec<String>,
    /// Where it stands.
    pub stage: Stage,
}

/// A worker on shift that day.
#[derive(Clone, Debug, PartialEq)]
pub struct DayWorker {
    /// The worker.
    pub id: Uuid,
    /// Where the day starts and ends (WGS-84).
    pub home: LatLng,
    /// What they are qualified for.
    pub skills: Vec<String>,
    /// Shift start, Unix seconds.
    pub shift_start: i64,
    /// Shift end (the last visit ends by then), Unix seconds.
    pub shift_end: i64,
    /// The set break (Unix seconds), taken by [`Shift::break_rule`].
    pub rest: Option<(i64, i64)>,
}

impl DayWorker {
    /// The worker's shift in the day model's terms.
    pub fn shift(&self) -> Shift {
        Shift {
            start: self.shift_start,
            end: self.shift_end,
            rest: self.rest,
        }
    }
}

/// What a day plan is made from.
#[derive(Clone, Debug, PartialEq)]
pub struct DayInput {
    /// Local midnight of the day (Unix seconds): times in the problem count from it.
    pub midnight: i64,
    /// The orders to plan (and the other areas' orders workers hold).
    pub orders: Vec<DayOrder>,
    /// The workers on shift.
    pub workers: Vec<DayWorker>,
    /// Nothing starts before this (now, when planning the current day), Unix seconds.
    pub not_before: Option<i64>,
    /// Cost of giving a told order to another worker (in metres of driving).
    pub move_cost: f64,
}

/// The default [`DayInput::move_cost`]: moving a told order is worth 5 km of driving.
pub const MOVE_COST: f64 = 5_000.0;

impl DayInput {
    /// An empty day starting at `midnight`.
    pub fn new(midnight: i64) -> Self {
        Self {
            midnight,
            orders: Vec::new(),
            workers: Vec::new(),
            not_before: None,
            move_cost: MOVE_COST,
        }
    }
}
