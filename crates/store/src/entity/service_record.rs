//! An entry of an order's service-record hash chain (see `daojia_domain::record`).

use sea_orm::entity::prelude::*;

/// A row of `service_record`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "service_record")]
pub struct Model {
    /// The row's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order whose chain it is in.
    pub order_id: Uuid,
    /// Its position in the chain, from 1 (unique with the order).
    pub seq: i64,
    /// What it records: `event`, `check_in`, `photo`.
    pub kind: String,
    /// When (server time, whole microseconds).
    pub at: DateTimeUtc,
    /// Its content, canonical JSON; personal values only as salted hashes.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The salt of its salted hashes (outside the hash; deleted on erasure).
    pub salt: Option<String>,
    /// The hash of the entry before it.
    pub prev_hash: String,
    /// Its hash.
    pub hash: String,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
