//! The route search: an anytime ruin-and-recreate search (SISR) with a granular local
//! search after each recreate (with soft windows: lateness at an adaptive cost, then
//! repaired, see `penalty`), and a first phase that squeezes every job into the
//! available workers. A walk that stagnates restarts from its best plan, then from a new
//! construction or a crossover of past walks' plans (`crossover`); run on one or more
//! threads that share their best plans. See `docs/adr/0002-route-solver.md` for the
//! choices and the figures behind them.

mod crossover;
mod data;
mod local;
mod penalty;
mod rng;
mod segment;
mod sisr;
mod star;
mod state;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossover::Elites;
use data::Data;
use penalty::Penalty;
use sisr::{Params, Sisr};
use state::{Route, State};

use super::model::{Problem, ProblemError, UnassignedReason};
use super::progress::Progress;
use super::solution::{Activity, Route as PlanRoute, Solution, Stop, Unassigned};

/// Share of the time given to fitting every job in before the plan is shortened.
const SQUEEZE_SHARE: f64 = 0.9;
/// Steps between adaptations of the ruin size, and its bounds.
const ADAPT_EVERY: usize = 100;
const MIN_RUIN: f64 = 5.0;
const MAX_RUIN: f64 = 40.0;
/// Greedy constructions tried at the start, within this share of the time.
const CONSTRUCTIONS: usize = 20;
const CONSTRUCTION_SHARE: f64 = 0.05;
/// Rounds of local search after each recreate.
const LOCAL_SEARCH_ROUNDS: usize = 1;
/// With [`SoftWindows::LongRoutes`] the soft-window local search runs once every job is
/// in and while the plan's routes hold at least this many jobs on average: it shortens
/// long routes with wide windows (Solomon's R2/RC2: 25-50 stops) but cost feasibility
/// under a tight fleet of short routes (R1/RC1: 5-10 stops) and, at very short budgets,
/// while jobs were still left out.
const SOFT_MIN_ROUTE_JOBS: f64 = 15.0;
/// A walk that has found no better plan for this many steps per job, and for this share
/// of the run, starts again from its best plan, cooler, with the first ruin size; stuck
/// again without a better plan, it becomes a new walk ([`FRESH_WALKS`]). With a tight
/// fleet a walk otherwise rebuilds the same plan (or refuses worse ones) from early in the
/// run to its end. See ADR 0002, "Restarts at stagnation" and "New walks and crossovers".
const STALL_PER_JOB: f64 = 20.0;
const STALL_SHARE: f64 = 0.05;
/// The temperatures of a restarted walk (start and end), as a share of the first walk's.
const RESTART_COOLING: f64 = 0.25;
/// Once a plan with every job in has been found, and while its routes hold at least
/// [`SOFT_MIN_ROUTE_JOBS`] jobs on average (if [`WALK_OUT_LONG_ONLY`]), the annealing walk
/// may cross plans that leave up to this many jobs out, each at an adaptive cost per unit
/// of weight (the best plan still only takes plans with every job in): with a fleet of a
/// few long routes the shorter plans sit at the edge of what the routes can hold. See ADR
/// 0002, "Jobs left out at a penalty".
const WALK_OUT_MAX: usize = 2;
/// Only with long routes: with short routes under a tight fleet (Solomon's RC1) the walk
/// with jobs out gave longer plans (ADR 0002).
const WALK_OUT_LONG_ONLY: bool = true;
/// The walk's cost of a job left out starts at the average cost per job, and is adapted
/// every [`ADAPT_EVERY`] steps so that about this share of the walk's plans leave a job
/// out: raised ×[`OUT_UP`] above the share plus [`WALK_OUT_BAND`], lowered ×[`OUT_DOWN`]
/// below the share minus it (with a quarter of the plans out, R2 was longer; ADR 0002).
const WALK_OUT_SHARE: f64 = 0.1;
const WALK_OUT_BAND: f64 = 0.05;
const OUT_UP: f64 = 1.25;
const OUT_DOWN: f64 = 0.85;
/// Whether a walk stuck twice in the same basin (no better plan after a restart from its
/// best) starts anew from a greedy construction, while less than [`FRESH_BEFORE`] of the
/// run is spent; later restarts go back to the run's best plan.
const FRESH_WALKS: bool = true;
const FRESH_BEFORE: f64 = 0.7;
/// Past walks' best plans kept for crossovers, and the share of new walks that start
/// from a crossover of two of them (once two are kept) instead of a greedy construction.
const ELITES: usize = 6;
const CROSSOVER_RATE: f64 = 0.5;
/// How often (as a share of the run) threads exchange their best plans. A thread's walk
/// takes another thread's plan only while it has not got every job in; otherwise the
/// plan joins its elites (islands), and its restarts after [`FRESH_BEFORE`] start from
/// it.
const EXCHANGE_EVERY: f64 = 0.05;

