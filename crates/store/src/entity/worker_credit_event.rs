//! One change to a worker's credit score (信用分): a no-show, a late cancellation, an upheld
//! complaint or a manual adjustment; staff may reverse it with a reason.

use sea_orm::entity::prelude::*;

/// A row of `worker_credit_event`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "worker_credit_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub worker_id: Uuid,
    pub delta: i32,
    pub kind: String,
    pub order_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub reversed_at: Option<DateTimeUtc>,
    pub reversed_by: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reverse_reason: Option<String>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
