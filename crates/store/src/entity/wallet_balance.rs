//! A customer's kept wallet balance (余额): the lock payments from the wallet take (a
//! guarded update), kept equal to the ledger's `customer_wallet:<id>` (checked by
//! `ledger check`).

use sea_orm::entity::prelude::*;

/// A row of `wallet_balance`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wallet_balance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: Uuid,
    pub balance_fen: i64,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
