//! A service area (服务区域): a GeoJSON polygon with its own hours and booking rules.

use sea_orm::entity::prelude::*;

/// A row of `service_area`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "service_area")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub city: String,
    pub timezone: String,
    #[sea_orm(column_type = "Text")]
    pub polygon: String,
    pub open_minute: i32,
    pub close_minute: i32,
    pub lead_minutes: i32,
    pub horizon_days: i32,
    pub active: bool,
    pub window_minutes: i32,
    pub booking_seq: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub policy: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

// Every write counts for the nodes' copies of what a placement prices and checks.
crate::entity::counts_for_catalog!();