/// How long and how to search.
#[derive(Clone, Debug)]
pub struct SolveOptions {
    /// Wall-clock budget; the best plan found is returned when it runs out.
    pub time_limit: Duration,
    /// Seed of the random choices: one thread and an iteration limit give the same plan
    /// for the same seed.
    pub seed: u64,
    /// Searches run in parallel, sharing their best plans now and then (each keeps its own
    /// walk once it has every job in).
    pub threads: usize,
    /// Stop after this many ruin-and-recreate steps per thread (for repeatable runs).
    pub max_iterations: Option<u64>,
    /// Where the search reports its progress and can be told to stop early.
    pub progress: Option<Arc<Progress>>,
    /// When the local search may pass through plans that are late somewhere, at an
    /// adaptive cost per unit of lateness, with a repair step after it (penalised time
    /// warp). A plan with a late stop is never returned either way.
    pub soft_windows: SoftWindows,
}

/// When the local search uses soft windows (see [`SolveOptions::soft_windows`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SoftWindows {
    /// Never: every move keeps every window.
    Off,
    /// Once every job is in, while the plan's routes hold 15 jobs or more on average
    /// (long routes, where it shortens plans; with short routes under a tight fleet, or
    /// while jobs were still left out, it cost feasibility).
    #[default]
    LongRoutes,
    /// After every recreate.
    Always,
}

impl Default for SolveOptions {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_secs(1),
            seed: 0,
            threads: 1,
            max_iterations: None,
            progress: None,
            soft_windows: SoftWindows::default(),
        }
    }
}

/// Plans routes for `problem` within the options' budget.
pub fn solve(problem: &Problem, options: &SolveOptions) -> Result<Solution, ProblemError> {
    search(problem, None, options)
}

/// Like [`solve`], but the search starts from `start` (a warm start: typically the previous
/// plan after a change) instead of greedy constructions. Its routes are kept as far as they
/// are still feasible and allowed (a job that no longer fits is taken out and put back
/// where it fits best); jobs it does not serve are inserted, then the search goes on.
pub fn solve_from(
    problem: &Problem,
    start: &Solution,
    options: &SolveOptions,
) -> Result<Solution, ProblemError> {
    search(problem, Some(start), options)
}

/// What every search thread shares.
struct Run<'a, 'p> {
    d: &'a Data<'p>,
    jobs: &'a [u32],
    options: &'a SolveOptions,
    start: Option<&'a Solution>,
    called: Instant,
    /// Jobs left out before the search (they fit nowhere).
    left_out_before: usize,
    shared: Mutex<Option<(f64, f64, State)>>,
}

impl Run<'_, '_> {
    fn report(&self, s: &State) {
        if let Some(p) = &self.options.progress {
            let n = s.unassigned.len();
            p.found(
                self.called.elapsed().as_secs_f64(),
                self.left_out_before + n,
                n,
                s.cost(),
            );
        }
    }

    fn stopped(&self) -> bool {
        self.options.progress.as_ref().is_some_and(|p| p.stopped())
    }
}

