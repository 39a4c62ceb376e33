//! Every plan the solver returns is feasible; pinned jobs stay pinned; left-out jobs carry
//! a reason that holds.

mod support;

use std::sync::Arc;
use std::time::Duration;

use daojia_dispatch::vrp::{
    Activity, Break, Job, Matrix, Problem, Progress, Skills, SoftWindows, SolveOptions, TimeWindow,
    UnassignedReason, Worker, check, solve,
};
use proptest::prelude::*;

fn quick(seed: u64) -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(5),
        seed,
        threads: 1,
        max_iterations: Some(150),
        ..SolveOptions::default()
    }
}

fn line_problem() -> Problem {
    // Depot at 0, jobs along a line at 1..=6, travel time = distance.
    let points: Vec<(f64, f64)> = (0..7).map(|i| (i as f64 * 10.0, 0.0)).collect();
    let matrix = Matrix::euclidean(&points);
    let mut jobs: Vec<Job> = (1..7).map(|i| Job::at(i, 5.0)).collect();
    jobs[0].windows = vec![TimeWindow::new(0.0, 40.0)];
    jobs[1].windows = vec![TimeWindow::new(0.0, 20.0), TimeWindow::new(100.0, 120.0)];
    jobs[2].skills = Skills(0b10);
    jobs[3].demand = vec![3];
    jobs[4].pinned_worker = Some(1);
    let mut a = Worker::at(0, TimeWindow::new(0.0, 300.0));
    a.capacity = vec![5];
    a.breaks = vec![Break {
        window: TimeWindow::new(50.0, 80.0),
        duration: 15.0,
    }];
    a.skills = Skills(0b01);
    let mut b = Worker::at(0, TimeWindow::new(0.0, 300.0));
    b.capacity = vec![5];
    b.skills = Skills(0b11);
    Problem {
        jobs,
        workers: vec![a, b],
        matrix,
    }
}

#[test]
fn a_small_plan_with_breaks_skills_pins_and_capacity_is_feasible() {
    let problem = line_problem();
    let solution = solve(&problem, &quick(7)).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
    assert!(solution.unassigned.is_empty(), "{:?}", solution.unassigned);
    let route_of = |j: usize| {
        solution
            .routes
            .iter()
            .find(|r| r.jobs().any(|x| x == j))
            .map(|r| r.worker)
    };
    assert_eq!(route_of(4), Some(1), "pinned job stays with its worker");
    assert_eq!(route_of(2), Some(1), "only worker 1 has the skill");
    let with_break = solution.routes.iter().find(|r| r.worker == 0);
    if let Some(route) = with_break {
        assert!(
            route.stops.iter().any(|s| s.activity == Activity::Break(0)),
            "a used worker takes the break"
        );
    }
}

#[test]
fn left_out_jobs_say_why() {
    let mut problem = line_problem();
    // A skill nobody has, a demand beyond every capacity, a window closed before anyone can
    // arrive, and a job so long nobody is back before the shift ends.
    let mut skill = Job::at(3, 1.0);
    skill.skills = Skills(0b100);
    let mut heavy = Job::at(3, 1.0);
    heavy.demand = vec![9];
    let mut early = Job::at(6, 1.0);
    early.windows = vec![TimeWindow::new(0.0, 10.0)];
    let long = Job::at(6, 290.0);
    problem.jobs.extend([skill, heavy, early, long]);
    let solution = solve(&problem, &quick(3)).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
    let reason = |j: usize| {
        solution
            .unassigned
            .iter()
            .find(|u| u.job == j)
            .map(|u| u.reason)
    };
    assert_eq!(reason(6), Some(UnassignedReason::NoWorkerWithSkills));
    assert_eq!(reason(7), Some(UnassignedReason::Capacity));
    assert_eq!(reason(8), Some(UnassignedReason::WindowUnreachable));
    assert_eq!(reason(9), Some(UnassignedReason::ShiftTooShort));
}

#[test]
fn the_same_seed_gives_the_same_plan() {
    let problem = line_problem();
    let a = solve(&problem, &quick(11)).expect("valid problem");
    let b = solve(&problem, &quick(11)).expect("valid problem");
    assert_eq!(a, b);
}

