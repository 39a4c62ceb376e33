//! A customer's review of a completed order (评价): 1 to 5 stars and tags. One per order.

use sea_orm::entity::prelude::*;

/// A row of `review`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "review")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order reviewed (unique).
    pub order_id: Uuid,
    /// Who wrote it.
    pub customer_id: Uuid,
    /// The worker who served the order.
    pub worker_id: Uuid,
    /// Stars, 1 to 5.
    pub rating: i16,
    /// Tag codes, a JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
