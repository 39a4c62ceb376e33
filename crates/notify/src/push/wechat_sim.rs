//! A local stand-in for the part of WeChat's server API that subscribe messages use, so the
//! whole path runs offline over real HTTP (`daojia pushsim` serves it under `/wechat`).
//!
//! It does what WeChat does, with its answers and error codes:
//! - `POST /cgi-bin/stable_token`: checks the AppID (40013) and AppSecret (40125) and
//!   issues an access token valid for `expires_in` seconds (a new one with
//!   `force_refresh`; earlier ones stay valid, as WeChat keeps them for a while).
//! - `GET /sns/jscode2session` (mini program) and `GET /sns/oauth2/access_token` (official
//!   account): exchange a one-time code for its openid (40029 when unknown or used).
//! - `POST /cgi-bin/message/subscribe/send` and `…/bizsend`: check the token (40001 unknown,
//!   42001 expired), the openid (40003), the template (40037 unknown), each field's value
//!   against its type's rules (47003, naming the field), and use one of the person's
//!   acceptances of the template (43101 when none is left); the message is kept.
//!
//! What a person does inside WeChat is played through `/sim/…`: `POST /sim/code`
//! `{"openid"}` gives the code `wx.login` (or web authorisation) would give the app;
//! `POST /sim/grant` `{"openid", "template_id", "count"}` records that they accepted a
//! template `count` times; `POST /sim/expire-tokens` expires every token issued;
//! `GET /sim/messages` lists what was sent.
//!
//! The field rules are checked here on their own terms (WeChat's published limits), not
//! with the sender's [`super::wechat::fit`], so a sender that breaks them is caught.

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// A message WeChat accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    /// Its msgid.
    pub msgid: i64,
    /// `send` (mini program) or `bizsend` (official account).
    pub api: String,
    /// The openid.
    pub touser: String,
    /// The template.
    pub template_id: String,
    /// Where a tap leads.
    pub page: Option<String>,
    /// `miniprogram_state`, for `send`.
    pub miniprogram_state: Option<String>,
    /// Field key → value.
    pub data: BTreeMap<String, String>,
}

#[derive(Default)]
struct Inner {
    tokens: HashMap<String, i64>,
    codes: HashMap<String, String>,
    openids: std::collections::HashSet<String>,
    grants: HashMap<(String, String), u32>,
    templates: std::collections::HashSet<String>,
    sent: Vec<SentMessage>,
    next_msgid: i64,
}

/// The simulated WeChat API of one app.
pub struct WechatSim {
    app_id: String,
    app_secret: String,
    token_lifetime: i64,
    inner: Mutex<Inner>,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

fn err(code: i64, msg: &str) -> Value {
    json!({"errcode": code, "errmsg": msg})
}

/// Whether `value` keeps the rules of field `key`, as WeChat publishes them; the error says
/// why not.
pub fn check_field(key: &str, value: &str) -> Result<(), String> {
    let prefix = key.trim_end_matches(|c: char| c.is_ascii_digit());
    let n = value.chars().count();
    let all = |f: fn(char) -> bool| value.chars().all(f);
    let han =
        |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c);
    let ok = match prefix {
        "thing" => (1..=20).contains(&n),
        "number" => {
            (1..=32).contains(&n)
                && all(|c| c.is_ascii_digit() || c == '.')
                && value.matches('.').count() <= 1
        }
        "letter" => (1..=32).contains(&n) && all(|c| c.is_ascii_alphabetic()),
        "symbol" => (1..=5).contains(&n) && all(|c| c.is_ascii_punctuation()),
        "character_string" => (1..=32).contains(&n) && all(|c| c.is_ascii_graphic()),
        "time" | "date" => (1..=32).contains(&n) && value.chars().any(|c| c.is_ascii_digit()),
        "amount" => {
            let body = value.trim_end_matches('元');
            let digits = body.trim_start_matches(|c: char| !c.is_ascii_digit());
            !digits.is_empty()
                && digits.chars().filter(char::is_ascii_digit).count() <= 10
                && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        }
        "phone_number" => {
            (1..=17).contains(&n) && all(|c| c.is_ascii_digit() || "+-()* ".contains(c))
        }
        "car_number" => (1..=8).contains(&n),
        "name" => {
            if value.chars().any(han) {
                (1..=10).contains(&n)
            } else {
                (1..=20).contains(&n)
            }
        }
        "phrase" => (1..=5).contains(&n) && all(han),
        _ => return Err(format!("data.{key} is not a template field")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "argument invalid! data.{key}.value: {value:?} breaks the {prefix} rules"
        ))
    }
}

