//! The signed-in account of each app, and its sessions (devices), which the user can end.

use crate::http::auth::{CurrentCustomer, CurrentStaff, CurrentWorker};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use daojia_domain::phone::mask_phone;
use daojia_store::repo::{accounts, sessions};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The signed-in customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerMe {
    /// Id.
    pub id: String,
    /// Phone, masked (`138****8000`).
    pub phone: String,
    /// Nickname.
    pub nickname: String,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

/// The signed-in worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerMe {
    /// Id.
    pub id: String,
    /// Phone, masked.
    pub phone: String,
    /// Name.
    pub name: String,
    /// Skill codes.
    pub skills: Vec<String>,
    /// Rating out of 5.
    pub rating: f64,
    /// Home service area.
    pub area_code: Option<String>,
    /// `onboarding`, `active`, `suspended` or `left`.
    pub status: String,
    /// Skills with levels (1 to 5).
    pub skill_levels: Vec<super::admin_workers::SkillLevelView>,
    /// The app is online.
    pub online: bool,
    /// Taking orders (接单); false is resting (休息).
    pub accepting: bool,
    /// Most jobs a day.
    pub daily_job_limit: Option<i32>,
    /// Credit score (信用分).
    pub credit_score: i32,
    /// Grab rights suspended until (credit below the floor).
    pub grab_suspended_until: Option<DateTime<Utc>>,
}

/// The signed-in staff member.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMe {
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
    /// Permissions of the role.
    pub permissions: Vec<String>,
    /// True for platform staff; false for a partner's staff, who see their own partner's
    /// workers and orders only and are refused what concerns the whole platform.
    pub platform: bool,
}

/// One session (a logged-in device).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Session id.
    pub id: String,
    /// Log-in time.
    pub created_at: DateTime<Utc>,
    /// Last token refresh.
    pub last_used_at: DateTime<Utc>,
    /// The device's User-Agent.
    pub user_agent: Option<String>,
    /// The device's address.
    pub ip: Option<String>,
    /// True for the session making this request.
    pub current: bool,
}

pub(crate) fn decrypt_phone(state: &AppState, context: &str, enc: &str) -> String {
    match state.store.vault().decrypt(context, enc) {
        Ok(p) => mask_phone(&p),
        Err(e) => {
            tracing::error!(error = %e, "cannot decrypt a stored phone");
            "****".into()
        }
    }
}

/// A decrypted value, or `•••` (with the reason logged) when it cannot be decrypted: one
/// damaged row must not take a whole list down.
pub(crate) fn readable(
    value: Result<String, daojia_store::pii::VaultError>,
    what: &'static str,
) -> String {
    value.unwrap_or_else(|e| {
        tracing::error!(error = %e, what, "cannot decrypt a stored value");
        "•••".into()
    })
}

pub(crate) fn skills_of(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The signed-in customer.
#[utoipa::path(get, path = "/api/v1/customer/me", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = CustomerMe), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_me(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<Json<CustomerMe>> {
    let c = accounts::customer(state.store.db(), me.id)
        .await?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(Json(CustomerMe {
        id: c.id.to_string(),
        phone: decrypt_phone(&state, accounts::CUSTOMER_PHONE, &c.phone_enc),
        nickname: readable(accounts::customer_nickname(&state.store, &c), "nickname"),
        created_at: c.created_at,
    }))
}

/// The signed-in worker.
#[utoipa::path(get, path = "/api/v1/worker/me", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = WorkerMe), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_me(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<Json<WorkerMe>> {
    let w = accounts::worker(state.store.db(), me.id)
        .await?
        .ok_or_else(|| ApiError::not_found("worker"))?;
    Ok(Json(WorkerMe {
        id: w.id.to_string(),
        phone: decrypt_phone(&state, accounts::WORKER_PHONE, &w.phone_enc),
        name: readable(accounts::worker_name(&state.store, &w), "worker name"),
        skills: skills_of(&w.skills),
        rating: f64::from(w.rating_tenths) / 10.0,
        skill_levels: daojia_app::workers::profile::skills_of(
            &super::admin_workers::app(&state),
            &w,
        )
        .await?
        .into_iter()
        .map(Into::into)
        .collect(),
        area_code: w.area_code,
        status: w.status,
        online: w.online,
        accepting: w.accepting,
        daily_job_limit: w.daily_job_limit,
        credit_score: w.credit_score,
        grab_suspended_until: w.grab_suspended_until,
    }))
}

