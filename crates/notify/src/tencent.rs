//! Tencent Cloud SMS (腾讯云短信, API 3.0 at `sms.tencentcloudapi.com`), action `SendSms`,
//! version `2021-01-11`, signed with `TC3-HMAC-SHA256`.
//!
//! The request is `POST /` with a JSON body and the public parameters in `X-TC-*` headers.
//! The signature:
//!
//! 1. canonical request: `POST\n/\n\ncontent-type:application/json\nhost:{host}\n\ncontent-type;host\n{hex sha256 of the body}`
//!    (no query; the signed headers are `content-type` and `host`, values lower-case);
//! 2. string to sign: `TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n{hex sha256 of the canonical request}`,
//!    where `date` is the UTC date of the timestamp (`X-TC-Timestamp`, Unix seconds);
//! 3. the signing key: HMAC-SHA256 chained over `"TC3" + SecretKey` → date → `sms` →
//!    `tc3_request`; the signature is hex HMAC-SHA256 of the string to sign under it;
//! 4. `Authorization: TC3-HMAC-SHA256 Credential={SecretId}/{date}/sms/tc3_request, SignedHeaders=content-type;host, Signature={signature}`.
//!
//! The service refuses a timestamp more than five minutes off. The answer is
//! `{"Response": {"SendStatusSet": [{"SerialNo", "Code": "Ok", ...}], "RequestId"}}`, or
//! `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` when the whole call failed;
//! a refused number has its own `Code` in `SendStatusSet`.

use crate::sms::{SmsError, SmsErrorKind, SmsMessage, SmsProvider, SmsReceipt};
use crate::vendor::{
    SignedRequest, Templates, VendorHttp, check_templates, hmac_sha256, host_of, http_status_error,
    resolve, sha256_hex,
};
use async_trait::async_trait;
use daojia_domain::secret::Secret;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where the SMS API lives (the nearest region answers).
pub const DEFAULT_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
/// The signature algorithm.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const CONTENT_TYPE: &str = "application/json";
const NAME: &str = "tencent";

/// How to reach and use a Tencent Cloud SMS application.
#[derive(Debug, Clone)]
pub struct TencentConfig {
    /// `https://sms.tencentcloudapi.com` unless overridden (a proxy, a test simulator).
    pub endpoint: String,
    /// The API key's SecretId.
    pub secret_id: String,
    /// The API key's SecretKey.
    pub secret_key: Secret<String>,
    /// The SMS application's SdkAppId (`1400…`).
    pub sdk_app_id: String,
    /// The region (`ap-guangzhou`, `ap-beijing`, `ap-nanjing`).
    pub region: String,
    /// The approved sign name (签名).
    pub sign_name: String,
    /// Our templates as approved on the application (numeric ids).
    pub templates: Templates,
    /// How long one request may take in all.
    pub timeout: Duration,
}

/// The `SendSms` body, fields in the order sent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendSms<'a> {
    /// One number, E.164 (`+8613800138000`).
    pub phone_number_set: [&'a str; 1],
    /// The application.
    pub sms_sdk_app_id: &'a str,
    /// The sign name.
    pub sign_name: &'a str,
    /// The template id.
    pub template_id: &'a str,
    /// The template's parameters, in its order.
    pub template_param_set: Vec<&'a str>,
}

/// The public parameters besides the body.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// The `Host` header.
    pub host: &'a str,
    /// The region.
    pub region: &'a str,
    /// Unix seconds.
    pub timestamp: i64,
    /// SecretId.
    pub secret_id: &'a str,
    /// SecretKey.
    pub secret_key: &'a str,
}

