//! Getui (个推) REST API v2, `BaseUrl = {endpoint}/v2/{appId}`:
//!
//! 1. `POST BaseUrl/auth` with `{"sign", "timestamp", "appkey"}`, where `timestamp` is the
//!    time in milliseconds (13 digits, as a string) and `sign` the lower-case hex
//!    `sha256(appkey + timestamp + mastersecret)`; the answer
//!    `{"code": 0, "data": {"token", "expire_time"}}` gives a token valid for a day
//!    (`expire_time`, milliseconds).
//! 2. `POST BaseUrl/push/single/cid` with the header `token` and
//!    `{"request_id", "settings": {"ttl"}, "audience": {"cid": [cid]},
//!      "push_message": {"notification": {"title", "body", "click_type", …}}}`;
//!    the answer `{"code": 0, "data": {taskid: {cid: status}}}`.
//!
//! A tap on an absolute `http(s)` URL opens it (`click_type: url`); an in-app path goes to the
//! app as `payload` (`{"url", "tag"}` as JSON); without either the app starts
//! (`startapp`). Code 10001 (token expired or invalid) fetches a new token and tries once
//! more. The request builders ([`auth_body`], [`push_body`]) do no I/O: the vectors test
//! compares them with Getui's documented examples.

use super::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use async_trait::async_trait;
use daojia_domain::secret::Secret;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use std::time::Duration;

/// Where Getui's API lives.
pub const DEFAULT_ENDPOINT: &str = "https://restapi.getui.com";
/// Getui's code for an expired or invalid token.
pub const TOKEN_EXPIRED: i64 = 10001;

/// How to reach and use a Getui application.
#[derive(Debug, Clone)]
pub struct GetuiConfig {
    /// `https://restapi.getui.com` unless overridden (a test server).
    pub endpoint: String,
    /// The application's AppID (in the path).
    pub app_id: String,
    /// Its AppKey.
    pub app_key: String,
    /// Its MasterSecret.
    pub master_secret: Secret<String>,
    /// How long Getui keeps an offline message, milliseconds (at most three days).
    pub ttl_ms: i64,
    /// How long one request may take.
    pub timeout: Duration,
}

/// `sha256(appkey + timestamp + mastersecret)`, lower-case hex.
pub fn sign(app_key: &str, timestamp_ms: &str, master_secret: &str) -> String {
    hex::encode(Sha256::digest(
        format!("{app_key}{timestamp_ms}{master_secret}").as_bytes(),
    ))
}

/// The `auth` request body.
pub fn auth_body(app_key: &str, master_secret: &str, timestamp_ms: &str) -> Value {
    json!({
        "sign": sign(app_key, timestamp_ms, master_secret),
        "timestamp": timestamp_ms,
        "appkey": app_key,
    })
}

/// The `push/single/cid` body. `request_id` is 10 to 32 characters, unique per push.
pub fn push_body(request_id: &str, cid: &str, msg: &PushMessage, ttl_ms: i64) -> Value {
    let mut n = json!({"title": msg.title, "body": msg.body});
    if let Some(u) = msg.url.as_deref().filter(|u| u.starts_with("http")) {
        n["click_type"] = json!("url");
        n["url"] = json!(u);
    } else if msg.url.is_some() || msg.tag.is_some() {
        let mut p = Map::new();
        if let Some(u) = &msg.url {
            p.insert("url".into(), json!(u));
        }
        if let Some(t) = &msg.tag {
            p.insert("tag".into(), json!(t));
        }
        n["click_type"] = json!("payload");
        n["payload"] = json!(Value::Object(p).to_string());
    } else {
        n["click_type"] = json!("startapp");
    }
    json!({
        "request_id": request_id,
        "settings": {"ttl": ttl_ms},
        "audience": {"cid": [cid]},
        "push_message": {"notification": n},
    })
}

/// What a push answer means (`code` 0 accepted with its task id).
pub fn push_outcome(status: u16, body: &[u8]) -> Result<PushOutcome, PushError> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = v["code"].as_i64();
    let detail = || {
        format!(
            "Getui answered {status} (code {code:?}): {}",
            v["msg"].as_str().unwrap_or_default()
        )
    };
    if status == 429 || status >= 500 {
        return Err(PushError::Retryable(detail()));
    }
    if (200..300).contains(&status) && code == Some(0) {
        let task = v["data"].as_object().and_then(|m| m.keys().next().cloned());
        return Ok(PushOutcome::Accepted(task));
    }
    Err(PushError::Permanent(detail()))
}

/// The Getui channel; it keeps its token until shortly before it expires.
pub struct Getui {
    cfg: GetuiConfig,
    client: reqwest::Client,
    token: Mutex<Option<(String, i64)>>,
}

