//! An account erased at its holder's request: the id stays so that the erasure is on
//! record (without any personal data) and the account cannot be used again.

use sea_orm::entity::prelude::*;

/// A row of `account_erasure`, unique per (audience, subject).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_erasure")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub audience: String,
    pub subject_id: Uuid,
    pub erased_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
