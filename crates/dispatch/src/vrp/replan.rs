//! Re-planning a day that workers have already been told, after one change: a job added,
//! cancelled or delayed, or a worker dropping out.
//!
//! The caller keeps the day as it was planned from (the *base* problem, without promises)
//! and the plan workers were told. [`apply`] makes the change to both, so that job and
//! worker indices still agree; [`replan`] then searches from the told plan (a warm start)
//! on a copy of the problem in which changing what was told costs: a job given to another
//! worker costs [`Stability::move_cost`], a start moved more than
//! [`Stability::tolerance`] from the told one costs [`Stability::shift_cost`]. [`moves`]
//! counts what changed for the workers.

use super::model::{Job, Problem, ProblemError, Promise, TimeWindow, UnassignedReason};
use super::search::{SolveOptions, solve_from};
use super::solution::{Activity, Route, Solution, Unassigned};

/// How much changing what workers were told costs, in the problem's cost units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stability {
    /// Cost of giving a told job to another worker.
    pub move_cost: f64,
    /// A told start may move this much either way (in time units) at no cost.
    pub tolerance: f64,
    /// Cost of starting a told job further from its told start (inside its windows).
    pub shift_cost: f64,
}

/// One change to a planned day.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A new job is booked.
    Added(Job),
    /// A job is cancelled: it leaves the problem, and the jobs after it move down an index.
    Cancelled(usize),
    /// A job's windows move (the customer asked for later, the visit before runs over):
    /// its told start no longer binds, its told worker still does.
    Delayed {
        /// The job.
        job: usize,
        /// Its new windows.
        windows: Vec<TimeWindow>,
    },
    /// A worker drops out for the rest of the day: their jobs, pinned ones and the one
    /// under way included, go to others. The worker keeps its index but takes no job.
    WorkerOut(usize),
}

/// A change that names a job or worker that does not exist.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("the change names {what} {index}, but there are {count}")]
pub struct ChangeError {
    what: &'static str,
    index: usize,
    count: usize,
}

/// Makes `change` to the base problem and to the told plan.
pub fn apply(
    problem: &mut Problem,
    plan: &mut Solution,
    change: &Change,
) -> Result<(), ChangeError> {
    let jobs = problem.jobs.len();
    let job_in_range = |j: usize| {
        if j < jobs {
            Ok(())
        } else {
            Err(ChangeError {
                what: "job",
                index: j,
                count: jobs,
            })
        }
    };
    match change {
        Change::Added(job) => problem.jobs.push(job.clone()),
        Change::Cancelled(j) => {
            let j = *j;
            job_in_range(j)?;
            problem.jobs.remove(j);
            let shift = |x: usize| if x > j { x - 1 } else { x };
            for w in &mut problem.workers {
                w.first_job = match w.first_job {
                    Some(x) if x == j => None,
                    other => other.map(shift),
                };
            }
            for route in &mut plan.routes {
                route
                    .stops
                    .retain(|s| !matches!(s.activity, Activity::Job(x) if x == j));
                for stop in &mut route.stops {
                    if let Activity::Job(x) = &mut stop.activity {
                        *x = shift(*x);
                    }
                }
            }
            plan.routes.retain(|r| r.jobs().next().is_some());
            plan.unassigned.retain(|u| u.job != j);
            for u in &mut plan.unassigned {
                u.job = shift(u.job);
            }
        }
        Change::Delayed { job, windows } => {
            job_in_range(*job)?;
            let job = &mut problem.jobs[*job];
            job.windows.clone_from(windows);
            job.window_costs.clear();
        }
        Change::WorkerOut(w) => {
            let w = *w;
            if w >= problem.workers.len() {
                return Err(ChangeError {
                    what: "worker",
                    index: w,
                    count: problem.workers.len(),
                });
            }
            let worker = &mut problem.workers[w];
            worker.max_jobs = Some(0);
            worker.first_job = None;
            for job in &mut problem.jobs {
                if job.pinned_worker == Some(w) {
                    job.pinned_worker = None;
                }
            }
            if let Some(i) = plan.routes.iter().position(|r| r.worker == w) {
                let route: Route = plan.routes.remove(i);
                // Their customers were told too: they come before jobs nobody was told.
                for j in route.jobs() {
                    problem.jobs[j].priority = problem.jobs[j].priority.saturating_add(1);
                }
                plan.unassigned.extend(route.jobs().map(|job| Unassigned {
                    job,
                    reason: UnassignedReason::MaxJobs,
                }));
            }
        }
    }
    Ok(())
}

