//! A local stand-in for the Aliyun and Tencent Cloud SMS services, for the providers'
//! tests.
//!
//! It checks each request as the vendor does, from the raw request and independently of
//! the code under test: the key id, the clock (15 minutes for Aliyun, 5 for Tencent), the
//! nonce (Aliyun), the body hash, then the signature recomputed from the method, path,
//! query, the headers the request says it signed and the body. Then the action and
//! version, and the message: sign name, template and its parameters, the phone number,
//! a per-number sending limit and a blocked-number list. It answers as the vendor does
//! (error codes, HTTP statuses, JSON shapes). A test can also make it misbehave: answer
//! late, with a server error, with a body that is not JSON, or with a given error code.

#![allow(dead_code, clippy::result_large_err)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const ALI_KEY_ID: &str = "FAKE-ACCESS-KEY-ID-FOR-TESTS";
pub const ALI_SECRET: &str = "fake-access-key-secret-for-tests-only";
pub const TC_SECRET_ID: &str = "FAKE-SECRET-ID-FOR-TESTS";
pub const TC_SECRET_KEY: &str = "fake-secret-key-for-tests-only";
pub const TC_SDK_APP_ID: &str = "1400000000";
pub const SIGN_NAME: &str = "到家";

/// Which vendor to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Aliyun,
    Tencent,
}

/// How to answer the next requests (after the signature checks).
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// As the vendor would.
    Normal,
    /// Answer normally, after a delay.
    Late(Duration),
    /// Answer this HTTP status with the vendor's "service unavailable" body.
    Status(u16),
    /// Answer 200 with HTML.
    Garbage,
    /// Refuse with this vendor error code.
    Code(String),
}

/// A message the simulated vendor accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub phone: String,
    pub sign_name: String,
    pub template: String,
    /// Aliyun: the TemplateParam object's fields; Tencent: ("0", first), ("1", second)...
    pub params: Vec<(String, String)>,
}

struct SimState {
    vendor: Vendor,
    behaviour: Mutex<Behaviour>,
    delivered: Mutex<Vec<Delivered>>,
    requests: Mutex<usize>,
    nonces: Mutex<HashSet<String>>,
    per_phone: Mutex<HashMap<String, usize>>,
    limit_per_phone: Mutex<Option<usize>>,
    blocked: Mutex<HashSet<String>>,
    /// Template id → its variable names (Aliyun) or its number of parameters (Tencent,
    /// names ignored).
    templates: Vec<(&'static str, Vec<&'static str>)>,
}

/// A running simulator.
pub struct Sim {
    pub endpoint: String,
    state: Arc<SimState>,
}

