//! Golden tests for WeChat Pay v3: what the crate signs, encrypts and verifies must match,
//! byte for byte, the vectors computed independently by `vectors/gen.py` (Python's
//! `cryptography`) with the same TEST keys. PKCS#1 v1.5 signatures are deterministic, so
//! equality is exact. Regenerate and compare: `python3 crates/pay/tests/vectors/gen.py --check`.

use crate::common;

use chrono::NaiveDate;
use common::*;
use daojia_domain::money::Money;
use daojia_pay::http::{ApiRequest, Method};
use daojia_pay::wechat::{
    self, Merchant,
    aead::{self, ApiV3Key},
    notify::Notification,
    sign::{MerchantKey, authorization, jsapi_pay_params},
    transactions::{PayOrder, Scene, TradeState},
    verify::{PlatformKeys, SignatureHeaders, verify},
};
use daojia_pay::{Error, PrivateKey, PublicKey};
use serde_json::Value;

fn merchant_key(req: &Value) -> MerchantKey {
    MerchantKey {
        mchid: s(&req["mchid"]).into(),
        serial_no: s(&req["serial_no"]).into(),
        private_key: PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
    }
}

fn direct() -> Merchant {
    Merchant::Direct {
        appid: "wxd678efh567hg6787".into(),
        mchid: "1900009191".into(),
    }
}

fn platform_keys(v: &Value) -> PlatformKeys {
    let mut keys = PlatformKeys::new();
    keys.insert(
        s(&v["wechat"]["platform_serial"]),
        PublicKey::from_pem(PLATFORM_CERT).unwrap(),
    );
    keys.insert(
        s(&v["wechat"]["platform_public_key_id"]),
        PublicKey::from_pem(PLATFORM_PUB).unwrap(),
    );
    keys
}

#[test]
fn wechat_request_signatures_and_authorization_headers_match_the_vectors() {
    let v = vectors();
    let requests = v["wechat"]["requests"].as_array().unwrap();
    assert!(requests.len() >= 3);
    for req in requests {
        let method = match s(&req["method"]) {
            "GET" => Method::Get,
            _ => Method::Post,
        };
        let ts = req["timestamp"].as_i64().unwrap();
        let api = ApiRequest {
            method,
            path: s(&req["path"]).into(),
            body: s(&req["body"]).into(),
        };
        assert_eq!(
            wechat::sign::request_message(
                method.as_str(),
                &api.path,
                ts,
                s(&req["nonce"]),
                &api.body
            ),
            s(&req["message"])
        );
        assert_eq!(
            authorization(&merchant_key(req), &api, ts, s(&req["nonce"])).unwrap(),
            s(&req["authorization"])
        );
    }
}

#[test]
fn wechat_builders_produce_exactly_the_requests_that_were_signed() {
    let v = vectors();
    let reqs = &v["wechat"]["requests"];
    let order = PayOrder {
        description: "到家保洁-日常保洁 2小时".into(),
        out_trade_no: "PI20261203000001".into(),
        amount: Money::fen(14900),
        notify_url: "https://daojia.example/api/v1/pay/notify/wechat".into(),
        time_expire: None,
        attach: None,
        profit_sharing: false,
    };
    let jsapi = wechat::transactions::create(
        &direct(),
        &order,
        &Scene::Jsapi {
            openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        },
    )
    .unwrap();
    assert_eq!(jsapi.path, s(&reqs[0]["path"]));
    assert_eq!(jsapi.body, s(&reqs[0]["body"]));
    let query = wechat::transactions::query(&direct(), "PI20261203000001").unwrap();
    assert_eq!(query.path, s(&reqs[1]["path"]));
    let bill = wechat::bill::trade_bill(
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        wechat::bill::TradeBillType::All,
        None,
        false,
    );
    assert_eq!(bill.path, s(&reqs[2]["path"]));
}

#[test]
fn the_jsapi_pay_sign_matches_the_vector() {
    let v = vectors();
    let p = &v["wechat"]["pay_sign"];
    let params = jsapi_pay_params(
        &PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
        s(&p["app_id"]),
        s(&p["prepay_id"]),
        p["timestamp"].as_i64().unwrap(),
        s(&p["nonce"]),
    )
    .unwrap();
    assert_eq!(params.pay_sign, s(&p["pay_sign"]));
    assert_eq!(params.sign_type, "RSA");
    assert_eq!(
        wechat::sign::pay_sign_message(
            &params.app_id,
            p["timestamp"].as_i64().unwrap(),
            &params.nonce_str,
            &params.package
        ),
        s(&p["message"])
    );
}

#[test]
fn aes_256_gcm_ciphertexts_match_the_vectors_both_ways() {
    let v = vectors();
    for case in v["wechat"]["aead"].as_array().unwrap() {
        let key = ApiV3Key::new(s(&case["key"])).unwrap();
        let (nonce, aad) = (s(&case["nonce"]), s(&case["associated_data"]));
        assert_eq!(
            aead::encrypt(&key, nonce, aad, s(&case["plaintext"])).unwrap(),
            s(&case["ciphertext"])
        );
        assert_eq!(
            aead::decrypt(&key, nonce, aad, s(&case["ciphertext"])).unwrap(),
            s(&case["plaintext"])
        );
    }
}

