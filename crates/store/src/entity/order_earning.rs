//! The split of a completed order (platform / partner / worker) with the terms it used,
//! pending until the dispute window ends, then settled.

use sea_orm::entity::prelude::*;

/// A row of `order_earning`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_earning")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    pub worker_id: Uuid,
    pub partner_id: Option<Uuid>,
    /// The rule applied (`None`: the built-in default).
    pub rule_id: Option<Uuid>,
    pub share_kind: String,
    pub share_value: i64,
    pub minimum_fen: i64,
    pub partner_bp: i32,
    pub gross_fen: i64,
    pub platform_fen: i64,
    pub partner_fen: i64,
    pub worker_fen: i64,
    /// `pending` or `settled`.
    pub state: String,
    pub earned_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
