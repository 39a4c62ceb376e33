//! Travel-aware booking slots (预约时段): in which start windows of a day can at least one
//! qualified, on-shift worker reach a new visit in time, given the visits they already have
//! and the travel between them, and finish before their shift ends?
//!
//! A [`DayPlan`] is one area's day: every on-shift worker's route (their accepted visits in
//! window order) plus the booked visits nobody has been given yet, placed tentatively on the
//! worker where they cost the least extra travel, so that they count against capacity too.
//! [`DayPlan::availability`] then answers a whole day's windows for one job;
//! [`DayPlan::fits`] answers one window (the check made under the area's booking lock when an
//! order is placed).
//!
//! The schedule model, per worker:
//! - the day starts at home at the shift start; a visit starts at the later of the arrival
//!   and its window start, and must start no later than its window end;
//! - a visit must end by the shift end (the way home is the worker's own time);
//! - the break is a fixed interval in which the worker neither travels nor serves: travel
//!   that would cross it leaves after it, and a visit that would overlap it starts after it;
//! - travel times depend on the departure time ([`TravelTime`]).
//!
//! Every step is monotone (leaving later never arrives earlier), so simulating a route with
//! the earliest times decides whether it is feasible, and an insertion only has to be
//! followed until the times after it are those of the route without it.
//!
//! A day whose accepted visits are already late (staff assigned more than fits) is taken as
//! it is: an insertion is refused only if it makes some visit later than both its window
//! and its current time.
//!
//! Times are Unix seconds.

use crate::geo::LatLng;
use crate::travel::TravelTime;
use uuid::Uuid;

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
    /// Last moment a visit may end.
    pub end: i64,
    /// The break, if any: no travel and no service inside it.
    pub rest: Option<(i64, i64)>,
}

/// One worker's day as input.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerDay {
    /// Who.
    pub worker: Uuid,
    /// Where the day starts.
    pub home: LatLng,
    /// What they are qualified for.
    pub skills: Vec<String>,
    /// When they work.
    pub shift: Shift,
    /// Their accepted visits (any order).
    pub visits: Vec<Visit>,
}

/// A booked visit nobody has been given yet, with the skills it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    /// The visit.
    pub visit: Visit,
    /// Skills a worker needs for it.
    pub skills: Vec<String>,
}

/// The visit being asked about.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Where (WGS-84).
    pub at: LatLng,
    /// Working time including packing up, seconds.
    pub duration: i64,
    /// Skills a worker needs for it.
    pub skills: Vec<String>,
    /// Only workers whose home is at most this far (straight line, metres) are asked;
    /// `f64::INFINITY` asks everyone in the plan.
    pub reach_m: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Times {
    start: i64,
    finish: i64,
}

#[derive(Debug, Clone)]
struct Route {
    worker: Uuid,
    home: LatLng,
    skills: Vec<String>,
    shift: Shift,
    visits: Vec<Visit>,
    /// Earliest start and finish of each visit with the route as it is.
    base: Vec<Times>,
    /// Tentative visits (pending ones placed here) by key.
    tentative: Vec<Uuid>,
}

/// One area's day, ready to answer slot questions.
#[derive(Debug, Clone)]
pub struct DayPlan {
    routes: Vec<Route>,
    unplaced: Vec<Uuid>,
}

fn has_skills(worker: &[String], needed: &[String]) -> bool {
    needed.iter().all(|s| worker.iter().any(|w| w == s))
}

