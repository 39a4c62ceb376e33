//! An item's price in one service area: a replacement base price and/or a markup.

use sea_orm::entity::prelude::*;

/// A row of `area_item_price`, unique per (area, item).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "area_item_price")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub area_code: String,
    pub item_code: String,
    pub base_price_fen: Option<i64>,
    pub markup_percent: i32,
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

// Every write counts for the nodes' copies of what a placement prices and checks.
crate::entity::counts_for_catalog!();
