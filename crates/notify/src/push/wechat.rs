//! WeChat subscribe messages (订阅消息), for a mini program (小程序) or an official account
//! (公众号), over WeChat's server API (`https://api.weixin.qq.com`):
//!
//! 1. **Access token.** `POST /cgi-bin/stable_token` with
//!    `{"grant_type": "client_credential", "appid", "secret", "force_refresh"}` answers
//!    `{"access_token", "expires_in"}` (seconds, 7200). The token is kept until five minutes
//!    before it expires; an answer of 40001 (invalid), 42001 (expired) or 40014 (not a
//!    token) to a send asks for a fresh one (`force_refresh: true`) and sends once more.
//! 2. **Who.** The person's openid is never taken from the client: the app sends a one-time
//!    code and the server exchanges it. A mini program's `wx.login` code goes to
//!    `GET /sns/jscode2session?appid&secret&js_code&grant_type=authorization_code`
//!    (`{"openid", "session_key", …}`); an official account's web authorisation code
//!    (`snsapi_base`) to `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`
//!    (`{"access_token", "openid", …}`). Only the openid is kept.
//! 3. **Send.** A mini program: `POST /cgi-bin/message/subscribe/send?access_token=…` with
//!    `{"touser", "template_id", "page", "miniprogram_state", "lang", "data"}`; an official
//!    account: `POST /cgi-bin/message/subscribe/bizsend?access_token=…` with
//!    `{"touser", "template_id", "page", "data"}` (`page` a web URL there). `data` is
//!    `{"thing1": {"value": "…"}, "time2": {"value": "…"}}`: each key names its template
//!    field, and its type prefix (`thing`, `time`, `amount`, …) limits the value. The answer
//!    is `{"errcode": 0, "errmsg": "ok", "msgid": …}`.
//!
//! Subscriptions are one-time: each time the person accepts a template (in the mini
//! program's `wx.requestSubscribeMessage`, or the official account's subscribe button),
//! one message of it may be sent. WeChat keeps that count, and answers 43101 when none is
//! left; the openid stays good for the other templates, so that is a refusal of this one
//! message, not a gone subscription. 40003 (the openid is not this app's) is gone.
//!
//! Each notification kind maps to one template in the configuration, with a pattern per
//! field over the notification's variables (`"{service}"`, `"{start}"`). [`fit`] shapes a
//! value to its field's rules (a `thing` holds at most 20 characters, a `character_string`
//! 32 letters, digits and symbols, …), so that a long item name is cut rather than the
//! message refused with 47003. The request builders do no I/O: the vectors test compares
//! them with WeChat's documented examples.

use super::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use async_trait::async_trait;
use daojia_domain::secret::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Where WeChat's server API lives.
pub const DEFAULT_ENDPOINT: &str = "https://api.weixin.qq.com";
/// The access token is invalid.
pub const INVALID_TOKEN: i64 = 40001;
/// The access token expired.
pub const EXPIRED_TOKEN: i64 = 42001;
/// Not an access token.
pub const NOT_A_TOKEN: i64 = 40014;
/// The openid is empty or not this app's.
pub const INVALID_OPENID: i64 = 40003;
/// The person has no subscription left for this template (refused, or used up).
pub const NOT_SUBSCRIBED: i64 = 43101;
/// A field's value breaks its type's rules (`errmsg` names it).
pub const BAD_FIELD: i64 = 47003;
/// The code is invalid or used.
pub const INVALID_CODE: i64 = 40029;
/// System busy: try again.
pub const BUSY: i64 = -1;
/// Calls over the rate or the daily quota.
pub const RATE_LIMITED: [i64; 2] = [45009, 45011];

/// Which kind of WeChat app sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// A mini program (小程序): `subscribe/send`, codes from `wx.login`.
    MiniProgram,
    /// An official account (公众号): `subscribe/bizsend`, codes from web authorisation.
    OfficialAccount,
}

/// One notification kind's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The template's id in the WeChat console.
    pub template_id: String,
    /// Where a tap leads: a mini program page (`pages/order/detail?id={order_id}`) or, for an
    /// official account, a web URL; patterns over the variables. None: the card opens
    /// nothing.
    #[serde(default)]
    pub page: Option<String>,
    /// Field key (`thing1`, `time2`) → pattern over the notification's variables.
    pub data: BTreeMap<String, String>,
}

/// How to reach and use a WeChat app.
#[derive(Debug, Clone)]
pub struct WechatConfig {
    /// `https://api.weixin.qq.com` unless overridden (a test server).
    pub endpoint: String,
    /// Mini program or official account.
    pub app_kind: AppKind,
    /// The AppID.
    pub app_id: String,
    /// The AppSecret.
    pub app_secret: Secret<String>,
    /// Mini program only: which version a tap opens (`formal`, `trial`, `developer`).
    pub miniprogram_state: String,
    /// Mini program only: the language of 进入小程序查看 (`zh_CN`, `en_US`, `zh_HK`, `zh_TW`).
    pub lang: String,
    /// Notification kind (`departed`) → its template. A kind without one is not sent here.
    pub templates: BTreeMap<String, Template>,
    /// How long one request may take.
    pub timeout: Duration,
}

