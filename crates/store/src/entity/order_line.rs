//! One priced item of an order, with the options chosen, as priced when it was placed.

use sea_orm::entity::prelude::*;

/// A row of `order_line`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_line")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub position: i32,
    pub item_code: String,
    pub item_name: String,
    pub quantity: i32,
    pub unit_price_fen: i64,
    pub total_fen: i64,
    pub duration_min: i32,
    #[sea_orm(column_type = "Text")]
    pub selections: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
