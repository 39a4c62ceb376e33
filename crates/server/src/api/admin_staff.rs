//! Staff accounts and roles in the operations console: list, create, update, unlock after
//! a lockout. Every write is audited in the same transaction.

use super::account::{decrypt_phone, readable};
use super::admin::{PageParams, page_request};
use crate::http::auth::{Can, ClientInfo, CurrentStaff, perm};
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_domain::access::Role;
use daojia_domain::phone::Phone;
use daojia_domain::privacy;
use daojia_store::entity::staff;
use daojia_store::repo::{accounts, audit, login_guard};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// The staff roles, for the OpenAPI document (the domain's `Role` stays free of HTTP
/// concerns).
#[derive(ToSchema)]
#[schema(as = Role)]
#[allow(non_camel_case_types, dead_code)]
pub enum RoleSchema {
    /// Everything, including staff management.
    super_admin,
    /// Dispatch and orders.
    dispatcher,
    /// Customers, orders, after-sales.
    customer_service,
    /// Money and audit.
    finance,
    /// Coupons and campaigns.
    marketing,
    /// A partner's staff: their partner's workers only.
    partner,
}

/// A role and what it may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleInfo {
    /// Stable name.
    pub role: String,
    /// Display name (zh-CN).
    pub name: String,
    /// Permissions.
    pub permissions: Vec<String>,
}

/// The roles.
#[utoipa::path(get, path = "/api/v1/admin/roles", tag = "admin", security(("bearer" = ["staff.read"])),
    responses((status = 200, body = Vec<RoleInfo>), (status = 403, body = crate::http::error::Problem)))]
pub async fn roles(_: Can<perm::StaffRead>) -> axum::Json<Vec<RoleInfo>> {
    axum::Json(
        Role::ALL
            .iter()
            .map(|r| RoleInfo {
                role: r.as_str().into(),
                name: r.display_name().into(),
                permissions: r.permissions().iter().map(|p| p.as_str().into()).collect(),
            })
            .collect(),
    )
}

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Staff {
    /// Id.
    pub id: String,
    /// Log-in name.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Phone, masked.
    pub phone: Option<String>,
    /// Role.
    pub role: String,
    /// False when deactivated.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Set while password log-in is locked after wrong passwords (a super admin can
    /// unlock at `POST /api/v1/admin/staff/{id}/unlock`).
    pub locked_until: Option<DateTime<Utc>>,
}

fn staff_view(state: &AppState, s: &staff::Model) -> Staff {
    Staff {
        id: s.id.to_string(),
        username: s.username.clone(),
        name: readable(accounts::staff_name(&state.store, s), "staff name"),
        phone: s
            .phone_enc
            .as_deref()
            .map(|p| decrypt_phone(state, accounts::STAFF_PHONE, p)),
        role: s.role.clone(),
        active: s.active,
        created_at: s.created_at,
        locked_until: None,
    }
}

async fn staff_view_now(state: &AppState, s: &staff::Model) -> ApiResult<Staff> {
    let mut view = staff_view(state, s);
    view.locked_until = login_guard::of_staff(state.store.db(), s.id)
        .await?
        .and_then(|g| g.locked_until)
        .filter(|until| *until > state.now());
    Ok(view)
}

/// A staff account as the audit log keeps it: the name masked, since the log is kept in
/// clear for its readers (the acting staff's own name is encrypted with the entry).
fn staff_audit(state: &AppState, s: &staff::Model) -> serde_json::Value {
    let mut view = staff_view(state, s);
    view.name = privacy::mask_name(&view.name);
    json!(view)
}

/// A page of staff.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPage {
    /// Rows.
    pub items: Vec<Staff>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Staff accounts, newest first.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin", security(("bearer" = ["staff.read"])), params(PageParams),
    responses((status = 200, body = StaffPage), (status = 403, body = crate::http::error::Problem)))]