/// The rules of a field's type, by its key's prefix: at most how many characters, and
/// which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `thing`: up to 20 characters of any kind.
    Thing,
    /// `number`: up to 32 digits, with a decimal point.
    Number,
    /// `letter`: up to 32 letters.
    Letter,
    /// `symbol`: up to 5 symbols.
    Symbol,
    /// `character_string`: up to 32 digits, letters and symbols.
    CharacterString,
    /// `time`: a 24-hour time, with a date before it when wanted (`2019年10月1日 15:01`).
    Time,
    /// `date`: a date, with a time after it when wanted.
    Date,
    /// `amount`: a currency sign and up to 10 digits, with decimals, `元` at the end allowed.
    Amount,
    /// `phone_number`: up to 17 digits and symbols.
    PhoneNumber,
    /// `car_number`: up to 8 characters.
    CarNumber,
    /// `name`: up to 10 Chinese characters, or 20 letters.
    Name,
    /// `phrase`: up to 5 Chinese characters.
    Phrase,
}

impl FieldType {
    /// The type of field `key` (`thing1` → `Thing`); None for a prefix WeChat does not have.
    pub fn of(key: &str) -> Option<FieldType> {
        let prefix = key.trim_end_matches(|c: char| c.is_ascii_digit());
        Some(match prefix {
            "thing" => FieldType::Thing,
            "number" => FieldType::Number,
            "letter" => FieldType::Letter,
            "symbol" => FieldType::Symbol,
            "character_string" => FieldType::CharacterString,
            "time" => FieldType::Time,
            "date" => FieldType::Date,
            "amount" => FieldType::Amount,
            "phone_number" => FieldType::PhoneNumber,
            "car_number" => FieldType::CarNumber,
            "name" => FieldType::Name,
            "phrase" => FieldType::Phrase,
            _ => return None,
        })
    }

