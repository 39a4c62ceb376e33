//! The operations console's API: staff and roles, the audit log, the SMS outbox, customer
//! and worker look-ups, the overview. Every write is audited in the same transaction.

use super::account::{decrypt_phone, readable, skills_of};
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
use daojia_store::repo::{PageRequest, accounts, audit, login_guard, sms};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

pub(crate) fn page_request(cursor: Option<&str>, limit: Option<u64>) -> ApiResult<PageRequest> {
    if let Some(l) = limit
        && !(1..=PageRequest::MAX_LIMIT).contains(&l)
    {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            "expected 1 to 200",
        ));
    }
    PageRequest::parse(cursor, limit)
        .ok_or_else(|| ApiError::field("cursor", "invalid", "not a cursor returned by this list"))
}

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
    let txn = state.store.db().begin().await?;
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
    let txn = state.store.db().begin().await?;
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
    let txn = state.store.db().begin().await?;
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

/// Audit log filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// Only this actor.
    pub actor_id: Option<Uuid>,
    /// Only this action; ending in `.` matches a prefix (`staff.`).
    pub action: Option<String>,
    /// Only this target type.
    pub target_type: Option<String>,
    /// Only this target.
    pub target_id: Option<String>,
    /// At or after (RFC 3339).
    #[serde(default, deserialize_with = "crate::http::bounds::opt_instant")]
    pub since: Option<DateTime<Utc>>,
    /// Before (RFC 3339).
    #[serde(default, deserialize_with = "crate::http::bounds::opt_instant")]
    pub until: Option<DateTime<Utc>>,
    /// Paging cursor.
    pub cursor: Option<String>,
    /// Rows per page.
    pub limit: Option<u64>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Id.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Acting staff id.
    pub actor_id: Option<String>,
    /// Acting staff name.
    pub actor_name: Option<String>,
    /// Action, e.g. `staff.update`.
    pub action: String,
    /// Target type.
    pub target_type: String,
    /// Target id.
    pub target_id: Option<String>,
    /// Before (secrets masked).
    pub before: Option<serde_json::Value>,
    /// After (secrets masked).
    pub after: Option<serde_json::Value>,
    /// Request id.
    pub request_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Rows.
    pub items: Vec<AuditEntry>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/admin/audit-log", tag = "admin", security(("bearer" = ["audit.read"])), params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::http::error::Problem)))]
pub async fn audit_log(
    State(state): State<AppState>,
    _: Can<perm::AuditRead>,
    Query(p): Query<AuditParams>,
) -> ApiResult<axum::Json<AuditPage>> {
    let filter = audit::AuditFilter {
        actor_id: p.actor_id,
        action: p.action.filter(|s| !s.is_empty()),
        target_type: p.target_type.filter(|s| !s.is_empty()),
        target_id: p.target_id.filter(|s| !s.is_empty()),
        since: p.since,
        until: p.until,
    };
    let page = audit::list(
        state.store.db(),
        &filter,
        page_request(p.cursor.as_deref(), p.limit)?,
    )
    .await?;
    let parse = |s: Option<String>| s.and_then(|t| serde_json::from_str(&t).ok());
    Ok(axum::Json(AuditPage {
        items: page
            .items
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id.to_string(),
                at: e.at,
                actor_id: e.actor_id.map(|a| a.to_string()),
                actor_name: audit::actor_name(&state.store, &e)
                    .map(|n| readable(n, "audit actor name")),
                action: e.action,
                target_type: e.target_type,
                target_id: e.target_id,
                before: parse(e.before_json),
                after: parse(e.after_json),
                request_id: e.request_id,
                ip: e.ip,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One sent message.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsMessage {
    /// Id.
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Recipient, masked.
    pub phone: String,
    /// Template.
    pub template: String,
    /// Text sent, with log-in codes masked (`******`): codes are never stored.
    pub content: String,
    /// The template's parameters, without secret ones.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// Provider.
    pub provider: String,
    /// `sent` or `failed`.
    pub status: String,
}

/// A page of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct SmsPage {
    /// Rows.
    pub items: Vec<SmsMessage>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Outbox filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SmsParams {
    /// Only messages to this full phone number.
    pub phone: Option<String>,
    /// Paging cursor.
    pub cursor: Option<String>,
    /// Rows per page.
    pub limit: Option<u64>,
}

fn phone_filter(raw: Option<&str>) -> ApiResult<Option<Phone>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(p) => Phone::parse(p)
            .map(Some)
            .map_err(|e| ApiError::field("phone", "invalid", e.to_string())),
    }
}

/// The SMS outbox, newest first. Log-in codes show masked: they are never stored.
#[utoipa::path(get, path = "/api/v1/admin/sms-outbox", tag = "admin", security(("bearer" = ["sms.read"])), params(SmsParams),
    responses((status = 200, body = SmsPage), (status = 403, body = crate::http::error::Problem)))]
