//! Notifications (消息通知, docs/notifications.md): the message list and settings of both
//! apps (the same API under `/customer` and `/worker`), and the console's list of sends.
//! The rules live in `daojia_app::notifications`; these handlers translate HTTP.

use super::admin::page_request;
use crate::http::auth::{Can, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use daojia_app::notifications::inbox::{self, InboxItem, PreferenceInput};
use daojia_domain::notification::template::Locale;
use daojia_domain::notification::{Audience, Channel, Kind};
use daojia_store::repo::notifications::{DeliveryFilter, list_deliveries, state as delivery_state};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A notification in the app's message list.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    /// Id.
    pub id: Uuid,
    /// Kind: `offer`, `accepted`, `departed`, `arrived`, `completed`, `payment_due`,
    /// `refund`, `review_request`, `visit_tomorrow`, `starting_soon`, `job_soon`.
    pub kind: String,
    /// Title, in the asked language.
    pub title: String,
    /// Text, in the asked language.
    pub body: String,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    /// Where a tap leads in the app (`/orders/…`).
    pub url: Option<String>,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Read, if it was.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<InboxItem> for NotificationView {
    fn from(i: InboxItem) -> Self {
        NotificationView {
            id: i.id,
            kind: i.kind,
            title: i.title,
            body: i.body,
            order_id: i.order_id,
            url: i.url,
            created_at: i.created_at,
            read_at: i.read_at,
        }
    }
}

/// A page of notifications, with the unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    /// Newest first.
    pub items: Vec<NotificationView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
    /// How many are unread (all pages).
    pub unread: u64,
}

/// The unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadView {
    /// Unread notifications.
    pub unread: u64,
}

/// What "mark all read" did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedView {
    /// How many were unread and are read now.
    pub marked: u64,
}

/// List parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxParams {
    /// Only unread ones.
    pub unread: Option<bool>,
    /// Language of the texts: `zh-CN` (default) or `en`.
    pub lang: Option<String>,
    /// Paging cursor.
    pub cursor: Option<String>,
    /// Rows per page (1 to 200).
    pub limit: Option<u64>,
}

/// The language parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LangParams {
    /// Language of the texts: `zh-CN` (default) or `en`.
    pub lang: Option<String>,
}

fn locale(lang: Option<&str>) -> Locale {
    lang.map_or(Locale::ZhCn, Locale::from_tag)
}

async fn list(
    state: &AppState,
    who: Audience,
    me: Uuid,
    p: InboxParams,
) -> ApiResult<axum::Json<NotificationPage>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let lang = locale(p.lang.as_deref());
    let items = inbox::list(&state.app, who, me, p.unread.unwrap_or(false), lang, page).await?;
    Ok(axum::Json(NotificationPage {
        items: items.items.into_iter().map(Into::into).collect(),
        next_cursor: items.next_cursor,
        unread: inbox::unread(&state.app, who, me).await?,
    }))
}

async fn read(
    state: &AppState,
    who: Audience,
    me: Uuid,
    id: Uuid,
    lang: Option<&str>,
) -> ApiResult<axum::Json<NotificationView>> {
    let item = inbox::mark_read(&state.app, who, me, id, locale(lang), state.now()).await?;
    Ok(axum::Json(item.into()))
}

/// The customer's notifications, newest first.
#[utoipa::path(operation_id = "customer_notifications", get, path = "/api/v1/customer/notifications", tag = "customer", security(("bearer" = [])),
    params(InboxParams),
    responses((status = 200, body = NotificationPage), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_list(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Query(p): Query<InboxParams>,
) -> ApiResult<axum::Json<NotificationPage>> {
    list(&state, Audience::Customer, me.id, p).await
}

/// The customer's unread count (the badge).
#[utoipa::path(operation_id = "customer_notifications_unread", get, path = "/api/v1/customer/notifications/unread-count", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = UnreadView), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_unread(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<UnreadView>> {
    let unread = inbox::unread(&state.app, Audience::Customer, me.id).await?;
    Ok(axum::Json(UnreadView { unread }))
}