#[test]
fn genuine_callbacks_verify_by_certificate_serial_and_by_public_key_id() {
    let v = vectors();
    let keys = platform_keys(&v);
    let apiv3 = ApiV3Key::new(s(&v["wechat"]["apiv3_key"])).unwrap();
    let platform = PrivateKey::from_pem(PLATFORM_KEY).unwrap();
    for cb in v["wechat"]["callbacks"].as_array().unwrap() {
        let ts = cb["timestamp"].as_i64().unwrap();
        assert_eq!(
            wechat::verify::message(&ts.to_string(), s(&cb["nonce"]), s(&cb["body"])),
            s(&cb["message"])
        );
        assert_eq!(
            wechat::verify::sign_as_platform(&platform, ts, s(&cb["nonce"]), s(&cb["body"]))
                .unwrap(),
            s(&cb["signature"])
        );
        let ts_text = ts.to_string();
        let headers = SignatureHeaders {
            timestamp: &ts_text,
            nonce: s(&cb["nonce"]),
            signature: s(&cb["signature"]),
            serial: s(&cb["serial"]),
        };
        verify(&keys, &headers, s(&cb["body"]), at(ts + 42)).unwrap();
        if let Some(plain) = cb["resource_plaintext"].as_str() {
            let n = Notification::parse(s(&cb["body"])).unwrap();
            assert_eq!(n.event_type, "TRANSACTION.SUCCESS");
            assert_eq!(n.resource.decrypt(&apiv3).unwrap(), plain);
            let t = n.transaction(&apiv3).unwrap();
            assert_eq!(t.trade_state, TradeState::Success);
            assert_eq!(t.amount.as_ref().unwrap().total, Money::fen(14900));
            assert_eq!(t.out_trade_no, "PI20261203000001");
            t.check_merchant(&direct()).unwrap();
            assert!(matches!(
                t.check_merchant(&Merchant::Direct {
                    appid: "wx".into(),
                    mchid: "1900000000".into()
                }),
                Err(Error::Mismatch { field: "mchid", .. })
            ));
            assert!(matches!(n.refund(&apiv3), Err(Error::Mismatch { .. })));
        }
    }
}

