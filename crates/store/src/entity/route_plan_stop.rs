//! One stop of a planned route: a visit (an order) or the worker's break, with the planned
//! arrival and start. Once the plan is committed, these are the promises the re-planner
//! keeps to, and `outcome` says what the commit did with the order.

use sea_orm::entity::prelude::*;

/// A row of `route_plan_stop`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "route_plan_stop")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub plan_id: Uuid,
    pub worker_id: Uuid,
    /// Position on the worker's route, from 0.
    pub seq: i32,
    /// `order` or `break`.
    pub kind: String,
    pub order_id: Option<Uuid>,
    /// The order's version when the day was loaded: a commit skips an order changed since.
    pub order_version: Option<i32>,
    /// An order of another area the worker holds (kept on the route, not planned here).
    pub elsewhere: bool,
    pub arrival: DateTimeUtc,
    /// Planned start of the visit or break (the ETA).
    pub start_at: DateTimeUtc,
    pub finish_at: DateTimeUtc,
    /// After a commit: `assigned`, `reassigned`, `kept` or `skipped:<reason>`.
    pub outcome: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
