//! Our signers against signature vectors computed by the vendors' own SDKs
//! (`tests/vectors/sign.py` writes `vectors.json`; scripts/test.sh re-runs it against the
//! pinned SDKs and fails when the committed file differs). Every step is compared byte for
//! byte: what is sent, the canonical request, the string to sign, the signature, the
//! `Authorization` header.

use daojia_notify::{aliyun, tencent};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors/vectors.json")).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

#[test]
fn aliyun_v3_signatures_match_alibaba_clouds_sdk() {
    let all = vectors();
    let cases = all["aliyun"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let input = &case["input"];
        let name = s(&input["name"]);
        let params: Vec<(&str, &str)> = input["params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (s(&p[0]), s(&p[1])))
            .collect();
        let req = aliyun::SendSms {
            phone_numbers: s(&input["phone"]),
            sign_name: s(&input["sign_name"]),
            template_code: s(&input["template_code"]),
            template_param: Some(aliyun::template_param(&params)),
        };
        let signed = aliyun::build_request(
            s(&input["host"]),
            &req,
            s(&input["access_key_id"]),
            s(&input["access_key_secret"]),
            s(&input["date"]),
            s(&input["nonce"]),
        );
        assert_eq!(
            signed.path_and_query,
            format!("/?{}", s(&case["query"])),
            "{name}: query"
        );
        assert_eq!(
            signed.header("x-acs-content-sha256"),
            Some(s(&case["content_sha256"])),
            "{name}: payload hash"
        );
        assert_eq!(
            signed.canonical_request,
            s(&case["canonical_request"]),
            "{name}: canonical request"
        );
        assert_eq!(
            signed.string_to_sign,
            s(&case["string_to_sign"]),
            "{name}: string to sign"
        );
        assert_eq!(signed.signature, s(&case["signature"]), "{name}: signature");
        assert_eq!(
            signed.authorization,
            s(&case["authorization"]),
            "{name}: Authorization"
        );
        assert_eq!(
            signed.header("authorization"),
            Some(s(&case["authorization"]))
        );
    }
}

#[test]
fn tencent_tc3_signatures_match_tencent_clouds_sdk() {
    let all = vectors();
    let cases = all["tencent"].as_array().unwrap();
    assert!(cases.len() >= 2);
    for case in cases {
        let input = &case["input"];
        let name = s(&input["name"]);
        let phone = s(&input["phone"]);
        let body = tencent::SendSms {
            phone_number_set: [phone],
            sms_sdk_app_id: s(&input["sdk_app_id"]),
            sign_name: s(&input["sign_name"]),
            template_id: s(&input["template_id"]),
            template_param_set: input["params"].as_array().unwrap().iter().map(s).collect(),
        };
        let call = tencent::Call {
            host: s(&input["host"]),
            region: s(&input["region"]),
            timestamp: input["timestamp"].as_i64().unwrap(),
            secret_id: s(&input["secret_id"]),
            secret_key: s(&input["secret_key"]),
        };
        let signed = tencent::build_request(&call, &body);
        assert_eq!(
            String::from_utf8(signed.body.clone()).unwrap(),
            s(&case["body"]),
            "{name}: body"
        );
        for (k, v) in case["headers"].as_object().unwrap() {
            assert_eq!(signed.header(k), Some(s(v)), "{name}: header {k}");
        }
        assert_eq!(
            signed.canonical_request,
            s(&case["canonical_request"]),
            "{name}: canonical request"
        );
        assert_eq!(
            signed.string_to_sign,
            s(&case["string_to_sign"]),
            "{name}: string to sign"
        );
        assert_eq!(signed.signature, s(&case["signature"]), "{name}: signature");
        assert_eq!(
            signed.authorization,
            s(&case["authorization"]),
            "{name}: Authorization"
        );
        assert_eq!(
            signed.header("Authorization"),
            Some(s(&case["authorization"]))
        );
    }
}

#[test]
fn the_vectors_were_made_by_the_pinned_sdks() {
    let all = vectors();
    let sdks = all["sdks"].as_object().unwrap();
    let pinned = include_str!("../vectors/requirements.txt");
    for (name, version) in sdks {
        assert!(
            pinned.contains(&format!("{name}=={}", s(version))),
            "{name} {version} is not what requirements.txt pins"
        );
    }
    assert!(sdks.contains_key("alibabacloud-openapi-util"));
    assert!(sdks.contains_key("tencentcloud-sdk-python-common"));
}
