//! A bookable service item (服务项目); options are JSON, prices in fen.

use sea_orm::entity::prelude::*;

/// A row of `service_item`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "service_item")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    pub category_code: String,
    pub name: String,
    pub name_en: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub unit: String,
    pub base_price_fen: i64,
    pub base_duration_min: i32,
    pub buffer_min: i32,
    #[sea_orm(column_type = "Text")]
    pub skills: String,
    #[sea_orm(column_type = "Text")]
    pub tools: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    #[sea_orm(column_type = "Text")]
    pub options: String,
    pub payment_mode: String,
    pub deposit_fen: i64,
    pub on_shelf: bool,
    pub sort: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub policy: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub photos: Option<String>,
    /// The steps of the service record's checklist (JSON array of strings), if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub checklist: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

// Every write counts for the nodes' copies of what a placement prices and checks.
crate::entity::counts_for_catalog!();
