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
//!
//! [`fields`] fits values to the template fields' types, [`message`] builds the token and
//! send requests and reads the answers, [`code`] the exchange of a one-time code for the
//! openid, and [`channel`] is the channel ([`Wechat`]) that sends.

pub mod channel;
pub mod code;
pub mod fields;
pub mod message;

pub use channel::Wechat;
pub use code::{CodeError, code_path, openid_of, valid_openid};
pub use fields::{FieldType, fill, fit};
pub use message::{data_of, send_body, send_outcome, send_path, token_body};

use daojia_domain::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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

/// What the tests of the parts build their requests from.
#[cfg(test)]
mod test_support {
    use super::*;

    pub(super) fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub(super) fn cfg(kind: AppKind) -> WechatConfig {
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
}
