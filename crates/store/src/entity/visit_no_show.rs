//! The customer was not home (客户不在家): the worker's evidence, recorded in the
//! transaction that cancelled the order under the no-show policy.

use sea_orm::entity::prelude::*;

/// A row of `visit_no_show`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_no_show")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order (one no-show per order).
    pub order_id: Uuid,
    /// The worker at the door.
    pub worker_id: Uuid,
    /// The order's area.
    pub area_code: Option<String>,
    /// When, by the server's clock.
    pub at: DateTimeUtc,
    /// When, by the phone's clock (a step queued offline).
    pub device_at: Option<DateTimeUtc>,
    /// `lat,lng` (WGS-84) the worker's phone reported, encrypted (`visit.position`).
    #[sea_orm(column_type = "Text")]
    pub position_enc: String,
    /// The accuracy the phone reported, metres.
    pub accuracy_m: Option<f64>,
    /// Metres from the order's address.
    pub distance_m: i32,
    /// Calls to the customer the worker tried.
    pub call_attempts: i32,
    /// The worker's photo at the door (purpose `no_show`).
    pub photo_upload_id: Uuid,
    /// What the worker added.
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    /// The fee kept, 分.
    pub fee_fen: i64,
    /// What the cancellation refunded, 分.
    pub refunded_fen: i64,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
