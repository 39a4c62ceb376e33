//! An operations staff account with one role.

use sea_orm::entity::prelude::*;

/// A row of `staff`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    /// Encrypted (`staff.name`); read with `repo::accounts::staff_name`.
    #[sea_orm(column_type = "Text")]
    pub name_enc: String,
    #[sea_orm(column_type = "Text")]
    pub phone_enc: Option<String>,
    pub phone_index: Option<String>,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The partner this staff member works for: they see only its workers and orders.
    pub partner_id: Option<Uuid>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