/// The signed-in staff member with their permissions.
#[utoipa::path(get, path = "/api/v1/admin/me", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = StaffMe), (status = 401, body = crate::http::error::Problem)))]
pub async fn staff_me(State(state): State<AppState>, me: CurrentStaff) -> ApiResult<Json<StaffMe>> {
    let platform = matches!(
        super::admin_workers::scope_of(&me),
        daojia_app::workers::Scope::All
    );
    let s = me.staff;
    Ok(Json(StaffMe {
        id: s.id.to_string(),
        username: s.username,
        name: me.name,
        phone: s
            .phone_enc
            .as_deref()
            .map(|p| decrypt_phone(&state, accounts::STAFF_PHONE, p)),
        role: me.role.as_str().into(),
        permissions: me
            .role
            .permissions()
            .iter()
            .map(|p| p.as_str().to_string())
            .collect(),
        platform,
    }))
}

async fn list(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
    current: Uuid,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    let rows = sessions::list_live(state.store.db(), audience, subject, state.now()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SessionInfo {
                id: s.id.to_string(),
                created_at: s.created_at,
                last_used_at: s.last_used_at,
                user_agent: s.user_agent,
                ip: s.ip,
                current: s.id == current,
            })
            .collect(),
    ))
}

async fn revoke(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
    id: &str,
) -> ApiResult<StatusCode> {
    let id = Uuid::parse_str(id).map_err(|_| ApiError::not_found("session"))?;
    let owned = sessions::list_live(state.store.db(), audience, subject, state.now())
        .await?
        .iter()
        .any(|s| s.id == id);
    if !owned {
        return Err(ApiError::not_found("session"));
    }
    sessions::revoke(state.store.db(), id, "revoked_by_user", state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The customer's live sessions.
#[utoipa::path(get, path = "/api/v1/customer/sessions", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>)))]
pub async fn customer_sessions(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    list(&state, Audience::Customer, me.id, me.session_id).await
}

/// End one of the customer's sessions.
#[utoipa::path(delete, path = "/api/v1/customer/sessions/{id}", tag = "customer", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")), responses((status = 204), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_revoke(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    revoke(&state, Audience::Customer, me.id, &id).await
}

/// The worker's live sessions.
#[utoipa::path(get, path = "/api/v1/worker/sessions", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>)))]
pub async fn worker_sessions(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    list(&state, Audience::Worker, me.id, me.session_id).await
}

/// End one of the worker's sessions.
#[utoipa::path(delete, path = "/api/v1/worker/sessions/{id}", tag = "worker", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")), responses((status = 204), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_revoke(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    revoke(&state, Audience::Worker, me.id, &id).await
}

/// The staff member's live sessions.
#[utoipa::path(get, path = "/api/v1/admin/sessions", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>)))]
pub async fn staff_sessions(
    State(state): State<AppState>,
    me: CurrentStaff,
) -> ApiResult<Json<Vec<SessionInfo>>> {
    list(&state, Audience::Staff, me.staff.id, me.session_id).await
}

/// End one of the staff member's sessions.
#[utoipa::path(delete, path = "/api/v1/admin/sessions/{id}", tag = "admin", security(("bearer" = [])),
    params(("id" = String, Path, description = "Session id")), responses((status = 204), (status = 404, body = crate::http::error::Problem)))]
pub async fn staff_revoke(
    State(state): State<AppState>,
    me: CurrentStaff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    revoke(&state, Audience::Staff, me.staff.id, &id).await
}
