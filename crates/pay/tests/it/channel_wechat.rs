//! The WeChat Pay channel end to end over a fake transport that plays WeChat: it checks our
//! request signatures with the merchant's public key and signs its replies with the (TEST)
//! platform key, as the real API and the future simulator do.

use crate::common;

use chrono::NaiveDate;
use common::*;
use daojia_domain::money::Money;
use daojia_pay::channel::wechat::{WechatChannel, WechatConfig};
use daojia_pay::channel::{
    Bill, Charge, Checkout, HttpRequest, HttpResponse, Notice, Notify, PayMethod, PaymentRequest,
    PaymentState, Refund, RefundRequest, RefundState, Transport,
};
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::notify::Resource;
use daojia_pay::wechat::sign::{MerchantKey, request_message};
use daojia_pay::wechat::verify::{PlatformKeys, sign_as_platform};
use daojia_pay::wechat::{API_BASE, Merchant};
use daojia_pay::{Error, PrivateKey, PublicKey};
use sha1::{Digest, Sha1};
use std::collections::BTreeMap;
use std::sync::Mutex;

const SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const APIV3: &str = "daojiaTestApiV3Key0123456789abcd";
const BILL: &[u8] =
    "交易时间,公众账号ID,商户号\n`2026-12-02 10:00:00,`wxd678efh567hg6787,`1900009191\n".as_bytes();

#[derive(Clone, Copy, PartialEq)]
enum Reply {
    Genuine,
    TamperedBody,
    UnknownSerial,
    Unsigned,
    CorruptBill,
}

struct FakeWechat {
    reply: Mutex<Reply>,
    sent: Mutex<Vec<HttpRequest>>,
}

impl FakeWechat {
    fn new() -> Self {
        FakeWechat {
            reply: Mutex::new(Reply::Genuine),
            sent: Mutex::new(Vec::new()),
        }
    }
}

fn authorization_fields(header: &str) -> BTreeMap<String, String> {
    let rest = header
        .strip_prefix("WECHATPAY2-SHA256-RSA2048 ")
        .expect("our scheme");
    rest.split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.trim_matches('"').to_owned())
        })
        .collect()
}

