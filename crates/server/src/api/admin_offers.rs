//! Which items an area offers (a district without pet groomers, a service not licensed
//! there). Every item is offered everywhere until staff take it out of an area; the
//! customer's catalog, quotes and orders at an address follow.

use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use daojia_store::entity::{service_area, service_item};
use daojia_store::repo::{audit, catalog};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whether an item is offered in an area.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Offered {
    /// Offered there.
    pub offered: bool,
}

async fn exists(state: &AppState, area: &str, item: Option<&str>) -> ApiResult<()> {
    let db = state.store.db();
    if service_area::Entity::find()
        .filter(service_area::Column::Code.eq(area))
        .one(db)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("area"));
    }
    if let Some(code) = item
        && service_item::Entity::find()
            .filter(service_item::Column::Code.eq(code))
            .one(db)
            .await?
            .is_none()
    {
        return Err(ApiError::not_found("item"));
    }
    Ok(())
}

/// The items an area does not offer (codes).
#[utoipa::path(operation_id = "admin_catalog_area_not_offered", get, path = "/api/v1/admin/catalog/areas/{code}/not-offered", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = Vec<String>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn not_offered(
    State(state): State<AppState>,
    _who: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<String>>> {
    exists(&state, &code, None).await?;
    Ok(axum::Json(
        catalog::items_not_offered(state.store.db(), &code).await?,
    ))
}

/// Offers an item in an area, or takes it out (audited).
#[utoipa::path(operation_id = "admin_catalog_area_offered_put", put, path = "/api/v1/admin/catalog/areas/{code}/offered/{item}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = Offered,
    params(("code" = String, Path, description = "Area code"), ("item" = String, Path, description = "Item code")),
    responses((status = 200, body = Offered), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_offered(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path((code, item)): Path<(String, String)>,
    Json(req): Json<Offered>,
) -> ApiResult<axum::Json<Offered>> {
    exists(&state, &code, Some(&item)).await?;
    let now = state.now();
    let tx = daojia_store::begin(state.store.db()).await?;
    if catalog::set_offered(&tx, &code, &item, req.offered, now).await? {
        audit::record(
            &state.store,
            &tx,
            super::audit_entry(
                &who.staff,
                &client,
                "catalog.area_offer",
                "area",
                &code,
                Some(serde_json::json!({"item": item, "offered": !req.offered})),
                Some(serde_json::json!({"item": item, "offered": req.offered})),
            ),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(axum::Json(req))
}

/// An item's photos.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemPhotos {
    /// Upload ids from `POST /api/v1/admin/uploads`, in display order (at most 8).
    pub photo_ids: Vec<uuid::Uuid>,
}

/// Sets an item's photos (audited).
#[utoipa::path(operation_id = "admin_catalog_item_photos_put", put, path = "/api/v1/admin/catalog/items/{code}/photos", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemPhotos,
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = ItemPhotos), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_item_photos(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<ItemPhotos>,
) -> ApiResult<axum::Json<ItemPhotos>> {
    use sea_orm::sea_query::Expr;
    if req.photo_ids.len() > 8 {
        return Err(ApiError::field("photo_ids", "too_many", "at most 8 photos"));
    }
    let db = state.store.db();
    for (i, id) in req.photo_ids.iter().enumerate() {
        let ok = daojia_store::repo::uploads::get(db, *id)
            .await?
            .is_some_and(|u| u.purpose == "item");
        if !ok {
            return Err(ApiError::field(
                &format!("photo_ids[{i}]"),
                "unknown_photo",
                "not a catalog photo uploaded by staff",
            ));
        }
    }
    let now = state.now();
    let tx = daojia_store::begin(db).await?;
    let item = service_item::Entity::find()
        .filter(service_item::Column::Code.eq(code.as_str()))
        .one(&tx)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    let photos = serde_json::to_string(&req.photo_ids).map_err(ApiError::internal)?;
    service_item::Entity::update_many()
        .col_expr(
            service_item::Column::Photos,
            Expr::value(Some(photos.clone())),
        )
        .col_expr(service_item::Column::UpdatedAt, Expr::value(now))
        .filter(service_item::Column::Id.eq(item.id))
        .exec(&tx)
        .await?;
    daojia_store::repo::versions::bump(&tx, daojia_store::repo::versions::CATALOG).await?;
    audit::record(
        &state.store,
        &tx,
        super::audit_entry(
            &who.staff,
            &client,
            "catalog.item_photos",
            "item",
            &code,
            Some(serde_json::json!({"photos": item.photos})),
            Some(serde_json::json!({"photos": photos})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(req))
}
