//! The simulated Tencent Cloud SMS API (`SendSms` 2021-01-11, TC3-HMAC-SHA256).

use super::*;

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

pub(super) async fn tencent(
    s: &SimState,
    parts: &axum::http::request::Parts,
    body: Bytes,
) -> Response {
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
