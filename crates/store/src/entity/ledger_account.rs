//! An account of the ledger's chart (`daojia_domain::ledger::Account`), by its code.

use sea_orm::entity::prelude::*;

/// A row of `ledger_account`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_account")]
pub struct Model {
    /// `clearing:wechat`, `customer_prepaid`, `worker_withdrawable:<uuid>`...
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    /// `asset`, `liability`, `revenue` or `expense`.
    pub kind: String,
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
