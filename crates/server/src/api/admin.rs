//! The operations console's API: the audit log, the SMS outbox, customer and worker
//! look-ups, the overview, and the paging they share (staff and roles are in
//! [`super::admin_staff`]).

use super::account::{decrypt_phone, readable};
use crate::http::auth::{Can, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use chrono::{DateTime, Utc};
use daojia_domain::phone::Phone;
use daojia_domain::privacy;
use daojia_store::repo::{PageRequest, accounts, audit, sms};
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
