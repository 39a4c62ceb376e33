//! An SOS (紧急求助) raised by a worker or a customer during a visit: where they were (the
//! position they sent, or the worker's last known one), encrypted; open until staff
//! resolve it. `open_key` (`{order}:{raiser type}:{raiser id}`) is set while it is not
//! resolved, and unique, so a raiser has at most one open alert per order.

use sea_orm::entity::prelude::*;

/// A row of `sos_alert`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "sos_alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order (visit).
    pub order_id: Uuid,
    /// The order's area.
    pub area_code: Option<String>,
    /// The order's worker.
    pub worker_id: Option<Uuid>,
    /// `worker` or `customer`.
    pub raised_by_type: String,
    /// Who.
    pub raised_by_id: Uuid,
    /// `lat,lng` (WGS-84), encrypted (`safety.position`).
    #[sea_orm(column_type = "Text", nullable)]
    pub position_enc: Option<String>,
    /// The accuracy reported, metres.
    pub accuracy_m: Option<f64>,
    /// `caller` (sent with the alert), `last_known` (the worker's latest position) or `none`.
    pub position_source: String,
    /// When the position was taken.
    pub position_at: Option<DateTimeUtc>,
    /// What the raiser wrote.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// The order's state when raised.
    pub order_state: String,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    /// Set while not resolved (unique).
    pub open_key: Option<String>,
    /// When raised.
    pub raised_at: DateTimeUtc,
    /// When staff acknowledged it.
    pub acknowledged_at: Option<DateTimeUtc>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
    /// When staff resolved it.
    pub resolved_at: Option<DateTimeUtc>,
    /// Who resolved it.
    pub resolved_by: Option<Uuid>,
    /// Staff's note.
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution_note: Option<String>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
