//! An independent feasibility check of a plan against its problem.
//!
//! It shares no code with the search: it replays each route from its recorded times and
//! reports every broken rule, so that a bug in the search cannot hide behind the same bug
//! in the check.

use std::fmt;

use super::model::Problem;
use super::solution::{Activity, Solution};

/// Slack allowed on time comparisons, for floating-point sums of travel times.
pub const TIME_TOLERANCE: f64 = 1e-6;

/// One broken rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Violation {
    /// A route names a worker that does not exist.
    UnknownWorker { route: usize },
    /// Two routes belong to the same worker.
    WorkerTwice { worker: usize },
    /// A stop names a job or break that does not exist.
    UnknownActivity { route: usize, stop: usize },
    /// A job is served twice, or served and reported unassigned.
    JobTwice { job: usize },
    /// A job is neither served nor reported unassigned.
    JobMissing { job: usize },
    /// The worker lacks a skill the job needs.
    Skills { job: usize, worker: usize },
    /// A pinned job is served by another worker.
    Pin { job: usize, worker: usize },
    /// A worker's job under way is served by someone else or not as the first stop.
    FirstStop { job: usize, worker: usize },
    /// A stop's times do not follow from the previous stop and the travel time.
    Timing {
        route: usize,
        stop: usize,
        detail: String,
    },
    /// A job or break starts outside its windows.
    Window {
        route: usize,
        stop: usize,
        start: f64,
    },
    /// The route leaves before or ends after the shift.
    Shift { route: usize },
    /// A break is missing from a non-empty route without a job that holds the breaks, or
    /// taken twice.
    Break { route: usize, index: usize },
    /// The load of a route exceeds the worker's capacity.
    Capacity {
        route: usize,
        dimension: usize,
        load: i64,
        capacity: i64,
    },
    /// More jobs than the worker may take.
    MaxJobs { route: usize },
    /// Longer than the worker may work.
    WorkingTime { route: usize },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Checks every rule of the problem on `solution`; an empty list means feasible.
