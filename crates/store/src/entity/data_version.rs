//! A counter per kind of data that nodes cache (`staff`: workers, their skills, shifts,
//! shift exceptions and certificates), bumped in the transaction of every write to it.

use sea_orm::entity::prelude::*;

/// A row of `data_version`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "data_version")]
pub struct Model {
    /// What is counted (`staff`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// Drawn when the row is made: tells one database's counter from another's.
    pub epoch: Uuid,
    /// Bumped by every write.
    pub version: i64,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
