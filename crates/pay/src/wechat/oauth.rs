//! WeChat web authorisation (网页授权) with `snsapi_base`: how a page opened in WeChat's
//! browser learns the payer's `openid` under the official account, which a JSAPI payment
//! needs. The browser is sent to [`authorize_url`]; WeChat sends it back to
//! `redirect_uri?code=…&state=…` without asking the user anything (`snsapi_base` is
//! silent); the server exchanges the code (single use, valid five minutes) at
//! [`access_token_request`] with the app secret, and [`parse_access_token`] reads the
//! `openid` out of the answer. The clock and the state are inputs; nothing here sends.

use crate::error::{Error, Result};
use crate::http::percent_encode;
use serde::Deserialize;

/// Where WeChat's authorisation page is.
pub const AUTHORIZE_BASE: &str = "https://open.weixin.qq.com";
/// Where the code is exchanged.
pub const API_BASE: &str = "https://api.weixin.qq.com";
/// The silent scope: the `openid` only, no profile.
pub const SCOPE_BASE: &str = "snsapi_base";

/// The URL to send the browser to. `redirect_uri` is where WeChat returns it (its host must
/// be the official account's authorised domain); `state` comes back unchanged (at most 128
/// letters and digits) and ties the return to this request. WeChat needs the parameters in
/// this order and the `#wechat_redirect` fragment.
pub fn authorize_url(base: &str, appid: &str, redirect_uri: &str, state: &str) -> Result<String> {
    if appid.is_empty() {
        return Err(Error::Missing("appid"));
    }
    if !(redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://")) {
        return Err(Error::invalid(
            "redirect_uri",
            "must be an absolute http(s) URL",
        ));
    }
    if state.is_empty() || state.len() > 128 || !state.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid("state", "1 to 128 letters and digits"));
    }
    Ok(format!(
        "{}/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope={SCOPE_BASE}&state={state}#wechat_redirect",
        base.trim_end_matches('/'),
        percent_encode(appid),
        percent_encode(redirect_uri),
    ))
}

/// The exchange of `code` for the access token and the `openid`: a GET of this path and
/// query under [`API_BASE`] (not signed: the app secret is in the query, so the URL must
/// never be logged). An official account's subscribe messages make the same call to learn a
/// follower's openid (`daojia_notify`'s `push::wechat::code_path`, which also builds a mini
/// program's `jscode2session`, another call): each crate builds it.
pub fn access_token_request(appid: &str, secret: &str, code: &str) -> Result<String> {
    for (field, v) in [("appid", appid), ("secret", secret), ("code", code)] {
        if v.is_empty() {
            return Err(Error::invalid(field, "required"));
        }
    }
    Ok(format!(
        "/sns/oauth2/access_token?appid={}&secret={}&code={}&grant_type=authorization_code",
        percent_encode(appid),
        percent_encode(secret),
        percent_encode(code),
    ))
}

/// What the exchange gives back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OauthToken {
    /// The user's id under the official account: what JSAPI's `payer.openid` is.
    pub openid: String,
    /// The web authorisation's access token (not the account's), unused by payment.
    pub access_token: String,
    /// Its lifetime, seconds.
    pub expires_in: i64,
    /// The scope granted (`snsapi_base`).
    pub scope: String,
    /// The user's id across the open platform's apps, when the account is bound to one.
    #[serde(default)]
    pub unionid: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Reads the exchange's answer: the token, or WeChat's error (`{"errcode":40029,
/// "errmsg":"invalid code"}`: a code used twice, expired or made up; `40125`: a wrong app
/// secret) as [`Error::Channel`] with the code.
pub fn parse_access_token(body: &str) -> Result<OauthToken> {
    if let Ok(e) = serde_json::from_str::<ErrorBody>(body)
        && e.errcode != 0
    {
        return Err(Error::Channel {
            code: e.errcode.to_string(),
            message: e.errmsg,
        });
    }
    let token: OauthToken = serde_json::from_str(body)
        .map_err(|e| Error::invalid("access_token reply", e.to_string()))?;
    if token.openid.is_empty() {
        return Err(Error::Missing("openid"));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authorize_url_is_wechats_with_the_redirect_encoded_and_the_fragment() {
        assert_eq!(
            authorize_url(
                AUTHORIZE_BASE,
                "wx0000000000000001",
                "https://daojia.example.com/orders/1?pay=1",
                "S1a2b3"
            )
            .unwrap(),
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx0000000000000001\
             &redirect_uri=https%3A%2F%2Fdaojia.example.com%2Forders%2F1%3Fpay%3D1\
             &response_type=code&scope=snsapi_base&state=S1a2b3#wechat_redirect"
        );
        assert!(
            authorize_url(
                "http://127.0.0.1:8080/paysim/wechat/open/",
                "wx1",
                "http://h5.test/",
                "s"
            )
            .unwrap()
            .starts_with(
                "http://127.0.0.1:8080/paysim/wechat/open/connect/oauth2/authorize?appid=wx1&"
            )
        );
    }

    #[test]
    fn a_bad_state_or_redirect_is_refused_before_anything_is_sent() {
        let long = "s".repeat(129);
        for (uri, state) in [
            ("h5.test/x", "s"),
            ("https://h5.test/", ""),
            ("https://h5.test/", "a&b"),
            ("https://h5.test/", long.as_str()),
        ] {
            assert!(
                authorize_url(AUTHORIZE_BASE, "wx1", uri, state).is_err(),
                "{uri} {state}"
            );
        }
        assert!(matches!(
            authorize_url(AUTHORIZE_BASE, "", "https://h5.test/", "s"),
            Err(Error::Missing("appid"))
        ));
    }

    #[test]
    fn the_exchange_carries_the_secret_and_the_code() {
        assert_eq!(
            access_token_request(
                "wx0000000000000001",
                "exampleAppSecret0000000000000001",
                "061Abc+/="
            )
            .unwrap(),
            "/sns/oauth2/access_token?appid=wx0000000000000001\
             &secret=exampleAppSecret0000000000000001&code=061Abc%2B%2F%3D&grant_type=authorization_code"
        );
        assert!(access_token_request("wx1", "", "c").is_err());
    }

    #[test]
    fn the_openid_is_read_and_wechats_errors_keep_their_code() {
        let t = parse_access_token(
            r#"{"access_token":"ACCESS","expires_in":7200,"refresh_token":"R","openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","scope":"snsapi_base"}"#,
        )
        .unwrap();
        assert_eq!(t.openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
        assert_eq!(t.scope, "snsapi_base");
        assert_eq!(t.unionid, None);
        match parse_access_token(r#"{"errcode":40029,"errmsg":"invalid code"}"#) {
            Err(Error::Channel { code, message }) => {
                assert_eq!(code, "40029");
                assert_eq!(message, "invalid code");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            parse_access_token(
                r#"{"access_token":"A","expires_in":7200,"openid":"","scope":"snsapi_base"}"#
            )
            .is_err()
        );
        assert!(parse_access_token("<html>").is_err());
    }
}