impl Getui {
    /// A channel for one Getui application.
    pub fn new(cfg: GetuiConfig) -> Result<Getui, String> {
        if cfg.app_id.trim().is_empty()
            || cfg.app_key.trim().is_empty()
            || cfg.master_secret.expose().trim().is_empty()
        {
            return Err("getui: app_id, app_key and master_secret are required".into());
        }
        if !(1..=3 * 24 * 3600 * 1000).contains(&cfg.ttl_ms) {
            return Err("getui: ttl_ms is between 1 and three days".into());
        }
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("getui: HTTP client: {e}"))?;
        Ok(Getui {
            cfg,
            client,
            token: Mutex::new(None),
        })
    }

    fn base(&self) -> String {
        format!(
            "{}/v2/{}",
            self.cfg.endpoint.trim_end_matches('/'),
            self.cfg.app_id
        )
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<(u16, Vec<u8>), PushError> {
        let mut r = self
            .client
            .post(format!("{}{path}", self.base()))
            .header("Content-Type", "application/json;charset=utf-8");
        if let Some(t) = token {
            r = r.header("token", t);
        }
        let res = r
            .body(serde_json::to_vec(body).expect("JSON"))
            .send()
            .await
            .map_err(|e| PushError::Retryable(format!("Getui unreachable: {e}")))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.unwrap_or_default();
        Ok((status, bytes.to_vec()))
    }

    /// A valid token: the kept one, or a new one from `auth`.
    async fn token(&self, fresh: bool) -> Result<String, PushError> {
        let now = chrono::Utc::now().timestamp_millis();
        if !fresh
            && let Some((t, exp)) = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
            && exp - 5 * 60 * 1000 > now
        {
            return Ok(t);
        }
        let body = auth_body(
            &self.cfg.app_key,
            self.cfg.master_secret.expose(),
            &now.to_string(),
        );
        let (status, bytes) = self.post("/auth", None, &body).await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let detail = format!(
            "Getui auth answered {status} (code {:?}): {}",
            v["code"].as_i64(),
            v["msg"].as_str().unwrap_or_default()
        );
        if status == 429 || status >= 500 {
            return Err(PushError::Retryable(detail));
        }
        let (Some(0), Some(token)) = (v["code"].as_i64(), v["data"]["token"].as_str()) else {
            return Err(PushError::Permanent(detail));
        };
        let exp = match &v["data"]["expire_time"] {
            Value::String(s) => s.parse().unwrap_or(now + 3600 * 1000),
            Value::Number(n) => n.as_i64().unwrap_or(now + 3600 * 1000),
            _ => now + 3600 * 1000,
        };
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.to_string(), exp));
        Ok(token.to_string())
    }
}

#[async_trait]
impl PushChannel for Getui {
    fn code(&self) -> &'static str {
        "getui"
    }

    async fn send(&self, to: &PushTarget, msg: &PushMessage) -> Result<PushOutcome, PushError> {
        let PushTarget::Getui { cid } = to else {
            return Err(PushError::Permanent("getui takes a Getui client id".into()));
        };
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        let body = push_body(&request_id, cid, msg, self.cfg.ttl_ms);
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await?;
            let (status, bytes) = self.post("/push/single/cid", Some(&token), &body).await?;
            let code = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v["code"].as_i64());
            if code == Some(TOKEN_EXPIRED) && !fresh {
                fresh = true;
                continue;
            }
            return push_outcome(status, &bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_and_answers() {
        let mut msg = PushMessage {
            title: "t".into(),
            body: "b".into(),
            url: Some("/orders/1".into()),
            tag: Some("order-1".into()),
            ..Default::default()
        };
        let b = push_body("0123456789", "cid1", &msg, 1000);
        let n = &b["push_message"]["notification"];
        assert_eq!(n["click_type"], "payload");
        let p: Value = serde_json::from_str(n["payload"].as_str().unwrap()).unwrap();
        assert_eq!(p, json!({"url": "/orders/1", "tag": "order-1"}));
        msg.url = None;
        msg.tag = None;
        let b = push_body("0123456789", "cid1", &msg, 1000);
        assert_eq!(b["push_message"]["notification"]["click_type"], "startapp");
        assert_eq!(
            push_outcome(
                200,
                br#"{"code":0,"msg":"","data":{"RASS_1":{"cid1":"successed_online"}}}"#
            )
            .unwrap(),
            PushOutcome::Accepted(Some("RASS_1".into()))
        );
        assert!(matches!(
            push_outcome(200, br#"{"code":20001,"msg":"bad cid"}"#),
            Err(PushError::Permanent(_))
        ));
        assert!(matches!(
            push_outcome(502, b""),
            Err(PushError::Retryable(_))
        ));
    }
}
