//! One channel of a notification: its state, attempts and last error (every send
//! recorded).

use sea_orm::entity::prelude::*;

/// A row of `notification_delivery`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_delivery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub notification_id: Uuid,
    /// `inbox`, `sms` or `push`.
    pub channel: String,
    /// The notification's kind (for the console's filters).
    pub kind: String,
    /// The notification's audience.
    pub audience: String,
    /// `pending`, `retrying`, `sent`, `failed` or `skipped`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// Where it went, masked (a phone as `138****8000`, a count of push subscriptions).
    pub target: Option<String>,
    /// Why the last attempt failed, or why it was skipped.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Not sent before this (quiet hours, the next retry).
    pub not_before: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
