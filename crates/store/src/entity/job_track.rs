//! A visit's track from departure to check-in, downsampled (Douglas-Peucker) and kept in
//! the compact text form of `daojia_domain::track::codec`; one row per order.

use sea_orm::entity::prelude::*;

/// A row of `job_track`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "job_track")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    /// The worker on the way.
    pub worker_id: Uuid,
    /// The compact track.
    #[sea_orm(column_type = "Text")]
    pub track: String,
    /// Points in `track`.
    pub point_count: i32,
    /// Raw points it was made from.
    pub raw_count: i32,
    /// The device time of the first point.
    pub started_at: DateTimeUtc,
    /// The device time of the last point.
    pub last_at: DateTimeUtc,
    /// When it was last written (server time).
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
