//! Editing the catalog and the service areas from the console: categories, items (also off
//! shelf), areas (also inactive) and the areas' price overrides. The callers validate; the
//! unique indexes on codes are the last line, reported as [`WriteError::Duplicate`].
//!
//! An area's `booking_seq` was the city's booking lock until the lock became a day's
//! (`booking_lock`, see `slots` and ADR 0012); nothing writes it now but a new area's zero.
//! Updates write only the columns they change.

use crate::entity::{area_item_price, service_area, service_category, service_item, worker};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// Why a write failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Another row already has this code (or this area and item).
    #[error("a row with this code already exists")]
    Duplicate,
    /// Any other database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn duplicate(e: DbErr) -> WriteError {
    if is_unique_violation(&e) {
        WriteError::Duplicate
    } else {
        WriteError::Db(e)
    }
}

/// Every item, on shelf or not, in display order.
pub async fn items(db: &impl ConnectionTrait) -> Result<Vec<service_item::Model>, DbErr> {
    service_item::Entity::find()
        .order_by_asc(service_item::Column::Sort)
        .order_by_asc(service_item::Column::Code)
        .all(db)
        .await
}

/// The item with this code, on shelf or not.
pub async fn item(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<service_item::Model>, DbErr> {
    service_item::Entity::find()
        .filter(service_item::Column::Code.eq(code))
        .one(db)
        .await
}

/// Every area, active or not, by code.
pub async fn areas(db: &impl ConnectionTrait) -> Result<Vec<service_area::Model>, DbErr> {
    service_area::Entity::find()
        .order_by_asc(service_area::Column::Code)
        .all(db)
        .await
}

/// The area with this code, active or not.
pub async fn area(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<service_area::Model>, DbErr> {
    service_area::Entity::find()
        .filter(service_area::Column::Code.eq(code))
        .one(db)
        .await
}

/// The category with this code.
pub async fn category(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<service_category::Model>, DbErr> {
    service_category::Entity::find()
        .filter(service_category::Column::Code.eq(code))
        .one(db)
        .await
}

/// The skills the platform's active workers have, sorted: what an item may ask for.
pub async fn worker_skills(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let rows: Vec<String> = worker::Entity::find()
        .select_only()
        .column(worker::Column::Skills)
        .filter(worker::Column::Active.eq(true))
        .into_tuple()
        .all(db)
        .await?;
    let mut out: Vec<String> = rows
        .iter()
        .flat_map(|s| serde_json::from_str::<Vec<String>>(s).unwrap_or_default())
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// A category's editable fields.
#[derive(Debug, Clone)]
pub struct CategoryFields {
    /// Parent code (none for a top-level category).
    pub parent_code: Option<String>,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Display order.
    pub sort: i32,
}

/// Adds a category.
pub async fn create_category(
    db: &impl ConnectionTrait,
    code: &str,
    f: CategoryFields,
) -> Result<service_category::Model, WriteError> {
    service_category::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.to_string()),
        parent_code: Set(f.parent_code),
        name: Set(f.name),
        name_en: Set(f.name_en),
        sort: Set(f.sort),
    }
    .insert(db)
    .await
    .map_err(duplicate)
}

/// Changes a category.
pub async fn update_category(
    db: &impl ConnectionTrait,
    current: service_category::Model,
    f: CategoryFields,
) -> Result<service_category::Model, DbErr> {
    let mut row: service_category::ActiveModel = current.into();
    row.parent_code = Set(f.parent_code);
    row.name = Set(f.name);
    row.name_en = Set(f.name_en);
    row.sort = Set(f.sort);
    row.update(db).await
}

/// An item's editable fields, JSON columns already encoded.
#[derive(Debug, Clone)]
pub struct ItemFields {
    /// Category code.
    pub category_code: String,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Sanitised HTML.
    pub description: String,
    /// Unit (次, 台…).
    pub unit: String,
    /// Base price, 分.
    pub base_price_fen: i64,
    /// Base duration, minutes.
    pub base_duration_min: i32,
    /// Packing-up time after the visit, minutes.
    pub buffer_min: i32,
    /// JSON array of skill names.
    pub skills: String,
    /// JSON array of tools.
    pub tools: String,
    /// Notes for the customer.
    pub notes: String,
    /// JSON array of the service record's checklist steps, or none.
    pub checklist: Option<String>,
    /// JSON array of `ItemOption`.
    pub options: String,
    /// `full` or `deposit`.
    pub payment_mode: String,
    /// Deposit, 分.
    pub deposit_fen: i64,
    /// Bookable.
    pub on_shelf: bool,
    /// Display order.
    pub sort: i32,
    /// JSON `Policy`, or none for the area's or the default.
    pub policy: Option<String>,
}

/// Adds an item.
pub async fn create_item(
    db: &impl ConnectionTrait,
    code: &str,
    f: ItemFields,
    now: DateTime<Utc>,
) -> Result<service_item::Model, WriteError> {
    service_item::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.to_string()),
        category_code: Set(f.category_code),
        name: Set(f.name),
        name_en: Set(f.name_en),
        description: Set(f.description),
        unit: Set(f.unit),
        base_price_fen: Set(f.base_price_fen),
        base_duration_min: Set(f.base_duration_min),
        buffer_min: Set(f.buffer_min),
        skills: Set(f.skills),
        tools: Set(f.tools),
        notes: Set(f.notes),
        options: Set(f.options),
        payment_mode: Set(f.payment_mode),
        deposit_fen: Set(f.deposit_fen),
        on_shelf: Set(f.on_shelf),
        sort: Set(f.sort),
        policy: Set(f.policy),
        photos: Set(None),
        checklist: Set(f.checklist),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(duplicate)
}

/// Changes an item (its photos stay as they are).
pub async fn update_item(
    db: &impl ConnectionTrait,
    current: service_item::Model,
    f: ItemFields,
    now: DateTime<Utc>,
) -> Result<service_item::Model, DbErr> {
    let mut row: service_item::ActiveModel = current.into();
    row.category_code = Set(f.category_code);
    row.name = Set(f.name);
    row.name_en = Set(f.name_en);
    row.description = Set(f.description);
    row.unit = Set(f.unit);
    row.base_price_fen = Set(f.base_price_fen);
    row.base_duration_min = Set(f.base_duration_min);
    row.buffer_min = Set(f.buffer_min);
    row.skills = Set(f.skills);
    row.tools = Set(f.tools);
    row.notes = Set(f.notes);
    row.checklist = Set(f.checklist);
    row.options = Set(f.options);
    row.payment_mode = Set(f.payment_mode);
    row.deposit_fen = Set(f.deposit_fen);
    row.on_shelf = Set(f.on_shelf);
    row.sort = Set(f.sort);
    row.policy = Set(f.policy);
    row.updated_at = Set(now);
    row.update(db).await
}

/// An area's editable fields.
#[derive(Debug, Clone)]
pub struct AreaFields {
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// City.
    pub city: String,
    /// IANA time zone.
    pub timezone: String,
    /// GeoJSON polygon text.
    pub polygon: String,
    /// Opening, minutes after local midnight.
    pub open_minute: i32,
    /// Closing, minutes after local midnight.
    pub close_minute: i32,
    /// Earliest start from now, minutes.
    pub lead_minutes: i32,
    /// Days ahead bookable.
    pub horizon_days: i32,
    /// Appointment window length, minutes.
    pub window_minutes: i32,
    /// Taking bookings.
    pub active: bool,
    /// JSON `Policy`, or none for the default.
    pub policy: Option<String>,
}

/// Adds an area.
pub async fn create_area(
    db: &impl ConnectionTrait,
    code: &str,
    f: AreaFields,
    now: DateTime<Utc>,
) -> Result<service_area::Model, WriteError> {
    service_area::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.to_string()),
        name: Set(f.name),
        name_en: Set(f.name_en),
        city: Set(f.city),
        timezone: Set(f.timezone),
        polygon: Set(f.polygon),
        open_minute: Set(f.open_minute),
        close_minute: Set(f.close_minute),
        lead_minutes: Set(f.lead_minutes),
        horizon_days: Set(f.horizon_days),
        active: Set(f.active),
        window_minutes: Set(f.window_minutes),
        booking_seq: Set(0),
        policy: Set(f.policy),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(duplicate)
}