#[async_trait::async_trait]
impl Transport for FakeWechat {
    async fn send(&self, req: HttpRequest) -> daojia_pay::Result<HttpResponse> {
        self.sent.lock().unwrap().push(req.clone());
        let reply = *self.reply.lock().unwrap();
        let path = req
            .url
            .strip_prefix(API_BASE)
            .expect("WeChat's base URL")
            .to_owned();
        let auth = req
            .headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .map(|(_, v)| v.clone());
        let f = authorization_fields(&auth.expect("every call is signed"));
        let message = request_message(
            req.method.as_str(),
            &path,
            f["timestamp"].parse().unwrap(),
            &f["nonce_str"],
            &req.body,
        );
        let merchant =
            PublicKey::from_pem(include_str!("../keys/test-wechat-merchant.pub.pem")).unwrap();
        if merchant
            .verify_sha256(message.as_bytes(), &f["signature"])
            .is_err()
            || f["mchid"] != "1900009191"
        {
            return Ok(HttpResponse {
                status: 401,
                headers: vec![],
                body: br#"{"code":"SIGN_ERROR","message":"bad signature"}"#.to_vec(),
            });
        }
        if path.starts_with("/v3/billdownload/") {
            let body = if reply == Reply::CorruptBill {
                BILL[1..].to_vec()
            } else {
                BILL.to_vec()
            };
            return Ok(HttpResponse {
                status: 200,
                headers: vec![],
                body,
            });
        }
        let (status, body) = match (req.method.as_str(), path.as_str()) {
            ("POST", "/v3/pay/transactions/jsapi") => (200, r#"{"prepay_id":"wx03132000000000001"}"#.to_owned()),
            ("POST", "/v3/pay/transactions/h5") => (200, r#"{"h5_url":"https://wx.tenpay.com/checkmweb?prepay_id=wx1&package=1"}"#.to_owned()),
            ("GET", "/v3/pay/transactions/out-trade-no/PI20261203000001?mchid=1900009191") => (200, paid_transaction("1900009191")),
            ("GET", p) if p.starts_with("/v3/pay/transactions/out-trade-no/") => (404, r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#.to_owned()),
            ("POST", p) if p.ends_with("/close") => (204, String::new()),
            // The platform certificate list: the one certificate, encrypted under the APIv3 key.
            ("GET", "/v3/certificates") => (200, serde_json::json!({ "data": [{
                "serial_no": SERIAL, "effective_time": "2026-01-01T00:00:00+08:00",
                "expire_time": "2031-01-01T00:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM", "nonce": "61f9c719728a", "associated_data": "certificate",
                    "ciphertext": daojia_pay::wechat::aead::encrypt(
                        &ApiV3Key::new(APIV3).unwrap(), "61f9c719728a", "certificate", PLATFORM_CERT,
                    ).unwrap()
                }
            }]}).to_string()),
            ("POST", "/v3/refund/domestic/refunds") => {
                let r: serde_json::Value = serde_json::from_str(&req.body).unwrap();
                (200, serde_json::json!({
                    "refund_id": "50000000382019052709732678859", "out_refund_no": r["out_refund_no"],
                    "transaction_id": "4200000000202612031234567890", "out_trade_no": r["out_trade_no"],
                    "channel": "ORIGINAL", "user_received_account": "招商银行信用卡0403",
                    "create_time": "2026-12-03T13:30:00+08:00", "status": "SUCCESS",
                    "amount": { "total": r["amount"]["total"], "refund": r["amount"]["refund"], "currency": "CNY" }
                }).to_string())
            }
            ("GET", p) if p.starts_with("/v3/bill/tradebill?bill_date=2026-12-02") => (200, serde_json::json!({
                "hash_type": "SHA1", "hash_value": hex::encode(Sha1::digest(BILL)),
                "download_url": format!("{API_BASE}/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO")
            }).to_string()),
            other => panic!("unexpected call {other:?}"),
        };
        let nonce = "A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6";
        let ts: i64 = f["timestamp"].parse().unwrap();
        let platform = PrivateKey::from_pem(PLATFORM_KEY).unwrap();
        let signature = sign_as_platform(&platform, ts, nonce, &body).unwrap();
        let body = if reply == Reply::TamperedBody {
            body.replace("14900", "1")
        } else {
            body
        };
        let serial = if reply == Reply::UnknownSerial {
            "0000"
        } else {
            SERIAL
        };
        let mut headers: Vec<(String, String)> = vec![
            ("Wechatpay-Timestamp".into(), ts.to_string()),
            ("Wechatpay-Nonce".into(), nonce.into()),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Serial".into(), serial.into()),
        ];
        if reply == Reply::Unsigned {
            headers.clear();
        }
        Ok(HttpResponse {
            status,
            headers,
            body: body.into_bytes(),
        })
    }
}

fn paid_transaction(mchid: &str) -> String {
    serde_json::json!({
        "mchid": mchid, "appid": "wxd678efh567hg6787", "out_trade_no": "PI20261203000001",
        "transaction_id": "4200000000202612031234567890", "trade_type": "JSAPI",
        "trade_state": "SUCCESS", "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "success_time": "2026-12-03T13:20:31+08:00", "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
        "amount": { "total": 14900, "payer_total": 14900, "currency": "CNY", "payer_currency": "CNY" }
    })
    .to_string()
}

fn channel() -> WechatChannel<FakeWechat> {
    let mut platform = PlatformKeys::new();
    platform.insert(SERIAL, PublicKey::from_pem(PLATFORM_CERT).unwrap());
    let config = WechatConfig {
        merchant: Merchant::Direct {
            appid: "wxd678efh567hg6787".into(),
            mchid: "1900009191".into(),
        },
        key: MerchantKey {
            mchid: "1900009191".into(),
            serial_no: "3775B6A45ACD588826D15E583A95F5DD0E1A3B2D".into(),
            private_key: PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
        },
        platform,
        apiv3_key: ApiV3Key::new(APIV3).unwrap(),
        notify_url: "https://daojia.example/api/v1/pay/notify/wechat".into(),
        refund_notify_url: None,
        base_url: API_BASE.into(),
    };
    WechatChannel::new(config, FakeWechat::new())
}

fn transport(c: &WechatChannel<FakeWechat>) -> &FakeWechat {
    // The channel owns its transport; tests reach it through this accessor.
    c.transport()
}

fn order(method: PayMethod) -> PaymentRequest {
    PaymentRequest {
        intent: "PI20261203000001".into(),
        amount: Money::fen(14900),
        description: "到家保洁-日常保洁 2小时".into(),
        method,
        return_url: Some("https://daojia.example/h5/orders/42".into()),
        expires_at: None,
        profit_sharing: false,
    }
}

const NOW: i64 = 1_764_739_200;

#[tokio::test]
async fn a_jsapi_payment_is_signed_and_hands_back_pay_params_the_merchant_signed() {
    let c = channel();
    let checkout = c
        .create(
            &order(PayMethod::Jsapi {
                openid: "oUpF8u".into(),
            }),
            at(NOW),
        )
        .await
        .unwrap();
    let Checkout::Jsapi(p) = checkout else {
        panic!("{checkout:?}")
    };
    assert_eq!(p.package, "prepay_id=wx03132000000000001");
    assert_eq!(p.time_stamp, NOW.to_string());
    let merchant =
        PublicKey::from_pem(include_str!("../keys/test-wechat-merchant.pub.pem")).unwrap();
    let msg = format!(
        "{}\n{}\n{}\n{}\n",
        p.app_id, p.time_stamp, p.nonce_str, p.package
    );
    merchant.verify_sha256(msg.as_bytes(), &p.pay_sign).unwrap();
    let sent = transport(&c).sent.lock().unwrap();
    assert!(sent[0].body.contains(r#""payer":{"openid":"oUpF8u"}"#));
}

#[tokio::test]
async fn an_h5_payment_redirects_to_wechats_cashier_and_back() {
    let c = channel();
    let checkout = c
        .create(
            &order(PayMethod::H5 {
                payer_client_ip: "203.0.113.7".into(),
            }),
            at(NOW),
        )
        .await
        .unwrap();
    assert_eq!(
        checkout,
        Checkout::Redirect("https://wx.tenpay.com/checkmweb?prepay_id=wx1&package=1&redirect_url=https%3A%2F%2Fdaojia.example%2Fh5%2Forders%2F42".into())
    );
}

#[tokio::test]
async fn queries_read_the_state_and_amount_or_not_found() {
    let c = channel();
    let s = c.query("PI20261203000001", at(NOW)).await.unwrap();
    assert_eq!(s.state, PaymentState::Succeeded);
    assert_eq!(s.amount, Some(Money::fen(14900)));
    assert_eq!(
        s.channel_trade_no.as_deref(),
        Some("4200000000202612031234567890")
    );
    let s = c.query("PI20261203999999", at(NOW)).await.unwrap();
    assert_eq!(s.state, PaymentState::NotFound);
    c.close("PI20261203999999", at(NOW)).await.unwrap();
}

#[tokio::test]
async fn replies_that_are_tampered_unsigned_or_signed_by_an_unknown_key_are_refused() {
    let c = channel();
    *transport(&c).reply.lock().unwrap() = Reply::TamperedBody;
    assert!(matches!(
        c.query("PI20261203000001", at(NOW)).await,
        Err(Error::BadSignature)
    ));
    *transport(&c).reply.lock().unwrap() = Reply::UnknownSerial;
    assert!(matches!(
        c.query("PI20261203000001", at(NOW)).await,
        Err(Error::UnknownSerial(_))
    ));
    *transport(&c).reply.lock().unwrap() = Reply::Unsigned;
    assert!(matches!(
        c.query("PI20261203000001", at(NOW)).await,
        Err(Error::Missing(_))
    ));
    // An unsigned "order does not exist" is not taken as proof that it does not.
    assert!(matches!(
        c.query("PI20261203999999", at(NOW)).await,
        Err(Error::Channel { code, .. }) if code == "ORDER_NOT_EXIST"
    ));
}

#[tokio::test]
async fn refunds_go_through_and_an_over_refund_is_refused_before_any_call() {
    let c = channel();
    let req = RefundRequest {
        intent: "PI20261203000001".into(),
        refund: "RF20261203000001".into(),
        amount: Money::fen(4900),
        paid: Money::fen(14900),
        reason: Some("取消部分服务".into()),
    };
    let r = c.refund(&req, at(NOW)).await.unwrap();
    assert_eq!(
        (r.state, r.amount),
        (RefundState::Succeeded, Some(Money::fen(4900)))
    );
    let before = transport(&c).sent.lock().unwrap().len();
    let over = RefundRequest {
        amount: Money::fen(14901),
        ..req
    };
    assert!(matches!(
        c.refund(&over, at(NOW)).await,
        Err(Error::Invalid {
            field: "refund",
            ..
        })
    ));
    assert_eq!(transport(&c).sent.lock().unwrap().len(), before);
}

fn callback(event: &str, kind: &str, plaintext: &str, ts: i64) -> (Vec<(String, String)>, String) {
    let key = ApiV3Key::new(APIV3).unwrap();
    let resource = Resource::encrypt(&key, kind, kind, "k1l2m3n4o5p6", plaintext).unwrap();
    let body = serde_json::json!({
        "id": "EV-1", "create_time": "2026-12-03T13:20:32+08:00", "resource_type": "encrypt-resource",
        "event_type": event, "summary": "", "resource": resource
    })
    .to_string();
    let platform = PrivateKey::from_pem(PLATFORM_KEY).unwrap();
    let nonce = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    let headers = vec![
        ("Wechatpay-Timestamp".to_owned(), ts.to_string()),
        ("Wechatpay-Nonce".to_owned(), nonce.to_owned()),
        (
            "Wechatpay-Signature".to_owned(),
            sign_as_platform(&platform, ts, nonce, &body).unwrap(),
        ),
        ("Wechatpay-Serial".to_owned(), SERIAL.to_owned()),
    ];
    (headers, body)
}

#[test]
fn payment_and_refund_callbacks_are_verified_decrypted_and_checked() {
    let c = channel();
    let (h, body) = callback(
        "TRANSACTION.SUCCESS",
        "transaction",
        &paid_transaction("1900009191"),
        NOW,
    );
    let n = c.verify_notification(&h, &body, at(NOW + 3)).unwrap();
    let Notice::Payment(p) = n.notice else {
        panic!()
    };
    assert_eq!(
        (p.state, p.amount),
        (PaymentState::Succeeded, Some(Money::fen(14900)))
    );
    assert!(matches!(
        c.verify_notification(&h, &body, at(NOW + 600)),
        Err(Error::StaleTimestamp { .. })
    ));
    let (h, body) = callback(
        "TRANSACTION.SUCCESS",
        "transaction",
        &paid_transaction("1900000001"),
        NOW,
    );
    assert!(matches!(
        c.verify_notification(&h, &body, at(NOW)),
        Err(Error::Mismatch { field: "mchid", .. })
    ));

    let refund = serde_json::json!({
        "mchid": "1900009191", "out_trade_no": "PI20261203000001", "transaction_id": "4200000000202612031234567890",
        "out_refund_no": "RF20261203000001", "refund_id": "50000000382019052709732678859", "refund_status": "SUCCESS",
        "success_time": "2026-12-03T13:31:00+08:00", "user_received_account": "支付用户零钱",
        "amount": { "total": 14900, "refund": 4900, "payer_total": 14900, "payer_refund": 4900 }
    });
    let (h, body) = callback("REFUND.SUCCESS", "refund", &refund.to_string(), NOW);
    let n = c.verify_notification(&h, &body, at(NOW)).unwrap();
    assert_eq!(n.id, "EV-1");
    let Notice::Refund(r) = n.notice else {
        panic!()
    };
    assert_eq!(
        (r.refund.as_str(), r.state),
        ("RF20261203000001", RefundState::Succeeded)
    );
    assert_eq!(c.answer(Ok(())).status, 204);
    assert_eq!(c.answer(Err("busy")).status, 500);
}

#[tokio::test]
async fn the_bill_is_downloaded_and_checked_against_its_signed_hash() {
    let c = channel();
    let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    assert_eq!(c.download_bill(date, at(NOW)).await.unwrap(), BILL);
    *transport(&c).reply.lock().unwrap() = Reply::CorruptBill;
    assert!(matches!(
        c.download_bill(date, at(NOW)).await,
        Err(Error::Mismatch {
            field: "bill SHA1",
            ..
        })
    ));
}