    /// At most how many characters.
    pub fn max_chars(self) -> usize {
        match self {
            FieldType::Thing | FieldType::Name => 20,
            FieldType::Number | FieldType::Letter | FieldType::CharacterString => 32,
            FieldType::Symbol | FieldType::Phrase => 5,
            FieldType::PhoneNumber => 17,
            FieldType::CarNumber => 8,
            FieldType::Amount => 14,
            FieldType::Time | FieldType::Date => 32,
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Shapes `value` to the rules of field `key`: characters a type does not take are dropped
/// (a `character_string` keeps ASCII letters, digits and symbols; a `number` digits and
/// one point), and a value too long is cut (a `thing` to 17 characters and `...`, others
/// plainly). Answers None when nothing valid is left, or the key is not a WeChat type.
pub fn fit(key: &str, value: &str) -> Option<String> {
    let t = FieldType::of(key)?;
    let value = value.trim();
    let kept: String = match t {
        FieldType::Number => {
            let mut point = false;
            value
                .chars()
                .filter(|c| {
                    if *c == '.' && !point {
                        point = true;
                        true
                    } else {
                        c.is_ascii_digit()
                    }
                })
                .collect()
        }
        FieldType::Letter => value.chars().filter(char::is_ascii_alphabetic).collect(),
        FieldType::Symbol => value.chars().filter(char::is_ascii_punctuation).collect(),
        FieldType::CharacterString => value.chars().filter(|c| c.is_ascii_graphic()).collect(),
        FieldType::PhoneNumber => value
            .chars()
            .filter(|c| c.is_ascii_digit() || "+-()*".contains(*c))
            .collect(),
        FieldType::Phrase => value.chars().filter(|c| is_cjk(*c)).collect(),
        _ => value.chars().filter(|c| !c.is_control()).collect(),
    };
    if kept.is_empty() {
        return None;
    }
    let max = match t {
        // Ten Chinese characters, or twenty letters; mixed counts as Chinese.
        FieldType::Name if kept.chars().any(is_cjk) => 10,
        _ => t.max_chars(),
    };
    let n = kept.chars().count();
    if n <= max {
        return Some(kept);
    }
    Some(match t {
        FieldType::Thing => {
            let mut s: String = kept.chars().take(max - 3).collect();
            s.push_str("...");
            s
        }
        _ => kept.chars().take(max).collect(),
    })
}

/// `pattern` with `{name}` replaced by the variable's value; a variable not given leaves
/// nothing.
pub fn fill(pattern: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        if let Some(v) = vars.get(&after[..close]) {
            out.push_str(v);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The `stable_token` request body.
pub fn token_body(app_id: &str, app_secret: &str, force_refresh: bool) -> Value {
    json!({
        "grant_type": "client_credential",
        "appid": app_id,
        "secret": app_secret,
        "force_refresh": force_refresh,
    })
}

/// The path and query that exchange a one-time `code` for the person's openid.
pub fn code_path(kind: AppKind, app_id: &str, app_secret: &str, code: &str) -> String {
    let q = crate::aliyun::percent_encode;
    match kind {
        AppKind::MiniProgram => format!(
            "/sns/jscode2session?appid={}&secret={}&js_code={}&grant_type=authorization_code",
            q(app_id),
            q(app_secret),
            q(code)
        ),
        AppKind::OfficialAccount => format!(
            "/sns/oauth2/access_token?appid={}&secret={}&code={}&grant_type=authorization_code",
            q(app_id),
            q(app_secret),
            q(code)
        ),
    }
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

/// Why a code could not be exchanged for an openid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The code is invalid, used or expired: ask the person again.
    #[error("the code is invalid or used: {0}")]
    Invalid(String),
    /// WeChat could not be asked, or refused for another reason.
    #[error("WeChat did not answer the code: {0}")]
    Unavailable(String),
}

/// The openid in a code exchange's answer.
pub fn openid_of(status: u16, body: &[u8]) -> Result<String, CodeError> {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let code = v["errcode"].as_i64().unwrap_or(0);
    let detail = || {
        format!(
            "{status} (errcode {code}): {}",
            v["errmsg"].as_str().unwrap_or_default()
        )
    };
    if !(200..300).contains(&status) {
        return Err(CodeError::Unavailable(detail()));
    }
    match (code, v["openid"].as_str()) {
        (0, Some(o)) if valid_openid(o) => Ok(o.to_string()),
        (INVALID_CODE | 40163 | 40226, _) => Err(CodeError::Invalid(detail())),
        _ => Err(CodeError::Unavailable(detail())),
    }
}

/// An openid as WeChat makes them: 1–64 letters, digits, `-` and `_`.
pub fn valid_openid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_are_fitted_to_their_field_types() {
        assert_eq!(
            fit("thing1", "日常保洁 2 小时").as_deref(),
            Some("日常保洁 2 小时")
        );
        let long = "深度保洁（厨房 + 卫生间 + 阳台，含玻璃与油烟机）";
        let t = fit("thing2", long).unwrap();
        assert_eq!(t.chars().count(), 20);
        assert!(t.ends_with("..."));
        assert_eq!(
            fit("character_string3", "DJ 2026-1206-0001 号").as_deref(),
            Some("DJ2026-1206-0001")
        );
        assert_eq!(fit("number4", "约 12.5 分钟").as_deref(), Some("12.5"));
        assert_eq!(fit("amount5", "¥128.50").as_deref(), Some("¥128.50"));
        assert_eq!(fit("phrase6", "已出发 ok").as_deref(), Some("已出发"));
        assert_eq!(fit("phrase6", "on the way"), None);
        assert_eq!(
            fit("name7", "欧阳娜娜娜娜娜娜娜娜娜")
                .unwrap()
                .chars()
                .count(),
            10
        );
        assert_eq!(
            fit("name7", "Alexandra Montgomery-Smythe").unwrap().len(),
            20
        );
        assert_eq!(fit("thing1", "   "), None);
        assert_eq!(fit("colour1", "red"), None);
        assert_eq!(
            FieldType::of("character_string12"),
            Some(FieldType::CharacterString)
        );
    }

    #[test]
    fn patterns_fill_from_the_variables() {
        let v = vars(&[("worker", "李"), ("eta_min", "15")]);
        assert_eq!(
            fill("{worker}师傅，约{eta_min}分钟", &v),
            "李师傅，约15分钟"
        );
        assert_eq!(fill("{missing}x{", &v), "x{");
    }

    fn cfg(kind: AppKind) -> WechatConfig {
        let mut templates = BTreeMap::new();
        templates.insert(
            "departed".to_string(),
            Template {
                template_id: "tpl-departed".into(),
                page: Some("pages/order/detail?id={order_id}".into()),
                data: [
                    ("thing1".to_string(), "{worker}师傅已出发".to_string()),
                    ("character_string2".to_string(), "{order_no}".to_string()),
                ]
                .into_iter()
                .collect(),
            },
        );
        WechatConfig {
            endpoint: DEFAULT_ENDPOINT.into(),
            app_kind: kind,
            app_id: "wx0000000000000000".into(),
            app_secret: Secret::new("fake-secret".into()),
            miniprogram_state: "formal".into(),
            lang: "zh_CN".into(),
            templates,
            timeout: Duration::from_secs(5),
        }
    }

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
        assert_eq!(
            openid_of(200, br#"{"openid":"oAbC-12_x","session_key":"k"}"#),
            Ok("oAbC-12_x".into())
        );
        assert!(matches!(
            openid_of(200, br#"{"errcode":40029,"errmsg":"invalid code"}"#),
            Err(CodeError::Invalid(_))
        ));
        assert!(matches!(
            openid_of(200, br#"{"openid":"<script>"}"#),
            Err(CodeError::Unavailable(_))
        ));
    }

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
