//! A consent an account gave: one version of one document (the privacy policy or the
//! terms), when and from which address.

use sea_orm::entity::prelude::*;

/// A row of `consent`; the newest row per (subject, audience, document) is in force.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject_id: Uuid,
    pub audience: String,
    pub document: String,
    pub version: String,
    pub accepted_at: DateTimeUtc,
    pub ip: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
