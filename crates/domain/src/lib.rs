//! Pure business rules of Daojia: ids, money, geo, order states, personal-information types.
//!
//! Nothing here does I/O, reads the clock or touches a database: callers pass `now` and data
//! in, which keeps these rules fast to test and easy to reason about.

pub mod access;
pub mod bounds;
pub mod bundle;
pub mod catalog;
pub mod deposit;
pub mod earning;
pub mod flag;
pub mod geo;
pub mod ids;
pub mod invoice;
pub mod ledger;
pub mod money;
pub mod navigation;
pub mod notification;
pub mod order;
pub mod payment;
pub mod period;
pub mod phone;
pub mod presence;
pub mod pricing;
pub mod privacy;
pub mod promotion;
pub mod record;
pub mod review;
pub mod search;
pub mod secret;
pub mod slots;
pub mod track;
pub mod travel;
pub mod visit;
pub mod wallet;
pub mod withdrawal;
pub mod workday;
pub mod worker;
