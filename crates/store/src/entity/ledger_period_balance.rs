//! The trial balance a close took: per account, the balance at the period's start, its
//! debits and credits in the period, and the closing balance.

use sea_orm::entity::prelude::*;

/// A row of `ledger_period_balance`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_period_balance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub period: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub account: String,
    /// Debits minus credits before the period.
    pub opening_fen: i64,
    /// Debits in the period (positive).
    pub debit_fen: i64,
    /// Credits in the period (positive).
    pub credit_fen: i64,
    /// `opening + debit - credit`.
    pub closing_fen: i64,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