fn search(
    problem: &Problem,
    start: Option<&Solution>,
    options: &SolveOptions,
) -> Result<Solution, ProblemError> {
    let called = Instant::now();
    problem.validate()?;
    let d = Data::new(problem);
    let mut out = Vec::new();
    let mut searched = Vec::new();
    for j in 0..d.n {
        if d.fixed[j] {
            // A job under way, already first in its worker's route.
            continue;
        }
        match fits_alone(&d, j) {
            Ok(()) => searched.push(j as u32),
            Err(reason) => out.push(Unassigned { job: j, reason }),
        }
    }
    let threads = options.threads.max(1);
    let ctx = Run {
        d: &d,
        jobs: &searched,
        options,
        start,
        called,
        left_out_before: out.len(),
        shared: Mutex::new(None),
    };
    let best = if threads == 1 {
        run(&ctx, options.seed)
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let ctx = &ctx;
                    let seed = options
                        .seed
                        .wrapping_add((t as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    scope.spawn(move || run(ctx, seed))
                })
                .collect();
            let results: Vec<State> = handles
                .into_iter()
                .map(|h| h.join().expect("search thread panicked"))
                .collect();
            results
                .into_iter()
                .min_by(|a, b| {
                    (a.missing(&d), a.cost())
                        .partial_cmp(&(b.missing(&d), b.cost()))
                        .expect("finite costs")
                })
                .expect("at least one thread")
        })
    };
    if let Some(p) = &options.progress {
        p.update(|s| s.done = 1.0);
    }
    Ok(to_solution(&d, &best, out))
}

fn better(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 < b.0 - 1e-9 || (a.0 <= b.0 + 1e-9 && a.1 < b.1 - 1e-9)
}

/// Steps between two progress reports.
const REPORT_EVERY: u64 = 64;

