//! The push channels against independent vectors (`tests/push_vectors/gen.py` writes
//! `vectors.json`; scripts/test.sh checks it again with the pinned packages):
//!
//! - Web Push encryption: the RFC 8291 example and `http_ece` (pywebpush's encryption) on fixed
//!   keys, byte for byte both ways (we encrypt to their bytes, we decrypt theirs);
//! - VAPID: tokens signed by `py_vapid` verify with our checker, and our public key for their
//!   private key is theirs; our tokens have the same shape and claims;
//! - JPush: the request JPush's Python SDK sends, with the documentation's credentials;
//! - Getui: the documented auth rule and `push/single/cid` example;
//! - WeChat subscribe messages: the requests `wechatpy` sends (send, bizsend, the two code
//!   exchanges).

use daojia_domain::secret::Secret;
use daojia_notify::push::webpush::{self, SendOptions, Subscription, VapidClaims, VapidKey};
use daojia_notify::push::wechat::{self, AppKind, Template, WechatConfig};
use daojia_notify::push::{PushMessage, getui, jpush};
use p256::SecretKey;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../push_vectors/vectors.json")).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn b(v: &Value) -> Vec<u8> {
    webpush::b64_decode(s(v)).unwrap()
}

fn secret(v: &Value) -> SecretKey {
    SecretKey::from_slice(&b(v)).unwrap()
}

#[test]
fn rfc_8291_example_both_ways() {
    let v = &vectors()["rfc8291"];
    let plain =
        webpush::decrypt(&b(&v["message"]), &secret(&v["ua_private"]), &b(&v["auth"])).unwrap();
    assert_eq!(plain, s(&v["plaintext"]).as_bytes());
    let salt: [u8; 16] = b(&v["salt"]).try_into().unwrap();
    let body = webpush::encrypt_with(
        s(&v["plaintext"]).as_bytes(),
        &b(&v["ua_public"]),
        &b(&v["auth"]),
        &secret(&v["as_private"]),
        &salt,
    )
    .unwrap();
    assert_eq!(webpush::b64_encode(&body), s(&v["message"]));
}

#[test]
fn encryption_matches_http_ece_byte_for_byte() {
    let all = vectors();
    let cases = all["ece"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let name = s(&c["name"]);
        let salt: [u8; 16] = b(&c["salt"]).try_into().unwrap();
        let ours = webpush::encrypt_with(
            s(&c["plaintext"]).as_bytes(),
            &b(&c["ua_public"]),
            &b(&c["auth"]),
            &secret(&c["as_private"]),
            &salt,
        )
        .unwrap();
        assert_eq!(
            webpush::b64_encode(&ours),
            s(&c["body"]),
            "{name}: encryption"
        );
        let back =
            webpush::decrypt(&b(&c["body"]), &secret(&c["ua_private"]), &b(&c["auth"])).unwrap();
        assert_eq!(back, s(&c["plaintext"]).as_bytes(), "{name}: decryption");
    }
}

#[test]
fn py_vapid_tokens_verify_and_the_keys_agree() {
    let all = vectors();
    let v = &all["vapid"];
    let key = VapidKey::from_text(s(&v["private"])).unwrap();
    assert_eq!(key.public_base64url(), s(&v["public"]));
    for c in v["cases"].as_array().unwrap() {
        let claims: VapidClaims = serde_json::from_value(c["claims"].clone()).unwrap();
        let now = claims.exp - 60;
        let got = webpush::verify_authorization(s(&c["authorization"]), &claims.aud, now).unwrap();
        assert_eq!(got.claims, claims);
        assert_eq!(got.key, s(&v["public"]));
        // tampered: one claim changed under the same signature
        let header = s(&c["authorization"]);
        let (t, k) = header
            .trim_start_matches("vapid t=")
            .split_once(",k=")
            .unwrap();
        let mut parts: Vec<String> = t.split('.').map(str::to_string).collect();
        let forged = VapidClaims {
            exp: claims.exp + 1,
            ..claims.clone()
        };
        parts[1] = webpush::b64_encode(&serde_json::to_vec(&forged).unwrap());
        let tampered = format!("vapid t={}, k={k}", parts.join("."));
        assert!(webpush::verify_authorization(&tampered, &claims.aud, now).is_err());
        // ours for the same claims: same header segment and claims, verifies
        let mine = key.authorization(&claims);
        assert_eq!(mine.split('.').next(), header.split('.').next());
        assert!(webpush::verify_authorization(&mine, &claims.aud, now).is_ok());
    }
}

#[test]
fn a_request_has_the_vapid_of_the_endpoints_origin() {
    let all = vectors();
    let c = &all["ece"][0];
    let key = VapidKey::from_text(s(&all["vapid"]["private"])).unwrap();
    let req = webpush::build_request(
        &key,
        &SendOptions::default(),
        Subscription {
            endpoint: "https://push.example.net/wpush/v2/gAAAAA",
            p256dh: s(&c["ua_public"]),
            auth: s(&c["auth"]),
        },
        b"{}",
        None,
        1_765_000_000,
    )
    .unwrap();
    let v = webpush::verify_authorization(
        req.header("Authorization").unwrap(),
        "https://push.example.net",
        1_765_000_000,
    )
    .unwrap();
    assert_eq!(v.key, s(&all["vapid"]["public"]));
    assert_eq!(
        webpush::decrypt(&req.body, &secret(&c["ua_private"]), &b(&c["auth"])).unwrap(),
        b"{}"
    );
}

