//! A customer's review of a completed visit (评价): 1 to 5 stars, tags, text; the worker's
//! reply; staff moderation. One per visit; an order of several visits has one review per
//! visit, written together with the same content (docs/reviews.md).

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
    /// The customer's text.
    #[sea_orm(column_type = "Text", nullable)]
    pub body: Option<String>,
    /// When the customer edited it (once).
    pub edited_at: Option<DateTimeUtc>,
    /// The worker's reply.
    #[sea_orm(column_type = "Text", nullable)]
    pub reply: Option<String>,
    /// When the worker replied.
    pub replied_at: Option<DateTimeUtc>,
    /// When staff hid it (hidden reviews do not count in the rating nor show publicly).
    pub hidden_at: Option<DateTimeUtc>,
    /// Why.
    #[sea_orm(column_type = "Text", nullable)]
    pub hidden_reason: Option<String>,
    /// Who hid it.
    pub hidden_by: Option<Uuid>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
