//! One step in an order's life: who did what, from which state to which, and the money
//! that moved. `(order_id, seq)` is unique, so two writers cannot both append step n.

use sea_orm::entity::prelude::*;

/// A row of `order_event`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_event")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub seq: i32,
    pub at: DateTimeUtc,
    pub actor_type: String,
    pub actor_id: Option<Uuid>,
    pub from_state: Option<String>,
    pub to_state: String,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub fee_fen: i64,
    pub request_id: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
