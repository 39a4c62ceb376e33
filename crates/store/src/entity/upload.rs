//! An uploaded file (a photo of the problem, of after-sales damage). The bytes live in the
//! server's file store under the id; the row keeps what was checked on the way in.

use sea_orm::entity::prelude::*;

/// A row of `upload`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upload")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_type: String,
    pub owner_id: Uuid,
    pub purpose: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: i32,
    pub height: i32,
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
