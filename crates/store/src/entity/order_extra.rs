//! An extra item (加项) the worker proposed at the door, priced from the catalog: on the
//! bill only once the customer confirms it (`line_id` is then its `order_line`).

use sea_orm::entity::prelude::*;

/// A row of `order_extra`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_extra")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order (visit).
    pub order_id: Uuid,
    /// The worker who proposed it.
    pub worker_id: Uuid,
    /// The catalog item.
    pub item_code: String,
    /// Its name when proposed.
    pub item_name: String,
    /// How many.
    pub quantity: i32,
    /// One unit in the order's area, 分.
    pub unit_price_fen: i64,
    /// All units, 分.
    pub total_fen: i64,
    /// Minutes it adds.
    pub duration_min: i32,
    /// The choices priced (JSON, as in `order_line`).
    #[sea_orm(column_type = "Text")]
    pub selections: String,
    /// `proposed`, `confirmed` or `declined`.
    pub status: String,
    /// When proposed, by the server's clock.
    pub proposed_at: DateTimeUtc,
    /// When proposed by the phone's clock, when sent later (queued offline).
    pub device_at: Option<DateTimeUtc>,
    /// When the customer confirmed or declined it.
    pub decided_at: Option<DateTimeUtc>,
    /// The order line it became, once confirmed.
    pub line_id: Option<Uuid>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
