//! The integration tests of this crate in one binary (one link instead of one per file);
//! each module was a test binary of its own. nextest still runs every test in its own
//! process.

mod idempotency;
mod ledger;
mod on_every_database;
mod order_history;
mod orders;
mod payments;
mod records;
mod reviews;
mod settlement;
