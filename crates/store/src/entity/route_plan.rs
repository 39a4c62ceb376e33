//! A route plan (路线规划) of a service area's day: asked for by a dispatcher, searched on
//! one node (which writes its progress and a heartbeat), then ready, failed, committed to
//! the workers, or superseded by a later commit. Its stops are in `route_plan_stop`.

use sea_orm::entity::prelude::*;

/// A row of `route_plan`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "route_plan")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub area_code: String,
    /// Local date, `YYYY-MM-DD`.
    pub plan_date: String,
    /// `solving`, `ready`, `failed`, `committed` or `superseded`.
    pub status: String,
    /// What was asked for (JSON: the time limit).
    #[sea_orm(column_type = "Text")]
    pub params: String,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    /// Last sign of life of the node solving it.
    pub heartbeat_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    pub committed_at: Option<DateTimeUtc>,
    pub committed_by: Option<Uuid>,
    /// 0 to 100.
    pub progress: i32,
    pub best_cost: Option<f64>,
    pub left_out: Option<i32>,
    /// Orders of the area considered.
    pub orders: i32,
    /// Workers on shift.
    pub workers: i32,
    /// Orders on routes.
    pub planned_orders: i32,
    pub km: f64,
    pub hours: f64,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// The plan as shown (JSON, worker names left out: they are read at display time).
    #[sea_orm(column_type = "Text", nullable)]
    pub result: Option<String>,
    /// What the commit did (JSON).
    #[sea_orm(column_type = "Text", nullable)]
    pub commit_summary: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