#[test]
fn a_time_limit_of_zero_still_returns_a_feasible_plan() {
    let problem = line_problem();
    let options = SolveOptions {
        time_limit: Duration::ZERO,
        ..SolveOptions::default()
    };
    let solution = solve(&problem, &options).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
}

#[test]
fn several_threads_return_a_feasible_plan() {
    let problem = line_problem();
    let options = SolveOptions {
        time_limit: Duration::from_millis(200),
        threads: 2,
        ..SolveOptions::default()
    };
    let solution = solve(&problem, &options).expect("valid problem");
    assert_eq!(check(&problem, &solution), vec![]);
}

#[test]
fn the_checker_catches_a_late_stop_and_a_missing_job() {
    let problem = line_problem();
    let mut solution = solve(&problem, &quick(5)).expect("valid problem");
    let route = solution
        .routes
        .iter_mut()
        .find(|r| r.stops.len() > 1)
        .expect("a route with stops");
    let stop = route
        .stops
        .iter_mut()
        .find(|s| matches!(s.activity, Activity::Job(0)))
        .or(None);
    if let Some(stop) = stop {
        stop.start = 1_000.0;
    }
    let dropped = route.stops.pop().expect("a stop");
    let violations = check(&problem, &solution);
    assert!(!violations.is_empty());
    if let Activity::Job(j) = dropped.activity {
        assert!(
            violations
                .iter()
                .any(|v| format!("{v:?}").contains(&format!("JobMissing {{ job: {j} }}")))
        );
    }
}

