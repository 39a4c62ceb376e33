//! One decision of automatic dispatch for an order: the policy, the worker chosen (if any),
//! what came of it, and the engine's explanation (JSON).

use sea_orm::entity::prelude::*;

/// A row of `dispatch_decision`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dispatch_decision")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub at: DateTimeUtc,
    /// `engine`.
    pub policy: String,
    pub worker_id: Option<Uuid>,
    /// `offered`, `grab_pool`, `exception`, `grab_pool_exception`.
    pub outcome: String,
    /// Feasible workers found.
    pub candidates: i32,
    /// Workers examined and rejected.
    pub rejected: i32,
    /// The engine's `Decision` as JSON.
    #[sea_orm(column_type = "Text")]
    pub explanation: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
