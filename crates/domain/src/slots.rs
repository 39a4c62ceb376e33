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
//! The schedule of each worker is [`crate::workday`]'s, the one model of a worker's day
//! that the route planner uses too: visits start inside their windows and end by the shift
//! end, the break is taken where the worker is (no visit in progress, no travel during it,
//! up to [`crate::workday::BREAK_DELAY`] after its set start, or inside a visit of
//! [`crate::workday::LONG_VISIT`] or more), and every leg of the day is timed at the day's
//! slowest departure ([`DayTravel`]).
//!
//! Pending visits are placed in the order given, which callers keep as the order they were
//! booked in: each was accepted by [`DayPlan::fits`] on the plan of the visits booked before
//! it, so rebuilding the plan places every one of them again (nothing booked is left
//! "unplaced" by a different order of placement).
//!
//! Times are Unix seconds.

use crate::geo::LatLng;
use crate::travel::TravelTime;
use crate::workday::{DayTravel, NewVisit, Workday};
pub use crate::workday::{Shift, Visit};
use uuid::Uuid;

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

#[derive(Debug, Clone)]
struct Route {
    worker: Uuid,
    skills: Vec<String>,
    day: Workday,
    /// Tentative visits (pending ones placed here) by key.
    tentative: Vec<Uuid>,
}

/// One area's day, ready to answer slot questions.
#[derive(Debug, Clone)]
pub struct DayPlan {
    routes: Vec<Route>,
    unplaced: Vec<Uuid>,
    /// The departure every leg of the day is timed at ([`DayTravel`]).
    depart: i64,
}

