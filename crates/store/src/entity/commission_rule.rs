//! A commission rule (抽成规则): the platform's share, scoped by category, area, worker
//! level or campaign (see `daojia_domain::earning`).

use sea_orm::entity::prelude::*;

/// A row of `commission_rule`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commission_rule")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub category_code: Option<String>,
    pub area_code: Option<String>,
    pub min_level: Option<i16>,
    pub campaign: Option<String>,
    pub starts_at: Option<DateTimeUtc>,
    pub ends_at: Option<DateTimeUtc>,
    /// `percent` (`share_value` in basis points) or `fixed` (`share_value` in fen).
    pub share_kind: String,
    pub share_value: i64,
    pub minimum_fen: i64,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
