//! `Idempotency-Key` as a layer for POST routes that create something (orders, payments,
//! staff). The first request with a key runs and its response is stored (encrypted); a
//! retry with the same key and body gets the same response (marked
//! `Idempotent-Replayed: true`); the same key with another body is refused with 422; a
//! retry while the first is still running gets 409 with `Retry-After`. Server errors are
//! not stored, so a retry after one runs again.
//!
//! - **Scope.** A key belongs to the authenticated caller (audience and account) and the
//!   route. The layer authenticates first (as the handler's extractor would, and leaves the
//!   result for it); a request without a log-in runs without idempotency and creates no row
//!   (every route with this layer then refuses it with 401); a bad token gets its 401 here.
//! - **Lease.** A claim lasts the request timeout plus [`LEASE_MARGIN_SECS`]: a request cut
//!   by the timeout, a panic or a crash no longer blocks its key for a day; after the lease a
//!   retry claims the key and runs. A request cut by the timeout or a panic gives its claim
//!   back at once.
//! - **Completion with the work.** The layer puts an [`IdempotencyClaim`] in the request's
//!   extensions. A handler whose work is one transaction completes the key in it
//!   ([`IdempotencyClaim::complete_in`]), so a retry after a crash finds the work and its
//!   answer, or neither. The layer completes the key only if the handler did not.
//! - **Claimed late, on routes that refuse most requests on reads alone** ([`deferred`],
//!   order placement). The layer does not claim the key before the handler: the handler
//!   claims it ([`IdempotencyClaim::claim`]) before its first write. A request answered
//!   without a claim wrote nothing (a window already full, refused on reads), so running it
//!   changed nothing a retry could see twice; its answer is stored completed in one
//!   statement ([`idempotency::store_answer`]) instead of a claim and a completion. If the
//!   key is already there (a retry, or the same request running elsewhere), the client gets
//!   what it holds, as with an early claim: the stored answer replayed, 409 while it runs,
//!   or 422 for another request's key.

use super::auth::Authenticated;
use super::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, to_bytes};
use axum::extract::{OptionalFromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use daojia_store::repo::idempotency::{self, Claim, Held};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};

/// The request header.
pub const HEADER: &str = "idempotency-key";

/// What a claim's lease adds to the request timeout: time for a commit in flight when the
/// timeout fires, and for clocks of several nodes that disagree a little.
pub const LEASE_MARGIN_SECS: u64 = 10;

/// How long a claim holds its key before a retry may claim it anew.
pub fn lease(state: &AppState) -> Duration {
    let secs = state
        .config
        .server
        .request_timeout_secs
        .saturating_add(LEASE_MARGIN_SECS)
        .min(i64::MAX as u64 / 1000);
    Duration::seconds(secs as i64)
}

/// What identifies "the same request" under one key: method, path and body.
pub fn request_hash(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(path.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// The scope of a caller's keys on a route: audience and account, method and path.
pub fn scope(audience: &str, account: uuid::Uuid, method: &str, path: &str) -> String {
    format!("{audience}:{account} {method} {path}")
}

/// Whether a route demands the header.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// Honoured when present.
    Optional,
    /// Refused with 400 when missing (from a logged-in caller).
    Required,
}

/// The key this request carries, for a handler that claims it late or completes it in its
/// own transaction. Take it as `Option<Extension<IdempotencyClaim>>`: it is absent when the
/// request carries no key.
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    cell: Arc<Cell>,
}

#[derive(Debug)]
struct Cell {
    scope: String,
    key: String,
    hash: String,
    slot: Mutex<Slot>,
}

#[derive(Debug)]
enum Slot {
    /// Not claimed yet ([`deferred`] routes until the handler's first write).
    Unclaimed,
    /// This request's claim.
    Held(Arc<Held>),
    /// The key is another request's (or an earlier one's): the layer answers with this.
    Taken(Claim),
}

impl Cell {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().expect("not poisoned")
    }

    fn held(&self) -> Option<Arc<Held>> {
        match &*self.slot() {
            Slot::Held(h) => Some(h.clone()),
            _ => None,
        }
    }
}