impl WechatSim {
    /// A simulated app with its AppID and AppSecret; tokens live `token_lifetime` seconds.
    pub fn new(app_id: &str, app_secret: &str, token_lifetime: i64) -> WechatSim {
        WechatSim {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            token_lifetime,
            inner: Mutex::new(Inner {
                next_msgid: 2_880_470_208_893_976_578,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The code the app would get for `openid` (one use).
    pub fn code_for(&self, openid: &str) -> String {
        let code = random_hex(16);
        let mut i = self.lock();
        i.openids.insert(openid.to_string());
        i.codes.insert(code.clone(), openid.to_string());
        code
    }

    /// `openid` accepted `template_id` `count` more times.
    pub fn grant(&self, openid: &str, template_id: &str, count: u32) {
        let mut i = self.lock();
        i.openids.insert(openid.to_string());
        i.templates.insert(template_id.to_string());
        *i.grants
            .entry((openid.to_string(), template_id.to_string()))
            .or_default() += count;
    }

    /// Acceptances left.
    pub fn grants_left(&self, openid: &str, template_id: &str) -> u32 {
        self.lock()
            .grants
            .get(&(openid.to_string(), template_id.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// Expires every token issued so far.
    pub fn expire_tokens(&self) {
        for exp in self.lock().tokens.values_mut() {
            *exp = 0;
        }
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.lock().tokens.len()
    }

    /// What was sent.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.lock().sent.clone()
    }

    fn credentials(&self, appid: Option<&str>, secret: Option<&str>) -> Result<(), Value> {
        if appid != Some(self.app_id.as_str()) {
            return Err(err(40013, "invalid appid"));
        }
        if secret != Some(self.app_secret.as_str()) {
            return Err(err(40125, "invalid appsecret"));
        }
        Ok(())
    }

    /// `stable_token`.
    pub fn stable_token(&self, body: &Value, now: i64) -> Value {
        if body["grant_type"] != "client_credential" {
            return err(40002, "invalid grant_type");
        }
        if let Err(e) = self.credentials(body["appid"].as_str(), body["secret"].as_str()) {
            return e;
        }
        let mut i = self.lock();
        let fresh = body["force_refresh"].as_bool().unwrap_or(false);
        if !fresh && let Some((t, exp)) = i.tokens.iter().find(|(_, e)| **e > now + 300) {
            return json!({"access_token": t, "expires_in": exp - now});
        }
        let token = random_hex(32);
        i.tokens.insert(token.clone(), now + self.token_lifetime);
        json!({"access_token": token, "expires_in": self.token_lifetime})
    }

    /// `jscode2session` / `oauth2/access_token`.
    pub fn exchange(&self, q: &HashMap<String, String>, code_param: &str, official: bool) -> Value {
        if q.get("grant_type").map(String::as_str) != Some("authorization_code") {
            return err(40002, "invalid grant_type");
        }
        if let Err(e) = self.credentials(
            q.get("appid").map(String::as_str),
            q.get("secret").map(String::as_str),
        ) {
            return e;
        }
        let Some(openid) = q.get(code_param).and_then(|c| self.lock().codes.remove(c)) else {
            return err(40029, "invalid code");
        };
        if official {
            json!({"access_token": random_hex(16), "expires_in": 7200, "refresh_token": random_hex(16),
                   "openid": openid, "scope": "snsapi_base"})
        } else {
            json!({"openid": openid, "session_key": random_hex(12)})
        }
    }

    /// `subscribe/send` (`api` = `send`) or `subscribe/bizsend`.
    pub fn send(&self, api: &str, token: Option<&str>, body: &Value, now: i64) -> Value {
        let mut i = self.lock();
        match token.and_then(|t| i.tokens.get(t)) {
            None => {
                return err(
                    40001,
                    "invalid credential, access_token is invalid or not latest",
                );
            }
            Some(exp) if *exp <= now => return err(42001, "access_token expired"),
            Some(_) => {}
        }
        let Some(touser) = body["touser"].as_str().filter(|o| i.openids.contains(*o)) else {
            return err(40003, "invalid openid");
        };
        let Some(tpl) = body["template_id"]
            .as_str()
            .filter(|t| i.templates.contains(*t))
        else {
            return err(40037, "invalid template_id");
        };
        if api == "send"
            && let Some(s) = body["miniprogram_state"].as_str()
            && !["developer", "trial", "formal"].contains(&s)
        {
            return err(47001, "miniprogram_state is developer, trial or formal");
        }
        let Some(fields) = body["data"].as_object().filter(|d| !d.is_empty()) else {
            return err(47003, "argument invalid! data is empty");
        };
        let mut data = BTreeMap::new();
        for (k, v) in fields {
            let Some(value) = v["value"].as_str() else {
                return err(
                    47003,
                    &format!("argument invalid! data.{k}.value is missing"),
                );
            };
            if let Err(e) = check_field(k, value) {
                return err(47003, &e);
            }
            data.insert(k.clone(), value.to_string());
        }
        let key = (touser.to_string(), tpl.to_string());
        match i.grants.get_mut(&key) {
            Some(n) if *n > 0 => *n -= 1,
            _ => return err(43101, "user refuse to accept the msg"),
        }
        i.next_msgid += 1;
        let msgid = i.next_msgid;
        i.sent.push(SentMessage {
            msgid,
            api: api.into(),
            touser: key.0,
            template_id: key.1,
            page: body["page"].as_str().map(str::to_string),
            miniprogram_state: body["miniprogram_state"].as_str().map(str::to_string),
            data,
        });
        json!({"errcode": 0, "errmsg": "ok", "msgid": msgid})
    }
}

#[derive(Deserialize)]
struct CodeBody {
    openid: String,
}

#[derive(Deserialize)]
struct GrantBody {
    openid: String,
    template_id: String,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

type Shared = Arc<WechatSim>;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The simulated API's routes (mount where the channel's `endpoint` points).
pub fn router(sim: Shared) -> Router {
    Router::new()
        .route(
            "/cgi-bin/stable_token",
            post(
                |State(s): State<Shared>, axum::Json(b): axum::Json<Value>| async move {
                    axum::Json(s.stable_token(&b, now()))
                },
            ),
        )
        .route(
            "/sns/jscode2session",
            get(
                |State(s): State<Shared>, Query(q): Query<HashMap<String, String>>| async move {
                    axum::Json(s.exchange(&q, "js_code", false))
                },
            ),
        )
        .route(
            "/sns/oauth2/access_token",
            get(
                |State(s): State<Shared>, Query(q): Query<HashMap<String, String>>| async move {
                    axum::Json(s.exchange(&q, "code", true))
                },
            ),
        )
        .route(
            "/cgi-bin/message/subscribe/send",
            post(
                |State(s): State<Shared>,
                 Query(q): Query<HashMap<String, String>>,
                 body: axum::body::Bytes| async move {
                    let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    axum::Json(s.send("send", q.get("access_token").map(String::as_str), &b, now()))
                },
            ),
        )
        .route(
            "/cgi-bin/message/subscribe/bizsend",
            post(
                |State(s): State<Shared>,
                 Query(q): Query<HashMap<String, String>>,
                 body: axum::body::Bytes| async move {
                    let b: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    axum::Json(s.send(
                        "bizsend",
                        q.get("access_token").map(String::as_str),
                        &b,
                        now(),
                    ))
                },
            ),
        )
        .route(
            "/sim/code",
            post(
                |State(s): State<Shared>, axum::Json(b): axum::Json<CodeBody>| async move {
                    axum::Json(json!({"code": s.code_for(&b.openid)}))
                },
            ),
        )
        .route(
            "/sim/grant",
            post(
                |State(s): State<Shared>, axum::Json(b): axum::Json<GrantBody>| async move {
                    s.grant(&b.openid, &b.template_id, b.count);
                    axum::Json(json!({"left": s.grants_left(&b.openid, &b.template_id)}))
                },
            ),
        )
        .route(
            "/sim/expire-tokens",
            post(|State(s): State<Shared>| async move {
                s.expire_tokens();
                axum::http::StatusCode::NO_CONTENT
            }),
        )
        .route(
            "/sim/messages",
            get(|State(s): State<Shared>| async move { axum::Json(s.sent()) }),
        )
        .with_state(sim)
}

/// Binds `addr` and serves the simulated API there until the task is dropped; answers it
/// and the address it listens on.
pub async fn start(
    addr: &str,
    app_id: &str,
    app_secret: &str,
) -> std::io::Result<(Shared, std::net::SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let sim = Arc::new(WechatSim::new(app_id, app_secret, 7200));
    let app = router(sim.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "wechat sim stopped");
        }
    });
    Ok((sim, local))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_rules_follow_the_published_limits() {
        assert!(check_field("thing1", "日常保洁").is_ok());
        assert!(check_field("thing1", &"字".repeat(21)).is_err());
        assert!(check_field("character_string2", "DJ20261206-001").is_ok());
        assert!(check_field("character_string2", "DJ 001").is_err());
        assert!(check_field("amount3", "¥128.50").is_ok());
        assert!(check_field("amount3", "128元").is_ok());
        assert!(check_field("amount3", "很多钱").is_err());
        assert!(check_field("phrase4", "已出发").is_ok());
        assert!(check_field("phrase4", "on way").is_err());
        assert!(check_field("time5", "2026年12月6日 15:01").is_ok());
        assert!(check_field("colour6", "red").is_err());
    }

    #[test]
    fn one_acceptance_sends_one_message() {
        let s = WechatSim::new("wxapp", "secret", 7200);
        let t = s.stable_token(
            &json!({"grant_type": "client_credential", "appid": "wxapp", "secret": "secret"}),
            1000,
        );
        let token = t["access_token"].as_str().unwrap().to_string();
        let code = s.code_for("oUser1");
        let q: HashMap<String, String> = [
            ("appid", "wxapp"),
            ("secret", "secret"),
            ("js_code", code.as_str()),
            ("grant_type", "authorization_code"),
        ]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
        assert_eq!(s.exchange(&q, "js_code", false)["openid"], "oUser1");
        assert_eq!(s.exchange(&q, "js_code", false)["errcode"], 40029);
        s.grant("oUser1", "tplA", 1);
        let body =
            json!({"touser": "oUser1", "template_id": "tplA", "data": {"thing1": {"value": "好"}}});
        assert_eq!(s.send("send", Some(&token), &body, 1001)["errcode"], 0);
        assert_eq!(s.send("send", Some(&token), &body, 1001)["errcode"], 43101);
        assert_eq!(s.send("send", Some("nope"), &body, 1001)["errcode"], 40001);
        assert_eq!(s.send("send", Some(&token), &body, 9999)["errcode"], 42001);
        assert_eq!(s.sent().len(), 1);
    }
}
