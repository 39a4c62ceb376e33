//! An event of the transactional outbox, written with the state change that caused it.

use sea_orm::entity::prelude::*;

/// A row of `outbox`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    /// Order of writing (auto-increment); relays read in this order.
    #[sea_orm(primary_key)]
    pub position: i64,
    /// The event id (UUID v7), what consumers deduplicate by.
    pub id: Uuid,
    /// What happened, e.g. `order.assign`.
    pub topic: String,
    /// The thing it happened to (an order id).
    pub aggregate_id: Uuid,
    /// The event as JSON.
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    /// When it was written.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
