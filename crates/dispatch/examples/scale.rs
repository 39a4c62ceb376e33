//! Scale: a day of the demo city with 1,000 orders and 100 workers (by default), built
//! with the built-in travel model and solved with a time limit; prints the time to the
//! first plan, how the plan improves, and the memory used. Not part of the test suite:
//!
//! ```sh
//! cargo run --release -p daojia-dispatch --example scale -- --seconds 30 --threads 2
//! ```
//!
//! Options: `--orders N`, `--workers N`, `--seconds S`, `--threads T`, `--seed N`,
//! `--max-minutes M` (longest service item drawn; all by default).

#[path = "support/demo_day.rs"]
mod demo_day;

use std::sync::Arc;
use std::time::{Duration, Instant};

use daojia_dispatch::day::DayProblem;
use daojia_dispatch::vrp::{Progress, SolveOptions, check, solve};
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

fn main() {
    let orders = arg("--orders", 1_000usize);
    let workers = arg("--workers", 100usize);
    let seconds = arg("--seconds", 30.0f64);
    let threads = arg("--threads", 2usize);
    let seed = arg("--seed", 1u64);
    let max_minutes = arg("--max-minutes", 600i32);
    // A fixed number of steps per thread (0: none), to compare versions on a loaded machine.
    let iterations = arg("--iterations", 0u64);

    let started = Instant::now();
    let input = demo_day::day(seed, orders, workers, max_minutes);
    let day = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    let built = started.elapsed().as_secs_f64();
    let (_, rss_built) = demo_day::memory_mib().unwrap_or_default();
    let service: f64 = day.problem.jobs.iter().map(|j| j.service).sum::<f64>() / 3600.0;
    let shifts: f64 = day
        .problem
        .workers
        .iter()
        .map(|w| w.shift.end - w.shift.start - w.breaks.iter().map(|b| b.duration).sum::<f64>())
        .sum::<f64>()
        / 3600.0;
    println!(
        "demo city seed {seed}: {} orders ({service:.0} h of service), {} workers ({shifts:.0} h on shift), matrix {}x{}",
        day.orders.len(),
        day.workers.len(),
        day.problem.matrix.size(),
        day.problem.matrix.size()
    );
    println!("built in {built:.2} s (travel model matrix included), resident {rss_built:.0} MiB");

    let progress = Arc::new(Progress::new());
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(seconds),
        seed,
        threads,
        progress: Some(progress.clone()),
        max_iterations: (iterations > 0).then_some(iterations),
        ..SolveOptions::default()
    };
    let solving = Instant::now();
    let plan = std::thread::scope(|scope| {
        let handle = scope.spawn(|| solve(&day.problem, &options).expect("a valid problem"));
        let marks = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0];
        let mut next = 0;
        while !handle.is_finished() {
            std::thread::sleep(Duration::from_millis(20));
            let t = solving.elapsed().as_secs_f64();
            if next < marks.len() && t >= marks[next] && marks[next] < seconds {
                let s = progress.snapshot();
                println!(
                    "  at {:>5.1} s: left out {:>4}, cost {:>12.0}, {} steps",
                    t,
                    s.left_out.unwrap_or(0),
                    s.cost.unwrap_or(0.0),
                    s.steps
                );
                next += 1;
            }
        }
        handle.join().expect("the search does not panic")
    });
    let took = solving.elapsed().as_secs_f64();
    let snap = progress.snapshot();
    let violations = check(&day.problem, &plan);
    assert!(violations.is_empty(), "infeasible plan: {violations:?}");
    let view = day.plan(&plan);
    let (peak, _) = demo_day::memory_mib().unwrap_or_default();
    println!(
        "first plan after {:.3} s: left out {}, cost {:.0}",
        snap.first_plan_after.unwrap_or(f64::NAN),
        snap.first_left_out.unwrap_or(0),
        snap.first_cost.unwrap_or(0.0)
    );
    match snap.complete_after {
        Some(t) => println!("every order that fits anywhere in after {t:.3} s"),
        None => println!("some orders stay out for lack of room (fleet full)"),
    }
    println!(
        "after {took:.1} s ({threads} thread(s), {} steps): left out {}, cost {:.0}, last improvement at {:.1} s",
        snap.steps,
        plan.unassigned.len(),
        snap.cost.unwrap_or(0.0),
        snap.improved_after.unwrap_or(0.0)
    );
    let mut reasons = std::collections::BTreeMap::<String, usize>::new();
    for u in &plan.unassigned {
        *reasons.entry(u.reason.to_string()).or_default() += 1;
    }
    println!("left out by reason: {reasons:?}");
    let t = &view.totals;
    println!(
        "plan: {} orders on {} workers ({:.1} per worker), {:.0} km, {:.0} working hours, {:.0} h driving",
        t.orders,
        t.workers,
        t.orders as f64 / t.workers.max(1) as f64,
        t.meters / 1000.0,
        t.seconds / 3600.0,
        t.travel_seconds / 3600.0
    );
    println!("checked feasible by vrp::check; peak resident memory {peak:.0} MiB");
}
