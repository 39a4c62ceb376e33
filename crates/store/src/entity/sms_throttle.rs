//! One row per phone (blind index) and per client address that asks for log-in codes: the
//! row a send claims (a conditional update) so parallel sends are serialised.

use sea_orm::entity::prelude::*;

/// A row of `sms_throttle`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "sms_throttle")]
pub struct Model {
    /// `phone:{blind index}` or `ip:{address}`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// When a code was last sent to the phone (unused for addresses).
    pub last_sent_at: Option<DateTimeUtc>,
    /// Claims so far (every claim changes the row, which MySQL needs to count it).
    pub claims: i64,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
