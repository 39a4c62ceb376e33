//! Feature flags over HTTP: the apps ask which flags are on for them
//! (`GET /api/v1/public/flags`), and staff with `settings.write` list, set and delete them
//! in the console (audited). The rules live in `daojia_app::flags`.

use super::admin_workers::{actor, app};
use crate::http::auth::{Authenticated, Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::flags::{self, FlagInput, FlagView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Who asks, when not logged in, and where.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagQuery {
    /// The service area the caller is in or looking at (a worker's own area by default).
    pub area: Option<String>,
    /// A caller not logged in: the id the app keeps on the device, so that the answer
    /// stays the same from one visit to the next. Ignored with a log-in.
    pub device: Option<Uuid>,
}

/// Every flag with whether it is on for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagsOn {
    /// Flag key → on.
    pub flags: BTreeMap<String, bool>,
}

/// Which feature flags are on for the caller (灰度发布): by their account when logged in,
/// otherwise by `device`. A caller neither logged in nor naming a device gets only the
/// flags given to everyone (100 %).
#[utoipa::path(operation_id = "public_flags", get, path = "/api/v1/public/flags", tag = "public",
    params(FlagQuery),
    responses((status = 200, body = FlagsOn), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn on(
    State(state): State<AppState>,
    who: Option<Authenticated>,
    Query(q): Query<FlagQuery>,
) -> ApiResult<axum::Json<FlagsOn>> {
    let area = q.area.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if area.is_some_and(|a| a.len() > 64) {
        return Err(ApiError::field(
            "area",
            "invalid",
            "an area code of at most 64 characters",
        ));
    }
    let flags = match who {
        Some(Authenticated(c)) => flags::for_account(&app(&state), c.aud, c.sub, area).await?,
        None => flags::for_device(&app(&state), q.device, area).await?,
    };
    Ok(axum::Json(FlagsOn { flags }))
}

/// Every feature flag with its settings.
#[utoipa::path(operation_id = "admin_flags", get, path = "/api/v1/admin/flags", tag = "admin", security(("bearer" = ["settings.write"])),
    responses((status = 200, body = [FlagView]), (status = 403, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    _who: Can<perm::SettingsWrite>,
) -> ApiResult<axum::Json<Vec<FlagView>>> {
    Ok(axum::Json(flags::list(&app(&state)).await?))
}

/// Creates or replaces a feature flag (audited); every node applies it from the next
/// request.
#[utoipa::path(operation_id = "admin_flag_put", put, path = "/api/v1/admin/flags/{key}", tag = "admin", security(("bearer" = ["settings.write"])),
    params(("key" = String, Path, description = "Flag key, e.g. `booking.new_checkout`")), request_body = FlagInput,
    responses((status = 200, body = FlagView), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn put(
    State(state): State<AppState>,
    who: Can<perm::SettingsWrite>,
    client: ClientInfo,
    Path(key): Path<String>,
    Json(input): Json<FlagInput>,
) -> ApiResult<axum::Json<FlagView>> {
    let a = actor(&who.staff, &client);
    Ok(axum::Json(
        flags::save(&app(&state), &a, &key, input, state.now()).await?,
    ))
}

/// Deletes a feature flag (audited); callers see it off.
#[utoipa::path(operation_id = "admin_flag_delete", delete, path = "/api/v1/admin/flags/{key}", tag = "admin", security(("bearer" = ["settings.write"])),
    params(("key" = String, Path, description = "Flag key")),
    responses((status = 204), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    who: Can<perm::SettingsWrite>,
    client: ClientInfo,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let a = actor(&who.staff, &client);
    flags::remove(&app(&state), &a, &key, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
