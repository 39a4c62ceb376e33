//! A worker's check-in at an order's door (签到打卡): where they said they were (encrypted),
//! how far that is from the address, and whether it was inside the fence; a check-in
//! outside it carries the worker's reason and photo and is flagged for operations.

use sea_orm::entity::prelude::*;

/// A row of `visit_check_in`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_check_in")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The worker who checked in.
    pub worker_id: Uuid,
    /// The order's area.
    pub area_code: Option<String>,
    /// When, by the server's clock.
    pub at: DateTimeUtc,
    /// `lat,lng` (WGS-84) the worker's phone reported, encrypted (`visit.position`).
    #[sea_orm(column_type = "Text")]
    pub position_enc: String,
    /// The accuracy the phone reported, metres.
    pub accuracy_m: Option<f64>,
    /// Metres from the order's address.
    pub distance_m: i32,
    /// The radius in force, metres.
    pub radius_m: i32,
    /// Within the radius.
    pub inside_radius: bool,
    /// Within the time fence around the window.
    pub on_time: bool,
    /// Outside the fence: for operations to look at.
    pub flagged: bool,
    /// How it was outside: a JSON array of `{kind, ...}` (`too_far`, `too_early`, `too_late`).
    #[sea_orm(column_type = "Text")]
    pub outside: String,
    /// The worker's reason (flagged only).
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// The worker's photo at the door (flagged only).
    pub photo_upload_id: Option<Uuid>,
    /// The worker's photo of themselves at check-in, which the customer's app shows to
    /// check who has come.
    pub selfie_upload_id: Option<Uuid>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