/// Marks one of the customer's notifications read (again: no change).
#[utoipa::path(operation_id = "customer_notification_read", post, path = "/api/v1/customer/notifications/{id}/read", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id"), LangParams),
    responses((status = 200, body = NotificationView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_read(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Query(p): Query<LangParams>,
) -> ApiResult<axum::Json<NotificationView>> {
    read(&state, Audience::Customer, me.id, id, p.lang.as_deref()).await
}

/// Marks all the customer's notifications read.
#[utoipa::path(operation_id = "customer_notifications_read_all", post, path = "/api/v1/customer/notifications/read-all", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = MarkedView), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_read_all(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<MarkedView>> {
    let marked = inbox::mark_all_read(&state.app, Audience::Customer, me.id, state.now()).await?;
    Ok(axum::Json(MarkedView { marked }))
}

/// The worker's notifications, newest first.
#[utoipa::path(operation_id = "worker_notifications", get, path = "/api/v1/worker/notifications", tag = "worker", security(("bearer" = [])),
    params(InboxParams),
    responses((status = 200, body = NotificationPage), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_list(
    State(state): State<AppState>,
    me: CurrentWorker,
    Query(p): Query<InboxParams>,
) -> ApiResult<axum::Json<NotificationPage>> {
    list(&state, Audience::Worker, me.id, p).await
}

/// The worker's unread count (the badge).
#[utoipa::path(operation_id = "worker_notifications_unread", get, path = "/api/v1/worker/notifications/unread-count", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = UnreadView), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_unread(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<UnreadView>> {
    let unread = inbox::unread(&state.app, Audience::Worker, me.id).await?;
    Ok(axum::Json(UnreadView { unread }))
}

/// Marks one of the worker's notifications read (again: no change).
#[utoipa::path(operation_id = "worker_notification_read", post, path = "/api/v1/worker/notifications/{id}/read", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Notification id"), LangParams),
    responses((status = 200, body = NotificationView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_read(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Query(p): Query<LangParams>,
) -> ApiResult<axum::Json<NotificationView>> {
    read(&state, Audience::Worker, me.id, id, p.lang.as_deref()).await
}

/// Marks all the worker's notifications read.
#[utoipa::path(operation_id = "worker_notifications_read_all", post, path = "/api/v1/worker/notifications/read-all", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = MarkedView), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_read_all(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<MarkedView>> {
    let marked = inbox::mark_all_read(&state.app, Audience::Worker, me.id, state.now()).await?;
    Ok(axum::Json(MarkedView { marked }))
}

/// A kind one may turn off, with the channels it goes by.
#[derive(Debug, Serialize, ToSchema)]
pub struct KindChoice {
    /// The kind.
    pub kind: String,
    /// Its channels besides the inbox (`sms`, `push`), each of which may be turned off.
    pub channels: Vec<String>,
}

/// Notification settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationSettingsView {
    /// What may be turned off.
    pub choices: Vec<KindChoice>,
    /// Turned off: `kind:channel` pairs (`departed:sms`).
    pub off: Vec<String>,
    /// Quiet hours' start, local `HH:MM` (no SMS or push then; the inbox still gets
    /// everything, and held pushes go when they end).
    pub quiet_start: Option<String>,
    /// Their end, local `HH:MM`.
    pub quiet_end: Option<String>,
}

/// New settings (replacing the old).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettingsRequest {
    /// `kind:channel` pairs to turn off; channels `sms` or `push` (the inbox stays on).
    #[serde(default)]
    pub off: Vec<String>,
    /// Quiet hours' start, `HH:MM`; give both or neither.
    pub quiet_start: Option<String>,
    /// Quiet hours' end, `HH:MM` (before the start: across midnight).
    pub quiet_end: Option<String>,
}

fn settings_view(state: &AppState, who: Audience, p: PreferenceInput) -> NotificationSettingsView {
    NotificationSettingsView {
        choices: inbox::choices(&state.app, who)
            .into_iter()
            .map(|(k, cs)| KindChoice {
                kind: k.as_str().into(),
                channels: cs
                    .into_iter()
                    .filter(|c| *c != Channel::Inbox)
                    .map(|c| c.as_str().into())
                    .collect(),
            })
            .collect(),
        off: p.off,
        quiet_start: p.quiet_start,
        quiet_end: p.quiet_end,
    }
}

async fn put_settings(
    state: &AppState,
    who: Audience,
    me: Uuid,
    r: NotificationSettingsRequest,
) -> ApiResult<axum::Json<NotificationSettingsView>> {
    let input = PreferenceInput {
        off: r.off,
        quiet_start: r.quiet_start,
        quiet_end: r.quiet_end,
    };
    let saved = inbox::set_preferences(&state.app, who, me, &input, state.now()).await?;
    Ok(axum::Json(settings_view(state, who, saved)))
}

/// The customer's notification settings.
#[utoipa::path(operation_id = "customer_notification_settings", get, path = "/api/v1/customer/notification-settings", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettingsView), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_settings(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<NotificationSettingsView>> {
    let p = inbox::get_preferences(&state.app, Audience::Customer, me.id).await?;
    Ok(axum::Json(settings_view(&state, Audience::Customer, p)))
}

