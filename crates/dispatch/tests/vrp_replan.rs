//! Re-planning a told day after one change: the new plan is feasible, serves what it can,
//! and moves few of the jobs workers were told; a search can be followed and stopped.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use daojia_dispatch::vrp::replan::{self, Change, Stability};
use daojia_dispatch::vrp::{
    Activity, Break, Job, Matrix, Problem, Progress, Skills, Solution, SolveOptions, TimeWindow,
    Worker, check, solve, solve_from,
};
use proptest::prelude::*;

const STABILITY: Stability = Stability {
    move_cost: 1_000.0,
    tolerance: 15.0,
    shift_cost: 300.0,
};

fn options(seed: u64, steps: u64) -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(10),
        seed,
        max_iterations: Some(steps),
        ..SolveOptions::default()
    }
}

/// A day: 60 jobs with hour-long windows on a 40 × 40 square, 8 workers in two trades
/// with a lunch break. Times in minutes.
fn day(seed: u64) -> Problem {
    let mut next = support::xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut points = vec![(20.0, 20.0)];
    points.extend((0..60).map(|_| (next(40) as f64, next(40) as f64)));
    let jobs = (1..=60)
        .map(|loc| {
            let mut job = Job::at(loc, 20.0 + next(40) as f64);
            let start = 480.0 + 60.0 * next(9) as f64;
            job.windows = vec![TimeWindow::new(start, start + 60.0)];
            job.skills = Skills(1 << next(2));
            job
        })
        .collect();
    let workers = (0..8)
        .map(|w| {
            let mut worker = Worker::at(0, TimeWindow::new(480.0, 1_080.0));
            let trade = if w < 4 { 0b01 } else { 0b10 };
            let both = if w % 3 == 0 { 0b11 } else { 0 };
            worker.skills = Skills(trade | both);
            worker.breaks.push(Break {
                window: TimeWindow::new(720.0, 780.0),
                duration: 30.0,
            });
            worker
        })
        .collect();
    Problem {
        jobs,
        workers,
        matrix: Matrix::euclidean(&points),
    }
}

fn worker_of(plan: &Solution, j: usize) -> Option<usize> {
    plan.routes
        .iter()
        .find(|r| r.jobs().any(|x| x == j))
        .map(|r| r.worker)
}

#[test]
fn nothing_changed_means_nothing_moves() {
    let problem = day(1);
    let plan = solve(&problem, &options(1, 300)).expect("valid problem");
    let again = replan::replan(&problem, &plan, &STABILITY, &options(2, 200)).expect("valid");
    assert_eq!(check(&problem, &again), vec![]);
    let m = replan::moves(&plan, &again, STABILITY.tolerance);
    assert_eq!((m.reassigned, m.shifted, m.dropped), (0, 0, 0), "{m:?}");
    assert!(again.unassigned.len() <= plan.unassigned.len());
}

#[test]
fn each_kind_of_change_gives_a_feasible_plan_that_moves_few_told_jobs() {
    let base = day(2);
    let told = solve(&base, &options(3, 300)).expect("valid problem");
    let busy = told
        .routes
        .iter()
        .max_by_key(|r| r.jobs().count())
        .expect("a route");
    let (busy_worker, busy_job) = (busy.worker, busy.jobs().next().expect("a job"));
    let mut added = Job::at(0, 30.0);
    added.windows = vec![TimeWindow::new(600.0, 660.0)];
    let changes = [
        Change::Added(added),
        Change::Cancelled(busy_job),
        Change::Delayed {
            job: busy_job,
            windows: vec![TimeWindow::new(900.0, 960.0)],
        },
        Change::WorkerOut(busy_worker),
    ];
    for change in changes {
        let (mut problem, mut plan) = (base.clone(), told.clone());
        replan::apply(&mut problem, &mut plan, &change).expect("a valid change");
        let started = Instant::now();
        let new = replan::replan(&problem, &plan, &STABILITY, &options(4, 200)).expect("valid");
        let took = started.elapsed();
        assert_eq!(check(&problem, &new), vec![], "{change:?}");
        let m = replan::moves(&plan, &new, STABILITY.tolerance);
        eprintln!("{change:?}: {m:?} in {took:?}");
        // Fitting in a dropped worker's jobs may take a few moves each; any other change
        // only a few in all.
        let orphans = if let Change::WorkerOut(_) = change {
            busy.jobs().count()
        } else {
            0
        };
        assert!(
            m.reassigned + m.shifted <= 4 + 2 * orphans,
            "{change:?}: {m:?}"
        );
        assert!(
            new.unassigned.len() <= told.unassigned.len() + 2,
            "{change:?}: {:?}",
            new.unassigned
        );
        match change {
            Change::Added(_) => {
                assert!(
                    worker_of(&new, problem.jobs.len() - 1).is_some(),
                    "the new job is in: {:?} {:?}",
                    new.unassigned,
                    told.unassigned
                )
            }
            Change::WorkerOut(w) => {
                assert!(new.routes.iter().all(|r| r.worker != w), "{w} has no route")
            }
            _ => {}
        }
        assert!(took < Duration::from_secs(5), "{change:?} took {took:?}");
    }
}

