//! Personal-information rights (PIPL) over HTTP: the privacy policy and terms, consent,
//! data export and account deletion, for customers and workers alike.
//!
//! Consent is checked by the apps: after log-in, and on start, they read
//! `GET /{audience}/consent` and, while `required` is true, show the documents and post
//! the acceptance before anything else. The server records who accepted which version,
//! when and from where, and refuses an acceptance of a version that is not in force.

use crate::http::auth::{ClientInfo, CurrentCustomer, CurrentWorker};
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::{Json, Query};
use crate::privacy::{self as legal, DocumentConsent};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use daojia_store::repo::audit::{self, AuditEntry};
use daojia_store::repo::privacy::{self, PrivacyError, Refusal, document};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A legal document's text.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalDocument {
    /// `privacy` or `terms`.
    pub document: String,
    /// The version in force.
    pub version: String,
    /// Language of `body`: `zh-CN` or `en`.
    pub lang: String,
    /// The text, Markdown.
    pub body: String,
}

/// Which language.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    /// `zh-CN` (default) or `en`.
    pub lang: Option<String>,
}

/// One document's consent.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentConsentView {
    /// `privacy` or `terms`.
    pub document: String,
    /// The version in force.
    pub current_version: String,
    /// The version this account accepted last.
    pub accepted_version: Option<String>,
    /// When.
    pub accepted_at: Option<DateTime<Utc>>,
}

/// The consent state of the signed-in account.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentStatus {
    /// True when a document in force has not been accepted: the app asks before anything
    /// else.
    pub required: bool,
    /// Each document.
    pub documents: Vec<DocumentConsentView>,
}

/// Accept the documents in force (the versions the app showed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentAccept {
    /// The privacy-policy version shown.
    pub privacy_version: String,
    /// The terms version shown.
    pub terms_version: String,
}

fn view(docs: Vec<DocumentConsent>) -> ConsentStatus {
    ConsentStatus {
        required: docs.iter().any(DocumentConsent::required),
        documents: docs
            .into_iter()
            .map(|d| DocumentConsentView {
                document: d.document.into(),
                current_version: d.current_version,
                accepted_version: d.accepted_version,
                accepted_at: d.accepted_at,
            })
            .collect(),
    }
}

