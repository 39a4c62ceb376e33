//! An accounting period that was closed at least once: its state, its totals when it was
//! closed, who closed it and who reopened it, and why.

use sea_orm::entity::prelude::*;

/// A row of `ledger_period`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_period")]
pub struct Model {
    /// `YYYY-MM`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    /// `closed` or `reopened` (open again).
    pub state: String,
    /// Entries booked in it when it was last closed.
    pub entries: i64,
    /// The sum of their debits, in fen.
    pub debits_fen: i64,
    pub closed_by: Option<Uuid>,
    pub closed_at: Option<DateTimeUtc>,
    pub reopened_by: Option<Uuid>,
    pub reopened_at: Option<DateTimeUtc>,
    pub reopen_reason: Option<String>,
    /// How many times it was closed.
    pub closes: i32,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
