//! A journal entry: one money movement, unique by what caused it. Append-only.

use sea_orm::entity::prelude::*;

/// A row of `ledger_entry`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What caused it: `intent`, `refund`, `order_payment`, `offline_refund`,
    /// `backfill_refund` or `reversal`.
    pub source_type: String,
    /// Which one (an id, or `<order id>#<seq>` for an order transition).
    pub source_id: String,
    /// The order it concerns, if any.
    pub order_id: Option<Uuid>,
    /// The entry it reverses (for a `reversal`).
    pub reverses: Option<Uuid>,
    /// What happened, for people.
    pub memo: String,
    /// When the money moved.
    pub at: DateTimeUtc,
    /// The accounting period it is booked in (`YYYY-MM`, China time): its own month, or
    /// the first open one when its own is closed (see `docs/ledger.md`).
    pub period: String,
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
