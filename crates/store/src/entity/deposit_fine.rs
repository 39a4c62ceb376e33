//! A fine taken from a worker's deposit: how much, why, by whom, for which order or
//! upheld complaint.

use sea_orm::entity::prelude::*;

/// A row of `deposit_fine`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deposit_fine")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub worker_id: Uuid,
    pub amount_fen: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// The order concerned, if any.
    pub order_id: Option<Uuid>,
    /// The upheld complaint's credit event, when fined with it.
    pub credit_event_id: Option<Uuid>,
    /// Who fined.
    pub staff_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
