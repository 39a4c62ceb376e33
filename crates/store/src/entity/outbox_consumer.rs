//! How far one in-process consumer of the outbox got, and which node delivers to it now.

use sea_orm::entity::prelude::*;

/// A row of `outbox_consumer`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_consumer")]
pub struct Model {
    /// The consumer's stable name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The last outbox position delivered (0 before the first).
    pub position: i64,
    /// The relay delivering to it, while its lease lasts.
    pub lease_owner: Option<String>,
    /// End of that relay's lease.
    pub lease_until: Option<DateTimeUtc>,
    /// Failed attempts at the event after `position`.
    pub attempts: i32,
    /// Not before this after a failure.
    pub retry_at: Option<DateTimeUtc>,
    /// The last failure.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
