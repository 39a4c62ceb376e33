//! The application layer (应用层): one function per use case (place an order, cancel,
//! reschedule, assign, offer, accept, record a visit step, plan, commit a plan...), taking
//! plain inputs and `now`, returning domain results or an [`Error`].
//!
//! HTTP handlers, background jobs, the command line and the day simulator all call these
//! functions, so a rule lives in one place. The arrows point one way: `cli`/`server` →
//! `app` → `store`/`dispatch`/`notify` → `domain`. Nothing here knows HTTP: errors carry a
//! stable code and, for bad input, the field they concern; the server maps them to
//! problem documents.

pub mod board;
pub mod catalog;
pub mod context;
pub mod csv;
pub mod customers;
pub mod demo_city;
pub mod deposits;
pub mod dispatch;
pub mod error;
pub mod finance;
pub mod flags;
pub mod jobs;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod planning;
pub mod promotions;
pub mod push;
pub mod records;
pub mod reviews;
pub mod safety;
pub mod settings;
pub mod tracks;
pub mod visits;
pub mod wallet;
pub mod workers;

pub use context::App;
pub use error::{Error, Result};
