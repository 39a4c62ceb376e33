//! A worker's kept withdrawable balance: the lock withdrawals take (a guarded update), kept
//! equal to the ledger's `worker_withdrawable:<id>` (checked by `ledger check`).

use sea_orm::entity::prelude::*;

/// A row of `worker_balance`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "worker_balance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_id: Uuid,
    pub withdrawable_fen: i64,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
