//! Putting one more visit into a worker's day: the schedule model of
//! `daojia_domain::slots` (read its module doc) over its public types, since its insertion
//! is private to slot search. The day starts at home at the shift start, or where the
//! worker is at `now` once the shift has begun; a visit starts at the later of the arrival
//! and its window start and no later than its window end, and ends by the shift end; the
//! break holds neither travel nor service (a visit that runs into it pauses, unless it is
//! a long visit, which holds the break as in `daojia_domain::workday`); travel times
//! depend on the departure. These are still the earlier slot rules, not yet the one day
//! model of `daojia_domain::workday` (ADR 0007): they agree on long visits, differ on
//! where a shorter visit's break goes and on the hour travel is timed at.
//!
//! The day's visits are kept in window order (start, end, key), and a new visit goes where
//! that order puts it, so that a day re-read from the store (in window order) is the day
//! that was checked. A day that is already late (more was assigned than fits) is taken as
//! it is: an insertion is refused only when it makes some visit later than both its window
//! and its time without the insertion.

use daojia_domain::geo::LatLng;
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::travel::TravelTime;
use daojia_domain::workday::holds_break;

/// A travel model in which every trip takes no time: what a day allows ignoring travel.
pub(crate) struct NoTravel;

impl TravelTime for NoTravel {
    fn seconds(&self, _: LatLng, _: LatLng, _: i64) -> i64 {
        0
    }
}

/// When a worker ready at `ready` in `from` arrives at `to`, honouring the break.
pub(crate) fn arrive(
    tt: &dyn TravelTime,
    rest: Option<(i64, i64)>,
    ready: i64,
    from: LatLng,
    to: LatLng,
) -> i64 {
    let mut depart = ready;
    if let Some((bs, be)) = rest
        && depart >= bs
        && depart < be
    {
        depart = be;
    }
    let mut t = tt.seconds(from, to, depart);
    if let Some((bs, be)) = rest
        && depart < bs
        && depart + t > bs
    {
        depart = be;
        t = tt.seconds(from, to, depart);
    }
    depart + t
}

/// Start and end of a visit arriving at `arrival`: not before its window, not inside the
/// break, pausing over the break when it runs into it; a long visit holds the break
/// ([`daojia_domain::workday::holds_break`], the one day model's rule): its duration
/// allows for the pause, wherever the break falls.
pub(crate) fn begin(
    rest: Option<(i64, i64)>,
    arrival: i64,
    window_start: i64,
    duration: i64,
) -> (i64, i64) {
    let mut start = arrival.max(window_start);
    let Some((bs, be)) = rest.filter(|_| !holds_break(duration)) else {
        return (start, start + duration);
    };
    if start >= bs && start < be {
        start = be;
    }
    let mut finish = start + duration;
    if start < bs && finish > bs {
        finish += be - bs;
    }
    (start, finish)
}

/// A visit's times in a simulated day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// When the worker arrives.
    pub arrival: i64,
    /// When the visit starts.
    pub start: i64,
    /// When it ends (including a pause for the break).
    pub finish: i64,
}

/// A worker's remaining day, ready for insertion questions.
#[derive(Debug, Clone)]
pub struct Day<'a> {
    shift: Shift,
    /// Ready time and place before the first visit.
    origin: (i64, LatLng),
    visits: Vec<&'a Visit>,
    base: Vec<Times>,
}

/// Where and when a new visit fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insertion {
    /// Its place among the day's visits (0: first).
    pub position: usize,
    /// Its times.
    pub times: Times,
    /// Seconds of travel to it from the previous place.
    pub travel_to_s: i64,
    /// Travel the day gains by it, seconds (to it, on to the next visit, less the trip it
    /// replaces).
    pub extra_travel_s: i64,
}

/// Why a visit does not fit a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// Its window does not meet the rest of the shift.
    OutsideShift,
    /// It would start after its window: the worker cannot be there in time.
    LateArrival {
        /// The earliest start.
        start: i64,
    },
    /// It would end after the shift.
    PastShiftEnd {
        /// The earliest end.
        finish: i64,
    },
    /// It would make a later visit late.
    DelaysNext {
        /// That visit.
        key: uuid::Uuid,
    },
}

