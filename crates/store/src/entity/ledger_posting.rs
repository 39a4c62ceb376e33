//! One line of a journal entry: a debit (positive) or credit (negative) to an account.

use sea_orm::entity::prelude::*;

/// A row of `ledger_posting`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_posting")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entry_id: Uuid,
    /// The account's code.
    pub account: String,
    /// Debit when positive, credit when negative, in fen.
    pub amount_fen: i64,
    /// The entry's time (for statements by account).
    pub at: DateTimeUtc,
    /// The accounting period it is booked in (`YYYY-MM`, China time): its own month, or
    /// the first open one when its own is closed (see `docs/ledger.md`).
    pub period: String,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
