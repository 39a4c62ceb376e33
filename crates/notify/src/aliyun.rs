//! Aliyun SMS (阿里云短信服务, Dysmsapi 2017-05-25), action `SendSms`, signed with
//! signature V3 (`ACS3-HMAC-SHA256`).
//!
//! The request is `POST /` with the action's parameters in the query string (as Alibaba
//! Cloud's own SDKs send it) and an empty body. The signature:
//!
//! 1. canonical query: every parameter, names sorted, `name=value` with both
//!    percent-encoded (every byte but `A-Z a-z 0-9 - _ . ~`, as `%XX` upper-case), joined
//!    by `&`;
//! 2. canonical headers: the signed headers (`host` and every `x-acs-*`), names lower-case
//!    and sorted, `name:value\n` with the value trimmed; signed headers: their names joined
//!    by `;`;
//! 3. canonical request: `POST\n/\n{query}\n{headers}\n{signed headers}\n{hex sha256 of the body}`
//!    (the same hash goes in `x-acs-content-sha256`);
//! 4. string to sign: `ACS3-HMAC-SHA256\n{hex sha256 of the canonical request}`;
//! 5. signature: hex HMAC-SHA256 of the string to sign under the AccessKey secret;
//!    `Authorization: ACS3-HMAC-SHA256 Credential={AccessKeyId},SignedHeaders={signed headers},Signature={signature}`.
//!
//! `x-acs-date` is UTC (`2026-12-02T01:02:03Z`) and `x-acs-signature-nonce` unique per
//! request: the service refuses a request more than 15 minutes off or a nonce seen before.
//! The answer is JSON with `Code` (`OK` on success), `Message`, `BizId`, `RequestId`.

use crate::sms::{SmsError, SmsErrorKind, SmsMessage, SmsProvider, SmsReceipt};
use crate::vendor::{
    SignedRequest, Templates, VendorHttp, check_templates, hmac_sha256, host_of, http_status_error,
    resolve, sha256_hex,
};
use async_trait::async_trait;
use daojia_domain::secret::Secret;
use serde::Deserialize;
use std::time::Duration;

/// Where the SMS service lives (the service is the same for every region).
pub const DEFAULT_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
/// The signature algorithm.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";
const ACTION: &str = "SendSms";
const VERSION: &str = "2017-05-25";
const NAME: &str = "aliyun";

/// How to reach and use an Aliyun SMS account.
#[derive(Debug, Clone)]
pub struct AliyunConfig {
    /// `https://dysmsapi.aliyuncs.com` unless overridden (a proxy, a test simulator).
    pub endpoint: String,
    /// The AccessKey ID (of a RAM user allowed `dysms:SendSms`).
    pub access_key_id: String,
    /// The AccessKey secret.
    pub access_key_secret: Secret<String>,
    /// The approved sign name (签名), e.g. `到家`.
    pub sign_name: String,
    /// Our templates as approved on the account (`SMS_…` codes).
    pub templates: Templates,
    /// How long one request may take in all.
    pub timeout: Duration,
}

/// The `SendSms` parameters.
#[derive(Debug, Clone)]
pub struct SendSms<'a> {
    /// One mainland number, 11 digits.
    pub phone_numbers: &'a str,
    /// The sign name.
    pub sign_name: &'a str,
    /// The template code.
    pub template_code: &'a str,
    /// The template's variables as a JSON object (see [`template_param`]); `None` for a
    /// template without variables.
    pub template_param: Option<String>,
}

/// The `TemplateParam` JSON object: variables in the given order, values as strings,
/// compact, UTF-8 as it is.
pub fn template_param(params: &[(&str, &str)]) -> String {
    let fields: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}:{}",
                serde_json::to_string(k).expect("a string serializes"),
                serde_json::to_string(v).expect("a string serializes")
            )
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// Percent-encoding as signature V3 wants it: everything but unreserved characters, as
/// upper-case `%XX` of the UTF-8 bytes (a space is `%20`, never `+`).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical query string: names sorted, names and values percent-encoded.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Builds and signs a `SendSms` request to `host` at `date` (`%Y-%m-%dT%H:%M:%SZ`, UTC)
/// with `nonce`.
pub fn build_request(
    host: &str,
    req: &SendSms<'_>,
    access_key_id: &str,
    access_key_secret: &str,
    date: &str,
    nonce: &str,
) -> SignedRequest {
    let mut params = vec![
        ("PhoneNumbers", req.phone_numbers),
        ("SignName", req.sign_name),
        ("TemplateCode", req.template_code),
    ];
    if let Some(p) = &req.template_param {
        params.push(("TemplateParam", p.as_str()));
    }
    let query = canonical_query(&params);
    let body: Vec<u8> = Vec::new();
    let content_sha256 = sha256_hex(&body);
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), host.into()),
        ("x-acs-action".into(), ACTION.into()),
        ("x-acs-version".into(), VERSION.into()),
        ("x-acs-date".into(), date.into()),
        ("x-acs-signature-nonce".into(), nonce.into()),
        ("x-acs-content-sha256".into(), content_sha256.clone()),
    ];
    let mut signed: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = signed
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request =
        format!("POST\n/\n{query}\n{canonical_headers}\n{signed_headers}\n{content_sha256}");
    let string_to_sign = format!("{ALGORITHM}\n{}", sha256_hex(canonical_request.as_bytes()));
    let signature = hex::encode(hmac_sha256(
        access_key_secret.as_bytes(),
        string_to_sign.as_bytes(),
    ));
    let authorization = format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    headers.push(("authorization".into(), authorization.clone()));
    SignedRequest {
        path_and_query: format!("/?{query}"),
        headers,
        body,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    biz_id: Option<String>,
}