pub async fn sms_outbox(
    State(state): State<AppState>,
    _: Can<perm::SmsRead>,
    Query(p): Query<SmsParams>,
) -> ApiResult<axum::Json<SmsPage>> {
    let phone = phone_filter(p.phone.as_deref())?;
    let page = sms::list(
        &state.store,
        phone.as_ref(),
        page_request(p.cursor.as_deref(), p.limit)?,
    )
    .await?;
    Ok(axum::Json(SmsPage {
        items: page
            .items
            .into_iter()
            .map(|m| SmsMessage {
                id: m.id.to_string(),
                at: m.created_at,
                phone: m.phone_masked,
                template: m.template,
                content: m.content,
                params: m
                    .params
                    .as_deref()
                    .and_then(|p| serde_json::from_str(p).ok())
                    .unwrap_or_else(|| json!({})),
                provider: m.provider,
                status: m.status,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A customer in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSummary {
    /// Id.
    pub id: String,
    /// Phone, masked.
    pub phone: String,
    // Masked (`张**`) without `pii.read`.
    /// Nickname.
    pub nickname: String,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Saved addresses.
    pub address_count: u64,
}

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    /// Rows.
    pub items: Vec<CustomerSummary>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Customers, newest first; `phone` finds one by full number (through the blind index).
#[utoipa::path(get, path = "/api/v1/admin/customers", tag = "admin", security(("bearer" = ["customer.read"])), params(SmsParams),
    responses((status = 200, body = CustomerPage), (status = 403, body = crate::http::error::Problem)))]
pub async fn customers(
    State(state): State<AppState>,
    who: Can<perm::CustomerRead>,
    Query(p): Query<SmsParams>,
) -> ApiResult<axum::Json<CustomerPage>> {
    let phone = phone_filter(p.phone.as_deref())?;
    let page = accounts::list_customers(
        &state.store,
        phone.as_ref(),
        page_request(p.cursor.as_deref(), p.limit)?,
    )
    .await?;
    let disclosure = privacy::person_disclosure(who.staff.role);
    Ok(axum::Json(CustomerPage {
        items: page
            .items
            .into_iter()
            .map(|r| CustomerSummary {
                id: r.customer.id.to_string(),
                phone: decrypt_phone(&state, accounts::CUSTOMER_PHONE, &r.customer.phone_enc),
                nickname: {
                    let n = readable(
                        accounts::customer_nickname(&state.store, &r.customer),
                        "nickname",
                    );
                    if disclosure.shows_contact() {
                        n
                    } else {
                        privacy::mask_name(&n)
                    }
                },
                created_at: r.customer.created_at,
                address_count: r.address_count,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A worker in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerSummary {
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
    /// Home area.
    pub area_code: Option<String>,
    /// Active.
    pub active: bool,
}

/// A page of workers.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerPage {
    /// Rows.
    pub items: Vec<WorkerSummary>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Workers, newest first.
#[utoipa::path(get, path = "/api/v1/admin/workers", tag = "admin", security(("bearer" = ["worker.read"])), params(PageParams),
    responses((status = 200, body = WorkerPage), (status = 403, body = crate::http::error::Problem)))]
pub async fn workers(
    State(state): State<AppState>,
    _: Can<perm::WorkerRead>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<WorkerPage>> {
    let page = accounts::list_workers(
        state.store.db(),
        page_request(p.cursor.as_deref(), p.limit)?,
    )
    .await?;
    Ok(axum::Json(WorkerPage {
        items: page
            .items
            .into_iter()
            .map(|w| WorkerSummary {
                id: w.id.to_string(),
                phone: decrypt_phone(&state, accounts::WORKER_PHONE, &w.phone_enc),
                skills: skills_of(&w.skills),
                name: readable(accounts::worker_name(&state.store, &w), "worker name"),
                rating: f64::from(w.rating_tenths) / 10.0,
                area_code: w.area_code,
                active: w.active,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Counts for the console's home page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    /// Customers.
    pub customers: u64,
    /// Workers.
    pub workers: u64,
    /// Service items.
    pub service_items: u64,
    /// Service areas.
    pub service_areas: u64,
    /// Staff.
    pub staff: u64,
}

/// The console overview.
#[utoipa::path(get, path = "/api/v1/admin/overview", tag = "admin", security(("bearer" = ["overview.read"])),
    responses((status = 200, body = Overview), (status = 403, body = crate::http::error::Problem)))]
pub async fn overview(
    State(state): State<AppState>,
    _: Can<perm::OverviewRead>,
) -> ApiResult<axum::Json<Overview>> {
    let c = accounts::counts(state.store.db()).await?;
    Ok(axum::Json(Overview {
        customers: c.customers,
        workers: c.workers,
        service_items: c.service_items,
        service_areas: c.service_areas,
        staff: c.staff,
    }))
}
