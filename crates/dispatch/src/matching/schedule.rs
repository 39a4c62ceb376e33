//! A worker's day for dispatch and the board: the one day model of
//! `daojia_domain::workday` (ADR 0007), the model booking slots and the route planner use,
//! read as of `now`. Once the shift has begun the day starts where the worker is, at
//! `now`; before, at home at the shift start. Every leg is timed as the day model times it
//! (one departure, the slowest of the worker's shift: [`DayTravel`]). The day's visits are
//! kept in window order, as the slot model reads a route from the store, and a new visit
//! goes where its window puts it.
//!
//! A day that is already late (more was assigned than fits) is taken as it is: an
//! insertion is refused only when it makes some visit later than both its window and its
//! time without the insertion, or leaves no room for the worker's break.

use daojia_domain::geo::LatLng;
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::travel::TravelTime;
use daojia_domain::workday::{DayTravel, NewVisit, Stop, Workday};

/// A travel model in which every trip takes no time: what a day allows ignoring travel.
pub(crate) struct NoTravel;

impl TravelTime for NoTravel {
    fn seconds(&self, _: LatLng, _: LatLng, _: i64) -> i64 {
        0
    }
}

/// A visit's times in a worker's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// When the worker arrives.
    pub arrival: i64,
    /// When the visit starts.
    pub start: i64,
    /// When it ends.
    pub finish: i64,
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
    /// Its window does not meet the shift.
    OutsideShift,
    /// Even without travel there is no room for it.
    NoFreeTime,
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
    /// Every visit keeps its window, but the worker's break no longer fits the day.
    NoBreak,
}

/// The day with one more visit put in by hand, however late that makes things.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    /// Where the visit went (window order).
    pub position: usize,
    /// The times of every visit, the new one at `position`.
    pub times: Vec<Times>,
    /// Whether the worker's break still fits.
    pub break_holds: bool,
}

/// A worker's remaining day, ready for insertion questions.
#[derive(Debug, Clone)]
pub struct Day {
    /// The worker's shift as set (the day itself starts at `now` once it has begun).
    shift: Shift,
    /// The departure every leg is timed at.
    depart: i64,
    /// The day as of `now`.
    day: Workday,
    /// Its visits' earliest times.
    times: Vec<Times>,
}

impl Day {
    /// The day of a worker whose day starts at `home`, with `visits` to do, as of `now`.
    /// `position` is where the worker is now, the start once the shift has begun.
    pub fn new(
        tt: &dyn TravelTime,
        shift: Shift,
        home: LatLng,
        position: LatLng,
        visits: &[Visit],
        now: i64,
    ) -> Day {
        let depart = DayTravel::departure_for(tt, [&shift], shift.start);
        let travel = DayTravel::new(tt, depart);
        let (from, start) = if now > shift.start {
            (position, now)
        } else {
            (home, shift.start)
        };
        let mut sorted = visits.to_vec();
        sorted.sort_by_key(|v| (v.window_start, v.window_end, v.key));
        let day = Workday::new(from, Shift { start, ..shift }, sorted, &travel);
        let times = times_of(&day, &travel);
        Day {
            shift,
            depart,
            day,
            times,
        }
    }

    /// The visits in the order they are done.
    pub fn visits(&self) -> &[Visit] {
        self.day.visits()
    }

    /// Their earliest times.
    pub fn times(&self) -> &[Times] {
        &self.times
    }

    /// The shift as set.
    pub fn shift(&self) -> Shift {
        self.shift
    }

    /// When and where the day (as of `now`) starts.
    pub fn origin(&self) -> (i64, LatLng) {
        (self.day.shift().start, self.day.home())
    }

