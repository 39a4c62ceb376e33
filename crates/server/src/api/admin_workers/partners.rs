//! Partners (服务商/门店) in the console: the list (a partner's staff see their own), creating
//! one, and attaching a staff member to one.

use super::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::workers::{Scope, partners};
use daojia_store::entity::partner;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A partner.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Active.
    pub active: bool,
}

impl From<partner::Model> for PartnerView {
    fn from(p: partner::Model) -> Self {
        PartnerView {
            id: p.id,
            code: p.code,
            name: p.name,
            active: p.active,
        }
    }
}

/// Partners (a partner's staff see their own only).
#[utoipa::path(operation_id = "admin_workers_list_partners", get, path = "/api/v1/admin/partners", tag = "admin", security(("bearer" = ["worker.read"])),
    responses((status = 200, body = Vec<PartnerView>), (status = 403, body = crate::http::error::Problem)))]
pub async fn list_partners(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
) -> ApiResult<axum::Json<Vec<PartnerView>>> {
    let scope = scope_of(&who.staff);
    let all = partners::list(&app(&state)).await?;
    Ok(axum::Json(
        all.into_iter()
            .filter(|p| match scope {
                Scope::All => true,
                Scope::Partner(mine) => mine == Some(p.id),
            })
            .map(Into::into)
            .collect(),
    ))
}

/// A partner to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartnerRequest {
    /// Code: 1 to 32 lower-case letters, digits or `_`.
    pub code: String,
    /// Name.
    pub name: String,
}

/// Creates a partner (platform staff only).
#[utoipa::path(operation_id = "admin_workers_create_partner", post, path = "/api/v1/admin/partners", tag = "admin", security(("bearer" = ["worker.write"])),
    request_body = PartnerRequest,
    responses((status = 201, body = PartnerView), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn create_partner(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Json(req): Json<PartnerRequest>,
) -> ApiResult<(StatusCode, axum::Json<PartnerView>)> {
    let p = partners::create(
        &app(&state),
        &actor(&who.staff, &client),
        &req.code,
        &req.name,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(p.into())))
}

/// The partner a staff member works for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPartnerRequest {
    /// The partner (null: none, the staff member sees every worker their role allows).
    pub partner_id: Option<Uuid>,
}

/// Attaches a staff member to a partner, or detaches them (audited).
#[utoipa::path(operation_id = "admin_workers_set_staff_partner", put, path = "/api/v1/admin/staff/{id}/partner", tag = "admin", security(("bearer" = ["staff.write"])),
    params(("id" = Uuid, Path, description = "Staff id")), request_body = StaffPartnerRequest,
    responses((status = 204), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_staff_partner(
    State(state): State<AppState>,
    who: Can<perm::StaffWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<StaffPartnerRequest>,
) -> ApiResult<StatusCode> {
    partners::set_staff_partner(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        req.partner_id,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
