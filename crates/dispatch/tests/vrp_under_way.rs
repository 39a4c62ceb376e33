//! Jobs under way stay first on their worker's route, pinned jobs stay pinned, and what
//! workers were told (promises, windows) costs to change.

mod support;

use std::time::Duration;

use daojia_dispatch::vrp::{
    Activity, Break, Job, Matrix, Problem, ProblemError, Promise, Skills, SolveOptions, TimeWindow,
    Worker, check, solve,
};
use proptest::prelude::*;

fn quick(seed: u64) -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(5),
        seed,
        max_iterations: Some(60),
        ..SolveOptions::default()
    }
}

fn route_of(solution: &daojia_dispatch::vrp::Solution, j: usize) -> Option<usize> {
    solution
        .routes
        .iter()
        .find(|r| r.jobs().any(|x| x == j))
        .map(|r| r.worker)
}

#[test]
fn a_job_under_way_stays_first_even_when_another_order_is_shorter() {
    // Depot at 0; job 0 far out at 9, job 1 next door at 1: the shortest route would
    // serve job 1 first, but the worker is already on the way to job 0.
    let points: Vec<(f64, f64)> = (0..10).map(|i| (i as f64 * 10.0, 0.0)).collect();
    let jobs = vec![Job::at(9, 5.0), Job::at(1, 5.0), Job::at(2, 5.0)];
    let mut w = Worker::at(0, TimeWindow::new(0.0, 1_000.0));
    w.first_job = Some(0);
    w.breaks.push(Break {
        window: TimeWindow::new(0.0, 500.0),
        duration: 10.0,
    });
    let problem = Problem {
        jobs,
        workers: vec![w, Worker::at(0, TimeWindow::new(0.0, 1_000.0))],
        matrix: Matrix::euclidean(&points),
    };
    let solution = solve(&problem, &quick(1)).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
    let route = solution
        .routes
        .iter()
        .find(|r| r.worker == 0)
        .expect("worker 0 has a route");
    assert_eq!(route.stops[0].activity, Activity::Job(0), "{route:?}");
}

#[test]
fn a_job_under_way_that_cannot_be_reached_is_left_out_with_a_reason() {
    let points = [(0.0, 0.0), (100.0, 0.0)];
    let mut job = Job::at(1, 5.0);
    job.windows = vec![TimeWindow::new(0.0, 10.0)];
    let mut w = Worker::at(0, TimeWindow::new(0.0, 1_000.0));
    w.first_job = Some(0);
    let problem = Problem {
        jobs: vec![job, Job::at(1, 5.0)],
        workers: vec![w],
        matrix: Matrix::euclidean(&points),
    };
    let solution = solve(&problem, &quick(1)).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
    assert_eq!(solution.unassigned.len(), 1);
    assert_eq!(solution.unassigned[0].job, 0);
    assert_eq!(
        route_of(&solution, 1),
        Some(0),
        "the worker is free for the rest"
    );
}

#[test]
fn a_first_job_must_exist_and_belong_to_one_worker() {
    let points = [(0.0, 0.0), (1.0, 0.0)];
    let mut a = Worker::at(0, TimeWindow::unbounded());
    a.first_job = Some(0);
    let mut problem = Problem {
        jobs: vec![Job::at(1, 1.0)],
        workers: vec![a.clone(), a],
        matrix: Matrix::euclidean(&points),
    };
    assert!(matches!(
        solve(&problem, &quick(1)),
        Err(ProblemError::FirstJob { worker: 1, .. })
    ));
    problem.workers[1].first_job = Some(5);
    assert!(matches!(
        solve(&problem, &quick(1)),
        Err(ProblemError::FirstJob { job: 5, .. })
    ));
    problem.workers[1].first_job = None;
    problem.jobs[0].pinned_worker = Some(1);
    assert!(matches!(
        solve(&problem, &quick(1)),
        Err(ProblemError::FirstJob { worker: 0, .. })
    ));
}

#[test]
fn a_promised_job_stays_with_its_worker_unless_moving_pays() {
    // Two workers at 0 and at 10; the job at 4 is a little closer to worker 0, but it was
    // promised to worker 1.
    let points = [(0.0, 0.0), (10.0, 0.0), (4.0, 0.0)];
    let workers = vec![
        Worker::at(0, TimeWindow::unbounded()),
        Worker::at(1, TimeWindow::unbounded()),
    ];
    let mut job = Job::at(2, 1.0);
    job.promise = Some(Promise {
        worker: 1,
        move_cost: 5.0,
    });
    let mut problem = Problem {
        jobs: vec![job],
        workers,
        matrix: Matrix::euclidean(&points),
    };
    let kept = solve(&problem, &quick(2)).expect("valid problem");
    assert_eq!(route_of(&kept, 0), Some(1));
    assert_eq!(kept.totals(&problem).penalty, 0.0);
    // A cheap promise is broken when the other worker saves more than it costs.
    problem.jobs[0]
        .promise
        .as_mut()
        .expect("promised")
        .move_cost = 1.0;
    let moved = solve(&problem, &quick(2)).expect("valid problem");
    assert_eq!(route_of(&moved, 0), Some(0));
    assert_eq!(moved.totals(&problem).penalty, 1.0);
}

