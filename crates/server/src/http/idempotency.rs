//! `Idempotency-Key` as a layer for POST routes that create something (orders, payments,
//! refunds, withdrawals, staff). The first request with a key runs and its response is
//! stored; a retry with the same key and body gets the same response (marked
//! `Idempotent-Replayed: true`); the same key with another body is refused with 422; a
//! retry while the first is still running gets 409 with `Retry-After`. Server errors are
//! not stored, so a retry after one runs again.

use super::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use daojia_store::repo::idempotency::{self, Claim};
use sha2::{Digest, Sha256};

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// Whether a route demands the header.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// Honoured when present.
    Optional,
    /// Refused with 400 when missing.
    Required,
}

/// Middleware for routes that honour the key but do not demand it.
pub async fn optional(state: State<AppState>, req: Request, next: Next) -> Response {
    run(state, Mode::Optional, req, next).await
}

/// Middleware for routes that demand a key.
pub async fn required(state: State<AppState>, req: Request, next: Next) -> Response {
    run(state, Mode::Required, req, next).await
}

async fn run(State(state): State<AppState>, mode: Mode, req: Request, next: Next) -> Response {
    let key = match req.headers().get(HEADER).map(|v| v.to_str().map(str::trim)) {
        None => {
            return match mode {
                Mode::Optional => next.run(req).await,
                Mode::Required => ApiError::bad_request(
                    "idempotency_key_required",
                    "send an `Idempotency-Key` header (a UUID you generate once per intended action and reuse on retries)",
                )
                .into_response(),
            };
        }
        Some(Ok(k))
            if !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            k.to_string()
        }
        Some(_) => {
            return ApiError::bad_request(
                "idempotency_key_invalid",
                "the Idempotency-Key must be 1 to 128 visible ASCII characters",
            )
            .into_response();
        }
    };
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.config.server.body_limit_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                "the request body is larger than the server accepts",
            )
            .into_response();
        }
    };
    // The scope is the caller (the token's subject; anonymous callers share one scope per
    // route) and the route, so two users' keys never collide.
    let subject = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_string()))
        .and_then(|t| state.tokens.verify(&t, state.now().timestamp()).ok())
        .map(|c| format!("{}:{}", c.aud.as_str(), c.sub))
        .unwrap_or_else(|| "anonymous".into());
    let scope = format!("{subject} {} {}", parts.method, parts.uri.path());
    let mut h = Sha256::new();
    h.update(parts.method.as_str().as_bytes());
    h.update(parts.uri.path().as_bytes());
    h.update([0]);
    h.update(&bytes);
    let hash = hex::encode(h.finalize());
    let db = state.store.db();
    let now = state.now();
    let claim = match idempotency::claim(db, &scope, &key, &hash, now, Duration::hours(24)).await {
        Ok(c) => c,
        Err(e) => return ApiError::from(e).into_response(),
    };
    match claim {
        Claim::Mismatch => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request; use a new key for a new action",
        )
        .into_response(),
        Claim::InProgress => {
            let mut e = ApiError::conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running; retry shortly");
            e.retry_after = Some(1);
            e.into_response()
        }
        Claim::Replay { status, body, content_type } => {
            let mut res = Response::new(Body::from(body));
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                res.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            res
        }
        Claim::New(id) => {
            let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
            let status = res.status();
            if status.is_server_error() {
                let _ = idempotency::release(db, id).await;
                return res;
            }
            let (rparts, rbody) = res.into_parts();
            let body = match to_bytes(rbody, 16 * 1024 * 1024).await {
                Ok(b) => b,
                Err(e) => {
                    let _ = idempotency::release(db, id).await;
                    return ApiError::internal(format!("response body: {e}")).into_response();
                }
            };
            let ct = rparts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
            let text = String::from_utf8_lossy(&body);
            if let Err(e) = idempotency::complete(db, id, status.as_u16(), &text, ct, state.now()).await {
                tracing::error!(error = %e, "cannot store an idempotent response");
            }
            Response::from_parts(rparts, Body::from(body))
        }
    }
}
