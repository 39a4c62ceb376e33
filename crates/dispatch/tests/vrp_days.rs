//! Working days in small: every worker with their own home and end and a break, jobs that
//! hold the break, skills, pins, capacities, working time. Every plan the solver returns
//! passes the independent checker (no late stop, no time warp anywhere), whatever moves the
//! search made between workers of different homes.

mod support;

use std::time::Duration;

use daojia_dispatch::vrp::{
    Break, Job, Matrix, Problem, Skills, SoftWindows, SolveOptions, TimeWindow, Worker, check,
    solve,
};
use proptest::prelude::*;

fn days() -> impl Strategy<Value = Problem> {
    let points = prop::collection::vec((0.0..100.0f64, 0.0..100.0f64), 10..40);
    (points, 2usize..7, any::<u64>()).prop_map(|(points, workers, bits)| {
        let mut next = support::xorshift(bits | 1);
        let n = points.len();
        let matrix = Matrix::euclidean(&points);
        let jobs = (workers..n)
            .map(|loc| {
                let mut job = Job::at(loc, 5.0 + next(40) as f64);
                match next(3) {
                    0 => {}
                    1 => {
                        let start = next(400) as f64;
                        job.windows = vec![TimeWindow::new(start, start + 30.0 + next(120) as f64)];
                    }
                    _ => {
                        let start = next(200) as f64;
                        job.windows = vec![
                            TimeWindow::new(start, start + 40.0),
                            TimeWindow::new(start + 200.0, start + 260.0),
                        ];
                    }
                }
                job.skills = Skills(next(4) & next(4));
                job.demand = vec![1 + next(3) as i64];
                job.priority = next(2) as u32;
                job.holds_breaks = next(10) == 0;
                if next(8) == 0 {
                    job.pinned_worker = Some(next(workers as u64) as usize);
                }
                job
            })
            .collect();
        let workers = (0..workers)
            .map(|w| {
                let start = next(60) as f64;
                let mut worker =
                    Worker::at(w, TimeWindow::new(start, start + 400.0 + next(300) as f64));
                worker.end_location = next(workers as u64) as usize;
                worker.skills = Skills(next(4) | next(4));
                worker.capacity = vec![6 + next(12) as i64];
                let s = 150.0 + next(150) as f64;
                worker.breaks.push(Break {
                    window: TimeWindow::new(s, s + 45.0),
                    duration: 15.0 + next(30) as f64,
                });
                if next(3) == 0 {
                    worker.max_working_time = Some(250.0 + next(300) as f64);
                }
                if next(4) == 0 {
                    worker.max_jobs = Some(2 + next(6) as usize);
                }
                worker.cost_per_time = next(2) as f64;
                worker
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
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_plan_of_a_day_is_feasible(problem in days(), seed in any::<u64>()) {
        let options = SolveOptions {
            time_limit: Duration::from_secs(5),
            seed,
            threads: 1,
            max_iterations: Some(60),
            // The soft-window local search on: no plan with time warp comes back.
            soft_windows: SoftWindows::Always,
            ..SolveOptions::default()
        };
        let solution = solve(&problem, &options).expect("valid problem");
        prop_assert_eq!(check(&problem, &solution), vec![]);
        for route in &solution.routes {
            let worker = &problem.workers[route.worker];
            prop_assert!(route.departure >= worker.shift.start - 1e-9);
            prop_assert!(route.end <= worker.shift.end + 1e-9);
            for j in route.jobs() {
                let job = &problem.jobs[j];
                prop_assert!(job.pinned_worker.is_none_or(|p| p == route.worker));
                prop_assert!(worker.skills.covers(job.skills));
            }
        }
    }
}