/// The privacy policy or the terms of service, in force.
#[utoipa::path(get, path = "/api/v1/public/legal/{document}", tag = "public",
    params(("document" = String, Path, description = "`privacy` or `terms`"), LangQuery),
    responses((status = 200, body = LegalDocument), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn legal_document(
    State(state): State<AppState>,
    Path(doc): Path<String>,
    Query(q): Query<LangQuery>,
) -> ApiResult<axum::Json<LegalDocument>> {
    let lang = q.lang.unwrap_or_else(|| "zh-CN".into());
    if !legal::LANGS.contains(&lang.as_str()) {
        return Err(ApiError::field("lang", "invalid", "expected zh-CN or en"));
    }
    let Some(d) = document::ALL.into_iter().find(|d| *d == doc) else {
        return Err(ApiError::not_found("document"));
    };
    let body = legal::text(&state, d, &lang)
        .await
        .ok_or_else(|| ApiError::not_found("document"))?;
    Ok(axum::Json(LegalDocument {
        document: d.into(),
        version: legal::current_version(&state, d).into(),
        lang,
        body,
    }))
}

async fn consent_status(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
) -> ApiResult<axum::Json<ConsentStatus>> {
    Ok(axum::Json(view(
        legal::status(state, audience, subject).await?,
    )))
}

async fn accept(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
    client: &ClientInfo,
    req: ConsentAccept,
) -> ApiResult<axum::Json<ConsentStatus>> {
    let mut errors = vec![];
    for (field, d, given) in [
        ("privacy_version", document::PRIVACY, &req.privacy_version),
        ("terms_version", document::TERMS, &req.terms_version),
    ] {
        let current = legal::current_version(state, d);
        if given != current {
            errors.push(FieldError::new(
                field,
                "consent_version_outdated",
                format!("version {current} is in force; show it and ask again"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = state.now();
    let db = state.store.db();
    let before = legal::status(state, audience, subject).await?;
    for d in before.iter().filter(|d| d.required()) {
        privacy::record_consent(
            db,
            audience,
            subject,
            d.document,
            &d.current_version,
            client.ip.as_deref(),
            now,
        )
        .await?;
    }
    consent_status(state, audience, subject).await
}

/// The customer's consent to the privacy policy and terms.
#[utoipa::path(get, path = "/api/v1/customer/consent", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = ConsentStatus), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_consent(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<ConsentStatus>> {
    consent_status(&state, Audience::Customer, me.id).await
}

/// Accept the privacy policy and terms in force. A version that is not the one in force
/// is refused (422 `consent_version_outdated` on the field): the app shows the new text.
#[utoipa::path(post, path = "/api/v1/customer/consent", tag = "customer", security(("bearer" = [])),
    request_body = ConsentAccept,
    responses((status = 200, body = ConsentStatus), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_accept(
    State(state): State<AppState>,
    me: CurrentCustomer,
    client: ClientInfo,
    Json(req): Json<ConsentAccept>,
) -> ApiResult<axum::Json<ConsentStatus>> {
    accept(&state, Audience::Customer, me.id, &client, req).await
}

/// The worker's consent to the privacy policy and terms.
#[utoipa::path(get, path = "/api/v1/worker/consent", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = ConsentStatus), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_consent(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<ConsentStatus>> {
    consent_status(&state, Audience::Worker, me.id).await
}

/// Accept the privacy policy and terms in force (see the customer's).
#[utoipa::path(post, path = "/api/v1/worker/consent", tag = "worker", security(("bearer" = [])),
    request_body = ConsentAccept,
    responses((status = 200, body = ConsentStatus), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_accept(
    State(state): State<AppState>,
    me: CurrentWorker,
    client: ClientInfo,
    Json(req): Json<ConsentAccept>,
) -> ApiResult<axum::Json<ConsentStatus>> {
    accept(&state, Audience::Worker, me.id, &client, req).await
}

fn privacy_error(e: PrivacyError) -> ApiError {
    match e {
        PrivacyError::Db(e) => e.into(),
        PrivacyError::Vault(e) => ApiError::internal(format!("vault: {e}")),
    }
}

fn download(audience: Audience, doc: serde_json::Value, now: DateTime<Utc>) -> Response {
    let body = serde_json::to_vec_pretty(&doc).expect("an export serializes");
    let name = format!(
        "daojia-{}-export-{}.json",
        audience.as_str(),
        now.format("%Y%m%d")
    );
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Download everything the platform holds about the signed-in customer, as JSON: profile,
/// addresses, orders with lines, events, payments and photo metadata, uploads, consents,
/// sessions and the messages sent to them (template and outcome).
#[utoipa::path(get, path = "/api/v1/customer/me/export", tag = "customer", security(("bearer" = [])),
    responses((status = 200, description = "The export (a JSON document, sent as a download)", body = Object),
        (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_export(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<Response> {
    let now = state.now();
    let doc = privacy::export_customer(&state.store, me.id, now)
        .await
        .map_err(privacy_error)?
        .ok_or_else(|| ApiError::not_found("customer"))?;
    Ok(download(Audience::Customer, doc, now))
}

/// Download everything the platform holds about the signed-in worker, as JSON.
#[utoipa::path(get, path = "/api/v1/worker/me/export", tag = "worker", security(("bearer" = [])),
    responses((status = 200, description = "The export (a JSON document, sent as a download)", body = Object),
        (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_export(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<Response> {
    let now = state.now();
    let doc = privacy::export_worker(&state.store, me.id, now)
        .await
        .map_err(privacy_error)?
        .ok_or_else(|| ApiError::not_found("worker"))?;
    Ok(download(Audience::Worker, doc, now))
}

/// The refusal as a 409 whose detail and field errors (`orders`, one per order, the
/// message being the order number) name the orders, so the app can list them.
fn refused(r: Refusal) -> ApiError {
    let (code, detail, orders) = match r {
        Refusal::OpenOrders(nos) => (
            "account_has_open_orders",
            "finish or cancel these orders before deleting the account",
            nos,
        ),
        Refusal::MoneyOwed(nos) => (
            "account_has_money_owed",
            "money on these orders is not settled; ask customer service before deleting the account",
            nos,
        ),
    };
    let mut e = ApiError::conflict(code, format!("{detail}: {}", orders.join(", ")));
    e.errors = orders
        .into_iter()
        .map(|no| FieldError::new("orders", code, no))
        .collect();
    e
}

/// Erases an account and records the request in the audit log, with counts and without
/// any personal data (no phone, no address, no client address).
async fn delete_account(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
    client: &ClientInfo,
) -> ApiResult<StatusCode> {
    let now = state.now();
    let result = match audience {
        Audience::Customer => privacy::erase_customer(&state.store, subject, now).await,
        _ => privacy::erase_worker(&state.store, subject, now).await,
    }
    .map_err(privacy_error)?;
    let entry = |action: &str, after: serde_json::Value| AuditEntry {
        actor_type: audience.as_str().into(),
        actor_id: Some(subject),
        actor_name: None,
        action: format!("{}.{action}", audience.as_str()),
        target_type: audience.as_str().into(),
        target_id: Some(subject.to_string()),
        before: None,
        after: Some(after),
        request_id: client.request_id.clone(),
        ip: None,
    };
    match result {
        Ok(erased) => {
            audit::record(
                &state.store,
                state.store.db(),
                entry(
                    "erase",
                    serde_json::json!({
                        "orders_anonymised": erased.orders,
                        "addresses_deleted": erased.addresses,
                        "sessions_deleted": erased.sessions,
                        "messages_deleted": erased.messages,
                        "uploads_deleted": erased.uploads.len(),
                        "invoices_redacted": erased.invoices,
                    }),
                ),
                now,
            )
            .await?;
            legal::delete_files(state, &erased.uploads).await;
            // Their position goes too (retried from the job queue while Redis is away).
            if audience == Audience::Worker
                && let Err(e) =
                    daojia_app::workers::positions::forget(&state.app, subject, now).await
            {
                tracing::error!(error = %e, "cannot remove an erased worker's position, nor queue its removal");
            }
            Ok(StatusCode::NO_CONTENT)
        }
        Err(r) => {
            let reason = match &r {
                Refusal::OpenOrders(_) => "account_has_open_orders",
                Refusal::MoneyOwed(_) => "account_has_money_owed",
            };
            audit::record(
                &state.store,
                state.store.db(),
                entry("erase_refused", serde_json::json!({ "reason": reason })),
                now,
            )
            .await?;
            Err(refused(r))
        }
    }
}

/// Delete the signed-in customer's account. Refused with 409 `account_has_open_orders` or
/// `account_has_money_owed` (naming the orders) until they are settled; otherwise the
/// personal data is erased, orders and money records are kept without it, every session
/// ends, and the phone may register again as a new, empty account.
#[utoipa::path(delete, path = "/api/v1/customer/me", tag = "customer", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn customer_delete(
    State(state): State<AppState>,
    me: CurrentCustomer,
    client: ClientInfo,
) -> ApiResult<StatusCode> {
    delete_account(&state, Audience::Customer, me.id, &client).await
}

/// Delete the signed-in worker's account. Refused with 409 `account_has_open_orders` while
/// an order assigned to them is open; otherwise name, phone and home are erased, the
/// account is deactivated and every session ends.
#[utoipa::path(delete, path = "/api/v1/worker/me", tag = "worker", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn worker_delete(
    State(state): State<AppState>,
    me: CurrentWorker,
    client: ClientInfo,
) -> ApiResult<StatusCode> {
    delete_account(&state, Audience::Worker, me.id, &client).await
}
