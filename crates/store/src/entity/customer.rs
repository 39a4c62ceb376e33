//! A customer account. The phone is encrypted; `phone_index` is its blind index.

use sea_orm::entity::prelude::*;

/// A row of `customer`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "customer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub phone_enc: String,
    pub phone_index: String,
    /// Encrypted (`customer.nickname`); read with `repo::accounts::customer_nickname`.
    #[sea_orm(column_type = "Text")]
    pub nickname_enc: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
