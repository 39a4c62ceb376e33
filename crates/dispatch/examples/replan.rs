//! Re-plan benchmark: the demo city's 1,000-order, 100-worker day is planned and told to
//! the workers; then, for each kind of change (an order added, cancelled, delayed, a
//! worker dropping out), a few random changes are made one at a time and the day is
//! re-planned from the told plan. Prints the time to the first new plan, the time used,
//! and how many told orders moved to another worker, moved in time by more than the
//! tolerance, or were dropped, against a plan made from scratch in the same time. Not part
//! of the test suite:
//!
//! ```sh
//! cargo run --release -p daojia-dispatch --example replan -- --seconds 30 --replan-seconds 2
//! ```
//!
//! Options: `--orders N`, `--workers N`, `--seconds S` (the told plan), `--replan-seconds S`,
//! `--changes N` (per kind), `--threads T`, `--seed N`, `--max-minutes M` (longest service
//! item drawn; all by default).

#[path = "support/demo_day.rs"]
mod demo_day;

use std::sync::Arc;
use std::time::{Duration, Instant};

use daojia_dispatch::day::DayProblem;
use daojia_dispatch::vrp::replan::{self, Change, Stability};
use daojia_dispatch::vrp::{
    Job, Problem, Progress, Solution, SolveOptions, TimeWindow, check, solve,
};
use daojia_domain::travel::TravelModel;

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

/// Moving a told order to another worker is worth 5 km; its start may move 15 minutes
/// either way for free, further costs the equivalent of 2 km.
const STABILITY: Stability = Stability {
    move_cost: 5_000.0,
    tolerance: 900.0,
    shift_cost: 2_000.0,
};

struct Pick(u64);

impl Pick {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn main() {
    let orders = arg("--orders", 1_000usize);
    let workers = arg("--workers", 100usize);
    let seconds = arg("--seconds", 30.0f64);
    let replan_seconds = arg("--replan-seconds", 2.0f64);
    let changes = arg("--changes", 3usize);
    let threads = arg("--threads", 2usize);
    let seed = arg("--seed", 1u64);
    let max_minutes = arg("--max-minutes", 600i32);

    let input = demo_day::day(seed, orders, workers, max_minutes);
    let day = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    let base = day.problem.clone();
    let options = |secs: f64, seed: u64, progress: Option<Arc<Progress>>| SolveOptions {
        time_limit: Duration::from_secs_f64(secs),
        seed,
        threads,
        progress,
        ..SolveOptions::default()
    };
    let started = Instant::now();
    let told = solve(&base, &options(seconds, seed, None)).expect("a valid problem");
    assert!(check(&base, &told).is_empty(), "the told plan is feasible");
    println!(
        "told plan: {} orders, {} workers, {} served, {} left out, made in {:.1} s ({threads} thread(s))",
        base.jobs.len(),
        base.workers.len(),
        base.jobs.len() - told.unassigned.len(),
        told.unassigned.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "re-plans: {replan_seconds} s each; moves counted against the told plan (tolerance {} min)",
        STABILITY.tolerance / 60.0
    );
    println!(
        "{:<10} {:>9} {:>9} {:>8} | {:>10} {:>8} {:>8} {:>6} | {:>10} {:>8} {:>8}",
        "change",
        "first(s)",
        "used(s)",
        "forced",
        "reassigned",
        "shifted",
        "dropped",
        "out",
        "cold:reas.",
        "shifted",
        "out"
    );
    let mut pick = Pick(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let served: Vec<usize> = told.routes.iter().flat_map(|r| r.jobs()).collect();
    for kind in ["added", "cancelled", "delayed", "worker out"] {
        for n in 0..changes {
            let change = match kind {
                "added" => {
                    let mut job: Job = base.jobs[pick.below(base.jobs.len())].clone();
                    let from = 13.0 * 3600.0 + 3600.0 * pick.below(4) as f64;
                    job.windows = vec![TimeWindow::new(from, from + 3600.0)];
                    Change::Added(job)
                }
                "cancelled" => Change::Cancelled(served[pick.below(served.len())]),
                "delayed" => {
                    let j = served[pick.below(served.len())];
                    let w = base.jobs[j].windows[0];
                    Change::Delayed {
                        job: j,
                        windows: vec![TimeWindow::new(w.start + 7200.0, w.end + 7200.0)],
                    }
                }
                _ => {
                    let r = &told.routes[pick.below(told.routes.len())];
                    Change::WorkerOut(r.worker)
                }
            };
            let forced = match &change {
                Change::WorkerOut(w) => told
                    .routes
                    .iter()
                    .find(|r| r.worker == *w)
                    .map_or(0, |r| r.jobs().count()),
                Change::Cancelled(_) | Change::Delayed { .. } => 1,
                Change::Added(_) => 0,
            };
            let (mut problem, mut plan): (Problem, Solution) = (base.clone(), told.clone());
            replan::apply(&mut problem, &mut plan, &change).expect("a valid change");
            // The told plan in the indices after the change, the dropped worker's jobs
            // still in it (so that moving them counts).
            let mut before = told.clone();
            if let Change::Cancelled(j) = change {
                let mut p = base.clone();
                replan::apply(&mut p, &mut before, &Change::Cancelled(j)).expect("valid");
            }
            let progress = Arc::new(Progress::new());
            let t = Instant::now();
            let warm = replan::replan(
                &problem,
                &plan,
                &STABILITY,
                &options(replan_seconds, seed + n as u64, Some(progress.clone())),
            )
            .expect("a valid problem");
            let used = t.elapsed().as_secs_f64();
            assert!(check(&problem, &warm).is_empty(), "re-plan is feasible");
            let m = replan::moves(&before, &warm, STABILITY.tolerance);
            let cold = solve(&problem, &options(replan_seconds, seed + n as u64, None))
                .expect("a valid problem");
            let c = replan::moves(&before, &cold, STABILITY.tolerance);
            println!(
                "{:<10} {:>9.3} {:>9.2} {:>8} | {:>10} {:>8} {:>8} {:>6} | {:>10} {:>8} {:>8}",
                kind,
                progress.snapshot().first_plan_after.unwrap_or(f64::NAN),
                used,
                forced,
                m.reassigned,
                m.shifted,
                m.dropped,
                warm.unassigned.len(),
                c.reassigned,
                c.shifted,
                cold.unassigned.len()
            );
        }
    }
    let (peak, _) = demo_day::memory_mib().unwrap_or_default();
    println!("peak resident memory {peak:.0} MiB");
}