/// Builds and signs a `SendSms` request.
pub fn build_request(call: &Call<'_>, body: &SendSms<'_>) -> SignedRequest {
    let body = serde_json::to_vec(body).expect("the body serializes");
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\ncontent-type;host\n{}",
        CONTENT_TYPE.to_ascii_lowercase(),
        call.host.trim().to_ascii_lowercase(),
        sha256_hex(&body)
    );
    let date = chrono::DateTime::from_timestamp(call.timestamp, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string();
    let scope = format!("{date}/{SERVICE}/tc3_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        call.timestamp,
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(
        format!("TC3{}", call.secret_key).as_bytes(),
        date.as_bytes(),
    );
    let k_service = hmac_sha256(&k_date, SERVICE.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&k_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders=content-type;host, Signature={signature}",
        call.secret_id
    );
    let headers = vec![
        ("Content-Type".to_string(), CONTENT_TYPE.to_string()),
        ("Host".to_string(), call.host.to_string()),
        ("X-TC-Action".to_string(), ACTION.to_string()),
        ("X-TC-Timestamp".to_string(), call.timestamp.to_string()),
        ("X-TC-Version".to_string(), VERSION.to_string()),
        ("X-TC-Region".to_string(), call.region.to_string()),
        ("Authorization".to_string(), authorization.clone()),
    ];
    SignedRequest {
        path_and_query: "/".into(),
        headers,
        body,
        canonical_request,
        string_to_sign,
        signature,
        authorization,
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Response,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    #[serde(default)]
    error: Option<Status>,
    #[serde(default)]
    send_status_set: Option<Vec<Status>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    code: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    serial_no: Option<String>,
}

/// Reads the service's answer: the message's `SerialNo` on success, or the error it
/// stands for.
pub fn parse_response(status: u16, body: &[u8]) -> Result<String, SmsError> {
    let Ok(env) = serde_json::from_slice::<Envelope>(body) else {
        if !(200..300).contains(&status) {
            return Err(http_status_error(NAME, status, body));
        }
        return Err(SmsError::new(
            NAME,
            SmsErrorKind::BadResponse,
            "the answer is not the JSON of SendSms (no `Response`)",
        ));
    };
    let failed = |s: Status, whole: bool| {
        let mut kind = classify(&s.code);
        if kind == SmsErrorKind::Refused && status >= 500 {
            kind = SmsErrorKind::Unreachable;
        }
        let scope = if whole { "call" } else { "number" };
        SmsError::new(NAME, kind, format!("{scope} refused: {}", s.message)).with_code(s.code)
    };
    if let Some(e) = env.response.error {
        return Err(failed(e, true));
    }
    if !(200..300).contains(&status) {
        return Err(http_status_error(NAME, status, body));
    }
    let Some(s) = env
        .response
        .send_status_set
        .and_then(|v| v.into_iter().next())
    else {
        return Err(SmsError::new(
            NAME,
            SmsErrorKind::BadResponse,
            "no `SendStatusSet` entry for the number",
        ));
    };
    if s.code != "Ok" {
        return Err(failed(s, false));
    }
    s.serial_no
        .filter(|n| !n.is_empty())
        .ok_or_else(|| SmsError::new(NAME, SmsErrorKind::BadResponse, "`Ok` without a `SerialNo`"))
}

/// What a Tencent Cloud error code means for us.
pub fn classify(code: &str) -> SmsErrorKind {
    let starts = |p: &str| code.starts_with(p);
    match code {
        // 套餐包余量不足, 欠费停服.
        "FailedOperation.InsufficientBalanceInSmsPackage"
        | "UnauthorizedOperation.ServiceSuspendDueToArrears" => SmsErrorKind::Quota,
        _ if starts("LimitExceeded") || starts("RequestLimitExceeded") => SmsErrorKind::Quota,
        _ if starts("AuthFailure")
            || starts("UnauthorizedOperation")
            || code == "IpInBlacklist"
            || code == "IpNotInWhitelist"
            || code == "InvalidParameterValue.SdkAppIdNotExist" =>
        {
            SmsErrorKind::Auth
        }
        // 模板未审批或内容不匹配, 签名未审批或格式错误, 敏感词, 模板参数格式 / 长度, URL.
        "FailedOperation.TemplateIncorrectOrUnapproved"
        | "FailedOperation.SignatureIncorrectOrUnapproved"
        | "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        | "FailedOperation.ContainSensitiveWord"
        | "InvalidParameterValue.ContentLengthLimit"
        | "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter"
        | "MissingParameter.EmptyPhoneNumberSet" => SmsErrorKind::Template,
        _ if starts("InvalidParameterValue.TemplateParameter") => SmsErrorKind::Template,
        // 手机号格式错误, 免打扰名单, 解析失败, 不支持的地区.
        "InvalidParameterValue.IncorrectPhoneNumber"
        | "FailedOperation.PhoneNumberInBlacklist"
        | "FailedOperation.PhoneNumberParseFail"
        | "UnsupportedOperation.UnsupportedRegion" => SmsErrorKind::Phone,
        _ if starts("InternalError") || starts("ResourceUnavailable") => SmsErrorKind::Unreachable,
        _ => SmsErrorKind::Refused,
    }
}

/// The Tencent Cloud provider.
pub struct TencentSms {
    http: VendorHttp,
    host: String,
    cfg: TencentConfig,
}

impl TencentSms {
    /// A provider for `cfg`, checked.
    pub fn new(cfg: TencentConfig) -> Result<TencentSms, SmsError> {
        let bad = |d: String| SmsError::new(NAME, SmsErrorKind::Config, d);
        if cfg.secret_id.trim().is_empty() || cfg.secret_key.expose().is_empty() {
            return Err(bad("the SecretId and SecretKey are required".into()));
        }
        if cfg.sdk_app_id.trim().is_empty() || !cfg.sdk_app_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("the SdkAppId (digits, `1400…`) is required".into()));
        }
        if cfg.region.trim().is_empty() {
            return Err(bad("the region (e.g. `ap-guangzhou`) is required".into()));
        }
        if cfg.sign_name.trim().is_empty() {
            return Err(bad("the sign name is required".into()));
        }
        check_templates(&cfg.templates).map_err(bad)?;
        let host = host_of(NAME, &cfg.endpoint)?;
        Ok(TencentSms {
            http: VendorHttp::new(NAME, &cfg.endpoint, cfg.timeout)?,
            host,
            cfg,
        })
    }
}

