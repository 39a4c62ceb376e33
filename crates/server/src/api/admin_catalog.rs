//! The catalog in the operations console (后台 服务项目管理): the category tree and the
//! service items, on shelf or off, with their options, skills, payment mode, description
//! and policy. The rules and the audit are the application layer's
//! (`daojia_app::catalog`); these handlers translate HTTP. Areas and their prices are in
//! `admin_areas`.

use super::admin_workers::actor;
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::catalog::{categories as app_categories, items as app_items};
use serde::Deserialize;
use utoipa::IntoParams;

pub use daojia_app::catalog::PolicyFields;
pub use daojia_app::catalog::categories::{AdminCategory, AdminSubcategory, CategoryInput};
pub use daojia_app::catalog::item_rules::{
    ChoiceInput, ItemInput, ItemShelfPatch, OptionInput, sanitize_description,
};
pub use daojia_app::catalog::items::AdminItem;

type Problem = crate::http::error::Problem;

/// The category tree (two levels), in display order.
#[utoipa::path(operation_id = "admin_catalog_categories", get, path = "/api/v1/admin/catalog/categories", tag = "admin", security(("bearer" = ["catalog.read"])),
    responses((status = 200, body = Vec<AdminCategory>), (status = 403, body = Problem)))]
pub async fn categories(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
) -> ApiResult<axum::Json<Vec<AdminCategory>>> {
    Ok(axum::Json(app_categories::tree_of(&state.app).await?))
}

/// Adds a category.
#[utoipa::path(operation_id = "admin_catalog_category_create", post, path = "/api/v1/admin/catalog/categories", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = CategoryInput,
    responses((status = 201, body = AdminSubcategory), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_category(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(req): Json<CategoryInput>,
) -> ApiResult<(StatusCode, axum::Json<AdminSubcategory>)> {
    let by = actor(&who.staff, &client);
    let created = app_categories::create(&state.app, &by, req, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// Renames, moves or reorders a category.
#[utoipa::path(operation_id = "admin_catalog_category_update", put, path = "/api/v1/admin/catalog/categories/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = CategoryInput,
    params(("code" = String, Path, description = "Category code")),
    responses((status = 200, body = AdminSubcategory), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_category(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<CategoryInput>,
) -> ApiResult<axum::Json<AdminSubcategory>> {
    let by = actor(&who.staff, &client);
    let after = app_categories::update(&state.app, &by, &code, req, state.now()).await?;
    Ok(axum::Json(after))
}

/// Item list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemListParams {
    /// Only this category (and its sub-categories).
    pub category: Option<String>,
}

/// Every item, on shelf or off, in display order.
#[utoipa::path(operation_id = "admin_catalog_items", get, path = "/api/v1/admin/catalog/items", tag = "admin", security(("bearer" = ["catalog.read"])), params(ItemListParams),
    responses((status = 200, body = Vec<AdminItem>), (status = 403, body = Problem)))]
pub async fn items(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Query(p): Query<ItemListParams>,
) -> ApiResult<axum::Json<Vec<AdminItem>>> {
    let list = app_items::list(&state.app, p.category.as_deref()).await?;
    Ok(axum::Json(list))
}

/// One item.
#[utoipa::path(operation_id = "admin_catalog_item", get, path = "/api/v1/admin/catalog/items/{code}", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = AdminItem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn item(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<AdminItem>> {
    Ok(axum::Json(app_items::get(&state.app, &code).await?))
}

/// The skills an item may ask for: those the platform's active workers have.
#[utoipa::path(operation_id = "admin_catalog_skills", get, path = "/api/v1/admin/catalog/skills", tag = "admin", security(("bearer" = ["catalog.read"])),
    responses((status = 200, body = Vec<String>), (status = 403, body = Problem)))]
pub async fn skills(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(app_items::skills(&state.app).await?))
}

/// Adds a service item.
#[utoipa::path(operation_id = "admin_catalog_item_create", post, path = "/api/v1/admin/catalog/items", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemInput,
    responses((status = 201, body = AdminItem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_item(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(req): Json<ItemInput>,
) -> ApiResult<(StatusCode, axum::Json<AdminItem>)> {
    let by = actor(&who.staff, &client);
    let created = app_items::create(&state.app, &by, req, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// Changes every field of a service item.
#[utoipa::path(operation_id = "admin_catalog_item_update", put, path = "/api/v1/admin/catalog/items/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemInput,
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = AdminItem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<ItemInput>,
) -> ApiResult<axum::Json<AdminItem>> {
    let by = actor(&who.staff, &client);
    let after = app_items::update(&state.app, &by, &code, req, state.now()).await?;
    Ok(axum::Json(after))
}

/// Puts an item on or off shelf, or moves it in the display order.
#[utoipa::path(operation_id = "admin_catalog_item_patch", patch, path = "/api/v1/admin/catalog/items/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemShelfPatch,
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = AdminItem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patch_item(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<ItemShelfPatch>,
) -> ApiResult<axum::Json<AdminItem>> {
    let by = actor(&who.staff, &client);
    let after = app_items::patch(&state.app, &by, &code, req, state.now()).await?;
    Ok(axum::Json(after))
}
