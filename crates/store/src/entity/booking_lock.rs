//! The booking lock of one pool's day (ADR 0012): placements and reschedules onto the day
//! bump `seq` first, so they are served one after the other; other days never wait.

use sea_orm::entity::prelude::*;

/// A row of `booking_lock`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "booking_lock")]
pub struct Model {
    /// The pool, named by its first area's code (`repo::slots::pool_of` sorts them).
    #[sea_orm(primary_key, auto_increment = false)]
    pub pool: String,
    /// The local date, `YYYY-MM-DD`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    /// Bumped by every booking onto the day (the write that takes the lock).
    pub seq: i64,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
