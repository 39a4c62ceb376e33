//! Service areas in the operations console: the outline (drawn on the map or imported from
//! GeoJSON), opening hours, lead time, booking horizon, window length, time zone, the
//! active flag and the area's own order policy; and the areas' price overrides per item.
//! The rules and the audit are the application layer's (`daojia_app::catalog`); these
//! handlers translate HTTP.

use super::admin_workers::actor;
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::catalog::{areas as app_areas, import, prices};
use serde_json::Value;

pub use daojia_app::catalog::areas::{AdminArea, AreaInput, PolygonInput};
pub use daojia_app::catalog::import::AreaImportResult;
pub use daojia_app::catalog::prices::{AreaPriceInput, AreaPriceView};

type Problem = crate::http::error::Problem;

/// Every service area, active or not.
#[utoipa::path(operation_id = "admin_catalog_areas", get, path = "/api/v1/admin/catalog/areas", tag = "admin", security(("bearer" = ["catalog.read"])),
    responses((status = 200, body = Vec<AdminArea>), (status = 403, body = Problem)))]
pub async fn areas(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
) -> ApiResult<axum::Json<Vec<AdminArea>>> {
    Ok(axum::Json(app_areas::list(&state.app).await?))
}

/// One service area.
#[utoipa::path(operation_id = "admin_catalog_area", get, path = "/api/v1/admin/catalog/areas/{code}", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = AdminArea), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn area(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<AdminArea>> {
    Ok(axum::Json(app_areas::get(&state.app, &code).await?))
}

/// Adds a service area.
#[utoipa::path(operation_id = "admin_catalog_area_create", post, path = "/api/v1/admin/catalog/areas", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = AreaInput,
    responses((status = 201, body = AdminArea), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_area(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(req): Json<AreaInput>,
) -> ApiResult<(StatusCode, axum::Json<AdminArea>)> {
    let by = actor(&who.staff, &client);
    let created = app_areas::create(&state.app, &by, req, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(created)))
}

/// Changes every field of a service area.
#[utoipa::path(operation_id = "admin_catalog_area_update", put, path = "/api/v1/admin/catalog/areas/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = AreaInput,
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = AdminArea), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_area(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<AreaInput>,
) -> ApiResult<axum::Json<AdminArea>> {
    let by = actor(&who.staff, &client);
    let after = app_areas::update(&state.app, &by, &code, req, state.now()).await?;
    Ok(axum::Json(after))
}

/// Creates or updates areas from a GeoJSON upload: one `Feature` or a `FeatureCollection`
/// of `Polygon` features, each with a `code` property. Other properties that match the
/// area's fields (`name`, `name_en`, `city`, `timezone`, `open_minute`, `close_minute`,
/// `lead_minutes`, `horizon_days`, `window_minutes`, `active`) are applied; what is left out
/// keeps its value, or for a new area takes the default (the city of the existing areas,
/// Asia/Shanghai, 08:00–20:00, 120 minutes lead, 14 days, one-hour windows, inactive). All
/// or nothing.
#[utoipa::path(operation_id = "admin_catalog_area_import", post, path = "/api/v1/admin/catalog/areas/import", tag = "admin", security(("bearer" = ["catalog.write"])),
    request_body(content = Object, description = "A GeoJSON Feature or FeatureCollection"),
    responses((status = 200, body = AreaImportResult), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_areas(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(doc): Json<Value>,
) -> ApiResult<axum::Json<AreaImportResult>> {
    let by = actor(&who.staff, &client);
    Ok(axum::Json(
        import::import(&state.app, &by, &doc, state.now()).await?,
    ))
}

/// An area's price overrides.
#[utoipa::path(operation_id = "admin_catalog_area_prices", get, path = "/api/v1/admin/catalog/areas/{code}/prices", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = Vec<AreaPriceView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn area_prices(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<AreaPriceView>>> {
    Ok(axum::Json(prices::list(&state.app, &code).await?))
}

/// Sets an item's price in an area.
#[utoipa::path(operation_id = "admin_catalog_area_price_put", put, path = "/api/v1/admin/catalog/areas/{code}/prices/{item}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = AreaPriceInput,
    params(("code" = String, Path, description = "Area code"), ("item" = String, Path, description = "Item code")),
    responses((status = 200, body = AreaPriceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_area_price(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path((code, item)): Path<(String, String)>,
    Json(req): Json<AreaPriceInput>,
) -> ApiResult<axum::Json<AreaPriceView>> {
    let by = actor(&who.staff, &client);
    let key = (code.as_str(), item.as_str());
    Ok(axum::Json(
        prices::put(&state.app, &by, key, req, state.now()).await?,
    ))
}

/// Removes an item's price override in an area (its own price applies again).
#[utoipa::path(operation_id = "admin_catalog_area_price_delete", delete, path = "/api/v1/admin/catalog/areas/{code}/prices/{item}", tag = "admin", security(("bearer" = ["catalog.write"])),
    params(("code" = String, Path, description = "Area code"), ("item" = String, Path, description = "Item code")),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_area_price(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path((code, item)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let by = actor(&who.staff, &client);
    let key = (code.as_str(), item.as_str());
    prices::delete(&state.app, &by, key, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