/// Reads the service's answer: the `BizId` on success, or the error it stands for.
pub fn parse_response(status: u16, body: &[u8]) -> Result<String, SmsError> {
    let answer = serde_json::from_slice::<Answer>(body)
        .ok()
        .and_then(|a| a.code.clone().map(|c| (c, a)));
    let Some((code, answer)) = answer else {
        if !(200..300).contains(&status) {
            return Err(http_status_error(NAME, status, body));
        }
        return Err(SmsError::new(
            NAME,
            SmsErrorKind::BadResponse,
            "the answer is not the JSON of SendSms (no `Code`)",
        ));
    };
    if code == "OK" && (200..300).contains(&status) {
        return answer.biz_id.filter(|b| !b.is_empty()).ok_or_else(|| {
            SmsError::new(
                NAME,
                SmsErrorKind::BadResponse,
                "`Code` OK without a `BizId`",
            )
        });
    }
    let mut kind = classify(&code);
    if kind == SmsErrorKind::Refused && status >= 500 {
        kind = SmsErrorKind::Unreachable;
    }
    let message = answer.message.unwrap_or_default();
    Err(SmsError::new(NAME, kind, format!("HTTP {status}: {message}")).with_code(code))
}

/// What an Aliyun error code means for us.
pub fn classify(code: &str) -> SmsErrorKind {
    match code {
        // 业务限流 (per number: 1/minute, 5/hour, 10/day by default), 日发送限额, 余额不足,
        // 业务停机 (arrears).
        "isv.BUSINESS_LIMIT_CONTROL"
        | "isv.DAY_LIMIT_CONTROL"
        | "isv.MONTH_LIMIT_CONTROL"
        | "isv.AMOUNT_NOT_ENOUGH"
        | "isv.OUT_OF_SERVICE" => SmsErrorKind::Quota,
        c if c.starts_with("Throttling") => SmsErrorKind::Quota,
        // 模板不合法, 签名不合法, 模板变量缺少参数, JSON 参数不合法, 变量长度受限, 变量不支持
        // URL, 模板变量中存在黑名单关键字, 内容违规.
        "isv.SMS_TEMPLATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_ILLEGAL"
        | "isv.SMS_SIGN_ILLEGAL"
        | "isv.SIGN_NAME_ILLEGAL"
        | "isv.SMS_SIGNATURE_SCENE_ILLEGAL"
        | "isv.TEMPLATE_MISSING_PARAMETERS"
        | "isv.TEMPLATE_PARAMS_ILLEGAL"
        | "isv.INVALID_JSON_PARAM"
        | "isv.PARAM_LENGTH_LIMIT"
        | "isv.PARAM_NOT_SUPPORT_URL"
        | "isv.BLACK_KEY_CONTROL_LIMIT"
        | "isv.SMS_CONTENT_ILLEGAL" => SmsErrorKind::Template,
        // 手机号码格式错误, 不支持的国家或地区, 号码在黑名单 / 退订.
        "isv.MOBILE_NUMBER_ILLEGAL"
        | "isv.PHONE_NUMBER_ILLEGAL"
        | "isv.NOT_SUPPORTED_COUNTRY"
        | "isv.COUNTRY_RESTRICTED"
        | "isv.MOBILE_IN_BLACK"
        | "isv.EXTEND_CODE_ERROR" => SmsErrorKind::Phone,
        // Credentials, signature, clock, permissions, the account itself.
        "isp.RAM_PERMISSION_DENY"
        | "isv.RAM_CHECK_FAILED"
        | "isv.ACCOUNT_NOT_EXISTS"
        | "isv.ACCOUNT_ABNORMAL"
        | "isv.PRODUCT_UN_SUBSCRIPT"
        | "isv.PRODUCT_UNSUBSCRIBE"
        | "isv.DENY_IP_RANGE"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "SignatureNonceUsed"
        | "MissingAuthorization"
        | "NoPermission" => SmsErrorKind::Auth,
        c if c.starts_with("InvalidAccessKeyId")
            || c.starts_with("InvalidTimeStamp")
            || c.starts_with("InvalidSecurityToken")
            || c.starts_with("Forbidden") =>
        {
            SmsErrorKind::Auth
        }
        "isp.SYSTEM_ERROR" | "isp.GATEWAY_ERROR" | "isp.UNKNOWN" | "InternalError" => {
            SmsErrorKind::Unreachable
        }
        c if c.starts_with("ServiceUnavailable") => SmsErrorKind::Unreachable,
        _ => SmsErrorKind::Refused,
    }
}

