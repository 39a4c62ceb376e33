//! A promotion (限时特价): one service item at `price_fen` for `quota` bookings between
//! `starts_at` and `ends_at`; `sold` counts the places taken (see `repo::promotions`).

use sea_orm::entity::prelude::*;

/// A row of `promotion`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "promotion")]
pub struct Model {
    /// Its id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The service item it prices.
    pub item_code: String,
    /// Name shown to customers.
    pub name: String,
    /// The promotional price of one unit (replacing the list price), fen.
    pub price_fen: i64,
    /// The item's list price when the promotion was made, fen (shown crossed out).
    pub list_price_fen: i64,
    /// Bookings it may take in all.
    pub quota: i64,
    /// Live bookings holding a place (never above `quota`).
    pub sold: i64,
    /// Live bookings one customer may hold.
    pub per_customer: i32,
    /// Service-area codes it is limited to, a JSON array (empty: every area).
    #[sea_orm(column_type = "Text")]
    pub areas: String,
    /// `active` or `stopped`.
    pub state: String,
    /// Sales open.
    pub starts_at: DateTimeUtc,
    /// Sales close.
    pub ends_at: DateTimeUtc,
    /// Made.
    pub created_at: DateTimeUtc,
    /// Last changed by staff.
    pub updated_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