fn has_skills(worker: &[String], needed: &[String]) -> bool {
    needed.iter().all(|s| worker.iter().any(|w| w == s))
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
    /// Builds the day: routes from the workers' accepted visits, then each pending visit,
    /// in the order given (the order they were booked in), on the nearby qualified worker
    /// where it adds the least travel. Pending visits that fit nowhere are listed by
    /// [`DayPlan::unplaced`].
    pub fn build(workers: Vec<WorkerDay>, pending: Vec<Pending>, tt: &dyn TravelTime) -> DayPlan {
        // A day without shifts is timed at its first pending window (nothing to ask).
        let noon = pending.first().map_or(0, |p| p.visit.window_start);
        let travel = DayTravel::for_shifts(tt, workers.iter().map(|w| &w.shift), noon);
        let mut routes: Vec<Route> = workers
            .into_iter()
            .map(|w| {
                let mut visits = w.visits;
                visits.sort_by_key(|v| (v.window_start, v.window_end, v.key));
                Route {
                    worker: w.worker,
                    skills: w.skills,
                    day: Workday::new(w.home, w.shift, visits, &travel),
                    tentative: vec![],
                }
            })
            .collect();
        routes.sort_by_key(|r| r.worker);
        let mut unplaced = vec![];
        let cos_lat = routes
            .first()
            .map_or(1.0, |r| r.day.home().lat.to_radians().cos());
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(routes.len());
        for p in pending {
            order.clear();
            let job = NewVisit {
                at: p.visit.at,
                duration: p.visit.duration,
            };
            let window = (p.visit.window_start, p.visit.window_end);
            for (i, r) in routes.iter().enumerate() {
                if !has_skills(&r.skills, &p.skills) || !r.day.has_room(job.duration) {
                    continue;
                }
                let near = r
                    .day
                    .visits()
                    .iter()
                    .map(|v| v.at)
                    .chain(std::iter::once(r.day.home()))
                    .map(|x| rough_m(x, job.at, cos_lat))
                    .fold(f64::INFINITY, f64::min);
                order.push((near, i));
            }
            order.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut best: Option<(i64, usize, usize)> = None;
            let mut tried = 0;
            for &(_, i) in order.iter() {
                if let Some(ins) = routes[i].day.cheapest(&travel, &job, window) {
                    if best.is_none_or(|(c, _, _)| ins.extra_travel_s < c) {
                        best = Some((ins.extra_travel_s, i, ins.position));
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
                    r.day.insert(pos, p.visit, &travel);
                }
                None => unplaced.push(p.visit.key),
            }
        }
        DayPlan {
            routes,
            unplaced,
            depart: travel.depart(),
        }
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

    /// Every worker's day as the plan has it (accepted and tentative visits in route
    /// order): the slot model's own assignment, e.g. to start a route plan from.
    pub fn days(&self) -> impl Iterator<Item = (Uuid, &Workday)> + '_ {
        self.routes.iter().map(|r| (r.worker, &r.day))
    }

    /// The travel times of the day: `tt` at the one departure the day is timed at.
    pub fn travel<'a>(&self, tt: &'a dyn TravelTime) -> DayTravel<'a> {
        DayTravel::new(tt, self.depart)
    }

    /// Number of workers on shift.
    pub fn workers(&self) -> usize {
        self.routes.len()
    }

    /// Whether route `r` may be asked about `job` at all (skills, room, reach).
    fn may_take(r: &Route, job: &Job, cos_lat: f64) -> bool {
        r.day.has_room(job.duration)
            && !(job.reach_m.is_finite() && rough_m(r.day.home(), job.at, cos_lat) > job.reach_m)
            && has_skills(&r.skills, &job.skills)
    }

    /// A worker who can take `job` starting in the window `[ws, we]`, if any.
    pub fn fits(&self, tt: &dyn TravelTime, job: &Job, ws: i64, we: i64) -> Option<Uuid> {
        self.takers(tt, job, ws, we).next()
    }

    /// Every worker who can take `job` starting in the window `[ws, we]`.
    fn takers<'a>(
        &'a self,
        tt: &'a dyn TravelTime,
        job: &'a Job,
        ws: i64,
        we: i64,
    ) -> impl Iterator<Item = Uuid> + 'a {
        let travel = self.travel(tt);
        let cos_lat = job.at.lat.to_radians().cos();
        let visit = NewVisit {
            at: job.at,
            duration: job.duration,
        };
        self.routes.iter().filter_map(move |r| {
            if !Self::may_take(r, job, cos_lat) {
                return None;
            }
            let shift = r.day.shift();
            if ws > shift.end - job.duration || we < shift.start {
                return None;
            }
            (0..=r.day.visits().len())
                .any(|pos| r.day.fits_at(&travel, pos, &visit, (ws, we)))
                .then_some(r.worker)
        })
    }

    /// The visits of an order of several trades (`jobs`, one per trade) in the one window
    /// `[ws, we]`: a different worker for each, every one able to take their visit beside
    /// what they have. Returns the workers (in `jobs` order) or the index of the first job
    /// left without one: one nobody can take at all, else the first a matching of jobs to
    /// distinct workers (augmenting paths, exact) cannot serve.
    ///
    /// Distinct workers make the visits independent: each worker's route gains one visit,
    /// which [`DayPlan::fits`] has checked on its own.
    pub fn fits_all(
        &self,
        tt: &dyn TravelTime,
        jobs: &[Job],
        ws: i64,
        we: i64,
    ) -> Result<Vec<Uuid>, usize> {
        let takers: Vec<Vec<Uuid>> = jobs
            .iter()
            .map(|j| self.takers(tt, j, ws, we).collect())
            .collect();
        if let Some(k) = takers.iter().position(Vec::is_empty) {
            return Err(k);
        }
        let mut holder: std::collections::HashMap<Uuid, usize> = Default::default();
        fn augment(
            k: usize,
            takers: &[Vec<Uuid>],
            holder: &mut std::collections::HashMap<Uuid, usize>,
            seen: &mut Vec<Uuid>,
        ) -> bool {
            for &w in &takers[k] {
                if seen.contains(&w) {
                    continue;
                }
                seen.push(w);
                let free = match holder.get(&w).copied() {
                    None => true,
                    Some(other) => augment(other, takers, holder, seen),
                };
                if free {
                    holder.insert(w, k);
                    return true;
                }
            }
            false
        }
        for k in 0..jobs.len() {
            if !augment(k, &takers, &mut holder, &mut vec![]) {
                return Err(k);
            }
        }
        let mut out = vec![Uuid::nil(); jobs.len()];
        for (w, k) in holder {
            out[k] = w;
        }
        Ok(out)
    }

    /// For each window `(start, end)` (sorted by start), whether every job of `jobs` (the
    /// visits of one order, one per trade) can be taken in it by distinct workers
    /// ([`DayPlan::fits_all`]). One job is [`DayPlan::availability`].
    pub fn availability_all(
        &self,
        tt: &dyn TravelTime,
        jobs: &[Job],
        windows: &[(i64, i64)],
    ) -> Vec<bool> {
        let mut open = vec![true; windows.len()];
        for j in jobs {
            for (o, w) in open.iter_mut().zip(self.availability(tt, j, windows)) {
                *o &= w.is_some();
            }
        }
        if jobs.len() > 1 {
            for (o, &(ws, we)) in open.iter_mut().zip(windows) {
                *o = *o && self.fits_all(tt, jobs, ws, we).is_ok();
            }
        }
        open
    }

    /// For each window `(start, end)` (sorted by start), a worker who can take `job` in it.
    pub fn availability(
        &self,
        tt: &dyn TravelTime,
        job: &Job,
        windows: &[(i64, i64)],
    ) -> Vec<Option<Uuid>> {
        let travel = self.travel(tt);
        let mut out: Vec<Option<Uuid>> = vec![None; windows.len()];
        let mut open = windows.len();
        let mut mine = vec![false; windows.len()];
        let cos_lat = job.at.lat.to_radians().cos();
        let visit = NewVisit {
            at: job.at,
            duration: job.duration,
        };
        for r in &self.routes {
            if open == 0 {
                break;
            }
            if !Self::may_take(r, job, cos_lat) {
                continue;
            }
            for (m, o) in mine.iter_mut().zip(&out) {
                *m = o.is_some();
            }
            if r.day.mark_windows(&travel, &visit, windows, &mut mine) == 0 {
                continue;
            }
            for (k, m) in mine.iter().enumerate() {
                if *m && out[k].is_none() {
                    out[k] = Some(r.worker);
                    open -= 1;
                }
            }
        }
        out
    }
}
