//! HTTP plumbing: errors, extractors, authentication, and the middleware every request
//! passes through (request id, logging, metrics, timeout, problem documents).

pub mod auth;
pub mod bounds;
pub mod client_ip;
pub mod error;
pub mod etag;
pub mod extract;
pub mod idempotency;

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use error::{ApiError, PROBLEM_JSON, REQUEST_ID};
use std::time::{Duration, Instant};
use tracing::Instrument;

/// Runs the request with one database connection for its statements outside
/// transactions (`daojia_store::held`): for routes that run several statements and call
/// no outside service.
pub async fn hold_connection(req: Request, next: Next) -> Response {
    daojia_store::held::hold(next.run(req)).await
}

/// The request-id header, read from a trusted proxy or generated here.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn sane_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
    .then(|| s.to_string())
}

/// Gives every request an id (kept from `X-Request-Id` when well-formed), puts it on the
/// response and in every log line of the request, and logs one line per request. The
/// query string is never logged: it may carry a phone number.
pub async fn request_context(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(sane_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string());
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let span = if crate::logging::exporting_traces() {
        traced_span(&req, &id, route.as_deref())
    } else {
        tracing::info_span!("request", request_id = %id, method = %method, path = %path)
    };
    let started = Instant::now();
    let mut res = REQUEST_ID
        .scope(id.clone(), next.run(req).instrument(span.clone()))
        .await;
    let elapsed = started.elapsed();
    let status = res.status().as_u16();
    span.record("http.response.status_code", status);
    if status >= 500 {
        span.record("otel.status_code", "ERROR");
    }
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(
                status,
                latency_ms = elapsed.as_millis() as u64,
                "request failed"
            );
        } else {
            tracing::info!(status, latency_ms = elapsed.as_millis() as u64, "request");
        }
    });
    let route = route.unwrap_or_else(|| {
        if path.starts_with("/api/") {
            "unmatched".into()
        } else {
            "static".into()
        }
    });
    let labels = [
        ("method", method.to_string()),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

/// The request's span when traces are exported: named and described as OpenTelemetry's
/// HTTP conventions say (`GET /api/v1/orders/{id}`, kind server, method, route, status),
/// a child of the caller's span when the request carries a `traceparent`, and with the
/// trace id in every log line of the request so that logs and traces meet.
fn traced_span(req: &Request, id: &str, route: Option<&str>) -> tracing::Span {
    use opentelemetry::propagation::TextMapPropagator;
    use opentelemetry::trace::TraceContextExt;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let method = req.method();
    let path = req.uri().path();
    let name = format!("{method} {}", route.unwrap_or(path));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        path = %path,
        trace_id = tracing::field::Empty,
        "otel.name" = %name,
        "otel.kind" = "server",
        "otel.status_code" = tracing::field::Empty,
        "http.request.method" = %method,
        "http.route" = route,
        "url.path" = %path,
        "http.response.status_code" = tracing::field::Empty,
    );
    let parent = opentelemetry_sdk::propagation::TraceContextPropagator::new()
        .extract(&crate::logging::HeaderCarrier(req.headers()));
    let _ = span.set_parent(parent);
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
    span
}

/// Ends a request that runs past the configured timeout with a 503 problem.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_secs(state.config.server.request_timeout_secs);
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            let mut e = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the request took too long; try again",
            );
            e.retry_after = Some(1);
            e.into_response()
        }
    }
}

/// Turns any API error response without a problem body (axum's 405, a panic's 500, a
/// body-limit 413) into a problem document, so clients parse one error format. Web-app
/// pages keep their HTML, and the answers to payment channels' notifications keep the form
/// each channel expects.
pub async fn problem_bodies(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let is_api = path.starts_with("/api/")
        && !path.starts_with("/api/docs")
        && !path.starts_with("/api/v1/pay/notify/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics");
    let res = next.run(req).await;
    if !is_api {
        return res;
    }
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    if is_problem {
        return res;
    }
    let (code, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this route does not accept that method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "body_too_large",
            "the request body is larger than the server accepts",
        ),
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "send JSON with `Content-Type: application/json`",
        ),
        s if s.is_server_error() => (
            "internal",
            "the server failed to handle this request; quote the request id when reporting it",
        ),
        _ => ("http_error", "the request was refused"),
    };
    let retry = res.headers().get(header::RETRY_AFTER).cloned();
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut out = ApiError::new(status, code, detail).into_response();
    if let Some(r) = retry {
        out.headers_mut().insert(header::RETRY_AFTER, r);
    }
    if let Some(a) = allow {
        out.headers_mut().insert(header::ALLOW, a);
    }
    out
}

/// Baseline security headers on every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    res
}

/// The answer for an unknown `/api` route.
pub async fn api_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "route_not_found",
        "no such API route; see /api/docs",
    )
}

/// Converts a panic into a 500 problem (the panic message is logged, not sent).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into());
    ApiError::internal(format!("panic: {msg}")).into_response()
}