#[test]
fn a_cancelled_job_leaves_and_the_others_keep_their_place() {
    let mut problem = day(3);
    let mut plan = solve(&problem, &options(5, 200)).expect("valid problem");
    let before = plan.clone();
    replan::apply(&mut problem, &mut plan, &Change::Cancelled(10)).expect("job 10 exists");
    assert_eq!(problem.jobs.len(), 59);
    for j in 0..59 {
        let old = if j < 10 { j } else { j + 1 };
        assert_eq!(worker_of(&plan, j), worker_of(&before, old), "job {j}");
    }
    let new = replan::replan(&problem, &plan, &STABILITY, &options(6, 100)).expect("valid");
    assert_eq!(check(&problem, &new), vec![]);
    assert!(replan::apply(&mut problem, &mut plan, &Change::Cancelled(99)).is_err());
    assert!(replan::apply(&mut problem, &mut plan, &Change::WorkerOut(99)).is_err());
}

#[test]
fn a_warm_start_keeps_a_feasible_start_and_repairs_a_broken_one() {
    let problem = day(4);
    let plan = solve(&problem, &options(7, 200)).expect("valid problem");
    // No search step at all: the start comes back as it was.
    let same = solve_from(&problem, &plan, &options(8, 0)).expect("valid");
    assert_eq!(check(&problem, &same), vec![]);
    for r in &plan.routes {
        let kept = same
            .routes
            .iter()
            .find(|x| x.worker == r.worker)
            .expect("route kept");
        assert_eq!(
            kept.jobs().collect::<Vec<_>>(),
            r.jobs().collect::<Vec<_>>()
        );
    }
    // A start that puts every job on one worker, in reverse: repaired into a feasible plan.
    let mut broken = plan.clone();
    let mut stops: Vec<_> = plan.routes.iter().flat_map(|r| r.stops.clone()).collect();
    stops.retain(|s| matches!(s.activity, Activity::Job(_)));
    stops.reverse();
    broken.routes.truncate(1);
    broken.routes[0].stops = stops;
    let repaired = solve_from(&problem, &broken, &options(9, 50)).expect("valid");
    assert_eq!(check(&problem, &repaired), vec![]);
}

#[test]
fn progress_is_reported_and_a_stop_ends_the_search_early() {
    let problem = day(5);
    let progress = Arc::new(Progress::new());
    let opts = SolveOptions {
        time_limit: Duration::from_secs(30),
        progress: Some(progress.clone()),
        ..SolveOptions::default()
    };
    let stopper = {
        let progress = progress.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            progress.stop();
        })
    };
    let started = Instant::now();
    let plan = solve(&problem, &opts).expect("valid problem");
    stopper.join().expect("stopper");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(check(&problem, &plan), vec![]);
    let snap = progress.snapshot();
    assert_eq!(snap.done, 1.0);
    assert!(snap.first_plan_after.is_some_and(|t| t < 1.0), "{snap:?}");
    assert_eq!(snap.left_out, Some(plan.unassigned.len()), "{snap:?}");
    let cost = plan.totals(&problem).cost;
    assert!(
        (snap.cost.expect("a cost") - cost).abs() < 1e-6 * cost.max(1.0),
        "{snap:?} {cost}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_replan_after_any_change_is_feasible(seed in 0u64..1_000, which in 0usize..4, pick in 0usize..60) {
        let mut problem = day(seed);
        // One worker is on the way to a job.
        problem.jobs[pick].windows.clear();
        problem.jobs[pick].skills = Skills::NONE;
        problem.workers[pick % 8].first_job = Some(pick);
        let mut plan = solve(&problem, &options(seed, 30)).expect("valid problem");
        let change = match which {
            0 => Change::Added(Job::at(pick % 60 + 1, 15.0)),
            1 => Change::Cancelled((pick + 7) % 60),
            2 => Change::Delayed { job: (pick + 3) % 60, windows: vec![TimeWindow::new(840.0, 900.0)] },
            _ => Change::WorkerOut((pick + 1) % 8),
        };
        replan::apply(&mut problem, &mut plan, &change).expect("a valid change");
        let new = replan::replan(&problem, &plan, &STABILITY, &options(seed + 1, 30)).expect("valid");
        prop_assert_eq!(check(&problem, &new), vec![]);
        for (w, worker) in problem.workers.iter().enumerate() {
            if let Some(j) = worker.first_job {
                let first = new.routes.iter().find(|r| r.worker == w).and_then(|r| r.stops.first());
                prop_assert_eq!(first.map(|s| s.activity), Some(Activity::Job(j)));
            }
        }
    }
}
