//! A payment recorded against an order (offline by staff, or a channel's confirmed
//! notification). Unique per (order, method, reference): the same payment twice is one.

use sea_orm::entity::prelude::*;

/// A row of `order_payment`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_payment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub method: String,
    pub reference: String,
    pub amount_fen: i64,
    pub recorded_by_type: String,
    pub recorded_by: Option<Uuid>,
    pub at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
