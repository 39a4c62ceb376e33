//! `daojia vrp solve` without the rest of the binary: the same command line, the same
//! checked result (`vrp::cli::solve_solomon_file`), the same JSON. The benchmark
//! (`bench/vrp/compare.py --variant NAME=PATH`) builds it from two versions of the search
//! and runs them side by side, without a release build of the whole server for each.
//!
//! `cargo build --release -p daojia-dispatch --example vrp_solve`, then
//! `vrp_solve [vrp solve] FILE --seconds S [--seed N] [--threads T] [--json]
//! [--soft-windows off|long|on] [--iterations N]` (the last two to measure the search's
//! variants: hard windows only; soft windows with long routes, the default; soft windows
//! always; and a fixed number of ruin-and-recreate steps, `SolveOptions::max_iterations`,
//! which gives the same plan for the same seed whatever the load, within the time limit).

use std::path::PathBuf;
use std::process::ExitCode;

use daojia_dispatch::vrp::cli::solve_solomon_file_with;
use daojia_dispatch::vrp::{SoftWindows, SolveOptions};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    // Accept the binary's subcommand words, so that the same command line runs either.
    if args.first().is_some_and(|a| a == "vrp") {
        args.remove(0);
    }
    if args.first().is_some_and(|a| a == "solve") {
        args.remove(0);
    }
    let (mut file, mut seconds, mut seed, mut threads, mut json) =
        (None, None, 1u64, 1usize, false);
    let mut soft = SolveOptions::default().soft_windows;
    let mut iterations: Option<u64> = None;
    let mut i = 0;
    while i < args.len() {
        let value = |i: usize| args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => seconds = value(i).parse::<f64>().ok(),
            "--seed" => seed = value(i).parse().unwrap_or(seed),
            "--threads" => threads = value(i).parse().unwrap_or(threads),
            "--soft-windows" => {
                soft = match value(i).as_str() {
                    "off" => SoftWindows::Off,
                    "long" => SoftWindows::LongRoutes,
                    "on" => SoftWindows::Always,
                    other => {
                        eprintln!("--soft-windows takes off, long or on, not {other:?}");
                        return ExitCode::from(2);
                    }
                }
            }
            "--iterations" => match value(i).parse::<u64>() {
                Ok(n) => iterations = Some(n),
                Err(_) => {
                    eprintln!(
                        "--iterations takes a whole number of steps, got {:?}",
                        value(i)
                    );
                    return ExitCode::from(2);
                }
            },
            "--json" => {
                json = true;
                i += 1;
                continue;
            }
            other => {
                file = Some(PathBuf::from(other));
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let (Some(file), Some(seconds)) = (file, seconds) else {
        eprintln!(
            "usage: vrp_solve [vrp solve] FILE --seconds S [--seed N] [--threads T] [--json] \
             [--soft-windows off|long|on] [--iterations N]"
        );
        return ExitCode::from(2);
    };
    if !(seconds.is_finite() && seconds >= 0.0) {
        eprintln!("--seconds must be a non-negative number, got {seconds}");
        return ExitCode::from(2);
    }
    let options = SolveOptions {
        seed,
        threads: threads.max(1),
        soft_windows: soft,
        max_iterations: iterations,
        ..SolveOptions::default()
    };
    match solve_solomon_file_with(&file, seconds, options) {
        Ok(report) if json => {
            println!(
                "{}",
                serde_json::to_string(&report).expect("a report serialises")
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            print!("{}", report.to_text());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
