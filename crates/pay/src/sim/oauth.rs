//! The simulator's side of paying inside WeChat: the web authorisation (the `snsapi_base`
//! authorize page, which sends the browser back with a code, and the code's exchange for
//! an `openid` with the app secret) and the stand-in for `WeixinJSBridge`'s cashier
//! (`getBrandWCPayRequest`), which verifies the JSAPI pay-sign with the merchant's public
//! key before it shows the trade's payment page. Codes are single use and live five
//! minutes, as WeChat's do; every `openid` it hands out is remembered, and a JSAPI order
//! for any other is refused.

use super::{Simulator, Vendor, random_alnum, text};
use crate::alipay::notify::parse_form;
use crate::channel::HttpResponse;
use crate::wechat::sign::pay_sign_message;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// The authorize page (relative to the simulator), WeChat's `/connect/oauth2/authorize`.
pub const AUTHORIZE_PATH: &str = "/wechat/open/connect/oauth2/authorize";
/// The code's exchange, WeChat's `/sns/oauth2/access_token`.
pub const ACCESS_TOKEN_PATH: &str = "/wechat/sns/oauth2/access_token";
/// The JSAPI cashier: the bridge's parameters (and `return_url`) as a query.
pub const JSAPI_CASHIER_PATH: &str = "/wechat/jsapi/cashier";

/// A code handed out by the authorize page.
#[derive(Debug, Clone)]
pub(super) struct Code {
    openid: String,
    issued_at: DateTime<Utc>,
    used: bool,
}

fn json_reply(status: u16, body: serde_json::Value) -> HttpResponse {
    text(status, "application/json", &body.to_string())
}

fn errcode(code: i64, message: &str) -> HttpResponse {
    json_reply(200, json!({ "errcode": code, "errmsg": message }))
}

/// `GET {AUTHORIZE_PATH}?appid&redirect_uri&response_type=code&scope&state`: silent
/// (`snsapi_base`), so straight back to `redirect_uri` with `code` and `state`.
pub(super) fn authorize(sim: &Simulator, query: &str, now: DateTime<Utc>) -> HttpResponse {
    let q = parse_form(query.split('#').next().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("appid") != sim.config.wechat_appid {
        return text(
            400,
            "text/plain; charset=utf-8",
            "appid 参数错误 (the app id is not the simulated official account's)",
        );
    }
    if get("response_type") != "code" || !matches!(get("scope"), "snsapi_base" | "snsapi_userinfo")
    {
        return text(
            400,
            "text/plain; charset=utf-8",
            "scope 参数错误或没有 scope 权限",
        );
    }
    let back = get("redirect_uri");
    if !(back.starts_with("https://") || back.starts_with("http://")) {
        return text(400, "text/plain; charset=utf-8", "redirect_uri 参数错误");
    }
    let code = random_alnum(32);
    let openid = format!("oSIM{}", random_alnum(24));
    sim.lock().codes.insert(
        code.clone(),
        Code {
            openid: openid.clone(),
            issued_at: now,
            used: false,
        },
    );
    sim.lock().openids.insert(openid);
    let sep = if back.contains('?') { '&' } else { '?' };
    let location = format!(
        "{back}{sep}code={code}&state={}",
        crate::http::percent_encode(get("state"))
    );
    HttpResponse {
        status: 302,
        headers: vec![("Location".into(), location)],
        body: vec![],
    }
}

/// `GET {ACCESS_TOKEN_PATH}?appid&secret&code&grant_type=authorization_code`.
pub(super) fn access_token(sim: &Simulator, query: &str, now: DateTime<Utc>) -> HttpResponse {
    let q = parse_form(query).unwrap_or_default();
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("appid") != sim.config.wechat_appid {
        return errcode(40013, "invalid appid");
    }
    if get("secret") != sim.config.wechat_app_secret {
        return errcode(40125, "invalid appsecret");
    }
    if get("grant_type") != "authorization_code" {
        return errcode(40002, "invalid grant_type");
    }
    let mut st = sim.lock();
    let Some(c) = st.codes.get_mut(get("code")) else {
        return errcode(40029, "invalid code");
    };
    if c.used {
        return errcode(40163, "code been used");
    }
    if now - c.issued_at > Duration::minutes(5) {
        return errcode(40029, "invalid code");
    }
    c.used = true;
    json_reply(
        200,
        json!({
            "access_token": random_alnum(64), "expires_in": 7200,
            "refresh_token": random_alnum(64), "openid": c.openid, "scope": "snsapi_base"
        }),
    )
}

/// Whether the simulator handed out `openid` (a JSAPI order for another is refused).
pub(super) fn known_openid(sim: &Simulator, openid: &str) -> bool {
    sim.lock().openids.contains(openid)
}

/// `GET {JSAPI_CASHIER_PATH}?appId&timeStamp&nonceStr&package&signType&paySign&return_url`:
/// what `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` checks before showing the
/// cashier: the app, `signType` `RSA`, the pay-sign over `appId\ntimeStamp\nnonceStr\n
/// package\n` with the merchant's key, a time within five minutes, and a `prepay_id` it
/// issued. Then the trade's payment page, returning to `return_url`.
pub(super) fn cashier(sim: &Simulator, query: &str, now: DateTime<Utc>) -> HttpResponse {
    let refuse = |why: &str| text(400, "text/plain; charset=utf-8", why);
    let Ok(q) = parse_form(query) else {
        return refuse("bad query");
    };
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("appId") != sim.config.wechat_appid {
        return refuse("支付验证失败: appId 与商户号不匹配");
    }
    if get("signType") != "RSA" {
        return refuse("支付验证失败: signType 必须为 RSA");
    }
    let Ok(ts) = get("timeStamp").parse::<i64>() else {
        return refuse("支付验证失败: timeStamp");
    };
    if (now.timestamp() - ts).abs() > 300 {
        return refuse("支付验证失败: timeStamp 已过期");
    }
    let message = pay_sign_message(get("appId"), ts, get("nonceStr"), get("package"));
    if sim
        .config
        .wechat_merchant_key
        .verify_sha256(message.as_bytes(), get("paySign"))
        .is_err()
    {
        return refuse("支付验证签名失败 (paySign does not verify with the merchant's key)");
    }
    let prepay = get("package").strip_prefix("prepay_id=").unwrap_or("");
    let Some(no) = sim.lock().prepays.get(prepay).cloned() else {
        return refuse("prepay_id 不存在或已过期");
    };
    if sim.trade(&no).is_none_or(|t| t.vendor != Vendor::Wechat) {
        return refuse("prepay_id 不存在或已过期");
    }
    let back = get("return_url");
    if !back.is_empty() {
        sim.remember_return(&no, back);
    }
    super::page::show(sim, &no, None)
}