/// One search thread; returns its best plan.
fn run(ctx: &Run, seed: u64) -> State {
    let (d, jobs, options, shared) = (ctx.d, ctx.jobs, ctx.options, &ctx.shared);
    let started = Instant::now();
    let limit = options.time_limit.as_secs_f64();
    let progress = |iter: u64| {
        let by_time = if limit > 0.0 {
            started.elapsed().as_secs_f64() / limit
        } else {
            1.0
        };
        let by_iter = options
            .max_iterations
            .map_or(0.0, |m| if m == 0 { 1.0 } else { iter as f64 / m as f64 });
        by_time.max(by_iter)
    };
    let mut search = Sisr::new(d, Params::default(), seed);
    let mut penalty = Penalty::new(d);
    let mut cur = match ctx.start {
        Some(start) => State::from_plan(d, jobs, start),
        None => State::new(d, jobs),
    };
    search.recreate(&mut cur, false);
    ctx.report(&cur);
    // A few greedy constructions in different orders; the one leaving out least wins.
    for _ in 1..CONSTRUCTIONS {
        if ctx.start.is_some() || progress(0) >= CONSTRUCTION_SHARE || ctx.stopped() {
            break;
        }
        let mut other = State::new(d, jobs);
        search.recreate(&mut other, false);
        if better(
            (other.missing(d), other.cost()),
            (cur.missing(d), cur.cost()),
        ) {
            cur = other;
            ctx.report(&cur);
        }
    }
    search.clear_touched();
    let mut best = cur.clone();
    let mut best_key = (cur.missing(d), cur.cost());
    // The best plan of the whole run (returned), and whether the walk's last restart from
    // its best plan has found nothing better since.
    let mut global = best.clone();
    let mut global_key = best_key;
    let mut restarted_in_vain = false;
    let mut elites = Elites::new(ELITES);
    let per_job = best_key.1 / (d.n as f64 - best_key.0).max(1.0);
    let mut key = best_key;
    let mut work = cur.clone();
    let mut shortening_from: Option<(f64, f64)> = None;
    let mut next_exchange = EXCHANGE_EVERY;
    let mut iter = 0u64;
    let mut ruin_size = search.params.removed_shortening;
    let (mut window, mut incomplete) = (0usize, 0usize);
    // The walk's cost of a job left out once a complete plan is known, and how many of the
    // walk's last steps ended on a plan with a job out.
    let mut out_cost = per_job;
    let (mut walked, mut walked_out) = (0usize, 0usize);
    let stall = (STALL_PER_JOB * d.n as f64).ceil() as u64;
    // Steps and progress since the best plan last got better (or the walk restarted).
    let (mut since_best, mut best_at) = (0u64, 0.0f64);
    loop {
        let at = progress(iter);
        if at >= 1.0 || jobs.is_empty() || ctx.stopped() {
            break;
        }
        iter += 1;
        if iter.is_multiple_of(REPORT_EVERY)
            && let Some(p) = &options.progress
        {
            p.update(|s| {
                s.done = s.done.max(at.min(1.0));
                s.steps += REPORT_EVERY;
            });
        }
        if at >= next_exchange {
            next_exchange += EXCHANGE_EVERY;
            let mut slot = shared.lock().expect("no thread panics holding the lock");
            match slot.as_ref() {
                Some((m, c, s)) if better((*m, *c), global_key) => {
                    global.clone_from(s);
                    global_key = (*m, *c);
                    if global_key.0 <= 0.0 && best_key.0 <= 0.0 {
                        // The walk goes on; the other thread's plan joins the elites, for
                        // crossovers and the restarts from the run's best.
                        elites.offer(global_key.1, &global);
                    } else {
                        best.clone_from(&global);
                        best_key = global_key;
                        cur.clone_from(&global);
                        work.clone_from(&global);
                        key = best_key;
                        (since_best, best_at) = (0, at);
                    }
                }
                Some((m, c, _)) if !better(global_key, (*m, *c)) => {}
                _ => *slot = Some((global_key.0, global_key.1, global.clone())),
            }
        }
        // Whether a plan with every job in has been found: from then on the walk may leave
        // jobs out at a cost, but the best plan never does.
        let complete = best_key.0 <= 0.0;
        let squeezing = !complete && key.0 > 0.0 && at < SQUEEZE_SHARE;
        let walk_out = complete && WALK_OUT_MAX > 0 && (!WALK_OUT_LONG_ONLY || long_routes(&best));
        if global_key.0 <= 0.0 {
            since_best += 1;
            if since_best >= stall && at - best_at >= STALL_SHARE {
                (since_best, best_at) = (0, at);
                if best_key.0 <= 0.0 {
                    elites.offer(best_key.1, &best);
                }
                let fresh = FRESH_WALKS
                    && ctx.start.is_none()
                    && at < FRESH_BEFORE
                    && restarted_in_vain
                    && best_key.0 <= 0.0;
                if fresh {
                    // Stuck twice in the same basin: a new walk from a new greedy
                    // construction, which squeezes its jobs in and anneals from the first
                    // temperatures; the run's best plan is kept aside.
                    if elites.len() >= 2 && search.rng.unit() < CROSSOVER_RATE {
                        // Or from a child of two past walks' plans, cooler.
                        let (base, donor) = elites.two(&mut search.rng);
                        cur = search.crossover(base, donor);
                        search.recreate(&mut cur, false);
                        search.local_search(&mut cur, LOCAL_SEARCH_ROUNDS);
                        search.clear_touched();
                        shortening_from = Some((per_job * RESTART_COOLING, at));
                    } else {
                        cur = State::new(d, jobs);
                        search.recreate(&mut cur, false);
                        shortening_from = Some((per_job, at));
                    }
                    work.clone_from(&cur);
                    key = (cur.missing(d), cur.cost());
                    best.clone_from(&cur);
                    best_key = key;
                    restarted_in_vain = false;
                } else {
                    // Stuck: start again from the best plan with the annealing schedule
                    // restarted from now to the end, at a quarter of its first temperatures
                    // (from the run's best once no more new walks start, or when the walk
                    // did not get every job in).
                    if best_key.0 > 0.0 || at >= FRESH_BEFORE {
                        best.clone_from(&global);
                        best_key = global_key;
                    }
                    cur.clone_from(&best);
                    work.clone_from(&best);
                    key = best_key;
                    shortening_from = Some((per_job * RESTART_COOLING, at));
                    restarted_in_vain = true;
                }
                ruin_size = search.params.removed_shortening;
                (window, incomplete) = (0, 0);
            }
        }
        let out_before = work.unassigned.len();
        if squeezing {
            search.ruin(&mut work, search.params.removed, search.params.max_string);
        } else {
            search.ruin(&mut work, ruin_size, ruin_size);
        }
        search.recreate_some(&mut work, squeezing, out_before);
        let soft = match options.soft_windows {
            SoftWindows::Off => false,
            SoftWindows::LongRoutes => complete && long_routes(&cur),
            SoftWindows::Always => true,
        };
        if soft {
            if !search.soft_local_search(&mut work, &mut penalty) {
                // Still late after the repair: the jobs that make it late go out and back
                // in with hard windows (where they fit).
                for r in work.eject_late(d) {
                    search.touch(r);
                }
                let before = work.unassigned.len();
                search.recreate_some(&mut work, squeezing, before);
                if !work.on_time(d) {
                    // Not reached (ejecting leaves every route on time); a plan with time
                    // warp is never kept.
                    work.copy_from(&cur, &search.touched);
                    search.clear_touched();
                    continue;
                }
            }
        } else {
            search.local_search(&mut work, LOCAL_SEARCH_ROUNDS);
        }
        if !work.unassigned.is_empty() && work.unassigned.len() < cur.unassigned.len() + 4 {
            // The local search may have made room for jobs the recreate could not place.
            let before = work.unassigned.len();
            search.recreate_some(&mut work, squeezing, before);
            if work.unassigned.len() < before {
                search.local_search(&mut work, LOCAL_SEARCH_ROUNDS);
            }
        }
        let new = (work.missing(d), work.cost());
        if !squeezing {
            // With a tight fleet a large ruin often cannot be recreated in full: adapt its
            // size so that most steps give a complete plan to compare.
            window += 1;
            incomplete += usize::from(new.0 > key.0 + 1e-9);
            if window == ADAPT_EVERY {
                if incomplete * 2 > ADAPT_EVERY {
                    ruin_size = (ruin_size * 0.8).max(MIN_RUIN);
                } else if incomplete * 5 < ADAPT_EVERY {
                    ruin_size = (ruin_size * 1.25).min(MAX_RUIN);
                }
                (window, incomplete) = (0, 0);
            }
        }
        let accept = if squeezing {
            for &j in &work.unassigned {
                search.absences[j as usize] += 1;
            }
            let absent = |s: &State| {
                s.unassigned
                    .iter()
                    .map(|&j| search.absences[j as usize])
                    .sum::<u64>()
            };
            new.0 < key.0 - 1e-9 || absent(&work) < absent(&cur)
        } else {
            let (t0, from) = *shortening_from.get_or_insert((per_job, at));
            let (start, end) = (t0 * search.params.t0, t0 * search.params.tf);
            let share = ((at - from) / (1.0 - from).max(1e-9)).clamp(0.0, 1.0);
            let temperature = start * (end / start).powf(share);
            if walk_out {
                // Jobs left out cost `out_cost` each (by weight); at most WALK_OUT_MAX.
                work.unassigned.len() <= WALK_OUT_MAX
                    && new.1 + out_cost * new.0
                        < key.1 + out_cost * key.0
                            - temperature * search.rng.unit().max(f64::MIN_POSITIVE).ln()
            } else if new.0 < key.0 - 1e-9 {
                true
            } else if new.0 > key.0 + 1e-9 {
                false
            } else {
                new.1 < key.1 - temperature * search.rng.unit().max(f64::MIN_POSITIVE).ln()
            }
        };
        if accept {
            cur.copy_from(&work, &search.touched);
            key = new;
            if better(key, best_key) {
                best.clone_from(&cur);
                best_key = key;
                (since_best, best_at) = (0, at);
                restarted_in_vain = false;
                if better(best_key, global_key) {
                    global.clone_from(&best);
                    global_key = best_key;
                    ctx.report(&global);
                }
            }
        } else {
            work.copy_from(&cur, &search.touched);
        }
        search.clear_touched();
        if walk_out {
            walked += 1;
            walked_out += usize::from(key.0 > 0.0);
            if walked == ADAPT_EVERY {
                let share = walked_out as f64 / ADAPT_EVERY as f64;
                if share > WALK_OUT_SHARE + WALK_OUT_BAND {
                    out_cost = (out_cost * OUT_UP).min(per_job * 1e3);
                } else if share < WALK_OUT_SHARE - WALK_OUT_BAND {
                    out_cost = (out_cost * OUT_DOWN).max(per_job * 1e-2);
                }
                (walked, walked_out) = (0, 0);
            }
        }
    }
    debug_assert!(global.on_time(d), "a plan with time warp is never kept");
    let mut slot = shared.lock().expect("no thread panics holding the lock");
    if slot
        .as_ref()
        .is_none_or(|(m, c, _)| better(global_key, (*m, *c)))
    {
        *slot = Some((global_key.0, global_key.1, global.clone()));
    }
    global
}

