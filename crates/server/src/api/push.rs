//! Push subscriptions over HTTP, for customers (`/api/v1/customer/push/...`) and workers
//! (`/api/v1/worker/push/...`): what the server pushes with (the VAPID public key a browser
//! subscribes with, the channels configured), registering a subscription, listing and
//! removing one's own. See docs/notifications.md, "Push".

use crate::http::auth::{ClientInfo, CurrentCustomer, CurrentWorker};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::push::{self as cases, Recipient, SubscriptionInput, SubscriptionView};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// How this server pushes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushConfigView {
    /// The VAPID public key (base64url of the uncompressed P-256 point) to pass to
    /// `pushManager.subscribe({applicationServerKey})`; absent when Web Push is off.
    pub vapid_public_key: Option<String>,
    /// The kinds a subscription may be: `webpush`, `jpush`, `getui` as configured.
    pub kinds: Vec<String>,
}

fn config_of(state: &AppState) -> PushConfigView {
    PushConfigView {
        vapid_public_key: state.app.push.vapid_public_key(),
        kinds: state
            .app
            .push
            .kinds()
            .into_iter()
            .map(String::from)
            .collect(),
    }
}

/// The customer app's push settings: the VAPID key and the channels configured.
#[utoipa::path(operation_id = "push_config", get, path = "/api/v1/customer/push/config", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = PushConfigView), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_config(
    State(state): State<AppState>,
    _me: CurrentCustomer,
) -> axum::Json<PushConfigView> {
    axum::Json(config_of(&state))
}

/// The customer's push subscriptions (browsers and app installs).
#[utoipa::path(operation_id = "push_subscriptions", get, path = "/api/v1/customer/push/subscriptions", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = Vec<SubscriptionView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn customer_list(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<Vec<SubscriptionView>>> {
    Ok(axum::Json(
        cases::list(&state.app, Recipient::Customer(me.id)).await?,
    ))
}

/// Registers a push subscription of the customer (again: the same browser or install
/// updates its row). 422 on `kind` (`unknown_kind`, `not_configured`), `endpoint`
/// (`invalid_endpoint`: not https), `p256dh` / `auth` (`invalid_key`), `device_id`.
#[utoipa::path(operation_id = "push_subscribe", post, path = "/api/v1/customer/push/subscriptions", tag = "customer", security(("bearer" = [])),
    request_body = SubscriptionInput,
    responses((status = 201, body = SubscriptionView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_subscribe(
    State(state): State<AppState>,
    me: CurrentCustomer,
    client: ClientInfo,
    Json(req): Json<SubscriptionInput>,
) -> ApiResult<(StatusCode, axum::Json<SubscriptionView>)> {
    let v = cases::subscribe(
        &state.app,
        Recipient::Customer(me.id),
        &req,
        client.user_agent.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// Removes one of the customer's push subscriptions (notifications turned off).
#[utoipa::path(operation_id = "push_unsubscribe", delete, path = "/api/v1/customer/push/subscriptions/{id}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 204), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_unsubscribe(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    cases::unsubscribe(&state.app, Recipient::Customer(me.id), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The worker app's push settings: the VAPID key and the channels configured.
#[utoipa::path(operation_id = "worker_push_config", get, path = "/api/v1/worker/push/config", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = PushConfigView), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_config(
    State(state): State<AppState>,
    _me: CurrentWorker,
) -> axum::Json<PushConfigView> {
    axum::Json(config_of(&state))
}

/// The worker's push subscriptions.
#[utoipa::path(operation_id = "worker_push_subscriptions", get, path = "/api/v1/worker/push/subscriptions", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<SubscriptionView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn worker_list(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Vec<SubscriptionView>>> {
    Ok(axum::Json(
        cases::list(&state.app, Recipient::Worker(me.id)).await?,
    ))
}

/// Registers a push subscription of the worker (the PWA's "开启通知"). 422 as for
/// customers.
#[utoipa::path(operation_id = "worker_push_subscribe", post, path = "/api/v1/worker/push/subscriptions", tag = "worker", security(("bearer" = [])),
    request_body = SubscriptionInput,
    responses((status = 201, body = SubscriptionView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_subscribe(
    State(state): State<AppState>,
    me: CurrentWorker,
    client: ClientInfo,
    Json(req): Json<SubscriptionInput>,
) -> ApiResult<(StatusCode, axum::Json<SubscriptionView>)> {
    let v = cases::subscribe(
        &state.app,
        Recipient::Worker(me.id),
        &req,
        client.user_agent.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// Removes one of the worker's push subscriptions.
#[utoipa::path(operation_id = "worker_push_unsubscribe", delete, path = "/api/v1/worker/push/subscriptions/{id}", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 204), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_unsubscribe(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    cases::unsubscribe(&state.app, Recipient::Worker(me.id), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
