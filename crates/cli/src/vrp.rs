//! `daojia vrp`: route planning from the command line (benchmark instances for now).

use std::path::PathBuf;

use anyhow::bail;
use clap::{Args, Subcommand};
use daojia_dispatch::vrp::cli::solve_solomon_file;

/// Subcommands of `daojia vrp`.
#[derive(Subcommand)]
pub enum VrpCommand {
    /// Solve a VRPTW instance in the Solomon/VRPLIB text format with at most `VEHICLES`
    /// routes, verify the plan with the independent checker, and print it.
    Solve(SolveArgs),
}

/// Arguments of `daojia vrp solve`.
#[derive(Args)]
pub struct SolveArgs {
    /// The instance file.
    file: PathBuf,
    /// Time budget in seconds, reading and checking included.
    #[arg(long)]
    seconds: f64,
    /// Seed of the search (same seed, one thread: same search).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Parallel searches sharing their best plan.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print one JSON object: instance, distance, vehicles, routes, seconds.
    #[arg(long)]
    json: bool,
}

/// Runs a `daojia vrp` subcommand.
pub fn run(command: VrpCommand) -> anyhow::Result<()> {
    match command {
        VrpCommand::Solve(args) => {
            if !(args.seconds.is_finite() && args.seconds >= 0.0) {
                bail!(
                    "--seconds must be a non-negative number, got {}",
                    args.seconds
                );
            }
            // The helper checks the plan independently and fails rather than return an
            // infeasible one, so whatever is printed here has been verified.
            let report =
                solve_solomon_file(&args.file, args.seconds, args.seed, args.threads.max(1))?;
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            Ok(())
        }
    }
}
