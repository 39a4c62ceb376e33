//! An order's door check code (上门校验码), encrypted (`order.door_code`): shown only in the
//! customer's app, entered by the worker to start the service; the entries made are counted.

use sea_orm::entity::prelude::*;

/// A row of `order_door_code`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_door_code")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    /// The code, encrypted.
    #[sea_orm(column_type = "Text")]
    pub code_enc: String,
    /// Entries made so far (right or wrong).
    pub attempts: i32,
    pub created_at: DateTimeUtc,
    /// The last entry.
    pub last_attempt_at: Option<DateTimeUtc>,
    /// When it was entered right.
    pub verified_at: Option<DateTimeUtc>,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