impl IdempotencyClaim {
    /// Claims the key for this request, before its first write (a no-op when it holds it
    /// already). When the key is taken (an earlier request's answer, a request still
    /// running, another request's key), the error stops the handler and the layer answers
    /// with what the key holds, as it would have before running it.
    pub async fn claim(&self, state: &AppState) -> Result<(), ApiError> {
        if self.cell.held().is_some() {
            return Ok(());
        }
        let got = idempotency::claim(
            state.store.db(),
            state.store.vault(),
            &self.cell.scope,
            &self.cell.key,
            &self.cell.hash,
            state.now(),
            lease(state),
        )
        .await
        .map_err(|e| match e {
            idempotency::ClaimError::Db(e) => ApiError::from(e),
            e => ApiError::internal(e),
        })?;
        let mut slot = self.cell.slot();
        match got {
            Claim::New(held) => {
                *slot = Slot::Held(Arc::new(held));
                Ok(())
            }
            taken => {
                *slot = Slot::Taken(taken);
                // Replaced by the layer with what the key holds.
                Err(in_progress(1))
            }
        }
    }

    /// Completes the key with the response the handler is about to send, in `tx` (the
    /// transaction of the request's work, before it commits), claiming it first if it is
    /// not yet. Refused with 409 `idempotency_in_progress` when the claim is no longer this
    /// request's (its lease ran out and a retry took the key over): roll the work back, the
    /// retry does it.
    pub async fn complete_in(
        &self,
        tx: &impl ConnectionTrait,
        state: &AppState,
        status: StatusCode,
        body: &[u8],
        content_type: &str,
    ) -> Result<(), ApiError> {
        self.claim(state).await?;
        let held = self
            .cell
            .held()
            .ok_or_else(|| ApiError::internal("idempotency key not held"))?;
        let text = std::str::from_utf8(body).map_err(ApiError::internal)?;
        let done = idempotency::complete(
            tx,
            state.store.vault(),
            &held,
            status.as_u16(),
            text,
            Some(content_type),
            state.now(),
        )
        .await?;
        if done { Ok(()) } else { Err(in_progress(1)) }
    }
}

fn in_progress(retry_after: u64) -> ApiError {
    let mut e = ApiError::conflict(
        "idempotency_in_progress",
        "a request with this Idempotency-Key is still running; retry shortly",
    );
    e.retry_after = Some(retry_after);
    e
}

/// Gives a claim back when the request ends without an answer (cut by the timeout, or a
/// panic): the client's retry then runs at once instead of waiting for the lease.
struct ReleaseOnDrop {
    db: DatabaseConnection,
    cell: Option<Arc<Cell>>,
}

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        let Some(id) = self.cell.take().and_then(|c| c.held()).map(|h| h.id) else {
            return;
        };
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let db = self.db.clone();
            rt.spawn(async move {
                if let Err(e) = idempotency::release(&db, id).await {
                    tracing::warn!(error = %e, "cannot give back an idempotency claim; it ends with its lease");
                }
            });
        }
    }
}

/// Middleware for routes that honour the key but do not demand it.
pub async fn optional(state: State<AppState>, req: Request, next: Next) -> Response {
    run(state, Mode::Optional, false, req, next).await
}

/// Middleware for routes that demand a key.
pub async fn required(state: State<AppState>, req: Request, next: Next) -> Response {
    run(state, Mode::Required, false, req, next).await
}

/// Middleware for routes that demand a key and whose handler claims it before its first
/// write ([`IdempotencyClaim::claim`]); an answer given without a claim is stored in one
/// statement (see the module's text). Only for handlers that claim before every write.
pub async fn deferred(state: State<AppState>, req: Request, next: Next) -> Response {
    run(state, Mode::Required, true, req, next).await
}

