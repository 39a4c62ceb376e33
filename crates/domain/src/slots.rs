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
