//! An order waiting in the grab pool (抢单池) since a moment, and why it went there.

use sea_orm::entity::prelude::*;

/// A row of `dispatch_grab`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dispatch_grab")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub area_code: String,
    pub since: DateTimeUtc,
    /// `offers_exhausted` or `no_candidate`.
    pub reason: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
