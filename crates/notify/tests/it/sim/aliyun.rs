//! The simulated Aliyun SMS API (`SendSms`, RPC style, HMAC-SHA1 signature).

use super::*;

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

pub(super) async fn aliyun(
    s: &SimState,
    parts: &axum::http::request::Parts,
    body: Bytes,
) -> Response {
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
