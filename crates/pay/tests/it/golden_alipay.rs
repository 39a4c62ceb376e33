//! Golden tests for Alipay RSA2: request signatures, notifications and synchronous replies
//! against the vectors computed independently by `vectors/gen.py` with the same TEST keys.

use crate::common;

use chrono::{DateTime, Utc};
use common::*;
use daojia_domain::money::Money;
use daojia_pay::alipay::{self, notify::TradeNotification, sign::Params};
use daojia_pay::http::percent_encode;
use daojia_pay::{Error, PrivateKey, PublicKey};
use serde_json::Value;

fn params_of(v: &Value) -> Params {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), s(v).to_owned()))
        .collect()
}

#[test]
fn alipay_request_signatures_match_the_vectors() {
    let v = vectors();
    let key = PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap();
    for req in v["alipay"]["requests"].as_array().unwrap() {
        let mut params = params_of(&req["params"]);
        assert_eq!(
            alipay::sign::sign_content(&params, &["sign"]),
            s(&req["sign_content"])
        );
        alipay::sign::sign_params(&key, &mut params).unwrap();
        assert_eq!(params["sign"], s(&req["sign"]));
        assert_eq!(alipay::sign::encode(&params), s(&req["query"]));
    }
}

#[test]
fn the_alipay_builders_produce_the_signed_wap_pay_request() {
    let v = vectors();
    let req = &v["alipay"]["requests"][0];
    let biz = alipay::trade::wap_pay(&alipay::trade::PayOrder {
        out_trade_no: "PI20261203000002".into(),
        amount: Money::fen(14900),
        subject: "到家保洁·日常保洁 2小时 & 擦窗".into(),
        quit_url: Some("https://daojia.example/h5/orders/42?from=alipay".into()),
        time_expire: None,
    })
    .unwrap();
    assert_eq!(biz, s(&req["params"]["biz_content"]));
    let key = alipay::sign::AppKey {
        app_id: "2021000123456789".into(),
        private_key: PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap(),
    };
    // 21:20:00 in China is 13:20:00 UTC.
    let now = DateTime::parse_from_rfc3339("2026-12-03T13:20:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let params = alipay::sign::signed_params(
        &key,
        alipay::trade::WAP_PAY,
        &biz,
        &alipay::sign::Urls {
            notify_url: Some("https://daojia.example/api/v1/pay/notify/alipay"),
            return_url: Some("https://daojia.example/h5/orders/42?paid=1&via=alipay"),
        },
        now,
    )
    .unwrap();
    assert_eq!(params["sign"], s(&req["sign"]));
    let url = alipay::sign::page_url(alipay::GATEWAY, &params);
    assert_eq!(url, format!("{}?{}", alipay::GATEWAY, s(&req["query"])));
}