/// Whether the routes of `s` are long enough for the soft-window local search
/// ([`SOFT_MIN_ROUTE_JOBS`]).
fn long_routes(s: &State) -> bool {
    let (jobs, used) = s
        .routes
        .iter()
        .filter(|r| r.jobs > 0)
        .fold((0usize, 0usize), |(j, u), r| (j + r.jobs, u + 1));
    used > 0 && jobs as f64 >= SOFT_MIN_ROUTE_JOBS * used as f64
}

/// Whether job `j` fits into an empty route of some able worker, and if not, why.
fn fits_alone(d: &Data, j: usize) -> Result<(), UnassignedReason> {
    let p = d.p;
    let job = &p.jobs[j];
    let owner = p.first_job_of(j);
    let skilled: Vec<usize> = (0..p.workers.len())
        .filter(|&w| {
            p.workers[w].skills.covers(job.skills)
                && job.pinned_worker.is_none_or(|x| x == w)
                && owner.is_none_or(|x| x == w)
        })
        .collect();
    if skilled.is_empty() {
        return Err(UnassignedReason::NoWorkerWithSkills);
    }
    let able: Vec<usize> = skilled.into_iter().filter(|&w| d.able(j, w)).collect();
    if able.is_empty() {
        return Err(UnassignedReason::MaxJobs);
    }
    let roomy: Vec<usize> = able
        .into_iter()
        .filter(|&w| d.demand(j).iter().zip(d.capacity(w)).all(|(q, c)| q <= c))
        .collect();
    if roomy.is_empty() {
        return Err(UnassignedReason::Capacity);
    }
    let mut win = vec![0u8; d.n];
    let mut reachable = false;
    for &w in &roomy {
        for (k, seg) in d.job_segs[j].iter().enumerate() {
            // A job under way that could not be placed first stays out, with the reason.
            if owner.is_none()
                && Route::first_job_nodes(d, w, j as u32, k as u8, &mut win, 0).is_some()
            {
                return Ok(());
            }
            // A job that cannot take the worker's break alone may still fit beside other
            // jobs: the break taken at another job's place (closer than home), or inside
            // a job that holds it. Then only the job itself must fit, without the breaks.
            if owner.is_none() && !d.break_segs[w].is_empty() {
                win[j] = k as u8;
                if d.feasible(w, &Route::eval_nodes(d, w, &[j as u32], &win)) {
                    return Ok(());
                }
            }
            if d.start_seg[w].then(seg, &p.matrix).warp <= data::WARP_EPS {
                reachable = true;
            }
        }
    }
    Err(if reachable {
        UnassignedReason::ShiftTooShort
    } else {
        UnassignedReason::WindowUnreachable
    })
}