impl<'a> Day<'a> {
    /// The day of a worker whose day starts at `home`, with `visits` to do, as of `now`.
    /// `position` is where the worker is now, the start once the shift has begun.
    pub fn new(
        tt: &dyn TravelTime,
        shift: Shift,
        home: LatLng,
        position: LatLng,
        visits: &'a [Visit],
        now: i64,
    ) -> Day<'a> {
        let origin = if now > shift.start {
            (now, position)
        } else {
            (shift.start, home)
        };
        let mut sorted: Vec<&Visit> = visits.iter().collect();
        sorted.sort_by_key(|v| (v.window_start, v.window_end, v.key));
        let mut day = Day {
            shift,
            origin,
            visits: sorted,
            base: Vec::new(),
        };
        day.base = day.simulate(tt, None);
        day
    }

    /// The visits in the order they are done.
    pub fn visits(&self) -> &[&'a Visit] {
        &self.visits
    }

    /// Their times without any insertion.
    pub fn times(&self) -> &[Times] {
        &self.base
    }

    /// The shift.
    pub fn shift(&self) -> Shift {
        self.shift
    }

    /// Where a new visit goes in window order.
    pub fn position_of(&self, v: &Visit) -> usize {
        let k = (v.window_start, v.window_end, v.key);
        self.visits
            .partition_point(|x| (x.window_start, x.window_end, x.key) < k)
    }

    /// Earliest times of every visit, with `extra` inserted at its position if given
    /// (its times come at that position in the result).
    pub fn simulate(&self, tt: &dyn TravelTime, extra: Option<&Visit>) -> Vec<Times> {
        let pos = extra.map(|v| self.position_of(v));
        let mut out = Vec::with_capacity(self.visits.len() + 1);
        let (mut ready, mut at) = self.origin;
        let rest = self.shift.rest;
        for i in 0..=self.visits.len() {
            let here = match (pos, extra) {
                (Some(p), Some(x)) if p == i => Some(x),
                _ => None,
            };
            for v in here.into_iter().chain(self.visits.get(i).copied()) {
                let arrival = arrive(tt, rest, ready, at, v.at);
                let (start, finish) = begin(rest, arrival, v.window_start, v.duration);
                out.push(Times {
                    arrival,
                    start,
                    finish,
                });
                ready = finish;
                at = v.at;
            }
        }
        out
    }

    /// Ready time and place before position `pos`.
    fn before(&self, pos: usize) -> (i64, LatLng) {
        if pos == 0 {
            self.origin
        } else {
            (self.base[pos - 1].finish, self.visits[pos - 1].at)
        }
    }

    /// Where and when `v` fits, or why not.
    pub fn insert(&self, tt: &dyn TravelTime, v: &Visit) -> Result<Insertion, Miss> {
        if v.window_end < self.shift.start || v.window_start + v.duration > self.shift.end {
            return Err(Miss::OutsideShift);
        }
        let pos = self.position_of(v);
        let (ready, from) = self.before(pos);
        let rest = self.shift.rest;
        let travel_to_s = tt.seconds(from, v.at, ready);
        let arrival = arrive(tt, rest, ready, from, v.at);
        let (start, finish) = begin(rest, arrival, v.window_start, v.duration);
        if start > v.window_end {
            return Err(Miss::LateArrival { start });
        }
        if finish > self.shift.end {
            return Err(Miss::PastShiftEnd { finish });
        }
        let mut extra_travel_s = travel_to_s;
        if let Some(next) = self.visits.get(pos) {
            extra_travel_s += tt.seconds(v.at, next.at, finish) - tt.seconds(from, next.at, ready);
        }
        let (mut ready, mut at) = (finish, v.at);
        for j in pos..self.visits.len() {
            let w = self.visits[j];
            let b = self.base[j];
            let a = arrive(tt, rest, ready, at, w.at);
            let (s, f) = begin(rest, a, w.window_start, w.duration);
            if s <= b.start {
                break;
            }
            if s > w.window_end.max(b.start) || f > self.shift.end.max(b.finish) {
                return Err(Miss::DelaysNext { key: w.key });
            }
            ready = f;
            at = w.at;
        }
        Ok(Insertion {
            position: pos,
            times: Times {
                arrival,
                start,
                finish,
            },
            travel_to_s,
            extra_travel_s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    /// Ten minutes for any trip.
    struct TenMinutes;
    impl TravelTime for TenMinutes {
        fn seconds(&self, a: LatLng, b: LatLng, _: i64) -> i64 {
            if a == b { 0 } else { 600 }
        }
    }

    const A: LatLng = LatLng::new(31.0, 121.0);
    const B: LatLng = LatLng::new(31.1, 121.0);

    fn visit(key: u128, at: LatLng, ws: i64, we: i64, duration: i64) -> Visit {
        Visit {
            key: Uuid::from_u128(key),
            at,
            window_start: ws,
            window_end: we,
            duration,
        }
    }

    fn shift() -> Shift {
        Shift {
            start: 0,
            end: 10 * 3600,
            rest: Some((4 * 3600, 5 * 3600)),
        }
    }

    #[test]
    fn a_visit_that_would_start_in_the_break_starts_after_it() {
        let day = Day::new(&TenMinutes, shift(), A, A, &[], 0);
        let v = visit(1, B, 4 * 3600 + 600, 6 * 3600, 3600);
        let ins = day.insert(&TenMinutes, &v).expect("fits after the break");
        assert_eq!(ins.times.arrival, 600, "there early");
        assert_eq!(ins.times.start, 5 * 3600, "waits out the break");
        assert_eq!(ins.travel_to_s, 600);
    }

    #[test]
    fn travel_that_would_cross_the_break_leaves_after_it() {
        let jobs = [visit(1, A, 3 * 3600, 3 * 3600, 3300)];
        let day = Day::new(&TenMinutes, shift(), A, A, &jobs, 0);
        let v = visit(2, B, 3 * 3600 + 3300, 6 * 3600, 1800);
        let ins = day.insert(&TenMinutes, &v).expect("fits");
        assert_eq!(ins.times.arrival, 5 * 3600 + 600);
    }

    #[test]
    fn a_visit_running_into_the_break_pauses_for_it() {
        let day = Day::new(&TenMinutes, shift(), A, A, &[], 0);
        let v = visit(1, A, 3 * 3600, 3 * 3600, 2 * 3600);
        let ins = day.insert(&TenMinutes, &v).expect("fits");
        assert_eq!(
            ins.times.finish,
            6 * 3600,
            "two hours of work and the hour's break"
        );
    }

    #[test]
    fn a_long_visit_holds_the_break_and_does_not_pause() {
        // A deep clean of 7 h 15 from 1:00 ends at 8:15, the break inside it; paused it
        // would end at 9:15, and from 2:30 it still fits (ends 9:45, paused 10:45).
        let day = Day::new(&TenMinutes, shift(), A, A, &[], 0);
        let deep = 7 * 3600 + 15 * 60;
        let v = visit(1, A, 3600, 3600, deep);
        let ins = day.insert(&TenMinutes, &v).expect("fits");
        assert_eq!(ins.times.finish, 3600 + deep);
        let v = visit(2, A, 2 * 3600 + 1800, 2 * 3600 + 1800, deep);
        assert!(day.insert(&TenMinutes, &v).is_ok());
    }

    #[test]
    fn the_new_visit_goes_where_window_order_puts_it_and_counts_the_detour() {
        let jobs = [
            visit(1, A, 3600, 3600, 3600),
            visit(2, A, 7 * 3600, 7 * 3600, 3600),
        ];
        let day = Day::new(&TenMinutes, shift(), A, A, &jobs, 0);
        let v = visit(3, B, 2 * 3600 + 1800, 3 * 3600, 1800);
        let ins = day.insert(&TenMinutes, &v).expect("fits between them");
        assert_eq!(ins.position, 1);
        assert_eq!(
            ins.extra_travel_s, 1200,
            "there and back, where no trip was"
        );
        let times = day.simulate(&TenMinutes, Some(&v));
        assert_eq!(times.len(), 3);
        assert_eq!(times[1].start, ins.times.start);
    }

    #[test]
    fn a_day_already_late_is_taken_as_it_is() {
        // The second job cannot start in its window even now; a visit after it that
        // does not make it later is still accepted.
        let jobs = [visit(1, A, 0, 0, 3 * 3600), visit(2, B, 3600, 3600, 3600)];
        let day = Day::new(&TenMinutes, shift(), A, A, &jobs, 0);
        assert!(day.times()[1].start > 3600);
        let v = visit(3, B, 6 * 3600, 7 * 3600, 1800);
        assert!(day.insert(&TenMinutes, &v).is_ok());
    }
}
