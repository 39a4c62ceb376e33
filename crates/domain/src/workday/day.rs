//! One worker's day with its earliest times: the two-label check of an insertion.

use crate::geo::LatLng;

use super::{
    BreakRule, DayTravel, Insertion, NEVER, NewVisit, Shift, Stop, Visit, holds_break, take_break,
};

/// The two earliest ready times after a stop: with the break still to take (`open`) and
/// with it taken (`done`), and the visit's start on each ([`NEVER`] when impossible).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    open: i64,
    done: i64,
    open_start: i64,
    done_start: i64,
}

/// The latest start and finish a visit is allowed.
#[derive(Debug, Clone, Copy)]
struct Limits {
    start: i64,
    finish: i64,
}

/// Start and finish of a visit reached at `arrival` (`(NEVER, NEVER)` past the limits).
#[inline]
fn serve(
    arrival: i64,
    window_start: i64,
    duration: i64,
    start_max: i64,
    finish_max: i64,
) -> (i64, i64) {
    if arrival == NEVER {
        return (NEVER, NEVER);
    }
    let start = arrival.max(window_start);
    let finish = start + duration;
    if start > start_max || finish > finish_max {
        (NEVER, NEVER)
    } else {
        (start, finish)
    }
}

#[inline]
fn add(t: i64, d: i64) -> i64 {
    if t == NEVER { NEVER } else { t + d }
}

/// One worker's day: home, shift, break rule and visits in route order, with the earliest
/// times cached so that an insertion is checked by following only the visits it delays.
#[derive(Debug, Clone)]
pub struct Workday {
    home: LatLng,
    shift: Shift,
    rule: Option<BreakRule>,
    visits: Vec<Visit>,
    /// Travel seconds to each visit from the place before it.
    legs: Vec<i64>,
    /// Earliest times after each visit (the day as it is).
    base: Vec<Step>,
    /// Latest start and finish of each visit: its window and the shift end, or its
    /// earliest times when they are later (a day already late is taken as it is).
    limits: Vec<Limits>,
    /// Whether the day as it is can take its break.
    ok: bool,
    /// Booked time of the shift: the visits, seconds.
    booked: i64,
    /// Whether a visit of the day holds the break ([`holds_break`]).
    long: bool,
}

impl Workday {
    /// A day with `visits` in this order.
    pub fn new(home: LatLng, shift: Shift, visits: Vec<Visit>, travel: &DayTravel) -> Self {
        let mut day = Self {
            home,
            shift,
            rule: shift.break_rule(),
            visits,
            legs: Vec::new(),
            base: Vec::new(),
            limits: Vec::new(),
            ok: true,
            booked: 0,
            long: false,
        };
        day.rebuild(travel);
        day
    }

    /// Where the day starts.
    pub fn home(&self) -> LatLng {
        self.home
    }

    /// The working hours.
    pub fn shift(&self) -> Shift {
        self.shift
    }

    /// The break rule, if any.
    pub fn break_rule(&self) -> Option<BreakRule> {
        self.rule
    }

    /// The visits in route order.
    pub fn visits(&self) -> &[Visit] {
        &self.visits
    }

    /// Whether the day as it is keeps every rule (windows, shift end, break).
    pub fn is_feasible(&self) -> bool {
        self.ok
            && self
                .visits
                .iter()
                .zip(&self.limits)
                .all(|(v, l)| l.start == v.window_end && l.finish == self.shift.end)
    }

    /// Inserts `visit` at `position` (no check: see [`super::insertion`]).
    pub fn insert(&mut self, position: usize, visit: Visit, travel: &DayTravel) {
        self.visits.insert(position, visit);
        self.rebuild(travel);
    }

