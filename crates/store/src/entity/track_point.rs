//! A raw location point of a worker on duty (WGS-84), as the phone measured it, with the
//! server's receipt time (authoritative for retention). Deleted after `[tracks] raw_days`.

use sea_orm::entity::prelude::*;

/// A row of `track_point`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "track_point")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The worker.
    pub worker_id: Uuid,
    /// The visit the worker was on the way to, if any.
    pub order_id: Option<Uuid>,
    /// The device's time of the fix.
    pub measured_at: DateTimeUtc,
    /// The server's time of receipt.
    pub received_at: DateTimeUtc,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
    /// Accuracy, metres.
    pub accuracy_m: f64,
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Heading, degrees from north.
    pub heading_deg: Option<f64>,
    /// Battery, percent.
    pub battery_pct: Option<f64>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
