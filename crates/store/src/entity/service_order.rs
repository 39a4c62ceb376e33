//! An order (订单): who, where (an encrypted snapshot of the address), when, the state, the
//! worker and the money. Its transitions are in `order_event`.

use sea_orm::entity::prelude::*;

/// A row of `service_order`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "service_order")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_no: String,
    pub customer_id: Uuid,
    pub state: String,
    pub worker_id: Option<Uuid>,
    pub area_code: Option<String>,
    pub address_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub contact_name_enc: String,
    #[sea_orm(column_type = "Text")]
    pub contact_phone_enc: String,
    #[sea_orm(column_type = "Text")]
    pub address_enc: String,
    #[sea_orm(column_type = "Text")]
    pub house_number_enc: String,
    pub lat: f64,
    pub lng: f64,
    pub window_start: DateTimeUtc,
    pub window_end: DateTimeUtc,
    pub payment_mode: String,
    pub deposit_fen: i64,
    pub total_fen: i64,
    pub paid_fen: i64,
    pub refunded_fen: i64,
    pub fee_fen: i64,
    #[sea_orm(column_type = "Text")]
    pub policy: String,
    pub customer_reschedules: i32,
    /// Encrypted (`order.notes`); read with `repo::orders::notes`.
    #[sea_orm(column_type = "Text")]
    pub notes_enc: String,
    pub completed_at: Option<DateTimeUtc>,
    pub duration_min: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub skills: Option<String>,
    pub rework_of: Option<Uuid>,
    /// The order (its first visit) this visit belongs to, when the order has several.
    pub bundle_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