    fn rebuild(&mut self, travel: &DayTravel) {
        self.booked = self.visits.iter().map(|v| v.duration).sum::<i64>();
        self.long = self.visits.iter().any(|v| holds_break(v.duration));
        self.legs.clear();
        let mut at = self.home;
        for v in &self.visits {
            self.legs.push(travel.seconds(at, v.at));
            at = v.at;
        }
        // The earliest start of each visit at all (no break before it) sets how late it
        // may be: its window, or that start when it is later.
        self.limits.clear();
        let mut ready = self.shift.start;
        for (v, t) in self.visits.iter().zip(&self.legs) {
            let start = (ready + t).max(v.window_start);
            ready = start + v.duration;
            self.limits.push(Limits {
                start: v.window_end.max(start),
                finish: self.shift.end.max(ready),
            });
        }
        self.base.clear();
        let mut cur = self.at_home();
        for k in 0..self.visits.len() {
            let v = &self.visits[k];
            cur = self.step(
                cur,
                self.legs[k],
                v.window_start,
                v.duration,
                self.limits[k],
            );
            self.base.push(cur);
        }
        self.ok = self.visits.is_empty() || self.end(cur) != NEVER;
    }

    /// Ready at home at the shift start.
    fn at_home(&self) -> Step {
        Step {
            open: self.shift.start,
            done: take_break(self.rule, self.shift.start),
            open_start: self.shift.start,
            done_start: self.shift.start,
        }
    }

    /// Ready time at the end of the day with the break taken.
    #[inline]
    fn end(&self, last: Step) -> i64 {
        last.done.min(self.rest_after(last))
    }

    /// Ready time after taking the break right after `prev` (at home, or after the visit
    /// `prev` is the labels of): it starts at the later of that time and its earliest
    /// start, no later than its latest start unless the visit before it started by then
    /// (the break is deferred to right after the visit in progress), and ends by the
    /// shift end; [`NEVER`] when it cannot be taken there.
    #[inline]
    fn rest_after(&self, prev: Step) -> i64 {
        let Some(b) = self.rule else {
            return prev.open;
        };
        if prev.open == NEVER {
            return NEVER;
        }
        let start = prev.open.max(b.earliest);
        if (start <= b.latest || prev.open_start <= b.latest)
            && start + b.duration <= self.shift.end
        {
            start + b.duration
        } else {
            NEVER
        }
    }

    /// The labels after a visit (window start `ws`, `duration`) reached by a leg of `t`
    /// seconds from labels `prev`.
    #[inline]
    fn step(&self, prev: Step, t: i64, ws: i64, duration: i64, lim: Limits) -> Step {
        let (open_start, open) = serve(add(prev.open, t), ws, duration, lim.start, lim.finish);
        if self.rule.is_none() {
            // No break: one label.
            return Step {
                open,
                done: open,
                open_start,
                done_start: open_start,
            };
        }
        if holds_break(duration) {
            // The break is taken inside this visit: reached with the break taken or not,
            // it is taken after it.
            let (start, finish) = serve(
                add(prev.open.min(prev.done), t),
                ws,
                duration,
                lim.start,
                lim.finish,
            );
            return Step {
                open: NEVER,
                done: finish,
                open_start: NEVER,
                done_start: start,
            };
        }
        let ready = prev.done.min(self.rest_after(prev));
        let (done_start, done) = serve(add(ready, t), ws, duration, lim.start, lim.finish);
        // An open label later than the break's latest start can no longer take the break
        // where the worker is, but a long visit later in the day may still hold it: it is
        // kept (the end of the day refuses it through `rest_after`).
        Step {
            open,
            done,
            open_start,
            done_start,
        }
    }

    /// Labels and place before position `pos`.
    #[inline]
    fn before(&self, pos: usize) -> (Step, LatLng) {
        if pos == 0 {
            (self.at_home(), self.home)
        } else {
            (self.base[pos - 1], self.visits[pos - 1].at)
        }
    }

    /// Whether the visits from `pos` on still hold when the labels before them are
    /// `cur`, `leg` seconds before the first of them.
    fn suffix_holds(&self, pos: usize, mut cur: Step, leg: i64) -> bool {
        for k in pos..self.visits.len() {
            let v = &self.visits[k];
            let b = self.base[k];
            let t = if k == pos { leg } else { self.legs[k] };
            cur = self.step(cur, t, v.window_start, v.duration, self.limits[k]);
            if cur.open <= b.open && cur.done <= b.done {
                // No later than without the insertion: the rest is as it was.
                return true;
            }
            if cur.open == NEVER && cur.done == NEVER {
                return false;
            }
        }
        self.end(cur) != NEVER
    }