/// When a worker ready at `ready` in `from` arrives at `to`, honouring the break.
fn arrive(
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

/// When a visit arriving at `arrival` starts and ends, honouring its window start and the
/// break: a visit does not start inside the break, and one that runs into it pauses for
/// it (a long clean spans lunch).
fn begin(rest: Option<(i64, i64)>, arrival: i64, window_start: i64, duration: i64) -> (i64, i64) {
    let mut start = arrival.max(window_start);
    let Some((bs, be)) = rest else {
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

impl Route {
    fn new(w: WorkerDay, tt: &dyn TravelTime) -> Route {
        let mut visits = w.visits;
        visits.sort_by_key(|v| (v.window_start, v.window_end, v.key));
        let mut r = Route {
            worker: w.worker,
            home: w.home,
            skills: w.skills,
            shift: w.shift,
            visits,
            base: vec![],
            tentative: vec![],
        };
        r.rebuild(tt);
        r
    }

    /// Earliest times of every visit, without limits.
    fn rebuild(&mut self, tt: &dyn TravelTime) {
        self.base.clear();
        let (mut ready, mut at) = (self.shift.start, self.home);
        for v in &self.visits {
            let a = arrive(tt, self.shift.rest, ready, at, v.at);
            let (start, finish) = begin(self.shift.rest, a, v.window_start, v.duration);
            self.base.push(Times { start, finish });
            ready = finish;
            at = v.at;
        }
    }

    /// Ready time and place before position `pos`.
    fn before(&self, pos: usize) -> (i64, LatLng) {
        if pos == 0 {
            (self.shift.start, self.home)
        } else {
            (self.base[pos - 1].finish, self.visits[pos - 1].at)
        }
    }

    /// Whether the visits from `pos` on still hold when the worker is ready at `ready` in
    /// `at` before them.
    fn suffix_holds(
        &self,
        tt: &dyn TravelTime,
        pos: usize,
        mut ready: i64,
        mut at: LatLng,
    ) -> bool {
        for j in pos..self.visits.len() {
            let v = &self.visits[j];
            let b = self.base[j];
            let a = arrive(tt, self.shift.rest, ready, at, v.at);
            let (start, finish) = begin(self.shift.rest, a, v.window_start, v.duration);
            if start <= b.start {
                // Not later than without the insertion: the rest is as it was.
                return true;
            }
            if start > v.window_end.max(b.start) || finish > self.shift.end.max(b.finish) {
                return false;
            }
            ready = finish;
            at = v.at;
        }
        true
    }

    /// The new visit's start if it fits at `pos` in the window `[ws, we]`.
    fn insertion(
        &self,
        tt: &dyn TravelTime,
        pos: usize,
        at: LatLng,
        duration: i64,
        ws: i64,
        we: i64,
    ) -> Option<i64> {
        let (ready, from) = self.before(pos);
        let a = arrive(tt, self.shift.rest, ready, from, at);
        self.insertion_after_arrival(tt, pos, at, duration, ws, we, a)
    }

    #[allow(clippy::too_many_arguments)]
    fn insertion_after_arrival(
        &self,
        tt: &dyn TravelTime,
        pos: usize,
        at: LatLng,
        duration: i64,
        ws: i64,
        we: i64,
        arrival: i64,
    ) -> Option<i64> {
        let (start, finish) = begin(self.shift.rest, arrival, ws, duration);
        if start > we || finish > self.shift.end {
            return None;
        }
        self.suffix_holds(tt, pos, finish, at).then_some(start)
    }

    /// The cheapest feasible position for a visit: (extra travel seconds, position).
    fn cheapest(&self, tt: &dyn TravelTime, v: &Visit) -> Option<(i64, usize)> {
        let mut best: Option<(i64, usize)> = None;
        for pos in 0..=self.visits.len() {
            let Some(start) =
                self.insertion(tt, pos, v.at, v.duration, v.window_start, v.window_end)
            else {
                continue;
            };
            let (ready, from) = self.before(pos);
            let mut extra = tt.seconds(from, v.at, ready);
            if let Some(next) = self.visits.get(pos) {
                extra += tt.seconds(v.at, next.at, start + v.duration)
                    - tt.seconds(from, next.at, ready);
            }
            if best.is_none_or(|(c, _)| extra < c) {
                best = Some((extra, pos));
            }
        }
        best
    }

    /// A cheap bound: is there as much unbooked time in the shift as the job needs?
    fn has_room(&self, duration: i64) -> bool {
        let mut free = self.shift.end - self.shift.start;
        if let Some((bs, be)) = self.shift.rest {
            free -= (be.min(self.shift.end) - bs.max(self.shift.start)).max(0);
        }
        free -= self.visits.iter().map(|v| v.duration).sum::<i64>();
        free >= duration
    }
}

/// A rough distance for ordering candidates, metres (equirectangular; no trigonometry in
/// the loop).
fn rough_m(a: LatLng, b: LatLng, cos_lat: f64) -> f64 {
    let dy = (a.lat - b.lat) * 111_195.0;
    let dx = (a.lng - b.lng) * 111_195.0 * cos_lat;
    (dx * dx + dy * dy).sqrt()
}

/// How many nearby workers a pending visit is tried on before the cheapest is taken.
const PENDING_CANDIDATES: usize = 6;

impl DayPlan {
    /// Builds the day: routes from the workers' accepted visits, then each pending visit (in
    /// window order) on the nearby qualified worker where it adds the least travel. Pending
    /// visits that fit nowhere are listed by [`DayPlan::unplaced`].
    pub fn build(
        workers: Vec<WorkerDay>,
        mut pending: Vec<Pending>,
        tt: &dyn TravelTime,
    ) -> DayPlan {
        let mut routes: Vec<Route> = workers.into_iter().map(|w| Route::new(w, tt)).collect();
        routes.sort_by_key(|r| r.worker);
        pending.sort_by_key(|p| (p.visit.window_start, p.visit.window_end, p.visit.key));
        let mut unplaced = vec![];
        let cos_lat = routes
            .first()
            .map_or(1.0, |r| r.home.lat.to_radians().cos());
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(routes.len());
        for p in pending {
            order.clear();
            for (i, r) in routes.iter().enumerate() {
                if !has_skills(&r.skills, &p.skills) || !r.has_room(p.visit.duration) {
                    continue;
                }
                let near = r
                    .visits
                    .iter()
                    .map(|v| v.at)
                    .chain(std::iter::once(r.home))
                    .map(|x| rough_m(x, p.visit.at, cos_lat))
                    .fold(f64::INFINITY, f64::min);
                order.push((near, i));
            }
            order.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut best: Option<(i64, usize, usize)> = None;
            let mut tried = 0;
            for &(_, i) in order.iter() {
                if let Some((cost, pos)) = routes[i].cheapest(tt, &p.visit) {
                    if best.is_none_or(|(c, _, _)| cost < c) {
                        best = Some((cost, i, pos));
                    }
                    tried += 1;
                    if tried >= PENDING_CANDIDATES {
                        break;
                    }
                }
            }
            match best {
                Some((_, i, pos)) => {
                    let r = &mut routes[i];
                    r.tentative.push(p.visit.key);
                    r.visits.insert(pos, p.visit);
                    r.rebuild(tt);
                }
                None => unplaced.push(p.visit.key),
            }
        }
        DayPlan { routes, unplaced }
    }

    /// Pending visits that fit on nobody's route (the day is overbooked for them).
    pub fn unplaced(&self) -> &[Uuid] {
        &self.unplaced
    }

    /// Where each pending visit was placed tentatively: (visit key, worker).
    pub fn tentative(&self) -> impl Iterator<Item = (Uuid, Uuid)> + '_ {
        self.routes
            .iter()
            .flat_map(|r| r.tentative.iter().map(move |k| (*k, r.worker)))
    }

    /// Number of workers on shift.
    pub fn workers(&self) -> usize {
        self.routes.len()
    }

    /// A worker who can take `job` starting in the window `[ws, we]`, if any.
    pub fn fits(&self, tt: &dyn TravelTime, job: &Job, ws: i64, we: i64) -> Option<Uuid> {
        let cos_lat = job.at.lat.to_radians().cos();
        for r in &self.routes {
            if !has_skills(&r.skills, &job.skills) || !r.has_room(job.duration) {
                continue;
            }
            if job.reach_m.is_finite() && rough_m(r.home, job.at, cos_lat) > job.reach_m {
                continue;
            }
            if ws > r.shift.end - job.duration || we < r.shift.start {
                continue;
            }
            for pos in 0..=r.visits.len() {
                if r.insertion(tt, pos, job.at, job.duration, ws, we).is_some() {
                    return Some(r.worker);
                }
            }
        }
        None
    }

    /// For each window `(start, end)` (sorted by start), a worker who can take `job` in it.
    pub fn availability(
        &self,
        tt: &dyn TravelTime,
        job: &Job,
        windows: &[(i64, i64)],
    ) -> Vec<Option<Uuid>> {
        let mut out: Vec<Option<Uuid>> = vec![None; windows.len()];
        let mut open = windows.len();
        let cos_lat = job.at.lat.to_radians().cos();
        for r in &self.routes {
            if open == 0 {
                break;
            }
            if !has_skills(&r.skills, &job.skills) || !r.has_room(job.duration) {
                continue;
            }
            if job.reach_m.is_finite() && rough_m(r.home, job.at, cos_lat) > job.reach_m {
                continue;
            }
            for pos in 0..=r.visits.len() {
                let (ready, from) = r.before(pos);
                // The latest this gap can start the job: before the next visit's latest start.
                let limit = r
                    .visits
                    .get(pos)
                    .map_or(r.shift.end, |n| n.window_end.max(r.base[pos].start))
                    .min(r.shift.end)
                    - job.duration;
                // Windows that end before the worker could be there, or start after the
                // gap closes, are not for this gap.
                let first = windows.partition_point(|w| w.1 < ready);
                let mut arrival = None;
                for (k, w) in windows.iter().enumerate().skip(first) {
                    if w.0 > limit {
                        break;
                    }
                    if out[k].is_some() {
                        continue;
                    }
                    let a = *arrival
                        .get_or_insert_with(|| arrive(tt, r.shift.rest, ready, from, job.at));
                    if a > w.1 {
                        continue;
                    }
                    if r.insertion_after_arrival(tt, pos, job.at, job.duration, w.0, w.1, a)
                        .is_some()
                    {
                        out[k] = Some(r.worker);
                        open -= 1;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Travel at a fixed 1 second per metre north-south: easy to reason about.
    struct Straight;
    impl TravelTime for Straight {
        fn seconds(&self, from: LatLng, to: LatLng, _depart: i64) -> i64 {
            ((from.lat - to.lat).abs() * 100_000.0).round() as i64
        }
    }

    const H: i64 = 3600;
    const M: i64 = 60;

    fn p(km: f64) -> LatLng {
        LatLng::new(31.0 + km / 100.0, 121.4)
    }

    fn visit(n: u128, km: f64, ws: i64, we: i64, dur: i64) -> Visit {
        Visit {
            key: Uuid::from_u128(n),
            at: p(km),
            window_start: ws,
            window_end: we,
            duration: dur,
        }
    }

    fn worker(
        n: u128,
        home_km: f64,
        shift: (i64, i64),
        rest: Option<(i64, i64)>,
        visits: Vec<Visit>,
    ) -> WorkerDay {
        WorkerDay {
            worker: Uuid::from_u128(1000 + n),
            home: p(home_km),
            skills: vec!["clean".into()],
            shift: Shift {
                start: shift.0,
                end: shift.1,
                rest,
            },
            visits,
        }
    }

    fn job(km: f64, dur: i64) -> Job {
        Job {
            at: p(km),
            duration: dur,
            skills: vec!["clean".into()],
            reach_m: f64::INFINITY,
        }
    }

    fn hourly(from: i64, to: i64) -> Vec<(i64, i64)> {
        (0..)
            .map(|i| from + i * 30 * M)
            .take_while(|s| *s + H <= to)
            .map(|s| (s, s + H))
            .collect()
    }

    fn avail(plan: &DayPlan, j: &Job, w: &[(i64, i64)]) -> Vec<bool> {
        plan.availability(&Straight, j, w)
            .into_iter()
            .map(|x| x.is_some())
            .collect()
    }

    #[test]
    fn an_empty_day_is_open_from_the_first_reachable_window_until_the_shift_end() {
        // Home 1 km (1000 s = 16:40) away; shift 8:00–18:00; a 2-hour job.
        let plan = DayPlan::build(
            vec![worker(1, 1.0, (8 * H, 18 * H), None, vec![])],
            vec![],
            &Straight,
        );
        let w = hourly(7 * H, 19 * H);
        let a = avail(&plan, &job(0.0, 2 * H), &w);
        for (i, (s, e)) in w.iter().enumerate() {
            // Arrival 8:16:40 must be by the window end; the job must end by 18:00.
            let expect = *e >= 8 * H + 1000 && (*s).max(8 * H + 1000) + 2 * H <= 18 * H;
            assert_eq!(a[i], expect, "window {}:{:02}", s / H, s % H / M);
        }
        // 7:00–8:00 is too early (arrival 8:16), 7:30–8:30 is fine, 16:00 is the last.
        assert!(!a[0] && a[1]);
        assert_eq!(w[a.iter().rposition(|x| *x).unwrap()].0, 16 * H);
        // `fits` agrees with `availability` on every window.
        for (i, (s, e)) in w.iter().enumerate() {
            assert_eq!(
                plan.fits(&Straight, &job(0.0, 2 * H), *s, *e).is_some(),
                a[i]
            );
        }
    }

    #[test]
    fn travel_between_visits_closes_the_windows_around_a_booking() {
        // One booking 5 km away at 12:00–13:00 (exactly 12:00 start), 1 hour.
        let booked = visit(1, 5.0, 12 * H, 12 * H, H);
        let plan = DayPlan::build(
            vec![worker(1, 0.0, (8 * H, 20 * H), None, vec![booked])],
            vec![],
            &Straight,
        );
        let w = hourly(8 * H, 20 * H);
        let j = job(0.0, H);
        let a = avail(&plan, &j, &w);
        let at = |h: i64, m: i64| a[w.iter().position(|x| x.0 == h * H + m * M).unwrap()];
        // Before: the job at 0 km must end and leave 5000 s (1:23:20) to be at 12:00.
        // Start by 9:36:40: the 9:30 window (start at 9:30) works; 10:00 does not.
        assert!(at(9, 30));
        assert!(!at(10, 0));
        assert!(!at(11, 0));
        // After: the booking ends 13:00, travel back 5000 s: arrival 14:23:20.
        // Windows ending before that are closed; 13:30–14:30 is open.
        assert!(!at(13, 0));
        assert!(at(13, 30));
        assert!(at(18, 0));
        assert!(at(19, 0), "ends with the shift");
    }

    #[test]
    fn the_break_is_neither_travel_nor_work() {
        // Break 12:00–13:00, home at the job.
        let plan = DayPlan::build(
            vec![worker(
                1,
                0.0,
                (8 * H, 18 * H),
                Some((12 * H, 13 * H)),
                vec![],
            )],
            vec![],
            &Straight,
        );
        let j = job(0.0, 2 * H);
        let ok = |s: i64| plan.fits(&Straight, &j, s, s + H).is_some();
        assert!(ok(10 * H), "10:00–12:00 ends as the break starts");
        // 11:00 runs into the break and pauses for it: 11:00–12:00, 13:00–14:00.
        assert!(ok(11 * H));
        // 12:00–13:00: the visit cannot start inside the break; it starts at 13:00, the
        // window end: fine.
        assert!(ok(12 * H));
        // 16:00 would pause and end 18:00 (no break after 13:00): fine; 16:30 is not.
        assert!(ok(16 * H));
        assert!(!ok(16 * H + 30 * M));
        // A visit that pauses for the break ends an hour later: with the shift ending at
        // 14:30, 11:00 (ends 14:00) fits and 11:30 (ends 14:30) is the last.
        let plan = DayPlan::build(
            vec![worker(
                1,
                0.0,
                (8 * H, 14 * H + 30 * M),
                Some((12 * H, 13 * H)),
                vec![],
            )],
            vec![],
            &Straight,
        );
        assert!(plan.fits(&Straight, &j, 11 * H, 12 * H).is_some());
        assert!(
            plan.fits(&Straight, &j, 11 * H + 30 * M, 12 * H + 30 * M)
                .is_some()
        );
        assert!(
            plan.fits(&Straight, &j, 12 * H, 13 * H).is_none(),
            "13:00–15:00 is past 14:30"
        );
    }

    #[test]
    fn travel_does_not_cross_the_break() {
        // A visit ends 11:50 at 0 km; the next job is 1 km away (1000 s). Leaving at 11:50
        // would cross the 12:00 break, so the worker leaves at 13:00 and arrives 13:16:40.
        let booked = visit(1, 0.0, 10 * H + 50 * M, 10 * H + 50 * M, H);
        let plan = DayPlan::build(
            vec![worker(
                1,
                0.0,
                (8 * H, 18 * H),
                Some((12 * H, 13 * H)),
                vec![booked],
            )],
            vec![],
            &Straight,
        );
        let j = job(1.0, H);
        assert!(plan.fits(&Straight, &j, 12 * H, 13 * H).is_none());
        assert!(
            plan.fits(&Straight, &j, 12 * H + 30 * M, 13 * H + 30 * M)
                .is_some()
        );
    }

    #[test]
    fn the_shift_edges_hold() {
        let plan = DayPlan::build(
            vec![worker(1, 0.0, (9 * H, 17 * H), None, vec![])],
            vec![],
            &Straight,
        );
        let j = job(0.0, 2 * H);
        assert!(
            plan.fits(&Straight, &j, 8 * H, 9 * H).is_some(),
            "starts at 9:00, the window end"
        );
        assert!(
            plan.fits(&Straight, &j, 7 * H, 8 * H).is_none(),
            "before the shift"
        );
        assert!(
            plan.fits(&Straight, &j, 15 * H, 16 * H).is_some(),
            "ends 17:00 exactly"
        );
        assert!(
            plan.fits(&Straight, &j, 15 * H + 1, 16 * H).is_none(),
            "one second too late"
        );
    }

    #[test]
    fn skills_decide_who_counts() {
        let mut w = worker(1, 0.0, (8 * H, 18 * H), None, vec![]);
        w.skills = vec!["repair".into()];
        let plan = DayPlan::build(vec![w], vec![], &Straight);
        assert!(plan.fits(&Straight, &job(0.0, H), 10 * H, 11 * H).is_none());
        let mut j = job(0.0, H);
        j.skills = vec!["repair".into()];
        assert!(plan.fits(&Straight, &j, 10 * H, 11 * H).is_some());
        j.skills.clear();
        assert!(plan.fits(&Straight, &j, 10 * H, 11 * H).is_some());
    }

    #[test]
    fn pending_visits_take_capacity() {
        // One worker, 8:00–12:00; a pending 3-hour visit 9:00–10:00 leaves no room for
        // another 2-hour job in any window.
        let pending = Pending {
            visit: visit(7, 0.0, 9 * H, 10 * H, 3 * H),
            skills: vec!["clean".into()],
        };
        let plan = DayPlan::build(
            vec![worker(1, 0.0, (8 * H, 12 * H), None, vec![])],
            vec![pending.clone()],
            &Straight,
        );
        assert!(plan.unplaced().is_empty());
        assert_eq!(plan.tentative().count(), 1);
        let j = job(0.0, 2 * H);
        assert!(avail(&plan, &j, &hourly(8 * H, 12 * H)).iter().all(|x| !x));
        // A second pending visit that cannot fit is reported, not squeezed in.
        let plan = DayPlan::build(
            vec![worker(1, 0.0, (8 * H, 12 * H), None, vec![])],
            vec![
                pending.clone(),
                Pending {
                    visit: visit(8, 0.0, 9 * H, 10 * H, H),
                    ..pending
                },
            ],
            &Straight,
        );
        assert_eq!(plan.unplaced(), &[Uuid::from_u128(8)]);
    }

    #[test]
    fn an_insertion_may_not_push_a_later_visit_out_of_its_window() {
        // Booking at 10:00 sharp (0 km), 1 h. A 1-hour job at 0 km in 8:30–9:30 fits
        // (starts 8:30, ends 9:30); in 9:30–10:30 it would start 9:30, end 10:30 and push
        // the booking to 10:30, past its window: refused, but after it (11:00) is fine.
        let booked = visit(1, 0.0, 10 * H, 10 * H, H);
        let plan = DayPlan::build(
            vec![worker(1, 0.0, (8 * H, 18 * H), None, vec![booked])],
            vec![],
            &Straight,
        );
        let j = job(0.0, H);
        assert!(
            plan.fits(&Straight, &j, 8 * H + 30 * M, 9 * H + 30 * M)
                .is_some()
        );
        assert!(
            plan.fits(&Straight, &j, 9 * H + 30 * M, 10 * H + 30 * M)
                .is_none()
        );
        assert!(plan.fits(&Straight, &j, 11 * H, 12 * H).is_some());
    }

    #[test]
    fn an_overbooked_day_does_not_block_what_still_fits() {
        // Two bookings staff put at the same time: the second is already late. A job after
        // both still fits; one before them (pushing them later) does not.
        let a = visit(1, 0.0, 10 * H, 10 * H, H);
        let b = visit(2, 0.0, 10 * H, 10 * H, H);
        let plan = DayPlan::build(
            vec![worker(1, 0.0, (8 * H, 18 * H), None, vec![a, b])],
            vec![],
            &Straight,
        );
        let j = job(0.0, H);
        assert!(plan.fits(&Straight, &j, 13 * H, 14 * H).is_some());
        assert!(
            plan.fits(&Straight, &j, 9 * H + 30 * M, 10 * H + 30 * M)
                .is_none()
        );
    }

    #[test]
    fn another_worker_takes_what_one_cannot() {
        let busy = worker(
            1,
            0.0,
            (8 * H, 18 * H),
            None,
            vec![visit(1, 0.0, 8 * H, 8 * H, 10 * H)],
        );
        let free = worker(2, 3.0, (8 * H, 18 * H), None, vec![]);
        let plan = DayPlan::build(vec![busy, free], vec![], &Straight);
        assert_eq!(
            plan.fits(&Straight, &job(0.0, H), 10 * H, 11 * H),
            Some(Uuid::from_u128(1002))
        );
        assert_eq!(plan.workers(), 2);
        // Out of reach: the free worker's home is 3 km away.
        let mut j = job(0.0, H);
        j.reach_m = 2_000.0;
        assert_eq!(plan.fits(&Straight, &j, 10 * H, 11 * H), None);
    }
}
