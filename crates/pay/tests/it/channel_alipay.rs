//! The Alipay channel end to end over a fake transport that plays the gateway: it checks our
//! RSA2 request signatures with the application's public key and signs its replies with the
//! (TEST) Alipay key, as the real gateway and the future simulator do.

use crate::common;

use chrono::NaiveDate;
use common::*;
use daojia_domain::money::Money;
use daojia_pay::alipay::GATEWAY;
use daojia_pay::alipay::notify::parse_form;
use daojia_pay::alipay::sign::{AppKey, Params, sign_content, sign_params};
use daojia_pay::alipay::verify::response_member;
use daojia_pay::channel::alipay::{AlipayChannel, AlipayConfig};
use daojia_pay::channel::{
    Bill, Charge, Checkout, HttpRequest, HttpResponse, Notice, Notify, PayMethod, PaymentRequest,
    PaymentState, Refund, RefundRequest, RefundState, Transport,
};
use daojia_pay::http::percent_encode;
use daojia_pay::{Error, PrivateKey, PublicKey};
use std::sync::Mutex;

const APP_ID: &str = "2021000123456789";
const BILL_URL: &str =
    "https://dwbillcenter.alipay.com/downloadBillFile.resource?bizType=trade&fileId=1";
const BILL: &[u8] = b"PK\x03\x04 a zip file";

struct FakeGateway {
    tamper: Mutex<bool>,
    sent: Mutex<Vec<HttpRequest>>,
}

fn app_public() -> PublicKey {
    PublicKey::from_pem(include_str!("../keys/test-alipay-app.pub.pem")).unwrap()
}

#[async_trait::async_trait]
impl Transport for FakeGateway {
    async fn send(&self, req: HttpRequest) -> daojia_pay::Result<HttpResponse> {
        self.sent.lock().unwrap().push(req.clone());
        if req.url == BILL_URL {
            return Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body: BILL.to_vec(),
            });
        }
        assert_eq!(req.url, format!("{GATEWAY}?charset=utf-8"));
        let params = parse_form(&req.body).unwrap();
        app_public()
            .verify_sha256(sign_content(&params, &["sign"]).as_bytes(), &params["sign"])
            .expect("the gateway accepts only requests signed with the app key");
        assert_eq!(
            (params["app_id"].as_str(), params["sign_type"].as_str()),
            (APP_ID, "RSA2")
        );
        let biz: serde_json::Value = serde_json::from_str(&params["biz_content"]).unwrap();
        let method = params["method"].as_str();
        let inner = match method {
            "alipay.trade.precreate" => {
                serde_json::json!({"code":"10000","msg":"Success","out_trade_no":biz["out_trade_no"],"qr_code":"https://qr.alipay.com/bax08431xyz"})
            }
            "alipay.trade.query" if biz["out_trade_no"] == "PI20261203000002" => {
                serde_json::json!({
                "code":"10000","msg":"Success","trade_no":"2026120322001446880500012345","out_trade_no":"PI20261203000002",
                "buyer_logon_id":"159****5620","trade_status":"TRADE_SUCCESS","total_amount":"149.00"})
            }
            "alipay.trade.query" => {
                serde_json::json!({"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"})
            }
            "alipay.trade.refund" => {
                serde_json::json!({"code":"10000","msg":"Success","trade_no":"2026120322001446880500012345",
                "out_trade_no":biz["out_trade_no"],"fund_change": if biz["out_request_no"] == "RF-AGAIN" { "N" } else { "Y" },"refund_fee":biz["refund_amount"]})
            }
            "alipay.trade.fastpay.refund.query" => {
                serde_json::json!({"code":"10000","msg":"Success","out_trade_no":biz["out_trade_no"],
                "out_request_no":biz["out_request_no"],"refund_amount":"49.00","refund_status":"REFUND_SUCCESS"})
            }
            "alipay.data.dataservice.bill.downloadurl.query" => {
                serde_json::json!({"code":"10000","msg":"Success","bill_download_url":BILL_URL})
            }
            other => panic!("unexpected method {other}"),
        };
        let inner = inner.to_string();
        let sign = PrivateKey::from_pem(include_str!("../keys/test-alipay-platform.key.pem"))
            .unwrap()
            .sign_sha256(inner.as_bytes())
            .unwrap();
        let inner = if *self.tamper.lock().unwrap() {
            inner.replace("149.00", "1.49")
        } else {
            inner
        };
        let body = format!(
            r#"{{"{}":{inner},"sign":"{sign}"}}"#,
            response_member(method)
        );
        Ok(HttpResponse {
            status: 200,
            headers: vec![],
            body: body.into_bytes(),
        })
    }
}

fn channel() -> AlipayChannel<FakeGateway> {
    let config = AlipayConfig {
        app: AppKey {
            app_id: APP_ID.into(),
            private_key: PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap(),
        },
        alipay_public_key: PublicKey::from_pem(ALIPAY_PLATFORM_PUB).unwrap(),
        notify_url: "https://daojia.example/api/v1/pay/notify/alipay".into(),
        gateway: GATEWAY.into(),
    };
    AlipayChannel::new(
        config,
        FakeGateway {
            tamper: Mutex::new(false),
            sent: Mutex::new(Vec::new()),
        },
    )
}

fn order(method: PayMethod) -> PaymentRequest {
    PaymentRequest {
        intent: "PI20261203000002".into(),
        amount: Money::fen(14900),
        description: "到家保洁·日常保洁 2小时 & 擦窗".into(),
        method,
        return_url: Some("https://daojia.example/h5/orders/42?paid=1".into()),
        expires_at: Some(at(NOW + 900)),
        profit_sharing: false,
    }
}

// 2026-12-03 05:20:00 UTC, 13:20 in China.
const NOW: i64 = 1_796_275_200;

