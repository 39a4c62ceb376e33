//! Who: the exchange of a one-time code from the app for the person's openid (a mini
//! program's `jscode2session`, an official account's web authorisation).

use super::{AppKind, INVALID_CODE};
use serde_json::Value;

/// The path and query that exchange a one-time `code` for the person's openid. A mini
/// program's `jscode2session` is a call of its own; an official account's
/// `sns/oauth2/access_token` is the same web-authorisation exchange as `daojia_pay`'s
/// (`wechat::oauth::access_token_request`, sent by its `CodeExchange`): each crate builds
/// it. The answers are read differently: here only the openid (also out of
/// `jscode2session`'s answer), there the web token's fields and WeChat's `errcode` as the
/// payment error.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_answers_give_the_openid_or_why_not() {
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
}
