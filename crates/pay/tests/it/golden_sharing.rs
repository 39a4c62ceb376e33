//! Golden tests for WeChat Pay profit sharing (分账) in service-provider mode: every call's
//! path, body and signature must match `vectors/gen.py`'s byte for byte (Python's
//! `cryptography`, the same TEST keys), the receiver's sealed name must open with the
//! platform key, and the `PROFITSHARING.SUCCESS` callback must verify and decrypt.

use crate::common::*;

use daojia_domain::money::Money;
use daojia_pay::wechat::Merchant;
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::notify::Notification;
use daojia_pay::wechat::profitsharing::{
    self, NewReceiver, ReceiverType, RelationType, ReturnOrder, Share, SharingOrder,
};
use daojia_pay::wechat::sign::{MerchantKey, authorization, request_message};
use daojia_pay::wechat::transactions::{self, PayOrder, Scene};
use daojia_pay::wechat::transfer::{EncryptedName, PayeeName};
use daojia_pay::wechat::verify::{PlatformKeys, SignatureHeaders, verify};
use daojia_pay::{Error, PrivateKey, PublicKey};
use serde_json::Value;

const TRANSACTION: &str = "4208450740201411110007820472";
const ORDER_NO: &str = "S0000000000000000000000000000042";

fn merchant_key() -> MerchantKey {
    MerchantKey {
        mchid: "1900009191".into(),
        serial_no: "3775B6A45ACD588826D15E583A95F5DD0E1A3B2D".into(),
        private_key: PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
    }
}

fn provider() -> Merchant {
    Merchant::Partner {
        sp_appid: "wx8888888888888888".into(),
        sp_mchid: "1900009191".into(),
        sub_appid: None,
        sub_mchid: "1900000109".into(),
    }
}

fn assert_signed_like(req: &Value, api: &daojia_pay::http::ApiRequest) {
    assert_eq!(api.method.as_str(), s(&req["method"]));
    assert_eq!(api.path, s(&req["path"]));
    assert_eq!(api.body, s(&req["body"]));
    let ts = req["timestamp"].as_i64().unwrap();
    let nonce = s(&req["nonce"]);
    assert_eq!(
        request_message(api.method.as_str(), &api.path, ts, nonce, &api.body),
        s(&req["message"])
    );
    assert_eq!(
        authorization(&merchant_key(), api, ts, nonce).unwrap(),
        s(&req["authorization"])
    );
}

