//! An event one consumer has applied, written with the consumer's effect.

use sea_orm::entity::prelude::*;

/// A row of `processed_event`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "processed_event")]
pub struct Model {
    /// The consumer's stable name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub consumer: String,
    /// The outbox event's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    /// When its effect committed.
    pub processed_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
