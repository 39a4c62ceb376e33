//! Search speed on a few Solomon instances: a fixed number of ruin-and-recreate steps, so
//! that the figure is steps per second, comparable between commits on the same machine
//! (`cargo bench -p daojia-dispatch`). Needs `../shared/data/vrptw/` beside the project.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use daojia_dispatch::vrp::{SolveOptions, check, solomon, solve};

const STEPS: u64 = 2_000;

fn main() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/vrptw/solomon100");
    for name in ["C101", "R101", "R112", "RC105", "R201", "RC208"] {
        let Ok(text) = std::fs::read_to_string(dir.join(format!("{name}.vrptw"))) else {
            eprintln!(
                "{name}: benchmark data not found under {}, skipped",
                dir.display()
            );
            continue;
        };
        let instance = solomon::parse(&text).expect("valid instance");
        let options = SolveOptions {
            time_limit: Duration::from_secs(600),
            seed: 1,
            threads: 1,
            max_iterations: Some(STEPS),
            ..SolveOptions::default()
        };
        let started = Instant::now();
        let solution = solve(&instance.problem, &options).expect("valid problem");
        let seconds = started.elapsed().as_secs_f64();
        assert!(
            check(&instance.problem, &solution).is_empty(),
            "{name}: infeasible plan"
        );
        let totals = solution.totals(&instance.problem);
        println!(
            "{name:<6} {STEPS} steps in {seconds:.3} s ({:.0} steps/s), distance {:.3}, routes {}, left out {}",
            STEPS as f64 / seconds,
            totals.distance,
            totals.routes,
            solution.unassigned.len()
        );
    }
}