fn form_body(fields: &Params) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn alipay_notifications_verify_and_forgeries_do_not() {
    let v = vectors();
    let alipay_pub = PublicKey::from_pem(ALIPAY_PLATFORM_PUB).unwrap();
    let n = &v["alipay"]["notifications"][0];
    let fields = params_of(&n["fields"]);
    assert_eq!(
        alipay::sign::sign_content(&fields, &["sign", "sign_type"]),
        s(&n["sign_content"])
    );
    // As received: a form body, values URL-encoded; `+` for spaces as browsers send them.
    let body = form_body(&fields).replace("%20", "+");
    let parsed = alipay::notify::parse_form(&body).unwrap();
    assert_eq!(parsed, fields);
    let app = "2021000123456789";
    alipay::verify::verify_notification(&alipay_pub, &parsed, app).unwrap();
    let t = TradeNotification::from_params(&parsed).unwrap();
    assert_eq!(t.total_amount, Money::fen(14900));
    assert_eq!(t.trade_status, alipay::trade::TradeStatus::TradeSuccess);
    assert_eq!(t.out_trade_no, "PI20261203000002");

    // sign_type is not signed: changing it changes nothing.
    let mut p = parsed.clone();
    p.insert("sign_type".into(), "RSA".into());
    alipay::verify::verify_notification(&alipay_pub, &p, app).unwrap();
    // A tampered amount.
    let mut p = parsed.clone();
    p.insert("total_amount".into(), "1.49".into());
    assert!(matches!(
        alipay::verify::verify_notification(&alipay_pub, &p, app),
        Err(Error::BadSignature)
    ));
    // An added field.
    let mut p = parsed.clone();
    p.insert("refund_fee".into(), "149.00".into());
    assert!(matches!(
        alipay::verify::verify_notification(&alipay_pub, &p, app),
        Err(Error::BadSignature)
    ));
    // Genuine, but for another application.
    assert!(matches!(
        alipay::verify::verify_notification(&alipay_pub, &parsed, "2021000999999999"),
        Err(Error::Mismatch {
            field: "app_id",
            ..
        })
    ));
    // Signed with our own key instead of Alipay's.
    let mut p = parsed.clone();
    alipay::sign::sign_params(&PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap(), &mut p).unwrap();
    assert!(matches!(
        alipay::verify::verify_notification(&alipay_pub, &p, app),
        Err(Error::BadSignature)
    ));
    // No signature at all.
    let mut p = parsed;
    p.remove("sign");
    assert!(matches!(
        alipay::verify::verify_notification(&alipay_pub, &p, app),
        Err(Error::Missing("sign"))
    ));
    // A field given twice in the form.
    assert!(alipay::notify::parse_form(&format!("{body}&trade_status=TRADE_CLOSED")).is_err());
}

#[test]
fn alipay_replies_verify_on_their_raw_member_text() {
    let v = vectors();
    let alipay_pub = PublicKey::from_pem(ALIPAY_PLATFORM_PUB).unwrap();
    for r in v["alipay"]["responses"].as_array().unwrap() {
        let member =
            alipay::verify::verify_response(&alipay_pub, s(&r["method"]), s(&r["body"])).unwrap();
        assert_eq!(member, s(&r["signed_content"]));
        // The same reply re-serialised (escapes and spacing normalised) no longer verifies:
        // which is why the member is cut out of the text, not rebuilt.
        let reserialised =
            serde_json::to_string(&serde_json::from_str::<Value>(s(&r["body"])).unwrap()).unwrap();
        if !reserialised.contains(s(&r["signed_content"])) {
            assert!(matches!(
                alipay::verify::verify_response(&alipay_pub, s(&r["method"]), &reserialised),
                Err(Error::BadSignature)
            ));
        }
        let tampered = s(&r["body"])
            .replacen("PI2026", "PI2027", 1)
            .replacen("40004", "10000", 1);
        assert!(matches!(
            alipay::verify::verify_response(&alipay_pub, s(&r["method"]), &tampered),
            Err(Error::BadSignature)
        ));
    }
    let r = &v["alipay"]["responses"];
    let pre = alipay::trade::parse_precreate(
        alipay::verify::verify_response(&alipay_pub, alipay::trade::PRECREATE, s(&r[0]["body"]))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(pre.qr_code, "https://qr.alipay.com/bax08431xyz");
    let q = alipay::trade::parse_query(
        alipay::verify::verify_response(&alipay_pub, alipay::trade::QUERY, s(&r[1]["body"]))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(q.total_amount, Money::fen(14900));
    let refund = alipay::trade::parse_refund(
        alipay::verify::verify_response(&alipay_pub, alipay::trade::REFUND, s(&r[2]["body"]))
            .unwrap(),
    );
    assert!(matches!(refund, Err(Error::Channel { code, .. }) if code == "ACQ.TRADE_NOT_EXIST"));
    // A reply to another method does not pass for this one.
    assert!(
        alipay::verify::verify_response(&alipay_pub, alipay::trade::CLOSE, s(&r[0]["body"]))
            .is_err()
    );
}
