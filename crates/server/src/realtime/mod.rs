//! Realtime updates: one WebSocket endpoint, `GET /api/v1/realtime`, with per-topic
//! subscriptions authorised when made, and a Server-Sent Events fallback,
//! `GET /api/v1/realtime/sse?topic=...`. Messages come from the pub/sub hub of
//! [`daojia_shared`] (in process, or Redis across nodes). Message formats, topics and
//! reconnect advice: `docs/api.md`, "Realtime".
//!
//! Authentication: the API's access token, in `Authorization: Bearer` or, because browsers
//! cannot set headers on a WebSocket or `EventSource`, in the `token` query parameter. The
//! query string is never logged. A connection ends when its access token expires (close
//! code 4001); the client reconnects with a fresh one.

pub mod feed;
pub mod publish;
pub mod sse;
pub mod topics;
mod ws;

use crate::http::auth::{Authenticated, CurrentStaff, CurrentWorker};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Router;
use axum::extract::{FromRequestParts, Query, Request, State, WebSocketUpgrade};
use axum::http::{HeaderValue, header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use daojia_domain::access::Audience;
pub use publish::publish_order_changed;
use serde::Deserialize;
use std::time::Duration;
use topics::Principal;

/// Most topics one connection may subscribe to at a time.
pub const MAX_SUBSCRIPTIONS: usize = 32;
/// How often the server pings a WebSocket (and sends an SSE keep-alive comment).
pub const PING_EVERY: Duration = Duration::from_secs(20);
/// A WebSocket from which nothing (not even a pong) arrives for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest client message accepted (bytes).
pub const MAX_CLIENT_MESSAGE: usize = 4096;
/// A WebSocket's read buffer, and how much it writes before flushing (bytes). The library's
/// default, 128 KiB each, made a connection cost ~130 KiB of the node's memory for clients
/// that send a few hundred bytes and receive order changes of about one KiB
/// (scripts/realtime_bench.sh measures it).
pub const SOCKET_BUFFER: usize = 8 * 1024;

/// Close code: the access token expired; reconnect with a fresh one.
pub const CLOSE_TOKEN_EXPIRED: u16 = 4001;
/// Close code: nothing arrived for [`IDLE_TIMEOUT`].
pub const CLOSE_IDLE: u16 = 4002;
/// Close code: the server is shutting down ("going away"); reconnect (to another node).
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// The realtime routes, relative to `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/realtime", get(connect))
        .route("/realtime/sse", get(sse::events))
}

/// Query parameters of both endpoints.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RealtimeQuery {
    /// The access token, for clients that cannot send `Authorization` (browsers).
    pub token: Option<String>,
    /// SSE only: the topics, comma-separated (e.g. `board:sh-xuhui,order:{id}`).
    pub topic: Option<String>,
}

fn query(parts: &Parts) -> ApiResult<RealtimeQuery> {
    Query::<RealtimeQuery>::try_from_uri(&parts.uri)
        .map(|Query(q)| q)
        .map_err(|_| ApiError::bad_request("bad_query", "the query string is not understood"))
}

/// Who is connecting, and how long until their token expires. The token comes from the
/// header or, failing that, the `token` query parameter.
async fn principal(
    state: &AppState,
    parts: &mut Parts,
    token: Option<&str>,
) -> ApiResult<(Principal, Duration)> {
    if !parts.headers.contains_key(header::AUTHORIZATION)
        && let Some(t) = token
        && let Ok(v) = HeaderValue::from_str(&format!("Bearer {t}"))
    {
        parts.headers.insert(header::AUTHORIZATION, v);
    }
    let Authenticated(claims) =
        <Authenticated as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    let who = match claims.aud {
        Audience::Customer => Principal::Customer(claims.sub),
        Audience::Worker => {
            let w = <CurrentWorker as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await?;
            Principal::Worker(w.id)
        }
        Audience::Staff => {
            let s = <CurrentStaff as FromRequestParts<AppState>>::from_request_parts(parts, state)
                .await?;
            Principal::Staff(s.staff.id, s.role)
        }
    };
    let left = (claims.exp - state.now().timestamp()).max(0);
    Ok((who, Duration::from_secs(left.unsigned_abs())))
}

/// Opens a realtime WebSocket.
///
/// Upgrade with `GET` (`Connection: Upgrade`, `Upgrade: websocket`); authenticate with
/// `Authorization: Bearer` or the `token` query parameter. Then send
/// `{"op":"subscribe","topic":"board:{area_code}"}` (or `order:{id}`, `worker:{id}`),
/// `{"op":"unsubscribe","topic":...}`, `{"op":"ping"}`; receive
/// `{"type":"subscribed","topic":...}`, events
/// `{"type":"event","topic":...,"event":"order.changed","data":{...},"id":...}`,
/// `{"type":"missed","topic":...,"reason":"lagged"|"interrupted","count":...}` (refetch),
/// `{"type":"pong"}` and `{"type":"error","code":...,"topic":...,"detail":...}` with code
/// `forbidden_topic`, `unknown_topic`, `bad_message` or `too_many_subscriptions`. See
/// `docs/api.md`.
#[utoipa::path(operation_id = "realtime_connect", get, path = "/api/v1/realtime", tag = "realtime",
    security(("bearer" = [])), params(RealtimeQuery),
    responses(
        (status = 101, description = "Switching Protocols: the WebSocket is open"),
        (status = 401, body = crate::http::error::Problem),
        (status = 426, body = crate::http::error::Problem, description = "Upgrade Required: not a WebSocket handshake"),
    ))]
pub async fn connect(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    match open(&state, &mut parts).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn open(state: &AppState, parts: &mut Parts) -> ApiResult<Response> {
    let q = query(parts)?;
    let (who, expires_in) = principal(state, parts, q.token.as_deref()).await?;
    let upgrade = WebSocketUpgrade::from_request_parts(parts, state)
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::UPGRADE_REQUIRED,
                "upgrade_required",
                "open this endpoint as a WebSocket, or use /api/v1/realtime/sse",
            )
        })?;
    let state = state.clone();
    Ok(upgrade
        .read_buffer_size(SOCKET_BUFFER)
        .write_buffer_size(SOCKET_BUFFER)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
        .on_upgrade(move |socket| ws::run(socket, state, who, expires_in))
        .into_response())
}
