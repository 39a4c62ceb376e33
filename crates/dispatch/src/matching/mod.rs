//! Matching: which worker gets an order. Pure code over plain data with `now` passed in:
//! the caller loads [`WorkerSnapshot`]s (from the store and the shared positions) into a
//! [`Pool`], and asks.
//!
//! - [`Engine`] ranks the feasible workers by a weighted score and explains every worker
//!   it looked at ([`Decision`]: candidates with each score term, rejections with a
//!   [`Reason`]); [`NearestFree`] ([`classic`]) is the classic dispatcher's rule the day
//!   simulator compares it with (`dispatch.policy = "nearest"`), and [`NearestAvailable`]
//!   a stronger baseline: the nearest worker among those the engine finds feasible.
//! - [`feasibility`]: skills and certificates, area, status, presence, daily limit, and the
//!   day's schedule with travel from the previous job and on to the next ([`schedule`]).
//! - [`grab_pool`] answers who qualifies and is near enough to see an order in the grab
//!   pool; [`check_worker`] checks the customer's chosen worker; [`conflicts`] lists what
//!   goes wrong when a dispatcher assigns by hand.
//! - [`index`]: worker positions and states for candidate search.

pub mod classic;
pub mod explain;
pub mod feasibility;
pub mod grab;
pub mod index;
pub mod manual;
pub mod model;
pub mod policy;
pub mod schedule;
pub mod score;

pub use classic::NearestFree;
pub use explain::{Candidate, Decision, Reason, Rejection, Term, TermKind};
pub use grab::{can_grab, grab_pool};
pub use index::{GeoIndex, GridIndex, Hit, RTreeIndex};
pub use manual::{Conflict, conflicts};
pub use model::{Certificate, OrderRequest, Requirement, Skill, WorkerSnapshot, WorkerStatus};
pub use policy::{Engine, NearestAvailable, Policy, Pool, check_worker};
pub use score::{Settings, Weights};

#[cfg(test)]
mod tests;