pub fn check(problem: &Problem, solution: &Solution) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut seen = vec![0u32; problem.jobs.len()];
    // Route and stop of each served job.
    let mut served_at = vec![None; problem.jobs.len()];
    let mut worker_used = vec![false; problem.workers.len()];
    let dims = problem.dimensions();
    for (r, route) in solution.routes.iter().enumerate() {
        let Some(worker) = problem.workers.get(route.worker) else {
            out.push(Violation::UnknownWorker { route: r });
            continue;
        };
        if std::mem::replace(&mut worker_used[route.worker], true) {
            out.push(Violation::WorkerTwice {
                worker: route.worker,
            });
        }
        if route.departure < worker.shift.start - TIME_TOLERANCE
            || route.end > worker.shift.end + TIME_TOLERANCE
        {
            out.push(Violation::Shift { route: r });
        }
        let mut breaks = vec![0u32; worker.breaks.len()];
        // A job that holds the breaks: the worker takes them inside it, and a break stop
        // of the route takes no time and has no window.
        let held = route.stops.iter().any(|s| {
            matches!(s.activity, Activity::Job(j) if problem.jobs.get(j).is_some_and(|j| j.holds_breaks))
        });
        let mut load = vec![0i64; dims];
        let mut jobs = 0usize;
        let mut at = worker.start_location;
        let mut free = route.departure;
        // Start and end of the stop before, when it was a job.
        let mut after_job: Option<(f64, f64)> = None;
        for (s, stop) in route.stops.iter().enumerate() {
            let (location, windows, service) = match stop.activity {
                Activity::Job(j) => {
                    let Some(job) = problem.jobs.get(j) else {
                        out.push(Violation::UnknownActivity { route: r, stop: s });
                        continue;
                    };
                    seen[j] += 1;
                    served_at[j] = Some((route.worker, s));
                    jobs += 1;
                    if !worker.skills.covers(job.skills) {
                        out.push(Violation::Skills {
                            job: j,
                            worker: route.worker,
                        });
                    }
                    if job.pinned_worker.is_some_and(|p| p != route.worker) {
                        out.push(Violation::Pin {
                            job: j,
                            worker: route.worker,
                        });
                    }
                    for (d, q) in job.demand.iter().enumerate() {
                        load[d] += q;
                    }
                    (job.location, job.windows.clone(), job.service)
                }
                Activity::Break(b) => {
                    let Some(brk) = worker.breaks.get(b) else {
                        out.push(Violation::UnknownActivity { route: r, stop: s });
                        continue;
                    };
                    breaks[b] += 1;
                    // Deferred to the end of the job in progress at its latest start.
                    let deferred = after_job.is_some_and(|(start, end)| {
                        start <= brk.window.end + TIME_TOLERANCE
                            && stop.start <= end + TIME_TOLERANCE
                            && stop.start >= brk.window.start - TIME_TOLERANCE
                    });
                    if held {
                        (at, Vec::new(), 0.0)
                    } else if deferred {
                        (at, Vec::new(), brk.duration)
                    } else {
                        (at, vec![brk.window], brk.duration)
                    }
                }
            };
            let earliest = free + problem.matrix.duration(at, location);
            if stop.arrival < earliest - TIME_TOLERANCE {
                out.push(Violation::Timing {
                    route: r,
                    stop: s,
                    detail: format!("arrival {} before {earliest}", stop.arrival),
                });
            }
            if stop.start < stop.arrival - TIME_TOLERANCE {
                out.push(Violation::Timing {
                    route: r,
                    stop: s,
                    detail: format!("start {} before arrival {}", stop.start, stop.arrival),
                });
            }
            let inside = windows.is_empty()
                || windows.iter().any(|w| {
                    stop.start >= w.start - TIME_TOLERANCE && stop.start <= w.end + TIME_TOLERANCE
                });
            if !inside {
                out.push(Violation::Window {
                    route: r,
                    stop: s,
                    start: stop.start,
                });
            }
            at = location;
            free = stop.start + service;
            after_job = match stop.activity {
                Activity::Job(_) => Some((stop.start, free)),
                Activity::Break(_) => None,
            };
        }
        if route.end < free + problem.matrix.duration(at, worker.end_location) - TIME_TOLERANCE {
            out.push(Violation::Timing {
                route: r,
                stop: route.stops.len(),
                detail: "end before return".into(),
            });
        }
        if jobs > 0 {
            for (b, n) in breaks.iter().enumerate() {
                if *n > 1 || (*n == 0 && !held) {
                    out.push(Violation::Break { route: r, index: b });
                }
            }
        }
        for (d, l) in load.iter().enumerate() {
            if let Some(&cap) = worker.capacity.get(d)
                && *l > cap
            {
                out.push(Violation::Capacity {
                    route: r,
                    dimension: d,
                    load: *l,
                    capacity: cap,
                });
            }
        }
        if worker.max_jobs.is_some_and(|m| jobs > m) {
            out.push(Violation::MaxJobs { route: r });
        }
        if worker
            .max_working_time
            .is_some_and(|m| route.end - route.departure > m + TIME_TOLERANCE)
        {
            out.push(Violation::WorkingTime { route: r });
        }
    }
    for (w, worker) in problem.workers.iter().enumerate() {
        if let Some(job) = worker.first_job
            && let Some(Some(at)) = served_at.get(job)
            && *at != (w, 0)
        {
            out.push(Violation::FirstStop { job, worker: w });
        }
    }
    for u in &solution.unassigned {
        if let Some(n) = seen.get_mut(u.job) {
            *n += 1;
        }
    }
    for (job, n) in seen.iter().enumerate() {
        match n {
            0 => out.push(Violation::JobMissing { job }),
            1 => {}
            _ => out.push(Violation::JobTwice { job }),
        }
    }
    out
}
