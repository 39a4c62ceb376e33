//! A certificate kind a service item requires of the worker who serves it.

use sea_orm::entity::prelude::*;

/// A row of `item_certificate`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "item_certificate")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub item_code: String,
    pub kind: String,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

// Every write counts for the nodes' copies of what a placement prices and checks.
crate::entity::counts_for_catalog!();