/// The base problem with what `plan` told written in: each served job is promised to its
/// worker (unless that worker takes no more jobs), weighs one more priority level when
/// left out (so that it is not traded for a job nobody was told), and starts free of cost within
/// `tolerance` of its told start, elsewhere in its windows at `shift_cost`. A job whose
/// told start is no longer inside its windows (it was delayed) keeps its windows as they
/// are.
pub fn told(problem: &Problem, plan: &Solution, stability: &Stability) -> Problem {
    let mut out = problem.clone();
    for route in &plan.routes {
        let out_of_work = problem
            .workers
            .get(route.worker)
            .is_none_or(|w| w.max_jobs == Some(0));
        for stop in &route.stops {
            let Activity::Job(j) = stop.activity else {
                continue;
            };
            let Some(job) = out.jobs.get_mut(j) else {
                continue;
            };
            if !out_of_work {
                job.promise = Some(Promise {
                    worker: route.worker,
                    move_cost: stability.move_cost,
                });
            }
            // On a full day, a told job is not traded for one nobody was told.
            job.priority = job.priority.saturating_add(1);
            let t = stop.start;
            let windows = if job.windows.is_empty() {
                vec![TimeWindow::unbounded()]
            } else {
                job.windows.clone()
            };
            let Some(inside) = windows.iter().find(|w| w.start <= t && t <= w.end) else {
                continue;
            };
            let band = TimeWindow::new(
                inside.start.max(t - stability.tolerance),
                inside.end.min(t + stability.tolerance),
            );
            let costs: Vec<f64> = (0..windows.len())
                .map(|k| job.window_costs.get(k).copied().unwrap_or(0.0) + stability.shift_cost)
                .collect();
            job.windows = std::iter::once(band).chain(windows).collect();
            job.window_costs = std::iter::once(0.0).chain(costs).collect();
        }
    }
    out
}

/// A new plan for `problem` (the base, after [`apply`]) starting from `plan` (the told
/// plan, after [`apply`]), with changes to what was told penalised as `stability` says.
/// The plan returned is for the base problem: check it with [`super::check`] against it.
pub fn replan(
    problem: &Problem,
    plan: &Solution,
    stability: &Stability,
    options: &SolveOptions,
) -> Result<Solution, ProblemError> {
    solve_from(&told(problem, plan, stability), plan, options)
}

/// What a new plan changed for the workers, against the told plan (same job indices).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moves {
    /// Told jobs now served by another worker.
    pub reassigned: usize,
    /// Told jobs kept by their worker whose start moved by more than the tolerance.
    pub shifted: usize,
    /// Told jobs now left out.
    pub dropped: usize,
    /// Jobs served in both plans.
    pub kept: usize,
}

/// Counts the told jobs `after` moves to another worker, shifts in time beyond
/// `tolerance`, or leaves out.
pub fn moves(before: &Solution, after: &Solution, tolerance: f64) -> Moves {
    let mut at = std::collections::HashMap::new();
    for route in &after.routes {
        for stop in &route.stops {
            if let Activity::Job(j) = stop.activity {
                at.insert(j, (route.worker, stop.start));
            }
        }
    }
    let mut m = Moves::default();
    for route in &before.routes {
        for stop in &route.stops {
            let Activity::Job(j) = stop.activity else {
                continue;
            };
            match at.get(&j) {
                None => m.dropped += 1,
                Some(&(w, _)) if w != route.worker => m.reassigned += 1,
                Some(&(_, start)) => {
                    m.kept += 1;
                    if (start - stop.start).abs() > tolerance + 1e-6 {
                        m.shifted += 1;
                    }
                }
            }
        }
    }
    m
}
