//! Solving a benchmark file for the command line: read, solve, verify, report.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::check::{Violation, check};
use super::model::ProblemError;
use super::search::{SolveOptions, solve};
use super::solomon::{self, ParseError};

/// The result of solving one instance, as printed by `daojia vrp solve`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SolveReport {
    /// `NAME` of the instance.
    pub instance: String,
    /// Total distance travelled.
    pub distance: f64,
    /// Routes used.
    pub vehicles: usize,
    /// Each route's customers as node ids of the file, depot excluded.
    pub routes: Vec<Vec<usize>>,
    /// Wall-clock time spent, reading and checking included.
    pub seconds: f64,
}

impl SolveReport {
    /// A few lines for a person: totals, then one line per route.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "instance {}\ndistance {:.3}\nvehicles {}\nseconds {:.2}\n",
            self.instance, self.distance, self.vehicles, self.seconds
        );
        for (i, route) in self.routes.iter().enumerate() {
            let stops: Vec<String> = route.iter().map(|n| n.to_string()).collect();
            out.push_str(&format!("route {}: {}\n", i + 1, stops.join(" ")));
        }
        out
    }
}

/// Why an instance could not be solved into a plan worth printing.
#[derive(Debug, thiserror::Error)]
pub enum SolveFileError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is not a valid instance.
    #[error("{path}: {source}")]
    Parse { path: PathBuf, source: ParseError },
    /// The instance describes an impossible problem.
    #[error("{path}: {source}")]
    Problem { path: PathBuf, source: ProblemError },
    /// Some customers could not be served with the allowed vehicles in the time given.
    #[error(
        "no feasible plan within {seconds} s: {missing} customers could not be fitted into {vehicles} vehicles; try more time"
    )]
    NotAllServed {
        seconds: f64,
        missing: usize,
        vehicles: usize,
    },
    /// The plan broke a rule: a bug in the solver, never printed as a result.
    #[error("internal error: the plan found breaks {} rule(s), first {}", .0.len(), .0[0])]
    Infeasible(Vec<Violation>),
}

/// Reads a Solomon/VRPLIB instance, solves it with at most `VEHICLES` routes, checks the
/// plan independently and reports it.
pub fn solve_solomon_file(
    path: &Path,
    seconds: f64,
    seed: u64,
    threads: usize,
) -> Result<SolveReport, SolveFileError> {
    let options = SolveOptions {
        seed,
        threads: threads.max(1),
        ..SolveOptions::default()
    };
    solve_solomon_file_with(path, seconds, options)
}

/// [`solve_solomon_file`] with other search options (their time limit is replaced by what
/// is left of `seconds` once the file is read).
pub fn solve_solomon_file_with(
    path: &Path,
    seconds: f64,
    options: SolveOptions,
) -> Result<SolveReport, SolveFileError> {
    let started = Instant::now();
    let text = std::fs::read_to_string(path).map_err(|source| SolveFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let instance = solomon::parse(&text).map_err(|source| SolveFileError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    // The search gets what is left of the budget once the file is read, minus a margin
    // for building the plan and checking it.
    let budget = (seconds - started.elapsed().as_secs_f64()).max(0.0) * 0.98;
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(budget),
        ..options
    };
    let problem = &instance.problem;
    let solution = solve(problem, &options).map_err(|source| SolveFileError::Problem {
        path: path.to_path_buf(),
        source,
    })?;
    let violations = check(problem, &solution);
    if !violations.is_empty() {
        return Err(SolveFileError::Infeasible(violations));
    }
    if !solution.unassigned.is_empty() {
        return Err(SolveFileError::NotAllServed {
            seconds,
            missing: solution.unassigned.len(),
            vehicles: problem.workers.len(),
        });
    }
    let totals = solution.totals(problem);
    let routes = solution
        .routes
        .iter()
        .map(|r| r.jobs().map(|j| instance.node_ids[j]).collect())
        .collect();
    Ok(SolveReport {
        instance: instance.name,
        distance: totals.distance,
        vehicles: totals.routes,
        routes,
        seconds: started.elapsed().as_secs_f64(),
    })
}