#[async_trait]
impl SmsProvider for TencentSms {
    fn name(&self) -> &'static str {
        NAME
    }

    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let (id, params) = resolve(NAME, &self.cfg.templates, msg)?;
        let phone = format!("+86{}", msg.phone.expose());
        let body = SendSms {
            phone_number_set: [phone.as_str()],
            sms_sdk_app_id: &self.cfg.sdk_app_id,
            sign_name: &self.cfg.sign_name,
            template_id: id,
            template_param_set: params.iter().map(|(_, v)| *v).collect(),
        };
        let call = Call {
            host: &self.host,
            region: &self.cfg.region,
            timestamp: chrono::Utc::now().timestamp(),
            secret_id: &self.cfg.secret_id,
            secret_key: self.cfg.secret_key.expose(),
        };
        let signed = build_request(&call, &body);
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
    fn answers_map_to_kinds_an_operator_can_act_on() {
        let ok = br#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8618511122233","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"r"}}"#;
        assert_eq!(
            parse_response(200, ok).unwrap(),
            "5000:1045710669157053657849499619"
        );
        let number = |code: &str| {
            let body = format!(
                r#"{{"Response":{{"SendStatusSet":[{{"SerialNo":"","PhoneNumber":"+8613800138000","Fee":0,"Code":"{code}","Message":"m"}}],"RequestId":"r"}}}}"#
            );
            parse_response(200, body.as_bytes()).unwrap_err()
        };
        let whole = |code: &str| {
            let body = format!(
                r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"r"}}}}"#
            );
            parse_response(200, body.as_bytes()).unwrap_err()
        };
        assert_eq!(
            number("LimitExceeded.PhoneNumberDailyLimit").kind,
            SmsErrorKind::Quota
        );
        assert_eq!(
            number("FailedOperation.InsufficientBalanceInSmsPackage").kind,
            SmsErrorKind::Quota
        );
        assert_eq!(
            number("FailedOperation.TemplateIncorrectOrUnapproved").kind,
            SmsErrorKind::Template
        );
        assert_eq!(
            number("FailedOperation.SignatureIncorrectOrUnapproved").kind,
            SmsErrorKind::Template
        );
        assert_eq!(
            number("InvalidParameterValue.IncorrectPhoneNumber").kind,
            SmsErrorKind::Phone
        );
        assert_eq!(
            number("FailedOperation.PhoneNumberInBlacklist").kind,
            SmsErrorKind::Phone
        );
        assert_eq!(
            whole("AuthFailure.SignatureFailure").kind,
            SmsErrorKind::Auth
        );
        assert_eq!(
            whole("UnauthorizedOperation.SmsSdkAppIdVerifyFail").kind,
            SmsErrorKind::Auth
        );
        assert_eq!(
            whole("InternalError.Timeout").kind,
            SmsErrorKind::Unreachable
        );
        assert_eq!(whole("RequestLimitExceeded").kind, SmsErrorKind::Quota);
        assert_eq!(whole("InvalidParameter").kind, SmsErrorKind::Refused);
        let e = number("FailedOperation.PhoneNumberInBlacklist");
        assert_eq!(
            e.code.as_deref(),
            Some("FailedOperation.PhoneNumberInBlacklist")
        );
        assert_eq!(
            parse_response(503, b"upstream down").unwrap_err().kind,
            SmsErrorKind::Unreachable
        );
        assert_eq!(
            parse_response(200, br#"{"Response":{"RequestId":"r"}}"#)
                .unwrap_err()
                .kind,
            SmsErrorKind::BadResponse
        );
    }
}
