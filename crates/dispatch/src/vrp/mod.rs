//! Route planning for workers with time windows, skills, shifts, breaks and capacities
//! (a rich vehicle routing problem with time windows, VRPTW).
//!
//! [`model`] states the problem, [`solve`] searches for a plan, [`check`] verifies a plan
//! independently of the search, [`replan`] changes a plan already told to workers with a
//! warm start ([`solve_from`]), [`Progress`] lets another thread follow a search and stop
//! it, [`solomon`] reads benchmark instances and [`cli`] wraps it all for the command line.

pub mod check;
pub mod cli;
pub mod model;
pub mod progress;
pub mod replan;
mod search;
pub mod solomon;
pub mod solution;

pub use check::{Violation, check};
pub use model::{
    Break, Job, Matrix, Problem, ProblemError, Promise, Skills, TimeWindow, UnassignedReason,
    Worker,
};
pub use progress::{Progress, Snapshot};
pub use search::{SoftWindows, SolveOptions, solve, solve_from};
pub use solution::{Activity, Route, Solution, Stop, Totals, Unassigned};