#[test]
fn jpush_requests_match_jpushs_sdk() {
    let all = vectors();
    let j = &all["jpush"];
    assert_eq!(
        jpush::authorization(s(&j["app_key"]), s(&j["master_secret"])),
        s(&j["documented_authorization"])
    );
    let cases = j["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for c in cases {
        let i = &c["input"];
        let cfg = jpush::JpushConfig {
            endpoint: jpush::DEFAULT_ENDPOINT.into(),
            app_key: s(&j["app_key"]).into(),
            master_secret: Secret::new(s(&j["master_secret"]).into()),
            apns_production: i["apns_production"].as_bool().unwrap(),
            time_to_live: i["time_to_live"].as_u64().unwrap() as u32,
            timeout: Duration::from_secs(5),
        };
        let msg = PushMessage {
            title: s(&i["title"]).into(),
            body: s(&i["body"]).into(),
            url: i["url"].as_str().map(str::to_string),
            tag: i["tag"].as_str().map(str::to_string),
            ..Default::default()
        };
        let req = jpush::build_request(&cfg, s(&i["registration_id"]), &msg);
        assert_eq!(req.path, s(&c["path"]));
        assert_eq!(req.authorization, s(&c["authorization"]));
        assert_eq!(req.body, c["body"]);
    }
}

#[test]
fn getui_requests_match_getuis_documentation() {
    let all = vectors();
    let g = &all["getui"];
    for a in g["auth"].as_array().unwrap() {
        let body = getui::auth_body(s(&a["appkey"]), s(&a["mastersecret"]), s(&a["timestamp"]));
        assert_eq!(body, a["body"]);
    }
    let p = &g["push_single_cid"];
    let i = &p["input"];
    let msg = PushMessage {
        title: s(&i["title"]).into(),
        body: s(&i["body"]).into(),
        url: Some(s(&i["url"]).into()),
        tag: None,
        ..Default::default()
    };
    let body = getui::push_body(
        s(&i["request_id"]),
        s(&i["cid"]),
        &msg,
        i["ttl_ms"].as_i64().unwrap(),
    );
    assert_eq!(body, p["body"]);
}

fn wechat_config(w: &Value, kind: AppKind) -> WechatConfig {
    WechatConfig {
        endpoint: wechat::DEFAULT_ENDPOINT.into(),
        app_kind: kind,
        app_id: s(&w["app_id"]).into(),
        app_secret: Secret::new(s(&w["app_secret"]).into()),
        miniprogram_state: "formal".into(),
        lang: "zh_CN".into(),
        templates: BTreeMap::new(),
        timeout: Duration::from_secs(5),
    }
}

fn query_of(path_and_query: &str) -> (String, BTreeMap<String, String>) {
    let (path, q) = path_and_query.split_once('?').unwrap();
    let query = q
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect();
    (path.to_string(), query)
}

#[test]
fn wechat_requests_match_wechatpy() {
    let all = vectors();
    let w = &all["wechat"];
    for case in w["sends"].as_array().unwrap() {
        let i = &case["input"];
        // Literal patterns: the template fills in the values wechatpy was given.
        let tpl = Template {
            template_id: s(&i["template_id"]).into(),
            page: i["page"].as_str().map(str::to_string),
            data: i["data"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), s(&v["value"]).to_string()))
                .collect(),
        };
        let none = BTreeMap::new();
        let oa = wechat_config(w, AppKind::OfficialAccount);
        let body = wechat::send_body(&oa, s(&i["openid"]), &tpl, &none).unwrap();
        assert_eq!(body, case["official_account"]["body"]);
        assert_eq!(
            wechat::send_path(AppKind::OfficialAccount),
            s(&case["official_account"]["path"])
        );
        let mp = wechat_config(w, AppKind::MiniProgram);
        let mut body = wechat::send_body(&mp, s(&i["openid"]), &tpl, &none).unwrap();
        // wechatpy predates these two fields of the current documentation.
        let o = body.as_object_mut().unwrap();
        assert_eq!(o.remove("miniprogram_state").unwrap(), "formal");
        assert_eq!(o.remove("lang").unwrap(), "zh_CN");
        assert_eq!(body, case["mini_program"]["body"]);
        assert_eq!(
            wechat::send_path(AppKind::MiniProgram),
            s(&case["mini_program"]["path"])
        );
        assert_eq!(
            case["mini_program"]["query"]["access_token"],
            w["access_token"]
        );
    }
    for (kind, name) in [
        (AppKind::MiniProgram, "mini_program"),
        (AppKind::OfficialAccount, "official_account"),
    ] {
        let x = &w["code_exchange"][name];
        let ours = wechat::code_path(kind, s(&w["app_id"]), s(&w["app_secret"]), s(&x["code"]));
        let (path, query) = query_of(&ours);
        assert_eq!(path, s(&x["path"]));
        let mut theirs: BTreeMap<String, String> =
            serde_json::from_value(x["query"].clone()).unwrap();
        // wechatpy adds its access token to every query; WeChat's code2Session takes none.
        theirs.remove("access_token");
        assert_eq!(query, theirs, "{name}");
    }
}
