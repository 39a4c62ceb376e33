//! Partners (服务商/门店) in the console: the list (a partner's staff see their own), creating
//! one, and attaching a staff member to one.

use super::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, CurrentStaff, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::workers::{Scope, partners};
use daojia_domain::access::Permission;
use daojia_store::entity::partner;
use daojia_store::repo::earnings;
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
    /// Its share (服务商分成) of what the platform leaves of its workers' orders, in basis
    /// points (0 until finance sets one).
    pub share_bp: u32,
}

impl PartnerView {
    async fn of(state: &AppState, p: partner::Model) -> ApiResult<Self> {
        let share_bp = earnings::partner_bp(state.store.db(), p.id).await?;
        Ok(PartnerView {
            id: p.id,
            code: p.code,
            name: p.name,
            active: p.active,
            share_bp,
        })
    }
}

/// Partners, to staff with `worker.read` or `finance.read` (finance sets their shares); a
/// partner's staff see their own only.
#[utoipa::path(operation_id = "admin_workers_list_partners", get, path = "/api/v1/admin/partners", tag = "admin", security(("bearer" = ["worker.read"]), ("bearer" = ["finance.read"])),
    responses((status = 200, body = Vec<PartnerView>), (status = 403, body = crate::http::error::Problem)))]
pub async fn list_partners(
    State(state): State<AppState>,
    who: CurrentStaff,
) -> ApiResult<axum::Json<Vec<PartnerView>>> {
    if !who.role.allows(Permission::WorkerRead) && !who.role.allows(Permission::FinanceRead) {
        return Err(ApiError::forbidden(
            "permission_denied",
            format!(
                "your role `{}` lacks the permission `worker.read` or `finance.read`",
                who.role
            ),
        ));
    }
    let scope = scope_of(&who);
    let all = partners::list(&app(&state)).await?;
    let mut out = vec![];
    for p in all.into_iter().filter(|p| match scope {
        Scope::All => true,
        Scope::Partner(mine) => mine == Some(p.id),
    }) {
        out.push(PartnerView::of(&state, p).await?);
    }
    Ok(axum::Json(out))
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
    Ok((
        StatusCode::CREATED,
        axum::Json(PartnerView::of(&state, p).await?),
    ))
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