/// Replays the routes of `s` from their earliest departure into a plan with times.
fn to_solution(d: &Data, s: &State, mut unassigned: Vec<Unassigned>) -> Solution {
    let p = d.p;
    let m = &p.matrix;
    let mut routes = Vec::new();
    for route in s.routes.iter().filter(|r| r.jobs > 0) {
        let worker = &p.workers[route.w];
        let departure = route.full.early.max(worker.shift.start);
        let mut t = departure;
        let mut at = worker.start_location;
        let mut stops = Vec::with_capacity(route.nodes.len());
        for &node in &route.nodes {
            let node = node as usize;
            if node < d.n {
                let job = &p.jobs[node];
                let arrival = t + m.duration(at, job.location);
                let start = arrival.max(d.job_segs[node][s.win[node] as usize].early);
                stops.push(Stop {
                    activity: Activity::Job(node),
                    arrival,
                    start,
                });
                t = start + job.service;
                at = job.location;
            } else if !route.held {
                let b = node - d.n;
                let brk = &worker.breaks[b];
                let start = t.max(brk.window.start);
                stops.push(Stop {
                    activity: Activity::Break(b),
                    arrival: t,
                    start,
                });
                t = start + brk.duration;
            }
        }
        let end = t + m.duration(at, worker.end_location);
        routes.push(PlanRoute {
            worker: route.w,
            departure,
            stops,
            end,
        });
    }
    unassigned.extend(s.unassigned.iter().map(|&j| Unassigned {
        job: j as usize,
        reason: UnassignedReason::FleetFull,
    }));
    unassigned.sort_by_key(|u| u.job);
    Solution { routes, unassigned }
}
