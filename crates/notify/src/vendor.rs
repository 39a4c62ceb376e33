//! What the vendor SMS providers share: the template map from configuration, the HTTP call
//! with its timeout and error mapping, and the hashing both signatures are made of.

use crate::sms::{SmsError, SmsErrorKind, SmsMessage, TEMPLATES};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;

/// One of our templates as a vendor knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorTemplate {
    /// The vendor's template: Aliyun's template code (`SMS_123456789`), Tencent's template
    /// id (`1234567`).
    pub id: String,
    /// Our parameters the vendor's template takes, in its order (Tencent's
    /// `TemplateParamSet` is positional). For Aliyun each one is also the template
    /// variable's name; write `variable=ours` when the template names it differently.
    #[serde(default)]
    pub params: Vec<String>,
}

/// Our template name (`login_code`, `visit_reminder`) → the vendor's template.
pub type Templates = BTreeMap<String, VendorTemplate>;

/// Checks a vendor's template map against our catalogue ([`TEMPLATES`]): every name is one
/// of ours, every parameter one of that template's, no variable twice, and `login_code`
/// is there (without it nobody can log in).
pub fn check_templates(templates: &Templates) -> Result<(), String> {
    if !templates.contains_key("login_code") {
        return Err("no template for `login_code` (log-in codes could not be sent)".into());
    }
    for (name, t) in templates {
        let Some((_, known)) = TEMPLATES.iter().find(|(n, _)| n == name) else {
            let names: Vec<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "`{name}` is not one of our templates ({})",
                names.join(", ")
            ));
        };
        if t.id.trim().is_empty() {
            return Err(format!("`{name}`: the vendor's template id is empty"));
        }
        let mut seen = Vec::new();
        for p in &t.params {
            let (var, ours) = split_param(p);
            if !known.contains(&ours) {
                return Err(format!(
                    "`{name}`: unknown parameter `{ours}` (this template has {})",
                    known.join(", ")
                ));
            }
            if var.is_empty() || seen.contains(&var) {
                return Err(format!("`{name}`: variable `{var}` is empty or repeated"));
            }
            seen.push(var);
        }
    }
    Ok(())
}

/// `variable=ours` or `ours`.
fn split_param(p: &str) -> (&str, &str) {
    match p.split_once('=') {
        Some((var, ours)) => (var.trim(), ours.trim()),
        None => (p.trim(), p.trim()),
    }
}

/// A vendor template filled in: its id and the parameters (variable name, value) in its
/// order.
pub type Filled<'a> = (&'a str, Vec<(&'a str, &'a str)>);

/// The vendor's template for `msg`, filled with its parameters.
pub fn resolve<'a>(
    provider: &'static str,
    templates: &'a Templates,
    msg: &'a SmsMessage,
) -> Result<Filled<'a>, SmsError> {
    let t = templates.get(&msg.template).ok_or_else(|| {
        SmsError::new(
            provider,
            SmsErrorKind::Config,
            format!("no template configured for `{}`", msg.template),
        )
    })?;
    let mut out = Vec::with_capacity(t.params.len());
    for p in &t.params {
        let (var, ours) = split_param(p);
        let value = msg
            .params
            .iter()
            .find(|p| p.name == ours)
            .map(|p| p.value.as_str())
            .ok_or_else(|| {
                SmsError::new(
                    provider,
                    SmsErrorKind::Config,
                    format!("`{}` has no parameter `{ours}`", msg.template),
                )
            })?;
        out.push((var, value));
    }
    Ok((t.id.as_str(), out))
}

/// A request ready to go: what is sent, and the intermediate texts of its signature (for
/// the signature-vector tests).
#[derive(Debug, Clone)]
pub struct SignedRequest {
    /// Path and query, e.g. `/?PhoneNumbers=...`.
    pub path_and_query: String,
    /// Headers in the order they are sent, `Authorization` last.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The canonical request that was hashed.
    pub canonical_request: String,
    /// The text that was signed.
    pub string_to_sign: String,
    /// The signature, lower-case hex.
    pub signature: String,
    /// The `Authorization` header.
    pub authorization: String,
}

impl SignedRequest {
    /// A header's value by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// HMAC-SHA256.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The host (and port, when not the scheme's default) of an `http(s)://host[:port]` URL,
/// as the `Host` header carries it.
pub fn host_of(provider: &'static str, endpoint: &str) -> Result<String, SmsError> {
    let rest = endpoint
        .strip_prefix("https://")
        .or_else(|| endpoint.strip_prefix("http://"))
        .ok_or_else(|| {
            SmsError::new(
                provider,
                SmsErrorKind::Config,
                format!("endpoint `{endpoint}` must start with https:// or http://"),
            )
        })?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(SmsError::new(
            provider,
            SmsErrorKind::Config,
            format!("endpoint `{endpoint}` has no host"),
        ));
    }
    Ok(host.to_ascii_lowercase())
}

/// An HTTP client bound to one vendor.
pub(crate) struct VendorHttp {
    client: reqwest::Client,
    base: String,
    provider: &'static str,
    timeout: Duration,
}