#[test]
fn forged_tampered_replayed_and_unknown_callbacks_are_each_refused_distinctly() {
    let v = vectors();
    let keys = platform_keys(&v);
    let cb = &v["wechat"]["callbacks"][0];
    let ts = cb["timestamp"].as_i64().unwrap();
    let ts_text = ts.to_string();
    let body = s(&cb["body"]);
    let good = SignatureHeaders {
        timestamp: &ts_text,
        nonce: s(&cb["nonce"]),
        signature: s(&cb["signature"]),
        serial: s(&cb["serial"]),
    };
    let now = at(ts + 1);
    verify(&keys, &good, body, now).unwrap();

    // A body changed by one character.
    let tampered = body.replacen("EV-", "EW-", 1);
    assert!(matches!(
        verify(&keys, &good, &tampered, now),
        Err(Error::BadSignature)
    ));
    // A timestamp moved (to look fresh) without re-signing.
    let moved = (ts + 1).to_string();
    let h = SignatureHeaders {
        timestamp: &moved,
        ..good
    };
    assert!(matches!(
        verify(&keys, &h, body, now),
        Err(Error::BadSignature)
    ));
    // Another nonce.
    let h = SignatureHeaders {
        nonce: "0000",
        ..good
    };
    assert!(matches!(
        verify(&keys, &h, body, now),
        Err(Error::BadSignature)
    ));
    // The genuine message replayed six minutes later, or arriving from the future.
    assert!(matches!(
        verify(&keys, &good, body, at(ts + 301)),
        Err(Error::StaleTimestamp { skew_secs: 301, .. })
    ));
    assert!(matches!(
        verify(&keys, &good, body, at(ts - 301)),
        Err(Error::StaleTimestamp { .. })
    ));
    verify(&keys, &good, body, at(ts + 300)).unwrap();
    // A serial we do not hold.
    let h = SignatureHeaders {
        serial: "0123456789ABCDEF",
        ..good
    };
    assert!(
        matches!(verify(&keys, &h, body, now), Err(Error::UnknownSerial(s)) if s == "0123456789ABCDEF")
    );
    // Signed by someone else's key (the merchant's own, for instance).
    let forged = PrivateKey::from_pem(MERCHANT_KEY)
        .unwrap()
        .sign_sha256(s(&cb["message"]).as_bytes())
        .unwrap();
    let h = SignatureHeaders {
        signature: &forged,
        ..good
    };
    assert!(matches!(
        verify(&keys, &h, body, now),
        Err(Error::BadSignature)
    ));
    // Garbage in the signature header.
    let h = SignatureHeaders {
        signature: "%%%",
        ..good
    };
    assert!(matches!(
        verify(&keys, &h, body, now),
        Err(Error::BadSignature)
    ));
    // A non-numeric timestamp.
    let h = SignatureHeaders {
        timestamp: "yesterday",
        ..good
    };
    assert!(matches!(
        verify(&keys, &h, body, now),
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn a_tampered_resource_does_not_decrypt() {
    let v = vectors();
    let apiv3 = ApiV3Key::new(s(&v["wechat"]["apiv3_key"])).unwrap();
    let mut n = Notification::parse(s(&v["wechat"]["callbacks"][0]["body"])).unwrap();
    n.resource.associated_data = "refund".into();
    assert!(matches!(n.transaction(&apiv3), Err(Error::Decrypt)));
    let wrong = ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap();
    let n = Notification::parse(s(&v["wechat"]["callbacks"][0]["body"])).unwrap();
    assert!(matches!(n.transaction(&wrong), Err(Error::Decrypt)));
}

#[test]
fn the_platform_certificate_carries_the_platform_public_key() {
    assert_eq!(
        PublicKey::from_pem(PLATFORM_CERT).unwrap(),
        PublicKey::from_pem(PLATFORM_PUB).unwrap()
    );
}

/// The fund flow bill of the vectors, as lines.
fn fund_bill_lines() -> Vec<wechat::fund_bill::FundLine> {
    use wechat::fund_bill::{FundKind, FundLine};
    let at = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").unwrap();
    let line = |t, kind, income, fen, balance, wx: &str, flow: &str, voucher: &str| FundLine {
        kind,
        income,
        amount: Money::fen(fen),
        balance: Money::fen(balance),
        at: at(t),
        wechat_no: wx.into(),
        flow_no: flow.into(),
        voucher: voucher.into(),
        remark: String::new(),
    };
    vec![
        line(
            "2026-12-02 10:03:00",
            FundKind::Payment,
            true,
            14_900,
            14_900,
            "4200PI1",
            "190000000110031",
            "PI1",
        ),
        line(
            "2026-12-02 10:03:00",
            FundKind::Fee,
            false,
            89,
            14_811,
            "4200PI1",
            "190000000110030",
            "PI1",
        ),
        line(
            "2026-12-02 11:00:00",
            FundKind::Refund,
            false,
            4_900,
            9_911,
            "4200RF1",
            "190000000111000",
            "RF1",
        ),
        line(
            "2026-12-02 11:00:00",
            FundKind::Fee,
            true,
            29,
            9_940,
            "4200RF1",
            "190000000111001",
            "RF1",
        ),
        line(
            "2026-12-02 12:30:00",
            FundKind::Transfer,
            false,
            5_000,
            4_940,
            "4200W1",
            "190000000112300",
            "W1",
        ),
    ]
}

#[test]
fn the_fund_flow_bill_call_its_signed_reply_and_its_file_match_the_vectors() {
    use sha1::Digest;
    let v = vectors();
    let f = &v["wechat_fund_bill"];
    // The call, signed as gen.py signed it.
    let req = &f["request"];
    let api = wechat::bill::fund_flow_bill(
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        wechat::bill::AccountType::Basic,
        false,
    );
    assert_eq!(api.path, s(&req["path"]));
    let ts = req["timestamp"].as_i64().unwrap();
    assert_eq!(
        authorization(&merchant_key(req), &api, ts, s(&req["nonce"])).unwrap(),
        s(&req["authorization"])
    );
    // The reply verifies with the platform certificate and names the file's SHA1.
    let reply = &f["reply"];
    let rts = reply["timestamp"].as_i64().unwrap();
    let ts_text = rts.to_string();
    let headers = SignatureHeaders {
        timestamp: &ts_text,
        nonce: s(&reply["nonce"]),
        signature: s(&reply["signature"]),
        serial: s(&reply["serial"]),
    };
    verify(&platform_keys(&v), &headers, s(&reply["body"]), at(rts + 5)).unwrap();
    let url = wechat::bill::BillUrl::parse(s(&reply["body"])).unwrap();
    assert_eq!(url.hash_value, s(&f["sha1"]));
    // The file: our renderer writes exactly these bytes, whose SHA1 is the one signed, and
    // the parser reads them back into the same lines.
    let lines = fund_bill_lines();
    let text = wechat::fund_bill::render_fund_bill(&lines);
    assert_eq!(text, s(&f["file"]));
    assert_eq!(
        hex::encode(sha1::Sha1::digest(text.as_bytes())),
        s(&f["sha1"])
    );
    assert_eq!(
        wechat::fund_bill::parse_fund_bill(s(&f["file"])).unwrap(),
        lines
    );
    // A file changed after the hash was signed no longer matches it.
    let altered = s(&f["file"]).replacen("`149.00", "`149.01", 1);
    assert_ne!(
        hex::encode(sha1::Sha1::digest(altered.as_bytes())),
        s(&f["sha1"])
    );
}
