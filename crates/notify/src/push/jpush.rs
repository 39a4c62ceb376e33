//! JPush (极光推送) REST API v3: `POST {endpoint}/v3/push`, HTTP Basic authentication with
//! `base64(appKey:masterSecret)`, a JSON push object:
//!
//! ```json
//! {"platform": "all",
//!  "audience": {"registration_id": ["…"]},
//!  "notification": {"alert": body,
//!                   "android": {"alert": body, "title": title, "extras": {"url", "tag"}},
//!                   "ios": {"alert": {"title", "body"}, "sound": "default", "badge": "+1", "extras": {…}}},
//!  "options": {"time_to_live": seconds, "apns_production": bool}}
//! ```
//!
//! The answer is `{"sendno", "msg_id"}` (200), or `{"error": {"code", "message"}}` with a 4xx.
//! Error 1011 (no target matches the audience) means the registration id is unknown to
//! JPush: the subscription is gone. 429 (rate limit) and 5xx are retryable, the rest
//! permanent. [`build_request`] makes the request without I/O; the vectors test compares it
//! with what JPush's own SDK sends.

use super::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use daojia_domain::secret::Secret;
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Where JPush's API lives (`https://bjapi.push.jiguang.cn` for apps in the Beijing zone).
pub const DEFAULT_ENDPOINT: &str = "https://api.jpush.cn";
/// The push path.
pub const PUSH_PATH: &str = "/v3/push";
/// JPush's error code for "no push target matches the audience".
pub const NO_TARGET: i64 = 1011;

/// How to reach and use a JPush application.
#[derive(Debug, Clone)]
pub struct JpushConfig {
    /// `https://api.jpush.cn` unless overridden (the Beijing zone, a test server).
    pub endpoint: String,
    /// The application's AppKey.
    pub app_key: String,
    /// Its Master Secret.
    pub master_secret: Secret<String>,
    /// Whether iOS pushes go to APNs production (else the sandbox).
    pub apns_production: bool,
    /// How long JPush keeps an offline message, seconds (JPush's default is one day).
    pub time_to_live: u32,
    /// How long one request may take.
    pub timeout: Duration,
}

/// A JPush request, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct JpushRequest {
    /// The path (`/v3/push`).
    pub path: &'static str,
    /// The `Authorization` header.
    pub authorization: String,
    /// The push object.
    pub body: Value,
}

/// `Basic base64(appKey:masterSecret)`.
pub fn authorization(app_key: &str, master_secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{app_key}:{master_secret}"))
    )
}

/// What a tap carries: the message's `url` and `tag`, when set.
fn extras(msg: &PushMessage) -> Option<Value> {
    let mut m = Map::new();
    if let Some(u) = &msg.url {
        m.insert("url".into(), json!(u));
    }
    if let Some(t) = &msg.tag {
        m.insert("tag".into(), json!(t));
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// The push object for one registration id.
pub fn push_body(
    registration_id: &str,
    msg: &PushMessage,
    time_to_live: u32,
    apns_production: bool,
) -> Value {
    let mut android = json!({"alert": msg.body, "title": msg.title});
    let mut ios = json!({
        "alert": {"title": msg.title, "body": msg.body},
        "sound": "default",
        "badge": "+1",
    });
    if let Some(x) = extras(msg) {
        android["extras"] = x.clone();
        ios["extras"] = x;
    }
    json!({
        "platform": "all",
        "audience": {"registration_id": [registration_id]},
        "notification": {"alert": msg.body, "android": android, "ios": ios},
        "options": {"time_to_live": time_to_live, "apns_production": apns_production},
    })
}

/// The request pushing `msg` to one registration id (no I/O).
pub fn build_request(cfg: &JpushConfig, registration_id: &str, msg: &PushMessage) -> JpushRequest {
    JpushRequest {
        path: PUSH_PATH,
        authorization: authorization(&cfg.app_key, cfg.master_secret.expose()),
        body: push_body(registration_id, msg, cfg.time_to_live, cfg.apns_production),
    }
}

/// What JPush's answer means.
pub fn outcome(status: u16, body: &[u8]) -> Result<PushOutcome, PushError> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        let id = match &v["msg_id"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        return Ok(PushOutcome::Accepted(id));
    }
    let code = v["error"]["code"].as_i64();
    let message = v["error"]["message"].as_str().unwrap_or_default();
    let detail = format!("JPush answered {status} (code {code:?}): {message}");
    if code == Some(NO_TARGET) {
        return Ok(PushOutcome::Gone);
    }
    if status == 429 || status >= 500 {
        return Err(PushError::Retryable(detail));
    }
    Err(PushError::Permanent(detail))
}

/// The JPush channel.
pub struct Jpush {
    cfg: JpushConfig,
    client: reqwest::Client,
}

impl Jpush {
    /// A channel for one JPush application.
    pub fn new(cfg: JpushConfig) -> Result<Jpush, String> {
        if cfg.app_key.trim().is_empty() || cfg.master_secret.expose().trim().is_empty() {
            return Err("jpush: app_key and master_secret are required".into());
        }
        if !(cfg.endpoint.starts_with("https://") || cfg.endpoint.starts_with("http://")) {
            return Err(format!(
                "jpush: endpoint `{}` must be an http(s) URL",
                cfg.endpoint
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("jpush: HTTP client: {e}"))?;
        Ok(Jpush { cfg, client })
    }
}

#[async_trait]
impl PushChannel for Jpush {
    fn code(&self) -> &'static str {
        "jpush"
    }

    async fn send(&self, to: &PushTarget, msg: &PushMessage) -> Result<PushOutcome, PushError> {
        let PushTarget::Jpush { registration_id } = to else {
            return Err(PushError::Permanent(
                "jpush takes a JPush registration id".into(),
            ));
        };
        let req = build_request(&self.cfg, registration_id, msg);
        let res = self
            .client
            .post(format!(
                "{}{}",
                self.cfg.endpoint.trim_end_matches('/'),
                req.path
            ))
            .header("Authorization", req.authorization)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&req.body).expect("JSON"))
            .send()
            .await
            .map_err(|e| PushError::Retryable(format!("JPush unreachable: {e}")))?;
        let status = res.status().as_u16();
        let body = res.bytes().await.unwrap_or_default();
        outcome(status, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_outcomes() {
        assert_eq!(
            outcome(200, br#"{"sendno":"0","msg_id":"54043195528000000"}"#).unwrap(),
            PushOutcome::Accepted(Some("54043195528000000".into()))
        );
        assert_eq!(
            outcome(200, br#"{"sendno":"0","msg_id":18100000000}"#).unwrap(),
            PushOutcome::Accepted(Some("18100000000".into()))
        );
        assert_eq!(
            outcome(
                400,
                br#"{"error":{"code":1011,"message":"cannot find user by this audience"}}"#
            )
            .unwrap(),
            PushOutcome::Gone
        );
        assert!(matches!(
            outcome(401, br#"{"error":{"code":1004,"message":"Authen failed"}}"#),
            Err(PushError::Permanent(_))
        ));
        assert!(matches!(
            outcome(
                429,
                br#"{"error":{"code":2002,"message":"Rate limit exceeded"}}"#
            ),
            Err(PushError::Retryable(_))
        ));
        assert!(matches!(
            outcome(503, b"busy"),
            Err(PushError::Retryable(_))
        ));
    }
}
