//! A day's anchor over the service-record chains' heads (see `daojia_domain::record`).

use sea_orm::entity::prelude::*;

/// A row of `record_anchor`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "record_anchor")]
pub struct Model {
    /// The UTC day, `YYYY-MM-DD`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: String,
    /// How many chain heads it covers.
    pub heads: i32,
    /// The heads, a JSON list of `{order_id, seq, hash}`.
    #[sea_orm(column_type = "Text")]
    pub heads_json: String,
    /// The root over the heads.
    pub root: String,
    /// The previous anchor's hash.
    pub prev_hash: String,
    /// Its hash.
    pub hash: String,
    /// When it was made.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