#[tokio::test]
async fn a_wap_payment_is_a_signed_page_url_and_sends_nothing() {
    let c = channel();
    let Checkout::Redirect(url) = c
        .create(
            &order(PayMethod::H5 {
                payer_client_ip: "203.0.113.7".into(),
            }),
            at(NOW),
        )
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(c.transport().sent.lock().unwrap().is_empty());
    let query = url.strip_prefix(&format!("{GATEWAY}?")).unwrap();
    let params = parse_form(query).unwrap();
    assert_eq!(params["method"], "alipay.trade.wap.pay");
    assert_eq!(params["timestamp"], "2026-12-03 13:20:00");
    assert_eq!(
        params["return_url"],
        "https://daojia.example/h5/orders/42?paid=1"
    );
    assert!(params["biz_content"].contains(r#""time_expire":"2026-12-03 13:35:00""#));
    app_public()
        .verify_sha256(sign_content(&params, &["sign"]).as_bytes(), &params["sign"])
        .unwrap();
}

#[tokio::test]
async fn a_qr_payment_returns_the_code_and_jsapi_is_not_alipays() {
    let c = channel();
    let checkout = c.create(&order(PayMethod::Qr), at(NOW)).await.unwrap();
    assert_eq!(
        checkout,
        Checkout::QrCode("https://qr.alipay.com/bax08431xyz".into())
    );
    assert!(matches!(
        c.create(&order(PayMethod::Jsapi { openid: "o".into() }), at(NOW))
            .await,
        Err(Error::Unsupported(_))
    ));
}

#[tokio::test]
async fn queries_read_paid_and_unknown_trades_and_refuse_tampered_replies() {
    let c = channel();
    let s = c.query("PI20261203000002", at(NOW)).await.unwrap();
    assert_eq!(
        (s.state, s.amount),
        (PaymentState::Succeeded, Some(Money::fen(14900)))
    );
    let s = c.query("PI20261203999999", at(NOW)).await.unwrap();
    assert_eq!(s.state, PaymentState::NotFound);
    *c.transport().tamper.lock().unwrap() = true;
    assert!(matches!(
        c.query("PI20261203000002", at(NOW)).await,
        Err(Error::BadSignature)
    ));
}

#[tokio::test]
async fn refunds_succeed_and_a_retry_that_moved_no_money_stays_in_progress() {
    let c = channel();
    let req = RefundRequest {
        intent: "PI20261203000002".into(),
        refund: "RF20261203000002".into(),
        amount: Money::fen(4900),
        paid: Money::fen(14900),
        reason: None,
    };
    assert_eq!(
        c.refund(&req, at(NOW)).await.unwrap().state,
        RefundState::Succeeded
    );
    let again = RefundRequest {
        refund: "RF-AGAIN".into(),
        ..req.clone()
    };
    assert_eq!(
        c.refund(&again, at(NOW)).await.unwrap().state,
        RefundState::Processing
    );
    let q = c
        .query_refund("PI20261203000002", "RF-AGAIN", at(NOW))
        .await
        .unwrap();
    assert_eq!(
        (q.state, q.amount),
        (RefundState::Succeeded, Some(Money::fen(4900)))
    );
    let over = RefundRequest {
        amount: Money::fen(14901),
        ..req
    };
    assert!(matches!(
        c.refund(&over, at(NOW)).await,
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn notifications_are_verified_and_read_and_other_apps_are_refused() {
    let c = channel();
    let mut fields = Params::new();
    for (k, v) in [
        ("notify_id", "2026120300222212019e1f3b9f0f1a0e41"),
        ("notify_type", "trade_status_sync"),
        ("notify_time", "2026-12-03 21:20:20"),
        ("app_id", APP_ID),
        ("charset", "utf-8"),
        ("version", "1.0"),
        ("out_trade_no", "PI20261203000002"),
        ("trade_no", "2026120322001446880500012345"),
        ("trade_status", "TRADE_SUCCESS"),
        ("total_amount", "149.00"),
        ("receipt_amount", "149.00"),
        ("subject", "到家保洁 & 擦窗"),
        ("gmt_payment", "2026-12-03 21:20:19"),
    ] {
        fields.insert(k.into(), v.into());
    }
    let alipay =
        PrivateKey::from_pem(include_str!("../keys/test-alipay-platform.key.pem")).unwrap();
    let mut signed = fields.clone();
    sign_params(&alipay, &mut signed).unwrap();
    signed.insert("sign_type".into(), "RSA2".into());
    let body = |p: &Params| {
        p.iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let n = c.verify_notification(&[], &body(&signed), at(NOW)).unwrap();
    let Notice::Payment(p) = n.notice else {
        panic!()
    };
    assert_eq!(
        (p.state, p.amount),
        (PaymentState::Succeeded, Some(Money::fen(14900)))
    );
    assert_eq!(c.answer(Ok(())).body, "success");
    assert_eq!(c.answer(Err("later")).body, "fail");

    let mut other = fields;
    other.insert("app_id".into(), "2021000999999999".into());
    sign_params(&alipay, &mut other).unwrap();
    assert!(matches!(
        c.verify_notification(&[], &body(&other), at(NOW)),
        Err(Error::Mismatch {
            field: "app_id",
            ..
        })
    ));
    let forged = body(&signed).replace("149.00", "1.49");
    assert!(matches!(
        c.verify_notification(&[], &forged, at(NOW)),
        Err(Error::BadSignature)
    ));
}

#[tokio::test]
async fn the_bill_is_fetched_from_the_url_alipay_signed() {
    let c = channel();
    let bill = c
        .download_bill(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), at(NOW))
        .await
        .unwrap();
    assert_eq!(bill, BILL);
}
