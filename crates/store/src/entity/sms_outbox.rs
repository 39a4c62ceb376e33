//! Every SMS the platform sent or tried to send.

use sea_orm::entity::prelude::*;

/// A row of `sms_outbox`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "sms_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub phone_enc: String,
    pub phone_index: String,
    pub phone_masked: String,
    pub template: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub provider: String,
    pub status: String,
    pub provider_message_id: Option<String>,
    pub error: Option<String>,
    /// The template's non-secret parameters (JSON object); a log-in code is never kept.
    #[sea_orm(column_type = "Text", nullable)]
    pub params: Option<String>,
    /// The outbox event this message was sent for (unique), if any.
    pub event_id: Option<Uuid>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
