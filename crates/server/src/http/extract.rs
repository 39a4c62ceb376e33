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
            Err((field, msg)) => Err(ApiError::field(&field, "invalid", msg)),
        }
    }
}

fn serde_urlencoded_de<T: DeserializeOwned>(q: &str) -> Result<T, (String, String)> {
    // Parse into a JSON object of strings first, then let serde convert with paths, so a
    // bad `limit=abc` names `limit`.
    let mut map = serde_json::Map::new();
    for (k, v) in form_pairs(q) {
        map.insert(k, serde_json::Value::String(v));
    }
    let value = serde_json::Value::Object(map);
    let text = value.to_string();
    let de = &mut serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let short = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let field = if msg.starts_with("unknown field") || msg.starts_with("missing field") {
            short.split('`').nth(1).unwrap_or(&path).to_string()
        } else {
            path
        };
        (field, short)
    })
}

/// Decodes `a=1&b=x%20y` pairs (percent-decoding, `+` as space). Later duplicates win.
fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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

    #[test]
    fn query_strings_are_percent_decoded() {
        assert_eq!(
            form_pairs("a=1&b=x%20y+z&c"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y z".into()),
                ("c".into(), "".into())
            ]
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%E4%B8%8A"), "上");
    }
}