/// The Aliyun provider.
pub struct AliyunSms {
    http: VendorHttp,
    host: String,
    cfg: AliyunConfig,
}

impl AliyunSms {
    /// A provider for `cfg`, checked.
    pub fn new(cfg: AliyunConfig) -> Result<AliyunSms, SmsError> {
        let bad = |d: String| SmsError::new(NAME, SmsErrorKind::Config, d);
        if cfg.access_key_id.trim().is_empty() || cfg.access_key_secret.expose().is_empty() {
            return Err(bad("the AccessKey ID and secret are required".into()));
        }
        if cfg.sign_name.trim().is_empty() {
            return Err(bad("the sign name is required".into()));
        }
        check_templates(&cfg.templates).map_err(bad)?;
        let host = host_of(NAME, &cfg.endpoint)?;
        Ok(AliyunSms {
            http: VendorHttp::new(NAME, &cfg.endpoint, cfg.timeout)?,
            host,
            cfg,
        })
    }
}

#[async_trait]
impl SmsProvider for AliyunSms {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let (code, params) = resolve(NAME, &self.cfg.templates, msg)?;
        let req = SendSms {
            phone_numbers: msg.phone.expose(),
            sign_name: &self.cfg.sign_name,
            template_code: code,
            template_param: (!params.is_empty()).then(|| template_param(&params)),
        };
        let date = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let nonce = uuid::Uuid::new_v4().to_string();
        let signed = build_request(
            &self.host,
            &req,
            &self.cfg.access_key_id,
            self.cfg.access_key_secret.expose(),
            &date,
            &nonce,
        );
        let (status, body) = self.http.post(&signed).await?;
        let id = parse_response(status, &body)?;
        Ok(SmsReceipt {
            provider: NAME,
            provider_message_id: id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b+c*/"), "a%20b%2Bc%2A%2F");
        assert_eq!(percent_encode("到"), "%E5%88%B0");
    }

    #[test]
    fn template_params_keep_their_order_and_utf8() {
        assert_eq!(
            template_param(&[("code", "042917"), ("a\"b", "到家")]),
            r#"{"code":"042917","a\"b":"到家"}"#
        );
    }

    #[test]
    fn answers_map_to_kinds_an_operator_can_act_on() {
        let ok = br#"{"Message":"OK","RequestId":"r","Code":"OK","BizId":"900619746936498440^0"}"#;
        assert_eq!(parse_response(200, ok).unwrap(), "900619746936498440^0");
        let err = |status, code: &str| {
            let body = format!(r#"{{"Message":"m","RequestId":"r","Code":"{code}"}}"#);
            parse_response(status, body.as_bytes()).unwrap_err()
        };
        assert_eq!(
            err(200, "isv.BUSINESS_LIMIT_CONTROL").kind,
            SmsErrorKind::Quota
        );
        assert_eq!(err(200, "isv.DAY_LIMIT_CONTROL").kind, SmsErrorKind::Quota);
        assert_eq!(
            err(200, "isv.SMS_TEMPLATE_ILLEGAL").kind,
            SmsErrorKind::Template
        );
        assert_eq!(
            err(200, "isv.SMS_SIGNATURE_ILLEGAL").kind,
            SmsErrorKind::Template
        );
        assert_eq!(
            err(200, "isv.MOBILE_NUMBER_ILLEGAL").kind,
            SmsErrorKind::Phone
        );
        assert_eq!(err(400, "SignatureDoesNotMatch").kind, SmsErrorKind::Auth);
        assert_eq!(
            err(404, "InvalidAccessKeyId.NotFound").kind,
            SmsErrorKind::Auth
        );
        assert_eq!(
            err(503, "ServiceUnavailable").kind,
            SmsErrorKind::Unreachable
        );
        assert_eq!(err(500, "SomethingNew").kind, SmsErrorKind::Unreachable);
        assert_eq!(err(200, "isv.SomethingNew").kind, SmsErrorKind::Refused);
        let e = err(200, "isv.BUSINESS_LIMIT_CONTROL");
        assert_eq!(e.code.as_deref(), Some("isv.BUSINESS_LIMIT_CONTROL"));
        assert_eq!(
            parse_response(502, b"<html>Bad Gateway</html>")
                .unwrap_err()
                .kind,
            SmsErrorKind::Unreachable
        );
        assert_eq!(
            parse_response(200, b"<html>").unwrap_err().kind,
            SmsErrorKind::BadResponse
        );
    }
}
