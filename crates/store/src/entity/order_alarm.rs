//! An alarm raised on an order (nobody sent close to the start, a late worker), open until
//! staff resolve it. One per (order, kind).

use sea_orm::entity::prelude::*;

/// A row of `order_alarm`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_alarm")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub raised_at: DateTimeUtc,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
