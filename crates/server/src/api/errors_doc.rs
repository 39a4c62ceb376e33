//! The error answers of the OpenAPI document, added by rule so that no operation can forget
//! one and every operation added later is covered.
//!
//! Every error the API gives is a problem document (`application/problem+json`, the
//! [`Problem`](crate::http::error::Problem) schema): handlers answer [`ApiError`]s and the
//! `problem_bodies` middleware turns anything else (axum's own rejections, a panic) into
//! one. Which statuses an operation can give follows from how it is built:
//!
//! | the operation                  | can answer                                              |
//! |--------------------------------|---------------------------------------------------------|
//! | needs a token                  | 401 (none, expired, revoked)                            |
//! | needs a token of one audience  | 403 (another audience, account disabled, no permission) |
//! | has a path parameter           | 400 (does not parse), 404 (nothing has that id)         |
//! | has query parameters           | 422 (a parameter of the wrong type or value)            |
//! | has a request body             | 400 (not JSON, unreadable), 413, 415, 422               |
//! | honours `Idempotency-Key`      | 400 (key missing or malformed), 409 (in progress), 422  |
//! | any                            | 503 `timeout` (the server's request time limit)         |
//!
//! Statuses that depend on what a handler does (409 conflicts, 429 rate limits, 502/504 from
//! a vendor) are listed by the handler itself; this pass only gives them the problem media
//! type and a description.

use crate::http::error::PROBLEM_JSON;
use utoipa::Modify;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, Object, Ref, RefOr, Response, Type};

/// Adds the error responses an operation can give by the way the server is built (see the
/// module documentation), and makes every 4xx/5xx response a problem document.
pub struct CommonResponses;

/// Why an operation can answer a status: the reasons become the description.
#[derive(Default)]
struct Reasons(std::collections::BTreeMap<u16, Vec<&'static str>>);

impl Reasons {
    fn add(&mut self, status: u16, why: &'static str) {
        let v = self.0.entry(status).or_default();
        if !v.contains(&why) {
            v.push(why);
        }
    }
}

fn reasons(path: &str, op: &Operation) -> Reasons {
    let mut r = Reasons::default();
    let params = op.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| {
        params
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let idempotent = params.iter().any(|p| {
        matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Header
            && p.name.eq_ignore_ascii_case(crate::http::idempotency::HEADER))
    });
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if secured {
        r.add(
            401,
            "`unauthenticated`, `token_invalid`, `token_expired`, `session_revoked`: no valid access token",
        );
        // Every route outside `/public` takes the customer, worker or staff extractor, which
        // checks the token's audience (and, for staff, the permission).
        if !path.starts_with("/api/v1/public/") {
            r.add(
                403,
                "`wrong_audience`, `account_disabled`, `permission_denied`: the token is not allowed here",
            );
        }
    }
    if has(ParameterIn::Path) {
        r.add(400, "`http_error`: a path parameter does not parse");
        r.add(404, "`not_found`: nothing has that id (or it is not yours)");
    }
    if has(ParameterIn::Query) {
        r.add(
            422,
            "`validation_failed`: a query parameter has the wrong type or value (`errors` names it)",
        );
    }
    if let Some(RefOr::T(body)) = &op.request_body {
        let multipart = body.content.keys().any(|k| k.starts_with("multipart/"));
        if multipart {
            r.add(400, "`bad_multipart`: the form does not parse");
        } else {
            r.add(
                400,
                "`malformed_json`, `body_unreadable`: the body is not JSON",
            );
        }
        r.add(
            413,
            "`body_too_large`: the body is larger than the server accepts",
        );
        r.add(
            415,
            if multipart {
                "`unsupported_media_type`: not a multipart form, or not an image the server accepts"
            } else {
                "`unsupported_media_type`: send `Content-Type: application/json`"
            },
        );
        r.add(
            422,
            "`validation_failed`: a field is missing, unknown or invalid (`errors` names each)",
        );
    }
    if idempotent {
        r.add(
            400,
            "`idempotency_key_required`, `idempotency_key_invalid`: the `Idempotency-Key` header is missing or malformed",
        );
        r.add(
            409,
            "`idempotency_in_progress`: a request with this key is still running; retry after `Retry-After` seconds",
        );
        r.add(
            422,
            "`idempotency_key_reused`: the key was used with another request",
        );
    }
    r.add(
        503,
        "`timeout`: the request ran past the server's time limit; retry after `Retry-After` seconds",
    );
    r
}

/// Whether a documented body is a problem document (or has no schema).
fn is_problem(c: &utoipa::openapi::Content) -> bool {
    match &c.schema {
        None => true,
        Some(RefOr::Ref(r)) => r.ref_location.ends_with("/Problem"),
        Some(RefOr::T(_)) => false,
    }
}

fn retry_after() -> Header {
    HeaderBuilder::new()
        .schema(Some(Object::with_type(Type::Integer)))
        .description(Some("Seconds to wait before trying again"))
        .build()
}

/// Every operation of a path item, mutably.
pub(super) fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
        &mut item.query,
    ]
    .into_iter()
    .flatten()
}

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in operations_mut(item) {
                for (status, why) in reasons(path, op).0 {
                    let key = status.to_string();
                    let response = op
                        .responses
                        .responses
                        .entry(key)
                        .or_insert_with(|| RefOr::T(Response::new("")));
                    let RefOr::T(r) = response else { continue };
                    let why = why.join("; ");
                    if r.description.is_empty() {
                        let reason = axum::http::StatusCode::from_u16(status)
                            .ok()
                            .and_then(|s| s.canonical_reason())
                            .unwrap_or("Error");
                        r.description = format!("{reason}: {why}");
                    } else {
                        // The handler's own reason first, then the ones every such route has.
                        r.description = format!("{}; {why}", r.description.trim_end_matches('.'));
                    }
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(r) = response else { continue };
                    if !status.starts_with(['4', '5']) {
                        continue;
                    }
                    // A body of the handler's own that is not a problem document stays (a
                    // payment channel's `{"code":"FAIL"}` answer); problem documents, however
                    // the handler wrote them, are `application/problem+json`.
                    r.content
                        .retain(|_, c| matches!(c, RefOr::T(c) if !is_problem(c)));
                    r.content.insert(
                        PROBLEM_JSON.to_string(),
                        RefOr::T(
                            ContentBuilder::new()
                                .schema(Some(Ref::from_schema_name("Problem")))
                                .build(),
                        ),
                    );
                    if matches!(status.as_str(), "429" | "503") {
                        r.headers
                            .entry("Retry-After".to_string())
                            .or_insert_with(|| RefOr::T(retry_after()));
                    }
                }
            }
        }
    }
}
