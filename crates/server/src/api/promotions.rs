//! Promotions (限时特价) over HTTP: staff with `marketing.write` (市场运营) create, list (with sold and
//! quota) and stop them (audited); customers and visitors list the current ones with the
//! places left (`GET /api/v1/public/promotions`) and book one by sending `promotion_id`
//! with the order. The rules live in `daojia_app::promotions`.

use super::admin_workers::{actor, app};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::promotions::{self, PromotionInput, PromotionView, PublicPromotion};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Which promotions to show.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PromotionQuery {
    /// Only those offered in this service area (and those offered everywhere).
    pub area: Option<String>,
}

/// The current promotions (not stopped, sales not closed), soonest first, with the places
/// left. Send one's `id` as `promotion_id` when placing the order.
#[utoipa::path(operation_id = "public_promotions", get, path = "/api/v1/public/promotions", tag = "public",
    params(PromotionQuery),
    responses((status = 200, body = [PublicPromotion]), (status = 422, body = crate::http::error::Problem)))]
pub async fn current(
    State(state): State<AppState>,
    Query(q): Query<PromotionQuery>,
) -> ApiResult<axum::Json<Vec<PublicPromotion>>> {
    let area = q.area.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if area.is_some_and(|a| a.len() > 64) {
        return Err(ApiError::field(
            "area",
            "invalid",
            "an area code of at most 64 characters",
        ));
    }
    Ok(axum::Json(
        promotions::current(&app(&state), area, state.now()).await?,
    ))
}

/// Every promotion with its sold count and quota, newest first.
#[utoipa::path(operation_id = "admin_promotions", get, path = "/api/v1/admin/promotions", tag = "admin", security(("bearer" = ["marketing.write"])),
    responses((status = 200, body = [PromotionView]), (status = 403, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _who: Can<perm::MarketingWrite>,
) -> ApiResult<axum::Json<Vec<PromotionView>>> {
    Ok(axum::Json(
        promotions::list(&app(&state), state.now()).await?,
    ))
}

/// Creates a promotion (audited): one item at a lower price for a quota of bookings in a
/// sales window. Platform staff only.
#[utoipa::path(operation_id = "admin_promotion_create", post, path = "/api/v1/admin/promotions", tag = "admin", security(("bearer" = ["marketing.write"])),
    request_body = PromotionInput,
    responses((status = 201, body = PromotionView), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Can<perm::MarketingWrite>,
    client: ClientInfo,
    Json(input): Json<PromotionInput>,
) -> ApiResult<(StatusCode, axum::Json<PromotionView>)> {
    let a = actor(&who.staff, &client);
    a.scope.require_platform()?;
    let v = promotions::create(&app(&state), &a, input, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// Stops a promotion (audited): no further booking takes it; bookings made keep their
/// price. Platform staff only.
#[utoipa::path(operation_id = "admin_promotion_stop", post, path = "/api/v1/admin/promotions/{id}/stop", tag = "admin", security(("bearer" = ["marketing.write"])),
    params(("id" = Uuid, Path, description = "Promotion id")),
    responses((status = 200, body = PromotionView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn stop(
    State(state): State<AppState>,
    who: Can<perm::MarketingWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<PromotionView>> {
    let a = actor(&who.staff, &client);
    a.scope.require_platform()?;
    Ok(axum::Json(
        promotions::stop(&app(&state), &a, id, state.now()).await?,
    ))
}
