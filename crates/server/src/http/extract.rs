//! Extractors that turn every malformed input into a problem document with the field path,
//! instead of axum's plain-text rejections.

use super::error::{ApiError, FieldError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

/// A JSON body. Wrong content type, malformed JSON, a wrong type at a path, a missing or
/// unknown field, and a body over the size limit each get their own problem.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let ct = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                ct == "application/json"
                    || (ct.starts_with("application/") && ct.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    "the request body is larger than the server accepts",
                )
            } else {
                ApiError::bad_request(
                    "body_unreadable",
                    format!("cannot read the request body: {e}"),
                )
            }
        })?;
        parse_json(&bytes).map(Json)
    }
}

/// Parses JSON bytes into `T`, mapping errors to problems with the failing path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let msg = inner.to_string();
            // Strip serde's " at line X column Y" suffix from field messages; keep it for syntax errors.
            let short = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            Err(match inner.classify() {
                serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                    ApiError::bad_request(
                        "malformed_json",
                        format!("the body is not valid JSON: {msg}"),
                    )
                }
                serde_json::error::Category::Io => ApiError::bad_request("body_unreadable", msg),
                serde_json::error::Category::Data => {
                    let (field, code) = classify_data_error(&path, &short);
                    ApiError::invalid(vec![FieldError::new(field, code, short)])
                }
            })
        }
    }
}

fn classify_data_error(path: &str, msg: &str) -> (String, &'static str) {
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string);
    if msg.starts_with("missing field") {
        let f = quoted(msg).unwrap_or_default();
        let field = if path == "." || path.is_empty() {
            f
        } else {
            format!("{path}.{f}")
        };
        (field, "required")
    } else if msg.starts_with("unknown field") {
        // serde_path_to_error already ends the path with the unknown key.
        let f = quoted(msg).unwrap_or_default();
        let field = if path == "." || path.is_empty() {
            f
        } else {
            path.to_string()
        };
        (field, "unknown_field")
    } else if msg.starts_with("invalid type") {
        (path.to_string(), "invalid_type")
    } else if msg.starts_with(super::bounds::OUT_OF_RANGE) {
        (path.to_string(), "out_of_range")
    } else {
        (path.to_string(), "invalid")
    }
}

/// Query parameters, with bad ones reported by name.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded_de(q);
        match de {
            Ok(v) => Ok(Query(v)),
            Err((field, msg)) => {
                let code = if msg.starts_with(super::bounds::OUT_OF_RANGE) {
                    "out_of_range"
                } else {
                    "invalid"
                };
                Err(ApiError::field(&field, code, msg))
            }
        }
    }
}

fn serde_urlencoded_de<T: DeserializeOwned>(q: &str) -> Result<T, (String, String)> {
    // serde_urlencoded parses numbers and booleans from the text of each value; the path
    // tracker names the parameter a bad value belongs to (`limit=abc` names `limit`).
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let field = if msg.starts_with("unknown field") || msg.starts_with("missing field") {
            msg.split('`').nth(1).unwrap_or(&path).to_string()
        } else {
            path
        };
        (field, msg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        phone: String,
        n: u8,
    }

    fn err(body: &str) -> ApiError {
        parse_json::<Body>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn each_kind_of_bad_json_names_its_field() {
        assert_eq!(err("{").code, "malformed_json");
        let e = err(r#"{"phone":"1"}"#);
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].code.as_str()),
            ("n", "required")
        );
        let e = err(r#"{"phone":"1","n":"x"}"#);
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].code.as_str()),
            ("n", "invalid_type")
        );
        let e = err(r#"{"phone":"1","n":300}"#);
        assert_eq!(e.errors[0].field, "n");
        let e = err(r#"{"phone":"1","n":1,"extra":true}"#);
        assert_eq!(
            (e.errors[0].field.as_str(), e.errors[0].code.as_str()),
            ("extra", "unknown_field")
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Q {
        limit: Option<u64>,
        q: Option<String>,
        active: Option<bool>,
    }

    #[test]
    fn query_values_are_decoded_and_typed() {
        let v: Q = serde_urlencoded_de("limit=20&q=%E4%B8%8A+%E6%B5%B7&active=true").unwrap();
        assert_eq!(
            (v.limit, v.q.as_deref(), v.active),
            (Some(20), Some("上 海"), Some(true))
        );
        let v: Q = serde_urlencoded_de("").unwrap();
        assert_eq!((v.limit, v.q, v.active), (None, None, None));
        let (field, _) = serde_urlencoded_de::<Q>("limit=abc").unwrap_err();
        assert_eq!(field, "limit");
        let (field, _) = serde_urlencoded_de::<Q>("limit=-1").unwrap_err();
        assert_eq!(field, "limit");
        let (field, msg) = serde_urlencoded_de::<Q>("colour=red").unwrap_err();
        assert_eq!(field, "colour", "{msg}");
    }
}