pub async fn list_staff(
    State(state): State<AppState>,
    _: Can<perm::StaffRead>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<StaffPage>> {
    let page = accounts::list_staff(
        state.store.db(),
        page_request(p.cursor.as_deref(), p.limit)?,
    )
    .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|s| s.id).collect();
    let locked = login_guard::locked_staff(state.store.db(), &ids, state.now()).await?;
    Ok(axum::Json(StaffPage {
        items: page
            .items
            .iter()
            .map(|s| Staff {
                locked_until: locked.get(&s.id).copied(),
                ..staff_view(&state, s)
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A new staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    /// Log-in name: 3–32 letters, digits, `.`, `_` or `-`.
    pub username: String,
    /// Display name.
    pub name: String,
    /// Optional mobile number (also a log-in).
    pub phone: Option<String>,
    /// Role.
    #[schema(value_type = RoleSchema)]
    pub role: Role,
    /// Initial password: at least 8 characters, not only digits.
    pub password: String,
}

/// Create a staff account.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin", security(("bearer" = ["staff.write"])), request_body = NewStaff,
    params(("Idempotency-Key" = Option<String>, Header, description = "Optional: a retry with the same key and body creates one account and replays the answer")),
    responses((status = 201, body = Staff), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn create_staff(
    State(state): State<AppState>,
    who: Can<perm::StaffWrite>,
    client: ClientInfo,
    Json(req): Json<NewStaff>,
) -> ApiResult<(StatusCode, axum::Json<Staff>)> {
    let mut errors = vec![];
    let username = req.username.trim().to_lowercase();
    if !(3..=32).contains(&username.len())
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        errors.push(FieldError::new(
            "username",
            "invalid",
            "3 to 32 letters, digits, `.`, `_` or `-`",
        ));
    }
    let name = req.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 {
        errors.push(FieldError::new("name", "invalid", "1 to 64 characters"));
    }
    let phone = match req
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(p) => match Phone::parse(p) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new("phone", "invalid", e.to_string()));
                None
            }
        },
    };
    if let Err(why) = crate::password::check_strength(&req.password) {
        errors.push(FieldError::new("password", "too_weak", why));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let password = req.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || crate::password::hash(&password))
        .await
        .map_err(ApiError::internal)?;
    let now = state.now();
    let txn = daojia_store::begin(state.store.db()).await?;
    let new = accounts::NewStaff {
        username,
        name,
        phone,
        password_hash,
        role: req.role,
    };
    let created = accounts::create_staff(&state.store, &txn, new, now)
        .await
        .map_err(|e| match e {
            accounts::CreateStaffError::UsernameTaken => {
                ApiError::conflict("username_taken", "this username is already taken")
                    .with_field("username")
            }
            accounts::CreateStaffError::Db(e) => e.into(),
        })?;
    audit::record(
        &state.store,
        &txn,
        entry(
            &who.staff,
            &client,
            "staff.create",
            "staff",
            created.id,
            None,
            Some(staff_audit(&state, &created)),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(staff_view(&state, &created)),
    ))
}

/// Changes to a staff account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffPatch {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    #[schema(value_type = Option<RoleSchema>)]
    pub role: Option<Role>,
    /// Activate or deactivate (deactivating ends their sessions' access at once).
    pub active: Option<bool>,
}

/// Change a staff account's name, role or status.
#[utoipa::path(patch, path = "/api/v1/admin/staff/{id}", tag = "admin", security(("bearer" = ["staff.write"])), request_body = StaffPatch,
    params(("id" = String, Path, description = "Staff id")),
    responses((status = 200, body = Staff), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn update_staff(
    State(state): State<AppState>,
    who: Can<perm::StaffWrite>,
    client: ClientInfo,
    Path(id): Path<String>,
    Json(req): Json<StaffPatch>,
) -> ApiResult<axum::Json<Staff>> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("staff"))?;
    if let Some(n) = &req.name
        && (n.trim().is_empty() || n.chars().count() > 64)
    {
        return Err(ApiError::field("name", "invalid", "1 to 64 characters"));
    }
    if id == who.staff.staff.id
        && (req.role.is_some_and(|r| r != who.staff.role) || req.active == Some(false))
    {
        return Err(ApiError::conflict(
            "cannot_change_self",
            "you cannot change your own role or deactivate yourself; ask another administrator",
        ));
    }
    let now = state.now();
    let txn = daojia_store::begin(state.store.db()).await?;
    let before = accounts::staff(&txn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("staff"))?;
    let change = accounts::StaffChange {
        name: req.name.map(|n| n.trim().to_string()),
        role: req.role,
        active: req.active,
        password_hash: None,
    };
    let after = accounts::update_staff(&state.store, &txn, before.clone(), change, now).await?;
    audit::record(
        &state.store,
        &txn,
        entry(
            &who.staff,
            &client,
            "staff.update",
            "staff",
            id,
            Some(staff_audit(&state, &before)),
            Some(staff_audit(&state, &after)),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(axum::Json(staff_view_now(&state, &after).await?))
}

/// Lift a staff account's log-in lockout and forget its wrong passwords. Audited as
/// `staff.unlock` with the lockout it ended.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/unlock", tag = "admin", security(("bearer" = ["staff.write"])),
    params(("id" = String, Path, description = "Staff id")),
    responses((status = 200, body = Staff), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn unlock_staff(
    State(state): State<AppState>,
    who: Can<perm::StaffWrite>,
    client: ClientInfo,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Staff>> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("staff"))?;
    let now = state.now();
    let txn = daojia_store::begin(state.store.db()).await?;
    let member = accounts::staff(&txn, id)
        .await?
        .ok_or_else(|| ApiError::not_found("staff"))?;
    let before = login_guard::of_staff(&txn, id).await?;
    login_guard::unlock_staff(&txn, id, now).await?;
    audit::record(
        &state.store,
        &txn,
        entry(
            &who.staff,
            &client,
            "staff.unlock",
            "staff",
            id,
            Some(json!({
                "locked_until": before.as_ref().and_then(|g| g.locked_until).filter(|u| *u > now),
                "failures": before.as_ref().map_or(0, |g| g.failures),
            })),
            Some(json!({ "locked_until": null, "failures": 0 })),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(axum::Json(staff_view(&state, &member)))
}

fn entry(
    who: &CurrentStaff,
    client: &ClientInfo,
    action: &str,
    target_type: &str,
    target: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> audit::AuditEntry {
    super::audit_entry(
        who,
        client,
        action,
        target_type,
        &target.to_string(),
        before,
        after,
    )
}
