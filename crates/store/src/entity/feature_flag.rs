//! A feature flag (灰度发布): on for the callers of its areas and roles that fall in its
//! percentage (see `daojia_domain::flag`).

use sea_orm::entity::prelude::*;

/// A row of `feature_flag`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feature_flag")]
pub struct Model {
    /// The flag's key, e.g. `booking.new_checkout`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// What it switches, for people.
    pub description: String,
    /// Off overrides everything.
    pub enabled: bool,
    /// 0 to 100.
    pub percent: i16,
    /// Area codes as a JSON array (empty: every area).
    #[sea_orm(column_type = "Text")]
    pub areas: String,
    /// Audiences and staff roles as a JSON array (empty: everyone).
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    /// Made.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
