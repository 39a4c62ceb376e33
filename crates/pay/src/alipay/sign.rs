//! RSA2 request signing. The signed string is every parameter except `sign` whose value is
//! not empty, sorted by key, as `k=v` joined by `&`, with raw (not URL-encoded) values;
//! the signature is SHA256withRSA with the application's private key, base64.

use crate::error::Result;
use crate::http::percent_encode;
use crate::keys::PrivateKey;
use chrono::{DateTime, FixedOffset, Utc};
use std::collections::BTreeMap;

/// Request or notification parameters, sorted by key as the signature needs them.
pub type Params = BTreeMap<String, String>;

/// The string a signature covers: non-empty parameters not in `exclude`, sorted.
pub fn sign_content(params: &Params, exclude: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !exclude.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// What identifies our application to Alipay.
#[derive(Debug, Clone)]
pub struct AppKey {
    /// The application id (`app_id`).
    pub app_id: String,
    /// The application private key (应用私钥).
    pub private_key: PrivateKey,
}

/// `timestamp` as Alipay wants it: `yyyy-MM-dd HH:mm:ss` in China time (UTC+8).
pub fn china_time(now: DateTime<Utc>) -> String {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    now.with_timezone(&china)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Optional common parameters of a call.
#[derive(Debug, Clone, Default)]
pub struct Urls<'a> {
    /// Where Alipay posts the asynchronous notification.
    pub notify_url: Option<&'a str>,
    /// Where the browser returns after a page payment.
    pub return_url: Option<&'a str>,
}

/// The full, signed parameter set of a call: the common parameters (`app_id`, `method`,
/// `format` JSON, `charset` utf-8, `sign_type` RSA2, `timestamp`, `version` 1.0, the URLs)
/// and `biz_content`, plus `sign`.
pub fn signed_params(
    key: &AppKey,
    method: &str,
    biz_content: &str,
    urls: &Urls<'_>,
    now: DateTime<Utc>,
) -> Result<Params> {
    let mut params = Params::new();
    let mut put = |k: &str, v: &str| {
        params.insert(k.to_owned(), v.to_owned());
    };
    put("app_id", &key.app_id);
    put("method", method);
    put("format", "JSON");
    put("charset", "utf-8");
    put("sign_type", "RSA2");
    put("timestamp", &china_time(now));
    put("version", "1.0");
    if let Some(url) = urls.notify_url {
        put("notify_url", url);
    }
    if let Some(url) = urls.return_url {
        put("return_url", url);
    }
    put("biz_content", biz_content);
    sign_params(&key.private_key, &mut params)?;
    Ok(params)
}

/// Signs `params` in place (sets `sign`, replacing any old one).
pub fn sign_params(private_key: &PrivateKey, params: &mut Params) -> Result<()> {
    let sign = private_key.sign_sha256(sign_content(params, &["sign"]).as_bytes())?;
    params.insert("sign".into(), sign);
    Ok(())
}

/// The parameters URL-encoded as a query or form body (`k=v&…`, sorted, empties left out).
pub fn encode(params: &Params) -> String {
    params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The URL a browser is sent to for a page payment (WAP pay): the gateway with every
/// signed parameter in the query.
pub fn page_url(gateway: &str, params: &Params) -> String {
    format!("{gateway}?{}", encode(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_time_is_eight_hours_ahead_of_utc() {
        let t = DateTime::parse_from_rfc3339("2026-12-31T16:30:05Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(china_time(t), "2027-01-01 00:30:05");
    }

    #[test]
    fn empty_values_and_excluded_keys_are_left_out_of_the_signed_string() {
        let mut p = Params::new();
        p.insert("b".into(), "2".into());
        p.insert("a".into(), "x y&z".into());
        p.insert("c".into(), String::new());
        p.insert("sign".into(), "old".into());
        p.insert("sign_type".into(), "RSA2".into());
        assert_eq!(sign_content(&p, &["sign"]), "a=x y&z&b=2&sign_type=RSA2");
        assert_eq!(sign_content(&p, &["sign", "sign_type"]), "a=x y&z&b=2");
    }
}
