//! What the two vendor clients share: their configuration, the HTTP call with its timeout
//! and error mapping, query building, MD5 signatures and JSON decoding that names the field
//! it stumbled on.

use crate::GeocodeError;
use daojia_domain::secret::Secret;
use md5::{Digest, Md5};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// How to reach a vendor's web service.
#[derive(Debug, Clone)]
pub struct VendorConfig {
    /// Scheme and host, e.g. `https://restapi.amap.com` (tests point it at a simulator).
    pub base_url: String,
    /// The web-service key from the vendor's console.
    pub key: String,
    /// The signing secret (AMap 私钥, Tencent SK) when the key has signatures switched on.
    pub secret: Option<Secret<String>>,
    /// How long one request may take in all.
    pub timeout: Duration,
}

impl VendorConfig {
    /// A configuration with the default timeout (5 s).
    pub fn new(base_url: impl Into<String>, key: impl Into<String>) -> VendorConfig {
        VendorConfig {
            base_url: base_url.into(),
            key: key.into(),
            secret: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// With a signing secret.
    pub fn with_secret(mut self, secret: impl Into<String>) -> VendorConfig {
        self.secret = Some(Secret::new(secret.into()));
        self
    }

    /// With a timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> VendorConfig {
        self.timeout = timeout;
        self
    }
}

/// An HTTP client bound to one vendor.
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    provider: &'static str,
    timeout: Duration,
}

impl Http {
    /// Checks the configuration and builds the client.
    pub(crate) fn new(provider: &'static str, cfg: &VendorConfig) -> Result<Http, GeocodeError> {
        let base = cfg.base_url.trim().trim_end_matches('/').to_string();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(GeocodeError::Config(format!(
                "{provider}: base URL `{base}` must start with http:// or https://"
            )));
        }
        if cfg.key.trim().is_empty() {
            return Err(GeocodeError::Config(format!(
                "{provider}: the web-service key is empty"
            )));
        }
        if cfg.secret.as_ref().is_some_and(|s| s.expose().is_empty()) {
            return Err(GeocodeError::Config(format!(
                "{provider}: the signing secret is empty; leave it out when the key is not signed"
            )));
        }
        if cfg.timeout.is_zero() {
            return Err(GeocodeError::Config(format!(
                "{provider}: the timeout must be above zero"
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout)
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| GeocodeError::Config(format!("{provider}: HTTP client: {e}")))?;
        Ok(Http {
            client,
            base,
            provider,
            timeout: cfg.timeout,
        })
    }

    /// GETs `path?query` and decodes the JSON body as `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &str,
    ) -> Result<T, GeocodeError> {
        let provider = self.provider;
        let url = format!("{}{path}?{query}", self.base);
        // The URL carries the key and signature: errors below are stripped of it.
        let res = self
            .client
            .get(&url)
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = res.status();
        if !status.is_success() {
            return Err(GeocodeError::Unreachable {
                provider,
                detail: format!("HTTP {status} from {path}"),
            });
        }
        let body = res.bytes().await.map_err(|e| self.transport(e))?;
        decode(provider, &body)
    }

    fn transport(&self, e: reqwest::Error) -> GeocodeError {
        if e.is_timeout() {
            return GeocodeError::Timeout {
                provider: self.provider,
                after_ms: self.timeout.as_millis() as u64,
            };
        }
        let e = e.without_url();
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        GeocodeError::Unreachable {
            provider: self.provider,
            detail,
        }
    }
}

/// Decodes a vendor's JSON, naming the field that did not fit.
pub(crate) fn decode<T: DeserializeOwned>(
    provider: &'static str,
    body: &[u8],
) -> Result<T, GeocodeError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let start: String = String::from_utf8_lossy(&body[..body.len().min(60)])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        let detail = if inner.is_syntax() || inner.is_eof() || path == "." {
            format!("not JSON ({inner}); the body starts with `{start}`")
        } else {
            format!("field `{path}`: {inner}")
        };
        GeocodeError::BadResponse { provider, detail }
    })
}

/// Parameters sorted by name and joined as `k=v&k2=v2`, values as they are (not
/// URL-encoded): the text both vendors sign.
pub(crate) fn canonical(params: &[(&str, String)]) -> String {
    let mut sorted: Vec<&(&str, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The URL query for `params` (URL-encoded), with `sig` appended when given.
pub(crate) fn query(params: &[(&str, String)], sig: Option<&str>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    if let Some(s) = sig {
        q.append_pair("sig", s);
    }
    q.finish()
}

/// Lower-case hex MD5 of UTF-8 text.
pub(crate) fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()).as_slice())
}

/// A text field that the vendor may send as a string, an empty array (AMap writes `[]` for
/// "nothing"), a number or null. Empty becomes `None`.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Loose(pub Option<String>);

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        Ok(Loose(match Value::deserialize(d)? {
            Value::String(s) => crate::text(&s),
            Value::Number(n) => Some(n.to_string()),
            Value::Array(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str().and_then(crate::text))
                    .collect();
                (!parts.is_empty()).then(|| parts.join(","))
            }
            Value::Null | Value::Bool(_) | Value::Object(_) => None,
        }))
    }
}

impl Loose {
    /// The text, if any.
    pub(crate) fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_sorts_by_name_and_leaves_values_raw() {
        let p = [
            ("key", "k1".to_string()),
            ("address", "上海市 徐汇区&1".to_string()),
            ("city", "上海".to_string()),
        ];
        assert_eq!(canonical(&p), "address=上海市 徐汇区&1&city=上海&key=k1");
        assert_eq!(
            query(&p, Some("abc")),
            "key=k1&address=%E4%B8%8A%E6%B5%B7%E5%B8%82+%E5%BE%90%E6%B1%87%E5%8C%BA%261&city=%E4%B8%8A%E6%B5%B7&sig=abc"
        );
    }

    #[test]
    fn md5_is_lower_case_hex() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn loose_text_accepts_what_amap_sends_for_nothing() {
        #[derive(Deserialize)]
        struct T {
            a: Loose,
            b: Loose,
            c: Loose,
            d: Loose,
        }
        let t: T = serde_json::from_str(r#"{"a":[],"b":"","c":"徐汇区","d":12}"#).unwrap();
        assert_eq!(
            (t.a.get(), t.b.get(), t.c.get(), t.d.get()),
            (None, None, Some("徐汇区"), Some("12"))
        );
    }

    #[test]
    fn bad_json_is_named() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct T {
            status: String,
            count: u32,
        }
        let e = decode::<T>("amap", b"<html>502 Bad Gateway</html>").unwrap_err();
        assert!(e.to_string().contains("not JSON"), "{e}");
        assert!(e.to_string().contains("<html>502"), "{e}");
        let e = decode::<T>("amap", br#"{"status":"1","count":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("field `count`"), "{e}");
    }

    #[test]
    fn a_config_without_a_key_is_refused() {
        let e = Http::new("amap", &VendorConfig::new("https://restapi.amap.com", " "))
            .err()
            .unwrap();
        assert!(e.to_string().contains("key is empty"), "{e}");
        let e = Http::new("amap", &VendorConfig::new("restapi.amap.com", "k"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("http://"), "{e}");
    }
}