/// Saves the customer's notification settings.
#[utoipa::path(operation_id = "customer_notification_settings_put", put, path = "/api/v1/customer/notification-settings", tag = "customer", security(("bearer" = [])),
    request_body = NotificationSettingsRequest,
    responses((status = 200, body = NotificationSettingsView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_settings_put(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Json(r): Json<NotificationSettingsRequest>,
) -> ApiResult<axum::Json<NotificationSettingsView>> {
    put_settings(&state, Audience::Customer, me.id, r).await
}

/// The worker's notification settings.
#[utoipa::path(operation_id = "worker_notification_settings", get, path = "/api/v1/worker/notification-settings", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = NotificationSettingsView), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_settings(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<NotificationSettingsView>> {
    let p = inbox::get_preferences(&state.app, Audience::Worker, me.id).await?;
    Ok(axum::Json(settings_view(&state, Audience::Worker, p)))
}

/// Saves the worker's notification settings.
#[utoipa::path(operation_id = "worker_notification_settings_put", put, path = "/api/v1/worker/notification-settings", tag = "worker", security(("bearer" = [])),
    request_body = NotificationSettingsRequest,
    responses((status = 200, body = NotificationSettingsView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_settings_put(
    State(state): State<AppState>,
    me: CurrentWorker,
    Json(r): Json<NotificationSettingsRequest>,
) -> ApiResult<axum::Json<NotificationSettingsView>> {
    put_settings(&state, Audience::Worker, me.id, r).await
}

/// A send in the console.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Delivery id.
    pub id: Uuid,
    /// The notification.
    pub notification_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// `customer` or `worker`.
    pub audience: String,
    /// The recipient's id.
    pub recipient_id: Option<Uuid>,
    /// The order.
    pub order_id: Option<Uuid>,
    /// The title sent.
    pub title: Option<String>,
    /// `inbox`, `sms` or `push`.
    pub channel: String,
    /// `pending`, `retrying`, `sent`, `failed` or `skipped`.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// Where it went, masked.
    pub target: Option<String>,
    /// Why the last attempt failed or it was skipped.
    pub last_error: Option<String>,
    /// Not before (quiet hours, the next retry).
    pub not_before: DateTime<Utc>,
    /// Sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Written.
    pub created_at: DateTime<Utc>,
}

/// A page of sends.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub items: Vec<DeliveryView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Send filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryParams {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this channel: `inbox`, `sms`, `push`.
    pub channel: Option<String>,
    /// Only this state: `pending`, `retrying`, `sent`, `failed`, `skipped`.
    pub state: Option<String>,
    /// Paging cursor.
    pub cursor: Option<String>,
    /// Rows per page (1 to 200).
    pub limit: Option<u64>,
}

fn filter(p: &DeliveryParams) -> ApiResult<DeliveryFilter> {
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let kind = given(&p.kind);
    if let Some(k) = &kind
        && k.parse::<Kind>().is_err()
    {
        return Err(ApiError::field(
            "kind",
            "invalid",
            format!("no notification kind `{k}`"),
        ));
    }
    let channel = given(&p.channel);
    if let Some(c) = &channel
        && c.parse::<Channel>().is_err()
    {
        return Err(ApiError::field(
            "channel",
            "invalid",
            "expected inbox, sms or push",
        ));
    }
    let state = given(&p.state);
    if let Some(s) = &state
        && !delivery_state::ALL.contains(&s.as_str())
    {
        return Err(ApiError::field(
            "state",
            "invalid",
            "expected pending, retrying, sent, failed or skipped",
        ));
    }
    Ok(DeliveryFilter {
        kind,
        channel,
        state,
    })
}

/// Every channel send of every notification, newest first, filtered: what support staff
/// look at when someone says they were not told.
#[utoipa::path(operation_id = "admin_notification_deliveries", get, path = "/api/v1/admin/notification-deliveries", tag = "admin", security(("bearer" = ["sms.read"])),
    params(DeliveryParams),
    responses((status = 200, body = DeliveryPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_deliveries(
    State(state): State<AppState>,
    _: Can<perm::SmsRead>,
    Query(p): Query<DeliveryParams>,
) -> ApiResult<axum::Json<DeliveryPage>> {
    let f = filter(&p)?;
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let rows = list_deliveries(state.store.db(), &f, page).await?;
    Ok(axum::Json(DeliveryPage {
        items: rows
            .items
            .into_iter()
            .map(|(d, n)| DeliveryView {
                id: d.id,
                notification_id: d.notification_id,
                kind: d.kind,
                audience: d.audience,
                recipient_id: n.as_ref().map(|n| n.recipient_id),
                order_id: n.as_ref().and_then(|n| n.order_id),
                title: n.map(|n| n.title),
                channel: d.channel,
                state: d.state,
                attempts: d.attempts,
                target: d.target,
                last_error: d.last_error,
                not_before: d.not_before,
                sent_at: d.sent_at,
                created_at: d.created_at,
            })
            .collect(),
        next_cursor: rows.next_cursor,
    }))
}