    /// The day's travel times over `tt` (the one departure of the day).
    pub fn travel<'a>(&self, tt: &'a dyn TravelTime) -> DayTravel<'a> {
        DayTravel::new(tt, self.depart)
    }

    /// Whether the day as it is leaves room for the worker's break.
    pub fn break_holds(&self) -> bool {
        self.day.schedule().is_some()
    }

    /// Where a new visit goes in window order.
    pub fn position_of(&self, v: &Visit) -> usize {
        let k = (v.window_start, v.window_end, v.key);
        self.visits()
            .partition_point(|x| (x.window_start, x.window_end, x.key) < k)
    }

    /// Where and when `v` fits at its window-order position, or why not. The store keeps
    /// no route order but the windows, so the day that is checked is the day that is read
    /// back (and the board and the worker's app show).
    pub fn insert(&self, tt: &dyn TravelTime, v: &Visit) -> Result<Insertion, Miss> {
        if v.window_end < self.shift.start || v.window_start + v.duration > self.shift.end {
            return Err(Miss::OutsideShift);
        }
        let travel = self.travel(tt);
        let job = NewVisit {
            at: v.at,
            duration: v.duration,
        };
        let window = (v.window_start, v.window_end);
        let Some(ins) = self
            .day
            .insertion_at(&travel, self.position_of(v), &job, window)
        else {
            return Err(self.miss(tt, v));
        };
        let from = match ins.position {
            0 => self.day.home(),
            p => self.visits()[p - 1].at,
        };
        Ok(Insertion {
            position: ins.position,
            times: Times {
                arrival: ins.arrive,
                start: ins.start,
                finish: ins.finish,
            },
            travel_to_s: travel.seconds(from, v.at),
            extra_travel_s: ins.extra_travel_s,
        })
    }

    /// The day with `v` put in at its window-order position, whatever it breaks.
    pub fn with(&self, tt: &dyn TravelTime, v: &Visit) -> Forced {
        let travel = self.travel(tt);
        let position = self.position_of(v);
        let mut day = self.day.clone();
        day.insert(position, v.clone(), &travel);
        Forced {
            position,
            times: times_of(&day, &travel),
            break_holds: day.schedule().is_some(),
        }
    }

    /// Why `v` does not fit (it was refused): no room at all, or what travel makes late.
    fn miss(&self, tt: &dyn TravelTime, v: &Visit) -> Miss {
        let free = DayTravel::new(&NoTravel, self.depart);
        let empty = Workday::new(
            self.day.home(),
            self.day.shift(),
            self.visits().to_vec(),
            &free,
        );
        let job = NewVisit {
            at: v.at,
            duration: v.duration,
        };
        let window = (v.window_start, v.window_end);
        if empty
            .insertion_at(&free, self.position_of(v), &job, window)
            .is_none()
        {
            return Miss::NoFreeTime;
        }
        let forced = self.with(tt, v);
        let mine = forced.times[forced.position];
        if mine.start > v.window_end {
            return Miss::LateArrival { start: mine.start };
        }
        if mine.finish > self.shift.end {
            return Miss::PastShiftEnd {
                finish: mine.finish,
            };
        }
        let later = self.visits()[forced.position..]
            .iter()
            .zip(&self.times[forced.position..])
            .zip(&forced.times[forced.position + 1..]);
        for ((w, before), now) in later {
            if now.start > w.window_end.max(before.start)
                || now.finish > self.shift.end.max(before.finish)
            {
                return Miss::DelaysNext { key: w.key };
            }
        }
        Miss::NoBreak
    }
}

/// The earliest times of `day`'s visits; a day with no room for its break is timed
/// without it (the board still shows it, and the dispatcher sees the conflict).
fn times_of(day: &Workday, travel: &DayTravel) -> Vec<Times> {
    if let Some(stops) = day.schedule() {
        return stops
            .into_iter()
            .filter_map(|s| match s {
                Stop::Visit {
                    arrive,
                    start,
                    finish,
                    ..
                } => Some(Times {
                    arrival: arrive,
                    start,
                    finish,
                }),
                Stop::Break { .. } => None,
            })
            .collect();
    }
    let (mut ready, mut at) = (day.shift().start, day.home());
    day.visits()
        .iter()
        .map(|v| {
            let arrival = ready + travel.seconds(at, v.at);
            let start = arrival.max(v.window_start);
            ready = start + v.duration;
            at = v.at;
            Times {
                arrival,
                start,
                finish: ready,
            }
        })
        .collect()
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
    fn a_visit_in_the_set_break_keeps_its_window_and_the_break_moves_after_it() {
        // The one day model: the break may start up to two hours late, so the visit need
        // not wait it out (booking promised 4:10 on the same rule).
        let day = Day::new(&TenMinutes, shift(), A, A, &[], 0);
        let v = visit(1, B, 4 * 3600 + 600, 6 * 3600, 3600);
        let ins = day.insert(&TenMinutes, &v).expect("fits");
        assert_eq!(ins.times.arrival, 600, "there early");
        assert_eq!(ins.times.start, 4 * 3600 + 600);
        assert_eq!(ins.travel_to_s, 600);
        assert!(day.with(&TenMinutes, &v).break_holds);
    }

    #[test]
    fn once_the_shift_has_begun_the_day_starts_where_the_worker_is() {
        let now = 2 * 3600;
        let day = Day::new(&TenMinutes, shift(), A, B, &[], now);
        assert_eq!(day.origin(), (now, B));
        let v = visit(1, B, 2 * 3600, 3 * 3600, 1800);
        let ins = day.insert(&TenMinutes, &v).expect("fits");
        assert_eq!(ins.times.arrival, now, "already there");
        assert_eq!(ins.travel_to_s, 0);
        let v = visit(2, A, 3600, 3600, 1800);
        assert_eq!(
            day.insert(&TenMinutes, &v),
            Err(Miss::NoFreeTime),
            "a window already past cannot be reached, travel or not"
        );
    }

    #[test]
    fn a_visit_that_leaves_no_room_for_the_break_is_refused() {
        // 3:00-6:00 starts before the break's latest start (6:00) and defers the break to
        // its end; a visit at 6:05 sharp leaves it nowhere.
        let jobs = [visit(1, A, 3 * 3600, 3 * 3600, 3 * 3600)];
        let day = Day::new(&TenMinutes, shift(), A, A, &jobs, 0);
        assert!(day.break_holds());
        let v = visit(2, A, 6 * 3600 + 300, 6 * 3600 + 300, 3600);
        assert_eq!(day.insert(&TenMinutes, &v), Err(Miss::NoFreeTime));
        let forced = day.with(&TenMinutes, &v);
        assert!(!forced.break_holds);
        assert_eq!(
            forced.times[1].start,
            6 * 3600 + 300,
            "timed without the break"
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
        let forced = day.with(&TenMinutes, &v);
        assert_eq!(forced.position, 1);
        assert_eq!(forced.times.len(), 3);
        assert_eq!(forced.times[1].start, ins.times.start);
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
