//! One message to one person (消息): their inbox row, written once per event and
//! recipient.

use sea_orm::entity::prelude::*;

/// A row of `notification`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `customer` or `worker`.
    pub audience: String,
    /// The customer's or worker's id.
    pub recipient_id: Uuid,
    /// The kind (`departed`...): its template.
    pub kind: String,
    /// What makes it unique (the event and the recipient, or the reminder and its order).
    pub dedupe_key: String,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    /// The template's variables, a JSON object of strings.
    #[sea_orm(column_type = "Text")]
    pub vars: String,
    /// The title in Chinese, as sent.
    pub title: String,
    /// The text in Chinese, as sent.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Where a tap leads in the app.
    pub url: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the recipient read it.
    pub read_at: Option<DateTimeUtc>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
