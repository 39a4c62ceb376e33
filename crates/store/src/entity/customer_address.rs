//! A customer's saved address; contact and address text are encrypted, the WGS-84 coordinate is not.

use sea_orm::entity::prelude::*;

/// A row of `customer_address`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "customer_address")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub label: String,
    #[sea_orm(column_type = "Text")]
    pub contact_name_enc: String,
    #[sea_orm(column_type = "Text")]
    pub contact_phone_enc: String,
    #[sea_orm(column_type = "Text")]
    pub address_enc: String,
    #[sea_orm(column_type = "Text")]
    pub house_number_enc: String,
    pub lat: f64,
    pub lng: f64,
    pub area_code: Option<String>,
    pub is_default: bool,
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
