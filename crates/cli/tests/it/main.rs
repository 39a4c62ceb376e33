//! The integration tests of this crate in one binary (one link instead of one per file);
//! each module was a test binary of its own. nextest still runs every test in its own
//! process.

// The server's test helpers and the nodes of the multi-node tests, shared by path.
mod amqp;
#[path = "../../../server/tests/common/mod.rs"]
mod common;
mod deploy_files;
mod deploy_layout;
mod drills;
mod kill;
mod kill_tracks;
mod ledger_check;
#[path = "../support/nodes.rs"]
mod nodes;
mod pay_kill;
mod public_cache_nodes;
mod records_verify;
mod shell;
mod simulate;
mod traces;
mod two_nodes;
