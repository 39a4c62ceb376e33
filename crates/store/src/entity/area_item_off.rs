//! An item an area does not offer.

use sea_orm::entity::prelude::*;

/// A row of `area_item_off`, unique per (area, item).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "area_item_off")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub area_code: String,
    pub item_code: String,
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

// Every write counts for the nodes' copies of what a placement prices and checks.
crate::entity::counts_for_catalog!();