impl VendorHttp {
    pub(crate) fn new(
        provider: &'static str,
        endpoint: &str,
        timeout: Duration,
    ) -> Result<VendorHttp, SmsError> {
        host_of(provider, endpoint)?;
        if timeout.is_zero() {
            return Err(SmsError::new(
                provider,
                SmsErrorKind::Config,
                "the timeout must be positive",
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                SmsError::new(provider, SmsErrorKind::Config, format!("HTTP client: {e}"))
            })?;
        Ok(VendorHttp {
            client,
            base: endpoint.trim_end_matches('/').to_string(),
            provider,
            timeout,
        })
    }

    /// POSTs the request; answers the HTTP status and body. Transport failures become
    /// `Unreachable` / `Timeout`; the status is for the vendor's parser to judge (both
    /// vendors put a readable error in some non-2xx answers).
    pub(crate) async fn post(&self, req: &SignedRequest) -> Result<(u16, Vec<u8>), SmsError> {
        let mut r = self
            .client
            .post(format!("{}{}", self.base, req.path_and_query));
        for (k, v) in &req.headers {
            r = r.header(k.as_str(), v.as_str());
        }
        let res = r
            .body(req.body.clone())
            .send()
            .await
            .map_err(|e| self.transport(e))?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(|e| self.transport(e))?;
        Ok((status, body.to_vec()))
    }

    fn transport(&self, e: reqwest::Error) -> SmsError {
        if e.is_timeout() {
            return SmsError::new(
                self.provider,
                SmsErrorKind::Timeout,
                format!("no answer within {} ms", self.timeout.as_millis()),
            );
        }
        // The URL carries the phone number (Aliyun's query): never in the message.
        let e = e.without_url();
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        SmsError::new(self.provider, SmsErrorKind::Unreachable, detail)
    }
}

/// The error for a non-2xx answer the vendor's parser could not explain.
pub(crate) fn http_status_error(provider: &'static str, status: u16, body: &[u8]) -> SmsError {
    let start: String = String::from_utf8_lossy(&body[..body.len().min(80)])
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let kind = if status >= 500 || status == 429 {
        SmsErrorKind::Unreachable
    } else {
        SmsErrorKind::BadResponse
    };
    SmsError::new(provider, kind, format!("HTTP {status}: `{start}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use daojia_domain::phone::Phone;

    fn templates(toml_like: &[(&str, &str, &[&str])]) -> Templates {
        toml_like
            .iter()
            .map(|(name, id, params)| {
                (
                    name.to_string(),
                    VendorTemplate {
                        id: id.to_string(),
                        params: params.iter().map(|p| p.to_string()).collect(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_template_map_must_name_our_templates_and_their_parameters() {
        let ok = templates(&[
            ("login_code", "SMS_1", &["code"]),
            ("visit_reminder", "SMS_2", &["what=service", "start", "end"]),
        ]);
        assert_eq!(check_templates(&ok), Ok(()));
        let e = check_templates(&templates(&[("visit_reminder", "SMS_2", &[])])).unwrap_err();
        assert!(e.contains("login_code"), "{e}");
        let e = check_templates(&templates(&[("login_code", "SMS_1", &["pin"])])).unwrap_err();
        assert!(e.contains("unknown parameter `pin`"), "{e}");
        let e = check_templates(&templates(&[
            ("login_code", "SMS_1", &["code"]),
            ("welcome", "SMS_3", &[]),
        ]))
        .unwrap_err();
        assert!(e.contains("`welcome` is not one of our templates"), "{e}");
        let e =
            check_templates(&templates(&[("login_code", "SMS_1", &["code", "code"])])).unwrap_err();
        assert!(e.contains("repeated"), "{e}");
    }

    #[test]
    fn resolving_puts_our_parameters_in_the_vendors_order_under_its_names() {
        let t = templates(&[("login_code", "SMS_1", &["minutes", "num=code"])]);
        let msg = crate::sms::login_code_message(Phone::parse("13800138000").unwrap(), "042917", 5);
        let (id, params) = resolve("aliyun", &t, &msg).unwrap();
        assert_eq!(id, "SMS_1");
        assert_eq!(params, vec![("minutes", "5"), ("num", "042917")]);
        let reminder = crate::sms::visit_reminder_message(
            Phone::parse("13800138000").unwrap(),
            "保洁",
            "a",
            "b",
            "c",
        );
        let e = resolve("aliyun", &t, &reminder).unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Config);
        assert!(e.to_string().contains("visit_reminder"), "{e}");
    }

    #[test]
    fn the_host_header_is_taken_from_the_endpoint() {
        assert_eq!(
            host_of("x", "https://Dysmsapi.aliyuncs.com/").unwrap(),
            "dysmsapi.aliyuncs.com"
        );
        assert_eq!(
            host_of("x", "http://127.0.0.1:4000").unwrap(),
            "127.0.0.1:4000"
        );
        assert!(host_of("x", "dysmsapi.aliyuncs.com").is_err());
    }
}
