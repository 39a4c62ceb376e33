//! A batch of location points a worker's phone sent, once per client batch id: a resent
//! batch finds its row and is not stored again.

use sea_orm::entity::prelude::*;

/// A row of `track_batch`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "track_batch")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The worker.
    pub worker_id: Uuid,
    /// The app's id of the batch.
    pub batch_id: Uuid,
    /// The visit on the way when it arrived, if any.
    pub order_id: Option<Uuid>,
    /// When the server received it.
    pub received_at: DateTimeUtc,
    /// Points sent.
    pub points: i32,
    /// Points kept.
    pub kept: i32,
    /// Dropped as impossible jumps.
    pub dropped_jumps: i32,
    /// Dropped as doubles.
    pub dropped_duplicates: i32,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
