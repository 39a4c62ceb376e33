//! One model of a worker's day (工作日模型), shared by booking slots, the dispatch engine's
//! feasibility check and the route planner, so that a window promised to a customer is one
//! the plan can serve.
//!
//! The rules, per worker and day:
//! - the day starts at home at the shift start; a visit starts at the later of the arrival
//!   and its window start, and must start no later than its window end (both inclusive);
//! - a visit must end by the shift end (the way home is the worker's own time);
//! - the break ([`BreakRule`]) is taken once in a day with visits, where the worker is
//!   (at home before the first visit, after a visit, or after the last): it starts no
//!   earlier than its set start and no later than [`BREAK_DELAY`] after it (or right
//!   after the visit in progress at that latest start: a visit that started by then
//!   defers the break to its end), it ends by the shift end, it lasts its set length, no
//!   visit is in progress and nobody travels during it; travel to the next place starts
//!   after it;
//! - except in a day with a long visit ([`LONG_VISIT`] or more, [`holds_break`]): the
//!   worker takes the break inside that visit, whose duration already allows for it, and
//!   takes no other;
//! - every leg of the day is timed with one departure ([`DayTravel`]): the slowest time of
//!   the day's working hours, so that the times promised hold whenever the leg is driven
//!   and the planner's static matrix has exactly the same numbers;
//! - times are whole Unix seconds; no rounding happens after the travel time of a leg.
//!
//! Every step is monotone (being ready later never makes anything earlier), so a route is
//! decided by its earliest times. The break makes two of them per stop: ready without the
//! break taken yet, and ready with it taken; the best place of the break falls out of
//! keeping the earlier of each (a two-label dynamic programme, O(n) per route).
//!
//! A day whose visits are already late (staff assigned more than fits) is taken as it is:
//! an insertion is refused only if it makes some visit later than both its window and its
//! current time.

mod day;
mod travel;

pub use day::Workday;
pub use travel::DayTravel;

use crate::geo::LatLng;
use uuid::Uuid;

/// How much later than its set start a break may start, seconds: a long visit may run
/// into the set break, which then comes after it.
pub const BREAK_DELAY: i64 = 2 * 3600;

/// A visit at least this long (seconds) holds the worker's break: the worker pauses on
/// site (a long clean runs over lunch) and the visit's duration allows for it, so a day
/// with such a visit has no break of its own. Without this, a visit longer than the time
/// between the shift start and the break's latest start, and longer than the time after
/// the break, could never be booked.
pub const LONG_VISIT: i64 = 5 * 3600;

/// Whether a visit of `duration` seconds holds the worker's break ([`LONG_VISIT`]).
#[inline]
pub fn holds_break(duration: i64) -> bool {
    duration >= LONG_VISIT
}

/// "Never": a schedule that is not possible.
pub(crate) const NEVER: i64 = i64::MAX;

/// A visit on a route: where, when it may start, how long it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The order (or any key the caller uses).
    pub key: Uuid,
    /// Where (WGS-84).
    pub at: LatLng,
    /// Earliest start.
    pub window_start: i64,
    /// Latest start.
    pub window_end: i64,
    /// Working time including packing up, seconds.
    pub duration: i64,
}

/// A worker's working hours on the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// Start, at home.
    pub start: i64,
    /// Last moment a visit (or the break) may end.
    pub end: i64,
    /// The set break `(start, end)`, if any; see [`Shift::break_rule`].
    pub rest: Option<(i64, i64)>,
}

/// When the break may start and how long it lasts (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakRule {
    /// Earliest start: the set start.
    pub earliest: i64,
    /// Latest start: [`BREAK_DELAY`] after the set start, and early enough to end by the
    /// shift end.
    pub latest: i64,
    /// Length, seconds.
    pub duration: i64,
}

impl Shift {
    /// The break as a rule: the set break clipped to the shift, starting up to
    /// [`BREAK_DELAY`] late; `None` without a break (or one outside the shift).
    pub fn break_rule(&self) -> Option<BreakRule> {
        let (bs, be) = self.rest?;
        let (bs, be) = (bs.max(self.start), be.min(self.end));
        if be <= bs {
            return None;
        }
        let duration = be - bs;
        Some(BreakRule {
            earliest: bs,
            latest: (bs + BREAK_DELAY).min(self.end - duration),
            duration,
        })
    }
}

/// The ready time after taking the break at `ready` ([`NEVER`] when too late).
#[inline]
pub(crate) fn take_break(rule: Option<BreakRule>, ready: i64) -> i64 {
    match rule {
        None => ready,
        Some(_) if ready == NEVER => NEVER,
        Some(b) => {
            let start = ready.max(b.earliest);
            if start > b.latest {
                NEVER
            } else {
                start + b.duration
            }
        }
    }
}

/// A visit being placed: where and how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewVisit {
    /// Where (WGS-84).
    pub at: LatLng,
    /// Working time including packing up, seconds.
    pub duration: i64,
}

/// Where and when a new visit fits into a worker's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insertion {
    /// Index in the day's visits the new visit takes (the visits from there move one on).
    pub position: usize,
    /// Arrival at the new visit.
    pub arrive: i64,
    /// Start of the new visit (the time to tell the customer).
    pub start: i64,
    /// Its end.
    pub finish: i64,
    /// Travel seconds the day gains (to it and on from it, less the leg it replaces).
    pub extra_travel_s: i64,
    /// Whether the worker's break comes before the new visit.
    pub after_break: bool,
}

/// One stop of a day's schedule (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A visit.
    Visit {
        /// The visit's key.
        key: Uuid,
        /// Arrival.
        arrive: i64,
        /// Start of the service.
        start: i64,
        /// End of the service.
        finish: i64,
    },
    /// The break, where the worker is.
    Break {
        /// When the worker is ready for it.
        arrive: i64,
        /// Its start.
        start: i64,
        /// Its end.
        finish: i64,
    },
}

/// Where `job` fits best into `day` starting in `window` (the position adding the least
/// travel), with its times: the check the dispatch engine makes before offering an order
/// to a worker, and the one booking makes before promising a window.
///
/// Use the day's own travel: with the slot model's plan of the day
/// ([`crate::slots::DayPlan`]), `plan.days()` gives each worker's [`Workday`] and
/// `plan.travel(tt)` the [`DayTravel`] it was built with (a [`Workday`] caches its legs,
/// so every call on it must pass that same travel).
pub fn insertion(
    day: &Workday,
    job: &NewVisit,
    window: (i64, i64),
    travel: &DayTravel,
) -> Option<Insertion> {
    day.cheapest(travel, job, window)
}
