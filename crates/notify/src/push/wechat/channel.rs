//! The WeChat subscribe-message channel: keeps the access token, sends, and exchanges codes.

use super::{
    BUSY, CodeError, EXPIRED_TOKEN, FieldType, INVALID_TOKEN, NOT_A_TOKEN, RATE_LIMITED,
    WechatConfig, code_path, openid_of, send_body, send_outcome, send_path, token_body,
};
use crate::push::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use async_trait::async_trait;
use serde_json::Value;
use std::sync::Mutex;

/// The WeChat subscribe-message channel; it keeps its access token until shortly before it
/// expires.
pub struct Wechat {
    cfg: WechatConfig,
    client: reqwest::Client,
    token: Mutex<Option<(String, i64)>>,
}

impl Wechat {
    /// A channel for one WeChat app.
    pub fn new(cfg: WechatConfig) -> Result<Wechat, String> {
        if cfg.app_id.trim().is_empty() || cfg.app_secret.expose().trim().is_empty() {
            return Err("wechat: app_id and app_secret are required".into());
        }
        for (kind, t) in &cfg.templates {
            if t.template_id.trim().is_empty() || t.data.is_empty() {
                return Err(format!(
                    "wechat: the template of {kind} needs a template_id and data"
                ));
            }
            if let Some(k) = t.data.keys().find(|k| FieldType::of(k).is_none()) {
                return Err(format!(
                    "wechat: the template of {kind} has field {k}, which is no WeChat type (thing, time, amount, character_string, …)"
                ));
            }
        }
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("wechat: HTTP client: {e}"))?;
        Ok(Wechat {
            cfg,
            client,
            token: Mutex::new(None),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WechatConfig {
        &self.cfg
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cfg.endpoint.trim_end_matches('/'))
    }

    /// Exchanges a one-time code from the app for the person's openid.
    pub async fn openid_for_code(&self, code: &str) -> Result<String, CodeError> {
        let path = code_path(
            self.cfg.app_kind,
            &self.cfg.app_id,
            self.cfg.app_secret.expose(),
            code,
        );
        let res = self
            .client
            .get(self.url(&path))
            .send()
            .await
            .map_err(|e| CodeError::Unavailable(format!("WeChat unreachable: {e}")))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.unwrap_or_default();
        openid_of(status, &bytes)
    }

    async fn post(&self, url: &str, body: &Value) -> Result<(u16, Vec<u8>), PushError> {
        let res = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(body).expect("JSON"))
            .send()
            .await
            .map_err(|e| PushError::Retryable(format!("WeChat unreachable: {e}")))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.unwrap_or_default();
        Ok((status, bytes.to_vec()))
    }

    /// A valid access token: the kept one, or a new one from `stable_token`.
    async fn token(&self, fresh: bool) -> Result<String, PushError> {
        let now = chrono::Utc::now().timestamp();
        if !fresh
            && let Some((t, exp)) = self.token.lock().unwrap_or_else(|e| e.into_inner()).clone()
            && exp - 300 > now
        {
            return Ok(t);
        }
        let body = token_body(&self.cfg.app_id, self.cfg.app_secret.expose(), fresh);
        let (status, bytes) = self.post(&self.url("/cgi-bin/stable_token"), &body).await?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = v["errcode"].as_i64().unwrap_or(0);
        let detail = format!(
            "WeChat stable_token answered {status} (errcode {code}): {}",
            v["errmsg"].as_str().unwrap_or_default()
        );
        if status == 429 || status >= 500 || code == BUSY || RATE_LIMITED.contains(&code) {
            return Err(PushError::Retryable(detail));
        }
        let (0, Some(token)) = (code, v["access_token"].as_str()) else {
            return Err(PushError::Permanent(detail));
        };
        let exp = now + v["expires_in"].as_i64().unwrap_or(7200);
        *self.token.lock().unwrap_or_else(|e| e.into_inner()) = Some((token.to_string(), exp));
        Ok(token.to_string())
    }
}

#[async_trait]
impl PushChannel for Wechat {
    fn code(&self) -> &'static str {
        "wechat"
    }

    async fn send(&self, to: &PushTarget, msg: &PushMessage) -> Result<PushOutcome, PushError> {
        let PushTarget::Wechat { openid } = to else {
            return Err(PushError::Permanent("wechat takes an openid".into()));
        };
        let Some(tpl) = msg.kind.as_deref().and_then(|k| self.cfg.templates.get(k)) else {
            return Err(PushError::Permanent(format!(
                "no WeChat template for {}",
                msg.kind.as_deref().unwrap_or("this message")
            )));
        };
        let body = send_body(&self.cfg, openid, tpl, &msg.vars).map_err(PushError::Permanent)?;
        let mut fresh = false;
        loop {
            let token = self.token(fresh).await?;
            let url = format!(
                "{}?access_token={}",
                self.url(send_path(self.cfg.app_kind)),
                crate::aliyun::percent_encode(&token)
            );
            let (status, bytes) = self.post(&url, &body).await?;
            let code = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v["errcode"].as_i64());
            if matches!(code, Some(INVALID_TOKEN | EXPIRED_TOKEN | NOT_A_TOKEN)) && !fresh {
                fresh = true;
                continue;
            }
            return send_outcome(status, &bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::wechat::AppKind;
    use crate::push::wechat::test_support::cfg;

    #[test]
    fn a_template_with_a_field_of_no_type_is_refused() {
        let mut c = cfg(AppKind::MiniProgram);
        c.templates
            .get_mut("departed")
            .unwrap()
            .data
            .insert("colour3".into(), "x".into());
        assert!(Wechat::new(c).err().unwrap().contains("colour3"));
    }
}
