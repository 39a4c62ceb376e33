//! Route planning (路线规划): plan a service area's day, read the plan from any node,
//! commit it to the workers.
//!
//! Plans live in the database ([`daojia_store::repo::route_plans`]), the source of truth on
//! every node: [`start`] records a plan as solving and searches off the request path on
//! this node, writing its progress and a heartbeat every [`HEARTBEAT`]; [`get`] and
//! [`list`] read it from any node; a plan whose node gave no sign of life for [`STALE`]
//! (it stopped or restarted) is marked failed as interrupted by the next reader, and by
//! [`sweep`] when a node starts. At most [`RUNNING`] plans search at once per node
//! ([`Solver`]), each of at most [`MAX_ORDERS`] orders and [`MAX_WORKERS`] workers.
//!
//! [`commit`] gives each order of a ready plan to its route's worker, stores the planned
//! arrivals and starts as the promises a later plan of the day keeps to ([`solve`]), and
//! supersedes the earlier plans of the day.

mod commit;
mod load;
mod read;
mod run;
mod solve;
mod view;

pub use commit::{CommitInput, CommitSummary, Skipped, commit};
pub use load::{Loaded, day_input, load};
pub use read::{PlanStatus, get, list, status_of, sweep};
pub use run::{Clock, Solver, Start, StartPlan, start};
pub use solve::{STABILITY, Solved, reason_code, solve_day, told_plan};
pub use view::{
    PlanLeftOut, PlanResult, PlanRoute, PlanStop, PlanTotals, PlanWorker, Point, fill_personal_data,
};

/// Most orders (the area's and the other areas' its workers hold) a plan may have.
pub const MAX_ORDERS: usize = 5_000;
/// Most workers a plan may have.
pub const MAX_WORKERS: usize = 500;
/// Longest time a plan may search, seconds.
pub const MAX_SECONDS: f64 = 60.0;
/// Plans searching at the same time on one node (each on one thread).
pub const RUNNING: usize = 2;
/// How often a searching node writes its progress and a sign of life.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(1);
/// A plan still solving without a sign of life for this long was interrupted.
pub const STALE: chrono::Duration = chrono::Duration::seconds(30);
/// The error of an interrupted plan.
pub const INTERRUPTED: &str =
    "interrupted: the server planning it stopped before it was done; plan again";