/// A random problem: up to 12 jobs, 3 workers, windows, skills, breaks, capacities, pins.
fn problems() -> impl Strategy<Value = Problem> {
    let points = prop::collection::vec((0.0..100.0f64, 0.0..100.0f64), 4..14);
    (points, 1usize..4, any::<u64>()).prop_map(|(points, workers, bits)| {
        let mut next = support::xorshift(bits);
        let n = points.len();
        let matrix = Matrix::euclidean(&points);
        let jobs = (1..n)
            .map(|loc| {
                let mut job = Job::at(loc, next(20) as f64);
                let windows = next(3);
                for _ in 0..windows {
                    let start = next(400) as f64;
                    job.windows
                        .push(TimeWindow::new(start, start + 10.0 + next(150) as f64));
                }
                job.skills = Skills(next(4) & next(4));
                job.demand = vec![next(4) as i64, next(3) as i64];
                job.priority = next(3) as u32;
                if next(6) == 0 {
                    job.pinned_worker = Some(next(workers as u64) as usize);
                }
                job
            })
            .collect();
        let workers = (0..workers)
            .map(|_| {
                let start = next(n as u64) as usize;
                let mut w = Worker::at(
                    start,
                    TimeWindow::new(next(50) as f64, 300.0 + next(300) as f64),
                );
                w.end_location = next(n as u64) as usize;
                w.skills = Skills(next(4));
                w.capacity = vec![5 + next(10) as i64, 4 + next(6) as i64];
                if next(2) == 0 {
                    let s = 100.0 + next(200) as f64;
                    w.breaks.push(Break {
                        window: TimeWindow::new(s, s + 60.0),
                        duration: 10.0 + next(20) as f64,
                    });
                }
                if next(3) == 0 {
                    w.max_jobs = Some(next(5) as usize);
                }
                if next(3) == 0 {
                    w.max_working_time = Some(150.0 + next(300) as f64);
                }
                w.cost_per_time = next(2) as f64;
                w.fixed_cost = next(50) as f64;
                w
            })
            .collect();
        Problem {
            jobs,
            workers,
            matrix,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_returned_plan_is_feasible(problem in problems(), seed in any::<u64>()) {
        // With the soft-window local search on: a plan with time warp is never returned.
        let options = SolveOptions { time_limit: Duration::from_secs(5), seed, threads: 1, max_iterations: Some(40), soft_windows: SoftWindows::Always, ..SolveOptions::default() };
        let solution = solve(&problem, &options).expect("valid problem");
        prop_assert_eq!(check(&problem, &solution), vec![]);
        for u in &solution.unassigned {
            let job = &problem.jobs[u.job];
            if u.reason == UnassignedReason::NoWorkerWithSkills {
                let able = problem.workers.iter().enumerate().any(|(w, worker)| {
                    worker.skills.covers(job.skills) && job.pinned_worker.is_none_or(|p| p == w)
                });
                prop_assert!(!able);
            }
        }
        for route in &solution.routes {
            for j in route.jobs() {
                prop_assert!(problem.jobs[j].pinned_worker.is_none_or(|p| p == route.worker));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Long enough for the search to restart its walk from the best plan several times
    /// (after 20 steps per job and a tenth of the run without a better plan): every
    /// returned plan is still feasible.
    #[test]
    fn plans_stay_feasible_across_restarts(problem in problems(), seed in any::<u64>()) {
        let options = SolveOptions { time_limit: Duration::from_secs(20), seed, threads: 1, max_iterations: Some(1500), soft_windows: SoftWindows::Always, ..SolveOptions::default() };
        let solution = solve(&problem, &options).expect("valid problem");
        prop_assert_eq!(check(&problem, &solution), vec![]);
    }
}

/// A random problem with long routes: 16-31 jobs for one or two workers with a long shift
/// and room for every job, so that a plan serving every job has 15 or more jobs a route
/// (where the walk may leave jobs out at a cost); wide windows, some breaks and skills.
fn long_route_problems() -> impl Strategy<Value = Problem> {
    let points = prop::collection::vec((0.0..100.0f64, 0.0..100.0f64), 17..33);
    (points, 1usize..3, any::<u64>()).prop_map(|(points, workers, bits)| {
        let mut next = support::xorshift(bits);
        let n = points.len();
        let matrix = Matrix::euclidean(&points);
        let jobs = (1..n)
            .map(|loc| {
                let mut job = Job::at(loc, next(10) as f64);
                if next(2) == 0 {
                    let start = next(900) as f64;
                    job.windows
                        .push(TimeWindow::new(start, start + 100.0 + next(400) as f64));
                }
                job.skills = Skills(next(4) & next(4) & 1);
                job.demand = vec![next(3) as i64];
                job.priority = next(2) as u32;
                job
            })
            .collect();
        let workers = (0..workers)
            .map(|_| {
                let mut w = Worker::at(0, TimeWindow::new(0.0, 800.0 + next(600) as f64));
                w.skills = Skills(1 | next(2));
                w.capacity = vec![30 + next(40) as i64];
                if next(2) == 0 {
                    let s = 200.0 + next(400) as f64;
                    w.breaks.push(Break {
                        window: TimeWindow::new(s, s + 100.0),
                        duration: 10.0 + next(20) as f64,
                    });
                }
                w
            })
            .collect();
        Problem {
            jobs,
            workers,
            matrix,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Once every job is in and the routes are long, the annealing walk may cross plans
    /// with a job left out at a cost; the plan returned must still serve every job once a
    /// plan that did was found (the progress hears of every new best plan), and pass the
    /// checker.
    #[test]
    fn a_complete_plan_is_never_traded_for_one_with_a_job_out(
        problem in long_route_problems(),
        seed in any::<u64>(),
        soft in prop_oneof![Just(SoftWindows::LongRoutes), Just(SoftWindows::Always)],
    ) {
        let progress = Arc::new(Progress::new());
        let options = SolveOptions { time_limit: Duration::from_secs(20), seed, threads: 1, max_iterations: Some(1500), soft_windows: soft, progress: Some(progress.clone()) };
        let solution = solve(&problem, &options).expect("valid problem");
        prop_assert_eq!(check(&problem, &solution), vec![]);
        if progress.snapshot().complete_after.is_some() {
            prop_assert!(
                solution.unassigned.iter().all(|u| u.reason != UnassignedReason::FleetFull),
                "{:?}", solution.unassigned
            );
        }
    }
}