#[test]
fn sharing_calls_are_built_and_signed_exactly_as_the_vectors() {
    let v = vectors();
    let t = &v["wechat_sharing"];
    let reqs = t["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 8);
    let m = provider();

    let sealed = EncryptedName {
        serial: s(&t["wechatpay_serial"]).into(),
        ciphertext: s(&t["receiver_name"]["ciphertext"]).into(),
    };
    let add = profitsharing::add_receiver(
        &m,
        &NewReceiver {
            kind: ReceiverType::MerchantId,
            account: "1900000201".into(),
            relation_type: RelationType::Partner,
            custom_relation: None,
        },
        Some(&sealed),
    )
    .unwrap();
    assert_eq!(
        add.wechatpay_serial.as_deref(),
        Some(s(&t["wechatpay_serial"]))
    );
    assert_signed_like(&reqs[0], &add.request);

    let order = SharingOrder {
        transaction_id: TRANSACTION.into(),
        out_order_no: ORDER_NO.into(),
        receivers: vec![Share {
            kind: ReceiverType::MerchantId,
            account: "1900000201".into(),
            amount: Money::fen(1280),
            description: "服务商分成".into(),
        }],
        unfreeze_unsplit: true,
    };
    assert_signed_like(&reqs[1], &profitsharing::create(&m, &order).unwrap());
    assert_signed_like(
        &reqs[2],
        &profitsharing::query(&m, ORDER_NO, TRANSACTION).unwrap(),
    );
    assert_signed_like(
        &reqs[3],
        &profitsharing::unfreeze(
            &m,
            TRANSACTION,
            "U0000000000000000000000000000042",
            "解冻剩余资金",
        )
        .unwrap(),
    );
    let ret = ReturnOrder {
        out_order_no: ORDER_NO.into(),
        out_return_no: "R0000000000000000000000000000042".into(),
        return_mchid: "1900000201".into(),
        amount: Money::fen(1280),
        description: "订单退款".into(),
    };
    assert_signed_like(&reqs[4], &profitsharing::create_return(&m, &ret).unwrap());
    assert_signed_like(
        &reqs[5],
        &profitsharing::query_return(&m, "R0000000000000000000000000000042", ORDER_NO).unwrap(),
    );
    assert_signed_like(&reqs[6], &profitsharing::amounts(TRANSACTION).unwrap());

    // The payment itself must say it will be shared, or WeChat refuses to share it.
    let pay = PayOrder {
        description: "日常保洁 2小时".into(),
        out_trade_no: "PI20261206000042".into(),
        amount: Money::fen(16_000),
        notify_url: "https://daojia.example/api/v1/pay/notify/wechat".into(),
        time_expire: None,
        attach: None,
        profit_sharing: true,
    };
    assert_signed_like(
        &reqs[7],
        &transactions::create(&m, &pay, &Scene::Native).unwrap(),
    );
}

#[test]
fn the_receivers_sealed_name_opens_with_the_platform_key_only() {
    let v = vectors();
    let name = &v["wechat_sharing"]["receiver_name"];
    let platform = PrivateKey::from_pem(PLATFORM_KEY).unwrap();
    assert_eq!(
        platform.decrypt_oaep_sha1(s(&name["ciphertext"])).unwrap(),
        s(&name["plaintext"])
    );
    assert!(
        PrivateKey::from_pem(MERCHANT_KEY)
            .unwrap()
            .decrypt_oaep_sha1(s(&name["ciphertext"]))
            .is_err()
    );
    // The step that seals it in the channel is the transfer payee name's.
    let key = PublicKey::from_pem(PLATFORM_PUB).unwrap();
    let sealed = EncryptedName::seal(
        s(&v["wechat_sharing"]["wechatpay_serial"]),
        &key,
        &PayeeName::new(s(&name["plaintext"])),
    )
    .unwrap();
    assert_eq!(
        platform.decrypt_oaep_sha1(&sealed.ciphertext).unwrap(),
        s(&name["plaintext"])
    );
}

#[test]
fn the_sharing_callback_verifies_and_decrypts_to_the_movement() {
    let v = vectors();
    let cb = &v["wechat_sharing"]["callback"];
    let mut keys = PlatformKeys::new();
    keys.insert(s(&cb["serial"]), PublicKey::from_pem(PLATFORM_PUB).unwrap());
    let ts = cb["timestamp"].as_i64().unwrap();
    let ts_text = ts.to_string();
    let headers = SignatureHeaders {
        timestamp: &ts_text,
        nonce: s(&cb["nonce"]),
        signature: s(&cb["signature"]),
        serial: s(&cb["serial"]),
    };
    let body = s(&cb["body"]);
    verify(&keys, &headers, body, at(ts + 3)).unwrap();
    assert!(matches!(
        verify(&keys, &headers, &body.replace("SUCCESS", "SUCCESZ"), at(ts)),
        Err(Error::BadSignature)
    ));
    let apiv3 = ApiV3Key::new(s(&v["wechat"]["apiv3_key"])).unwrap();
    let n = Notification::parse(body).unwrap();
    assert_eq!(
        n.resource.decrypt(&apiv3).unwrap(),
        s(&cb["resource_plaintext"])
    );
    let moved = n.profit_sharing(&apiv3).unwrap();
    assert_eq!(moved.sub_mchid.as_deref(), Some("1900000109"));
    assert_eq!(moved.out_order_no, ORDER_NO);
    assert_eq!(moved.receiver.amount, Money::fen(1280));
    assert_eq!(moved.receiver.kind, ReceiverType::MerchantId);
    // Not a payment's, refund's or transfer's.
    assert!(matches!(n.transaction(&apiv3), Err(Error::Mismatch { .. })));
    assert!(matches!(n.transfer(&apiv3), Err(Error::Mismatch { .. })));
}
