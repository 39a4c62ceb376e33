//! The token and send requests, and what a send's answer means.

use super::{AppKind, BUSY, INVALID_OPENID, RATE_LIMITED, Template, WechatConfig, fill, fit};
use crate::push::{PushError, PushOutcome};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The `stable_token` request body.
pub fn token_body(app_id: &str, app_secret: &str, force_refresh: bool) -> Value {
    json!({
        "grant_type": "client_credential",
        "appid": app_id,
        "secret": app_secret,
        "force_refresh": force_refresh,
    })
}

/// The send path (without the token) of `kind`.
pub fn send_path(kind: AppKind) -> &'static str {
    match kind {
        AppKind::MiniProgram => "/cgi-bin/message/subscribe/send",
        AppKind::OfficialAccount => "/cgi-bin/message/subscribe/bizsend",
    }
}

/// A template's `data` filled from `vars`, each value fitted to its field: a field whose
/// value comes out empty or whose key is no WeChat type is an error naming it.
pub fn data_of(tpl: &Template, vars: &BTreeMap<String, String>) -> Result<Value, String> {
    let mut data = Map::new();
    for (key, pattern) in &tpl.data {
        let Some(v) = fit(key, &fill(pattern, vars)) else {
            return Err(format!(
                "field {key} of template {} has no valid value",
                tpl.template_id
            ));
        };
        data.insert(key.clone(), json!({ "value": v }));
    }
    Ok(Value::Object(data))
}

/// The send request body.
pub fn send_body(
    cfg: &WechatConfig,
    openid: &str,
    tpl: &Template,
    vars: &BTreeMap<String, String>,
) -> Result<Value, String> {
    let mut body = json!({
        "touser": openid,
        "template_id": tpl.template_id,
    });
    if let Some(p) = &tpl.page {
        body["page"] = json!(fill(p, vars));
    }
    if cfg.app_kind == AppKind::MiniProgram {
        body["miniprogram_state"] = json!(cfg.miniprogram_state);
        body["lang"] = json!(cfg.lang);
    }
    body["data"] = data_of(tpl, vars)?;
    Ok(body)
}

/// What a send's answer means.
pub fn send_outcome(status: u16, body: &[u8]) -> Result<PushOutcome, PushError> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = v["errcode"].as_i64();
    let detail = || {
        format!(
            "WeChat answered {status} (errcode {}): {}",
            code.map_or("none".into(), |c| c.to_string()),
            v["errmsg"].as_str().unwrap_or_default()
        )
    };
    if status == 429 || status >= 500 {
        return Err(PushError::Retryable(detail()));
    }
    match code {
        Some(0) if (200..300).contains(&status) => Ok(PushOutcome::Accepted(
            v["msgid"]
                .as_i64()
                .map(|m| m.to_string())
                .or_else(|| v["msgid"].as_str().map(str::to_string)),
        )),
        Some(INVALID_OPENID) => Ok(PushOutcome::Gone),
        Some(c) if c == BUSY || RATE_LIMITED.contains(&c) => Err(PushError::Retryable(detail())),
        _ => Err(PushError::Permanent(detail())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::wechat::test_support::{cfg, vars};

    #[test]
    fn bodies_differ_by_app_kind_and_refuse_an_empty_field() {
        let v = vars(&[
            ("worker", "李"),
            ("order_no", "DJ20261206001"),
            ("order_id", "abc"),
        ]);
        let c = cfg(AppKind::MiniProgram);
        let b = send_body(&c, "oOPENID", &c.templates["departed"], &v).unwrap();
        assert_eq!(b["miniprogram_state"], "formal");
        assert_eq!(b["page"], "pages/order/detail?id=abc");
        assert_eq!(b["data"]["thing1"]["value"], "李师傅已出发");
        let c = cfg(AppKind::OfficialAccount);
        let b = send_body(&c, "oOPENID", &c.templates["departed"], &v).unwrap();
        assert!(b.get("miniprogram_state").is_none() && b.get("lang").is_none());
        let empty = vars(&[("worker", "李")]);
        let e = send_body(&c, "oOPENID", &c.templates["departed"], &empty).unwrap_err();
        assert!(e.contains("character_string2"), "{e}");
        assert_eq!(
            send_path(AppKind::OfficialAccount),
            "/cgi-bin/message/subscribe/bizsend"
        );
    }

    #[test]
    fn answers_sort_into_outcomes() {
        let ok = br#"{"errcode":0,"errmsg":"ok","msgid":2880470208893976578}"#;
        assert_eq!(
            send_outcome(200, ok),
            Ok(PushOutcome::Accepted(Some("2880470208893976578".into())))
        );
        assert_eq!(
            send_outcome(200, br#"{"errcode":40003,"errmsg":"invalid openid"}"#),
            Ok(PushOutcome::Gone)
        );
        assert!(matches!(
            send_outcome(200, br#"{"errcode":43101,"errmsg":"user refuse to accept the msg"}"#),
            Err(PushError::Permanent(m)) if m.contains("43101")
        ));
        assert!(matches!(
            send_outcome(200, br#"{"errcode":-1,"errmsg":"system error"}"#),
            Err(PushError::Retryable(_))
        ));
        assert!(matches!(
            send_outcome(502, b""),
            Err(PushError::Retryable(_))
        ));
    }
}
