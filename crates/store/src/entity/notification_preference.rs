//! A person's notification preferences: opt-outs and quiet hours.

use sea_orm::entity::prelude::*;

/// A row of `notification_preference`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_preference")]
pub struct Model {
    /// `customer` or `worker`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub audience: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub recipient_id: Uuid,
    /// Turned-off `kind:channel` pairs, a JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub opt_outs: String,
    /// Quiet hours' start, local `HH:MM`.
    pub quiet_start: Option<String>,
    /// Their end, local `HH:MM`.
    pub quiet_end: Option<String>,
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