#[test]
fn a_window_with_a_cost_is_used_only_when_it_pays() {
    // The job may start at 0..10 (costing 50: not what the customer was told) or at
    // 100..110 (told). Waiting costs time, but less than 50.
    let points = [(0.0, 0.0), (5.0, 0.0)];
    let mut w = Worker::at(0, TimeWindow::new(0.0, 1_000.0));
    w.cost_per_time = 0.1;
    let mut job = Job::at(1, 1.0);
    job.windows = vec![TimeWindow::new(0.0, 10.0), TimeWindow::new(100.0, 110.0)];
    job.window_costs = vec![50.0, 0.0];
    let problem = Problem {
        jobs: vec![job],
        workers: vec![w],
        matrix: Matrix::euclidean(&points),
    };
    let solution = solve(&problem, &quick(3)).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
    let start = solution.routes[0].stops[0].start;
    assert!((100.0..=110.0).contains(&start), "started at {start}");
    assert_eq!(solution.totals(&problem).penalty, 0.0);
}

/// A random problem with jobs under way (always reachable: no window, no demand, a skill
/// the worker has), pins, promises and windows with costs.
fn problems() -> impl Strategy<Value = Problem> {
    let points = prop::collection::vec((0.0..100.0f64, 0.0..100.0f64), 5..16);
    (points, 1usize..5, any::<u64>()).prop_map(|(points, workers, bits)| {
        let mut next = support::xorshift(bits | 1);
        let n = points.len();
        let mut jobs: Vec<Job> = (1..n)
            .map(|loc| {
                let mut job = Job::at(loc, next(20) as f64);
                for _ in 0..next(3) {
                    let start = next(400) as f64;
                    job.windows
                        .push(TimeWindow::new(start, start + 10.0 + next(150) as f64));
                    job.window_costs.push(next(3) as f64 * 20.0);
                }
                job.skills = Skills(next(4) & next(4));
                job.demand = vec![next(4) as i64];
                if next(5) == 0 {
                    job.pinned_worker = Some(next(workers as u64) as usize);
                }
                if next(3) == 0 {
                    job.promise = Some(Promise {
                        worker: next(workers as u64) as usize,
                        move_cost: next(100) as f64,
                    });
                }
                job
            })
            .collect();
        let mut taken = vec![false; jobs.len()];
        let workers = (0..workers)
            .map(|w| {
                // The shift ends late enough for any first job, the break and the way home
                // (at most 50 + 142 + 30, then a break ending by 610, then up to 142).
                let mut worker = Worker::at(
                    next(n as u64) as usize,
                    TimeWindow::new(next(50) as f64, 800.0 + next(300) as f64),
                );
                worker.end_location = next(n as u64) as usize;
                worker.skills = Skills(next(4));
                worker.capacity = vec![6 + next(10) as i64];
                worker.cost_per_time = next(2) as f64;
                if next(2) == 0 {
                    // After any first job (at most 50 + 142 + 30) is done.
                    let s = 300.0 + next(200) as f64;
                    worker.breaks.push(Break {
                        window: TimeWindow::new(s, s + 80.0),
                        duration: 10.0 + next(20) as f64,
                    });
                }
                let j = next(jobs.len() as u64) as usize;
                if next(2) == 0 && !taken[j] {
                    taken[j] = true;
                    worker.first_job = Some(j);
                    let job = &mut jobs[j];
                    job.windows.clear();
                    job.window_costs.clear();
                    job.demand.clear();
                    job.skills = Skills::NONE;
                    job.service = next(30) as f64;
                    if next(2) == 0 {
                        job.pinned_worker = Some(w);
                    } else {
                        job.pinned_worker = None;
                    }
                }
                worker
            })
            .collect();
        Problem {
            jobs,
            workers,
            matrix: Matrix::euclidean(&points),
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn jobs_under_way_stay_first_and_pinned_jobs_stay_pinned(problem in problems(), seed in any::<u64>()) {
        let solution = solve(&problem, &quick(seed)).expect("valid problem");
        prop_assert_eq!(check(&problem, &solution), vec![]);
        for (w, worker) in problem.workers.iter().enumerate() {
            if let Some(j) = worker.first_job {
                let route = solution.routes.iter().find(|r| r.worker == w);
                let first = route.and_then(|r| r.stops.first()).map(|s| s.activity);
                prop_assert_eq!(first, Some(Activity::Job(j)), "worker {} starts with job {}", w, j);
            }
        }
        for route in &solution.routes {
            for j in route.jobs() {
                prop_assert!(problem.jobs[j].pinned_worker.is_none_or(|p| p == route.worker));
            }
        }
        for u in &solution.unassigned {
            prop_assert!(problem.first_job_of(u.job).is_none(), "job {} under way left out", u.job);
        }
        let totals = solution.totals(&problem);
        prop_assert!(totals.penalty.is_finite() && totals.penalty >= 0.0);
    }
}