    /// Seconds from `at` on to the visit at `pos` (0 when it is the end of the day).
    #[inline]
    fn leg_on(&self, travel: &DayTravel, at: LatLng, pos: usize) -> i64 {
        self.visits.get(pos).map_or(0, |v| travel.seconds(at, v.at))
    }

    /// The labels after the new visit at position `pos`, given the labels `prev` before it
    /// and the leg `t` to it; `None` when it does not fit there.
    #[inline]
    fn place(&self, prev: Step, t: i64, job: &NewVisit, window: (i64, i64)) -> Option<Step> {
        let lim = Limits {
            start: window.1,
            finish: self.shift.end,
        };
        let s = self.step(prev, t, window.0, job.duration, lim);
        (s.open != NEVER || s.done != NEVER).then_some(s)
    }

    /// Whether `job` fits at position `pos` starting in `window`.
    pub fn fits_at(
        &self,
        travel: &DayTravel,
        pos: usize,
        job: &NewVisit,
        window: (i64, i64),
    ) -> bool {
        if !self.ok || pos > self.visits.len() {
            return false;
        }
        let (prev, from) = self.before(pos);
        let legs = (
            travel.seconds(from, job.at),
            self.leg_on(travel, job.at, pos),
        );
        self.fits_after(pos, prev, legs, job, window)
    }

    /// Like [`Workday::fits_at`] with the labels before the position and the leg to the
    /// new visit already known.
    #[inline]
    /// (`t` to the new visit, `on` from it to the next).
    fn fits_after(
        &self,
        pos: usize,
        prev: Step,
        (t, on): (i64, i64),
        job: &NewVisit,
        window: (i64, i64),
    ) -> bool {
        self.place(prev, t, job, window)
            .is_some_and(|s| self.suffix_holds(pos, s, on))
    }

    /// The insertion of `job` at `pos` in `window` with its times, if it fits.
    pub fn insertion_at(
        &self,
        travel: &DayTravel,
        pos: usize,
        job: &NewVisit,
        window: (i64, i64),
    ) -> Option<Insertion> {
        if !self.ok || pos > self.visits.len() {
            return None;
        }
        let (prev, from) = self.before(pos);
        let t = travel.seconds(from, job.at);
        let s = self.place(prev, t, job, window)?;
        let on = self.leg_on(travel, job.at, pos);
        // The earliest start whose day still holds: the break after the new visit if it
        // can be, else before it.
        let open_only = Step {
            done: NEVER,
            done_start: NEVER,
            ..s
        };
        let after_break = if s.open != NEVER && self.suffix_holds(pos, open_only, on) {
            false
        } else {
            let done_only = Step {
                open: NEVER,
                open_start: NEVER,
                ..s
            };
            if s.done == NEVER || !self.suffix_holds(pos, done_only, on) {
                return None;
            }
            true
        };
        let start = if after_break {
            s.done_start
        } else {
            s.open_start
        };
        let inside = self.rule.is_some() && holds_break(job.duration);
        let ready = if inside {
            // The break is taken inside the new visit.
            prev.open.min(prev.done)
        } else if after_break {
            if self.rule.is_none() {
                prev.done
            } else {
                prev.done.min(self.rest_after(prev))
            }
        } else {
            prev.open
        };
        let mut extra = t;
        if pos < self.visits.len() {
            extra += on - self.legs[pos];
        }
        Some(Insertion {
            position: pos,
            arrive: ready + t,
            start,
            finish: start + job.duration,
            extra_travel_s: extra,
            after_break: after_break && !inside && self.rule.is_some(),
        })
    }

    /// The feasible position for `job` in `window` that adds the least travel (the
    /// earliest such position on a tie).
    pub fn cheapest(
        &self,
        travel: &DayTravel,
        job: &NewVisit,
        window: (i64, i64),
    ) -> Option<Insertion> {
        let mut best: Option<Insertion> = None;
        for pos in 0..=self.visits.len() {
            let Some(ins) = self.insertion_at(travel, pos, job, window) else {
                continue;
            };
            if best.is_none_or(|b| ins.extra_travel_s < b.extra_travel_s) {
                best = Some(ins);
            }
        }
        best
    }

