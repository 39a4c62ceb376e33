//! Password log-in attempts per account: consecutive failures and lockouts. Staff accounts
//! are keyed by id; names that match no account by a blind index of the name, so they get
//! the same answers and delays.

use sea_orm::entity::prelude::*;

/// A row of `login_guard`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "login_guard")]
pub struct Model {
    /// `staff:{id}` or `name:{blind index}`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// The staff member, when the subject is one.
    pub staff_id: Option<Uuid>,
    /// Attempts reserved since the last success or lockout.
    pub failures: i32,
    /// Lockouts since the last success (the next one lasts twice as long).
    pub lockouts: i32,
    /// Refused until then.
    pub locked_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