impl Sim {
    pub async fn start(vendor: Vendor) -> Sim {
        let templates = match vendor {
            Vendor::Aliyun => vec![
                ("SMS_000000001", vec!["num", "minutes"]),
                ("SMS_000000002", vec!["service", "start", "end", "order_no"]),
            ],
            Vendor::Tencent => vec![
                ("1000001", vec!["code", "minutes"]),
                ("1000002", vec!["service", "start", "end", "order_no"]),
            ],
        };
        let state = Arc::new(SimState {
            vendor,
            behaviour: Mutex::new(Behaviour::Normal),
            delivered: Mutex::new(Vec::new()),
            requests: Mutex::new(0),
            nonces: Mutex::new(HashSet::new()),
            per_phone: Mutex::new(HashMap::new()),
            limit_per_phone: Mutex::new(None),
            blocked: Mutex::new(HashSet::new()),
            templates,
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Sim {
            endpoint: format!("http://{addr}"),
            state,
        }
    }

    pub fn set(&self, b: Behaviour) {
        *self.state.behaviour.lock().unwrap() = b;
    }

    /// At most `n` messages per number (then the vendor's rate-limit code).
    pub fn limit_per_phone(&self, n: usize) {
        *self.state.limit_per_phone.lock().unwrap() = Some(n);
    }

    /// Numbers on the vendor's blocked list (11 digits).
    pub fn block(&self, phone: &str) {
        self.state.blocked.lock().unwrap().insert(phone.to_string());
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.state.delivered.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        *self.state.requests.lock().unwrap()
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 3986 unreserved characters stay, everything else is `%XX` (upper-case).
fn v3_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn mainland(phone: &str) -> bool {
    let b = phone.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

async fn handle(State(s): State<Arc<SimState>>, req: Request) -> Response {
    *s.requests.lock().unwrap() += 1;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    match s.vendor {
        Vendor::Aliyun => aliyun(&s, &parts, body).await,
        Vendor::Tencent => tencent(&s, &parts, body).await,
    }
}

// ---------------------------------------------------------------- Aliyun

fn ali_json(status: u16, code: &str, message: &str, extra: Value) -> Response {
    let mut body = json!({"RequestId": "0A1B2C3D-SIM", "Code": code, "Message": message});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    (
        StatusCode::from_u16(status).unwrap(),
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn ali_gateway(status: u16, code: &str, message: &str) -> Response {
    ali_json(
        status,
        code,
        message,
        json!({"HostId": "dysmsapi.aliyuncs.com", "Recommend": "https://api.aliyun.com/troubleshoot"}),
    )
}

/// The V3 signature as the service checks it; `Err` is the gateway's answer.
fn ali_check_signature(
    s: &SimState,
    parts: &axum::http::request::Parts,
    body: &Bytes,
) -> Result<Vec<(String, String)>, Response> {
    let h = &parts.headers;
    let auth = header(h, "authorization");
    let Some(rest) = auth.strip_prefix("ACS3-HMAC-SHA256 ") else {
        return Err(ali_gateway(
            400,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        ));
    };
    let mut fields = HashMap::new();
    for f in rest.split(',') {
        if let Some((k, v)) = f.trim().split_once('=') {
            fields.insert(k.to_string(), v.to_string());
        }
    }
    let (Some(cred), Some(signed), Some(sig)) = (
        fields.get("Credential"),
        fields.get("SignedHeaders"),
        fields.get("Signature"),
    ) else {
        return Err(ali_gateway(
            400,
            "IncompleteSignature",
            "Authorization lacks a field.",
        ));
    };
    if cred != ALI_KEY_ID {
        return Err(ali_gateway(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ));
    }
    let date = header(h, "x-acs-date");
    let Ok(at) = chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%SZ") else {
        return Err(ali_gateway(
            400,
            "InvalidTimeStamp.Format",
            "x-acs-date is not ISO 8601 UTC.",
        ));
    };
    if (chrono::Utc::now().naive_utc() - at).num_minutes().abs() > 15 {
        return Err(ali_gateway(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ));
    }
    let nonce = header(h, "x-acs-signature-nonce");
    if nonce.is_empty() || !s.nonces.lock().unwrap().insert(nonce.to_string()) {
        return Err(ali_gateway(
            400,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        ));
    }
    let payload = header(h, "x-acs-content-sha256");
    if payload != sha256_hex(body) {
        return Err(ali_gateway(
            400,
            "SignatureDoesNotMatch",
            "x-acs-content-sha256 is not the body's hash.",
        ));
    }
    let names: Vec<&str> = signed.split(';').collect();
    let mut sorted = names.clone();
    sorted.sort();
    let acs: Vec<String> = h
        .keys()
        .map(|k| k.as_str().to_string())
        .filter(|k| k.starts_with("x-acs-"))
        .collect();
    if names != sorted
        || !names.contains(&"host")
        || acs.iter().any(|k| !names.contains(&k.as_str()))
    {
        return Err(ali_gateway(
            400,
            "IncompleteSignature",
            "host and every x-acs-* header must be signed, names sorted.",
        ));
    }
    // The query as received, decoded, then canonicalised.
    let mut query: Vec<(String, String)> = Vec::new();
    for pair in parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (percent_decode(k), percent_decode(v)) else {
            return Err(ali_gateway(400, "InvalidParameter", "bad percent-encoding"));
        };
        query.push((k, v));
    }
    let mut canon: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (v3_encode(k), v3_encode(v)))
        .collect();
    canon.sort();
    let canonical_query = canon
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut canonical_headers = String::new();
    for n in &names {
        let values: Vec<&str> = h
            .get_all(*n)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::trim)
            .collect();
        canonical_headers.push_str(&format!("{n}:{}\n", values.join(",")));
    }
    let canonical = format!(
        "{}\n{}\n{canonical_query}\n{canonical_headers}\n{signed}\n{payload}",
        parts.method,
        parts.uri.path()
    );
    let to_sign = format!("ACS3-HMAC-SHA256\n{}", sha256_hex(canonical.as_bytes()));
    if hex::encode(hmac(ALI_SECRET.as_bytes(), to_sign.as_bytes())) != *sig {
        return Err(ali_gateway(
            400,
            "SignatureDoesNotMatch",
            "Specified signature does not match our calculation.",
        ));
    }
    Ok(query)
}

async fn aliyun(s: &SimState, parts: &axum::http::request::Parts, body: Bytes) -> Response {
    let query = match ali_check_signature(s, parts, &body) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let h = &parts.headers;
    if parts.method != "POST"
        || header(h, "x-acs-action") != "SendSms"
        || header(h, "x-acs-version") != "2017-05-25"
    {
        return ali_gateway(404, "InvalidAction.NotFound", "Specified api is not found.");
    }
    let behaviour = s.behaviour.lock().unwrap().clone();
    match behaviour {
        Behaviour::Normal => {}
        Behaviour::Late(d) => tokio::time::sleep(d).await,
        Behaviour::Status(code) => {
            return ali_gateway(
                code,
                "ServiceUnavailable",
                "The request has failed due to a temporary failure of the server.",
            );
        }
        Behaviour::Garbage => {
            return (
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body>502 Bad Gateway</body></html>",
            )
                .into_response();
        }
        Behaviour::Code(c) => return ali_json(200, &c, "simulated", json!({})),
    }
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let phone = get("PhoneNumbers");
    if get("SignName") != SIGN_NAME {
        return ali_json(
            200,
            "isv.SMS_SIGNATURE_ILLEGAL",
            "该账号下找不到对应签名",
            json!({}),
        );
    }
    let code = get("TemplateCode");
    let Some((_, vars)) = s.templates.iter().find(|(id, _)| *id == code) else {
        return ali_json(
            200,
            "isv.SMS_TEMPLATE_ILLEGAL",
            "该账号下找不到对应模板",
            json!({}),
        );
    };
    let Ok(Value::Object(param)) = serde_json::from_str::<Value>(&get("TemplateParam")) else {
        return ali_json(
            200,
            "isv.INVALID_JSON_PARAM",
            "JSON参数不合法，只接受字符串值",
            json!({}),
        );
    };
    if param.values().any(|v| !v.is_string()) {
        return ali_json(
            200,
            "isv.INVALID_JSON_PARAM",
            "JSON参数不合法，只接受字符串值",
            json!({}),
        );
    }
    if vars.iter().any(|v| !param.contains_key(*v)) || param.len() != vars.len() {
        return ali_json(
            200,
            "isv.TEMPLATE_MISSING_PARAMETERS",
            "模板变量缺少对应参数值",
            json!({}),
        );
    }
    if !mainland(&phone) {
        return ali_json(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", json!({}));
    }
    if s.blocked.lock().unwrap().contains(&phone) {
        return ali_json(200, "isv.MOBILE_IN_BLACK", "手机号在黑名单", json!({}));
    }
    if exceeded(s, &phone) {
        return ali_json(
            200,
            "isv.BUSINESS_LIMIT_CONTROL",
            "触发号码天级流控Permits:10",
            json!({}),
        );
    }
    let mut delivered = s.delivered.lock().unwrap();
    // The object's fields in the order received (serde_json keeps insertion order only
    // with a feature; read them from the raw text instead).
    let raw = get("TemplateParam");
    let mut params: Vec<(String, String)> = param
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    params.sort_by_key(|(k, _)| raw.find(&format!("\"{k}\":")).unwrap_or(usize::MAX));
    delivered.push(Delivered {
        phone,
        sign_name: get("SignName"),
        template: code,
        params,
    });
    let biz = format!("{}^0", 900000000000000000u64 + delivered.len() as u64);
    ali_json(200, "OK", "OK", json!({"BizId": biz}))
}

fn exceeded(s: &SimState, phone: &str) -> bool {
    let mut per = s.per_phone.lock().unwrap();
    let n = per.entry(phone.to_string()).or_default();
    if let Some(limit) = *s.limit_per_phone.lock().unwrap()
        && *n >= limit
    {
        return true;
    }
    *n += 1;
    false
}

// ---------------------------------------------------------------- Tencent

fn tc_error(code: &str, message: &str) -> Response {
    let body = json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "sim-request"}});
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn tc_number(phone: &str, code: &str, message: &str, serial: &str) -> Response {
    let body = json!({"Response": {"SendStatusSet": [{
        "SerialNo": serial, "PhoneNumber": phone, "Fee": if code == "Ok" { 1 } else { 0 },
        "SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"
    }], "RequestId": "sim-request"}});
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn tc_check_signature(parts: &axum::http::request::Parts, body: &Bytes) -> Result<(), Response> {
    let h = &parts.headers;
    let auth = header(h, "authorization");
    let Some(rest) = auth.strip_prefix("TC3-HMAC-SHA256 ") else {
        return Err(tc_error(
            "AuthFailure.InvalidAuthorization",
            "Authorization is not TC3-HMAC-SHA256.",
        ));
    };
    let mut fields = HashMap::new();
    for f in rest.split(", ") {
        if let Some((k, v)) = f.split_once('=') {
            fields.insert(k.to_string(), v.to_string());
        }
    }
    let (Some(cred), Some(signed), Some(sig)) = (
        fields.get("Credential"),
        fields.get("SignedHeaders"),
        fields.get("Signature"),
    ) else {
        return Err(tc_error(
            "AuthFailure.InvalidAuthorization",
            "Authorization lacks a field.",
        ));
    };
    let cred: Vec<&str> = cred.split('/').collect();
    if cred.len() != 4 || cred[2] != "sms" || cred[3] != "tc3_request" {
        return Err(tc_error(
            "AuthFailure.InvalidAuthorization",
            "bad credential scope",
        ));
    }
    if cred[0] != TC_SECRET_ID {
        return Err(tc_error(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found.",
        ));
    }
    let Ok(ts) = header(h, "x-tc-timestamp").parse::<i64>() else {
        return Err(tc_error("MissingParameter", "X-TC-Timestamp"));
    };
    if (chrono::Utc::now().timestamp() - ts).abs() > 300 {
        return Err(tc_error(
            "AuthFailure.SignatureExpire",
            "Signature expired.",
        ));
    }
    let date = chrono::DateTime::from_timestamp(ts, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    if cred[1] != date {
        return Err(tc_error(
            "AuthFailure.SignatureFailure",
            "The credential date is not the timestamp's UTC date.",
        ));
    }
    let names: Vec<&str> = signed.split(';').collect();
    if !names.contains(&"host") || !names.contains(&"content-type") {
        return Err(tc_error(
            "AuthFailure.SignatureFailure",
            "host and content-type must be signed",
        ));
    }
    let mut canonical_headers = String::new();
    for n in &names {
        canonical_headers.push_str(&format!("{n}:{}\n", header(h, n).trim().to_lowercase()));
    }
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed}\n{}",
        parts.method,
        parts.uri.path(),
        parts.uri.query().unwrap_or(""),
        sha256_hex(body)
    );
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{ts}\n{date}/sms/tc3_request\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let k = hmac(format!("TC3{TC_SECRET_KEY}").as_bytes(), date.as_bytes());
    let k = hmac(&k, b"sms");
    let k = hmac(&k, b"tc3_request");
    if hex::encode(hmac(&k, to_sign.as_bytes())) != *sig {
        return Err(tc_error(
            "AuthFailure.SignatureFailure",
            "The provided credentials could not be validated.",
        ));
    }
    Ok(())
}

async fn tencent(s: &SimState, parts: &axum::http::request::Parts, body: Bytes) -> Response {
    if let Err(r) = tc_check_signature(parts, &body) {
        return r;
    }
    let h = &parts.headers;
    if header(h, "x-tc-action") != "SendSms" {
        return tc_error("InvalidAction", "The action does not exist.");
    }
    if header(h, "x-tc-version") != "2021-01-11" {
        return tc_error("NoSuchVersion", "The version does not exist.");
    }
    if header(h, "x-tc-region").is_empty() {
        return tc_error("MissingParameter", "The region is missing.");
    }
    let behaviour = s.behaviour.lock().unwrap().clone();
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return tc_error("FailedOperation.JsonParseFail", "The body is not JSON.");
    };
    let phone = req["PhoneNumberSet"][0].as_str().unwrap_or("").to_string();
    match behaviour {
        Behaviour::Normal => {}
        Behaviour::Late(d) => tokio::time::sleep(d).await,
        Behaviour::Status(code) => {
            return (
                StatusCode::from_u16(code).unwrap(),
                "<html>service unavailable</html>",
            )
                .into_response();
        }
        Behaviour::Garbage => {
            return (
                [(header::CONTENT_TYPE, "text/html")],
                "<html>gateway</html>",
            )
                .into_response();
        }
        Behaviour::Code(c)
            if c.starts_with("LimitExceeded")
                || c.starts_with("FailedOperation")
                || c.starts_with("InvalidParameterValue") =>
        {
            return tc_number(&phone, &c, "simulated", "");
        }
        Behaviour::Code(c) => return tc_error(&c, "simulated"),
    }
    if req["SmsSdkAppId"] != TC_SDK_APP_ID {
        return tc_error(
            "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
            "SmsSdkAppId verification failed.",
        );
    }
    if req["SignName"] != SIGN_NAME {
        return tc_number(
            &phone,
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "signature format error or signature not approved",
            "",
        );
    }
    let id = req["TemplateId"].as_str().unwrap_or("").to_string();
    let params: Vec<String> = req["TemplateParamSet"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    match s.templates.iter().find(|(t, _)| *t == id) {
        Some((_, vars)) if vars.len() == params.len() => {}
        _ => {
            return tc_number(
                &phone,
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or request content does not match the approved template content",
                "",
            );
        }
    }
    let Some(digits) = phone.strip_prefix("+86").filter(|d| mainland(d)) else {
        return tc_number(
            &phone,
            "InvalidParameterValue.IncorrectPhoneNumber",
            "incorrect phone number",
            "",
        );
    };
    let digits = digits.to_string();
    if s.blocked.lock().unwrap().contains(&digits) {
        return tc_number(
            &phone,
            "FailedOperation.PhoneNumberInBlacklist",
            "phone number in blacklist",
            "",
        );
    }
    if exceeded(s, &digits) {
        return tc_number(
            &phone,
            "LimitExceeded.PhoneNumberDailyLimit",
            "the number of sms messages sent from a single mobile number every day exceeds the upper limit",
            "",
        );
    }
    let mut delivered = s.delivered.lock().unwrap();
    delivered.push(Delivered {
        phone: digits,
        sign_name: SIGN_NAME.into(),
        template: id,
        params: params
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
    });
    let serial = format!("2433:{}", 10_000_000 + delivered.len());
    tc_number(&phone, "Ok", "send success", &serial)
}
