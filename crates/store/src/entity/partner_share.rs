//! A partner's share (服务商分成) of what the platform leaves of its workers' orders.

use sea_orm::entity::prelude::*;

/// A row of `partner_share`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_share")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: Uuid,
    /// Basis points, 0..=10000.
    pub share_bp: i32,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
