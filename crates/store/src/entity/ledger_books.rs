//! The books' one row: up to which accounting period they are closed. Every posting reads
//! it under a shared lock and the close and reopening update it, so no entry can be booked
//! into a period while it is being closed.

use sea_orm::entity::prelude::*;

/// The row of `ledger_books` (`id` 1).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_books")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// The latest closed period (`YYYY-MM`); empty when none is.
    pub closed_through: String,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