    /// Whether `job` fits somewhere in the day starting in one of `windows` (sorted by
    /// start), marking in `open` each window it fits in; windows already marked are
    /// skipped. Returns how many windows were newly marked.
    pub fn mark_windows(
        &self,
        travel: &DayTravel,
        job: &NewVisit,
        windows: &[(i64, i64)],
        open: &mut [bool],
    ) -> usize {
        if !self.ok {
            return 0;
        }
        let mut marked = 0;
        for pos in 0..=self.visits.len() {
            let (prev, from) = self.before(pos);
            // The latest this gap can start the job: before the next visit's latest start.
            let limit = self
                .visits
                .get(pos)
                .map_or(self.shift.end, |_| self.limits[pos].start)
                .min(self.shift.end)
                - job.duration;
            // The earliest the worker is ready here, break taken or not.
            let ready = prev.open.min(prev.done);
            let first = windows.partition_point(|w| w.1 < ready);
            let mut leg = None;
            for (k, w) in windows.iter().enumerate().skip(first) {
                if w.0 > limit {
                    break;
                }
                if open[k] {
                    continue;
                }
                let legs = *leg.get_or_insert_with(|| {
                    (
                        travel.seconds(from, job.at),
                        self.leg_on(travel, job.at, pos),
                    )
                });
                if ready.saturating_add(legs.0) > w.1 {
                    continue;
                }
                if self.fits_after(pos, prev, legs, job, *w) {
                    open[k] = true;
                    marked += 1;
                }
            }
        }
        marked
    }

    /// The day's schedule: each visit with its times and the break where the earliest
    /// times put it (`None` when the day cannot take its break).
    pub fn schedule(&self) -> Option<Vec<Stop>> {
        if !self.ok {
            return None;
        }
        let n = self.visits.len();
        // Where the break goes: walk back from the end along the label that gave each
        // earliest time. `gap == k` means before visit k; `n` after the last.
        let mut gap = None;
        // With a long visit the break is taken inside it: no stop of its own, and the
        // earliest times are those without a break.
        if self.rule.is_some() && n > 0 && !self.long {
            let last = self.base[n - 1];
            if self.rest_after(last) < last.done {
                gap = Some(n);
            } else {
                let mut k = n - 1;
                loop {
                    let prev = if k == 0 {
                        self.at_home()
                    } else {
                        self.base[k - 1]
                    };
                    if self.rest_after(prev) <= prev.done {
                        gap = Some(k);
                        break;
                    }
                    k -= 1;
                }
            }
        }
        let mut out = Vec::with_capacity(n + 1);
        let mut ready = self.shift.start;
        let rest = |ready: i64, out: &mut Vec<Stop>| {
            let b = self.rule.expect("a break to place");
            let start = ready.max(b.earliest);
            out.push(Stop::Break {
                arrive: ready,
                start,
                finish: start + b.duration,
            });
            start + b.duration
        };
        for (k, v) in self.visits.iter().enumerate() {
            if gap == Some(k) {
                ready = rest(ready, &mut out);
            }
            let arrive = ready + self.legs[k];
            let start = arrive.max(v.window_start);
            out.push(Stop::Visit {
                key: v.key,
                arrive,
                start,
                finish: start + v.duration,
            });
            ready = start + v.duration;
        }
        if gap == Some(n) {
            rest(ready, &mut out);
        }
        Some(out)
    }

    /// A cheap bound: is there as much unbooked time in the shift as a visit of
    /// `duration` needs (the break counts as booked unless a long visit holds it)?
    pub fn has_room(&self, duration: i64) -> bool {
        let rest = match self.rule {
            Some(b) if !self.long && !holds_break(duration) => b.duration,
            _ => 0,
        };
        self.shift.end - self.shift.start - self.booked - rest >= duration
    }

    /// Whether a visit of the day holds the break ([`super::LONG_VISIT`]).
    pub fn has_long_visit(&self) -> bool {
        self.long
    }
}
