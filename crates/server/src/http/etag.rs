//! Public reads answered with an entity tag: the body is rendered once per cached copy
//! (`daojia_app::catalog::public`), its tag is a hash of the bytes (so every node gives
//! the same tag for the same content), and a client that sends the tag back in
//! `If-None-Match` gets `304 Not Modified` without the body. `Cache-Control: no-cache` lets
//! browsers keep the body but makes them ask every time, so the tag never outlives the
//! catalog it describes.
//!
//! Also the middleware that drops every node's copy of the public catalog after a catalog
//! write succeeds.

use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A JSON body with its entity tag.
#[derive(Debug, Clone)]
pub struct Rendered {
    body: Bytes,
    etag: HeaderValue,
}

impl Rendered {
    /// `value` as JSON, tagged with a hash of the bytes (weak: the compression layer may
    /// send other bytes for the same content).
    pub fn json<T: Serialize>(value: &T) -> ApiResult<Rendered> {
        let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
        let digest = Sha256::digest(&body);
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("W/\"{hex}\"")).map_err(ApiError::internal)?;
        Ok(Rendered {
            body: Bytes::from(body),
            etag,
        })
    }

    /// The entity tag, e.g. `W/"3f2a…"`.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// `304` when `request` already holds this tag, otherwise `200` with the body.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let headers = [
            (header::ETAG, self.etag.clone()),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ];
        if matches_any(request, &self.etag) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        (
            headers,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body.clone(),
        )
            .into_response()
    }
}

/// Tags compare weakly (RFC 9110 §13.1.2: `If-None-Match` uses the weak comparison).
fn opaque(tag: &str) -> &str {
    let t = tag.trim();
    t.strip_prefix("W/").unwrap_or(t)
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches_any(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == opaque(ours))
}

/// Routes under which a successful write changes what the public catalog shows (items,
/// categories, areas, their prices, what an area offers, photos, imports).
const CATALOG_WRITES: &str = "/api/v1/admin/catalog/";

/// After a successful write under [`CATALOG_WRITES`], drops this node's copy of the public
/// catalog and tells the other nodes to drop theirs, before the answer leaves: the
/// writer's next read, on any node, is served from the database's new state (on other
/// nodes once the message arrives; at the latest after `cache.public_ttl_ms`).
pub async fn catalog_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && req.uri().path().starts_with(CATALOG_WRITES);
    let res = next.run(req).await;
    if write && res.status().is_success() {
        daojia_app::catalog::public::changed(&state.app).await;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn the_same_content_has_the_same_tag_and_other_content_another() {
        let a = Rendered::json(&serde_json::json!({"items": [1, 2]})).unwrap();
        let b = Rendered::json(&serde_json::json!({"items": [1, 2]})).unwrap();
        let c = Rendered::json(&serde_json::json!({"items": [1, 3]})).unwrap();
        assert_eq!(a.etag(), b.etag());
        assert_ne!(a.etag(), c.etag());
        assert!(a.etag().to_str().unwrap().starts_with("W/\""));
    }

    #[test]
    fn a_known_tag_gets_304_without_a_body_and_anything_else_the_body() {
        let r = Rendered::json(&serde_json::json!({"a": 1})).unwrap();
        let tag = r.etag().to_str().unwrap().to_string();
        let strong = tag.trim_start_matches("W/").to_string();
        for known in [tag.clone(), strong, format!("\"x\", {tag}"), "*".into()] {
            let res = r.respond(&asking(&known));
            assert_eq!(res.status(), StatusCode::NOT_MODIFIED, "{known}");
            assert_eq!(res.headers()[header::ETAG], r.etag());
        }
        for other in ["W/\"nope\"", "\"\""] {
            assert_eq!(
                r.respond(&asking(other)).status(),
                StatusCode::OK,
                "{other}"
            );
        }
        let res = r.respond(&HeaderMap::new());
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    }
}