/// The answer of a key that is not this request's.
fn taken(claim: Claim, now: chrono::DateTime<chrono::Utc>) -> Response {
    match claim {
        Claim::Mismatch => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request; use a new key for a new action",
        )
        .into_response(),
        Claim::InProgress { until } => {
            let left = (until - now).num_seconds().clamp(1, 5) as u64;
            in_progress(left).into_response()
        }
        Claim::Replay {
            status,
            body,
            content_type,
        } => {
            let mut res = Response::new(Body::from(body));
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
                res.headers_mut().insert(header::CONTENT_TYPE, ct);
            }
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            res
        }
        // Not an answer of another request's: never given here.
        Claim::New(_) => in_progress(1).into_response(),
    }
}

async fn run(
    State(state): State<AppState>,
    mode: Mode,
    defer: bool,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    // Who is asking, first: the key is theirs. The handler's extractor reuses the result.
    let who = match <Authenticated as OptionalFromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    {
        Ok(Some(a)) => a,
        // Anonymous: no idempotency, no row (the handler answers; a log-in is needed).
        Ok(None) => return next.run(Request::from_parts(parts, body)).await,
        Err(e) => return e.into_response(),
    };
    let key = match parts.headers.get(HEADER).map(|v| v.to_str().map(str::trim)) {
        None => {
            return match mode {
                Mode::Optional => next.run(Request::from_parts(parts, body)).await,
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
    let Authenticated(claims) = who;
    let scope = scope(
        claims.aud.as_str(),
        claims.sub,
        parts.method.as_str(),
        parts.uri.path(),
    );
    let hash = request_hash(parts.method.as_str(), parts.uri.path(), &bytes);
    let db = state.store.db();
    let now = state.now();
    let vault = state.store.vault();
    let cell = Arc::new(Cell {
        scope,
        key,
        hash,
        slot: Mutex::new(Slot::Unclaimed),
    });
    let claim = IdempotencyClaim { cell: cell.clone() };
    if !defer && let Err(e) = claim.claim(&state).await {
        return match std::mem::replace(&mut *cell.slot(), Slot::Unclaimed) {
            Slot::Taken(t) => taken(t, now),
            _ => e.into_response(),
        };
    }
    let mut guard = ReleaseOnDrop {
        db: db.pool().clone(),
        cell: Some(cell.clone()),
    };
    parts.extensions.insert(claim);
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let status = res.status();
    let taken_by = {
        let mut slot = cell.slot();
        match &*slot {
            Slot::Taken(_) => Some(std::mem::replace(&mut *slot, Slot::Unclaimed)),
            _ => None,
        }
    };
    // The handler found the key taken when it claimed it: what the key holds.
    if let Some(Slot::Taken(t)) = taken_by {
        guard.cell = None;
        return taken(t, now);
    }
    let held = cell.held();
    if status.is_server_error() {
        // Given back (unless the work committed it), so the retry runs again; never
        // stored when unclaimed.
        if let Some(h) = &held
            && idempotency::release(db, h.id).await.is_err()
        {
            return res;
        }
        guard.cell = None;
        return res;
    }
    let (rparts, rbody) = res.into_parts();
    let body = match to_bytes(rbody, 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => {
            return ApiError::internal(format!("response body: {e}")).into_response();
        }
    };
    let ct = rparts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let text = String::from_utf8_lossy(&body);
    let Some(held) = held else {
        // Answered without a claim (nothing written): stored completed, in one statement.
        guard.cell = None;
        let answer = idempotency::Answer {
            status: status.as_u16(),
            body: &text,
            content_type: ct,
        };
        match idempotency::store_answer(
            db,
            vault,
            &cell.scope,
            &cell.key,
            &cell.hash,
            answer,
            state.now(),
        )
        .await
        {
            Ok(None) | Ok(Some(Claim::New(_))) => {}
            // The key was there first: its answer, not this one.
            Ok(Some(t)) => return taken(t, now),
            Err(e) => tracing::error!(error = %e, "cannot store an idempotent response"),
        }
        return Response::from_parts(rparts, Body::from(body));
    };
    // A handler that completed the key in its transaction made this a no-op.
    match idempotency::complete(db, vault, &held, status.as_u16(), &text, ct, state.now()).await {
        Ok(_) => guard.cell = None,
        Err(e) => {
            tracing::error!(error = %e, "cannot store an idempotent response");
        }
    }
    Response::from_parts(rparts, Body::from(body))
}