/// Changes an area (never its booking lock).
pub async fn update_area(
    db: &impl ConnectionTrait,
    current: service_area::Model,
    f: AreaFields,
    now: DateTime<Utc>,
) -> Result<service_area::Model, DbErr> {
    let mut row: service_area::ActiveModel = current.into();
    row.name = Set(f.name);
    row.name_en = Set(f.name_en);
    row.city = Set(f.city);
    row.timezone = Set(f.timezone);
    row.polygon = Set(f.polygon);
    row.open_minute = Set(f.open_minute);
    row.close_minute = Set(f.close_minute);
    row.lead_minutes = Set(f.lead_minutes);
    row.horizon_days = Set(f.horizon_days);
    row.active = Set(f.active);
    row.window_minutes = Set(f.window_minutes);
    row.policy = Set(f.policy);
    row.updated_at = Set(now);
    row.update(db).await
}

/// The override of one item's price in one area, if any.
pub async fn area_price(
    db: &impl ConnectionTrait,
    area_code: &str,
    item_code: &str,
) -> Result<Option<area_item_price::Model>, DbErr> {
    area_item_price::Entity::find()
        .filter(area_item_price::Column::AreaCode.eq(area_code))
        .filter(area_item_price::Column::ItemCode.eq(item_code))
        .one(db)
        .await
}

/// Sets an item's price in an area (a new base price and/or a markup), replacing any
/// override it had.
pub async fn put_area_price(
    db: &impl ConnectionTrait,
    area_code: &str,
    item_code: &str,
    base_price_fen: Option<i64>,
    markup_percent: i32,
    now: DateTime<Utc>,
) -> Result<area_item_price::Model, WriteError> {
    match area_price(db, area_code, item_code).await? {
        Some(current) => {
            let mut row: area_item_price::ActiveModel = current.into();
            row.base_price_fen = Set(base_price_fen);
            row.markup_percent = Set(markup_percent);
            row.updated_at = Set(now);
            Ok(row.update(db).await?)
        }
        None => area_item_price::ActiveModel {
            id: Set(Uuid::now_v7()),
            area_code: Set(area_code.to_string()),
            item_code: Set(item_code.to_string()),
            base_price_fen: Set(base_price_fen),
            markup_percent: Set(markup_percent),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(duplicate),
    }
}

/// Removes an item's price override in an area; returns what it was.
pub async fn delete_area_price(
    db: &impl ConnectionTrait,
    area_code: &str,
    item_code: &str,
) -> Result<Option<area_item_price::Model>, DbErr> {
    let Some(current) = area_price(db, area_code, item_code).await? else {
        return Ok(None);
    };
    area_item_price::Entity::delete_by_id(current.id)
        .exec(db)
        .await?;
    super::versions::bump(db, super::versions::CATALOG).await?;
    Ok(Some(current))
}
