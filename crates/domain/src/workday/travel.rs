//! Travel times of a day, timed at one departure.

use crate::geo::LatLng;
use crate::travel::TravelTime;

use super::Shift;

/// Travel times of one day: every leg timed at one departure, the slowest of the day's
/// working hours ([`TravelTime::slowest_departure`]).
///
/// Why one departure: the route planner's solver needs a static matrix, and a promise
/// made with other numbers than the plan's is not one the plan is sure to keep. Why the
/// slowest: a leg driven at any other hour of the day takes no longer than promised, so
/// the worker is never late because of the hour (they wait instead).
#[derive(Clone, Copy)]
pub struct DayTravel<'a> {
    tt: &'a dyn TravelTime,
    depart: i64,
}

impl std::fmt::Debug for DayTravel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DayTravel")
            .field("depart", &self.depart)
            .finish()
    }
}

impl<'a> DayTravel<'a> {
    /// Every leg timed as leaving at `depart`.
    pub fn new(tt: &'a dyn TravelTime, depart: i64) -> Self {
        Self { tt, depart }
    }

    /// The departure that times a day whose workers have these shifts: the slowest moment
    /// between the earliest shift start and the latest shift end (a fixed noon when there
    /// is no shift).
    pub fn departure_for<'s>(
        tt: &dyn TravelTime,
        shifts: impl IntoIterator<Item = &'s Shift>,
        noon: i64,
    ) -> i64 {
        let (mut from, mut to) = (i64::MAX, i64::MIN);
        for s in shifts {
            from = from.min(s.start);
            to = to.max(s.end);
        }
        if from >= to {
            return noon;
        }
        tt.slowest_departure(from, to)
    }

    /// The day of workers with `shifts` (see [`DayTravel::departure_for`]).
    pub fn for_shifts<'s>(
        tt: &'a dyn TravelTime,
        shifts: impl IntoIterator<Item = &'s Shift>,
        noon: i64,
    ) -> Self {
        Self::new(tt, Self::departure_for(tt, shifts, noon))
    }

    /// The departure every leg is timed at.
    pub fn depart(&self) -> i64 {
        self.depart
    }

    /// Seconds from `from` to `to`.
    #[inline]
    pub fn seconds(&self, from: LatLng, to: LatLng) -> i64 {
        self.tt.seconds(from, to, self.depart)
    }
}
