//! Golden tests for WeChat Pay merchant transfers (商家转账): the request bodies, paths and
//! signatures must match, byte for byte, `vectors/gen.py`'s (Python's `cryptography`, the
//! same TEST keys). The payee's name is RSA-OAEP, which is randomised: the vectors carry a
//! name sealed by this crate that gen.py proved opens with the platform private key, and the
//! request carrying it is compared byte for byte.

use crate::common::*;

use daojia_domain::money::Money;
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::notify::Notification;
use daojia_pay::wechat::sign::{MerchantKey, authorization, request_message};
use daojia_pay::wechat::transfer::{
    self, EncryptedName, PayeeName, ReportInfo, TransferOrder, TransferState,
};
use daojia_pay::wechat::verify::{PlatformKeys, SignatureHeaders, verify};
use daojia_pay::{Error, PrivateKey, PublicKey};
use serde_json::Value;

const APPID: &str = "wxd678efh567hg6787";

fn merchant_key() -> MerchantKey {
    MerchantKey {
        mchid: "1900009191".into(),
        serial_no: "3775B6A45ACD588826D15E583A95F5DD0E1A3B2D".into(),
        private_key: PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
    }
}

fn report() -> Vec<ReportInfo> {
    vec![
        ReportInfo {
            info_type: "岗位类型".into(),
            info_content: "家政服务人员".into(),
        },
        ReportInfo {
            info_type: "报酬说明".into(),
            info_content: "服务收入提现".into(),
        },
    ]
}

fn plain_order() -> TransferOrder {
    TransferOrder {
        out_bill_no: "WD20261206000001".into(),
        transfer_scene_id: "1005".into(),
        openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        user_name: None,
        transfer_amount: Money::fen(12_345),
        transfer_remark: "到家服务收入提现".into(),
        notify_url: Some("https://daojia.example/api/v1/pay/notify/wechat-transfer".into()),
        user_recv_perception: Some("劳务报酬".into()),
        transfer_scene_report_infos: report(),
    }
}

fn named_order() -> TransferOrder {
    TransferOrder {
        out_bill_no: "WD20261206000002".into(),
        user_name: Some(PayeeName::new("张三")),
        transfer_amount: Money::fen(250_000),
        notify_url: None,
        user_recv_perception: None,
        ..plain_order()
    }
}

/// The request the vector `req` signed must be exactly `api`, with the same header.
fn assert_signed_like(req: &Value, api: &daojia_pay::http::ApiRequest) {
    assert_eq!(api.method.as_str(), s(&req["method"]));
    assert_eq!(api.path, s(&req["path"]));
    assert_eq!(api.body, s(&req["body"]));
    let ts = req["timestamp"].as_i64().unwrap();
    assert_eq!(
        request_message(
            api.method.as_str(),
            &api.path,
            ts,
            s(&req["nonce"]),
            &api.body
        ),
        s(&req["message"])
    );
    assert_eq!(
        authorization(&merchant_key(), api, ts, s(&req["nonce"])).unwrap(),
        s(&req["authorization"])
    );
}

fn sealed_name(t: &Value) -> EncryptedName {
    EncryptedName {
        serial: s(&t["wechatpay_serial"]).into(),
        ciphertext: s(&t["user_name"]["ciphertext"]).into(),
    }
}

#[test]
fn transfer_calls_are_built_and_signed_exactly_as_the_vectors() {
    let v = vectors();
    let t = &v["wechat_transfer"];
    let reqs = t["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 5);

    let plain = transfer::create(APPID, &plain_order(), None).unwrap();
    assert_eq!(plain.wechatpay_serial, None);
    assert_signed_like(&reqs[0], &plain.request);

    let sealed = sealed_name(t);
    let named = transfer::create(APPID, &named_order(), Some(&sealed)).unwrap();
    assert_eq!(
        named.wechatpay_serial.as_deref(),
        Some(s(&t["wechatpay_serial"]))
    );
    assert_signed_like(&reqs[1], &named.request);

    assert_signed_like(&reqs[2], &transfer::query("WD20261206000001"));
    assert_signed_like(
        &reqs[3],
        &transfer::query_by_transfer_bill_no("1330000071100999991182020050700019480001"),
    );
    assert_signed_like(&reqs[4], &transfer::cancel("WD20261206000001"));
}

#[test]
fn the_committed_sealed_name_opens_here_as_it_did_in_python() {
    let v = vectors();
    let name = &v["wechat_transfer"]["user_name"];
    assert_eq!(name["opens_with_platform_key"], Value::Bool(true));
    let platform = PrivateKey::from_pem(PLATFORM_KEY).unwrap();
    assert_eq!(
        platform.decrypt_oaep_sha1(s(&name["ciphertext"])).unwrap(),
        s(&name["plaintext"])
    );
    // Another private key cannot open it.
    assert!(
        PrivateKey::from_pem(MERCHANT_KEY)
            .unwrap()
            .decrypt_oaep_sha1(s(&name["ciphertext"]))
            .is_err()
    );
}

/// Prints a fresh ciphertext (`--nocapture`) for gen.py's `TRANSFER_USER_NAME_SEALED_BY_RUST`
/// when the TEST keys are regenerated.
#[test]
fn a_freshly_sealed_payee_name_opens_with_the_platform_key() {
    let v = vectors();
    let serial = s(&v["wechat"]["platform_public_key_id"]);
    let key = PublicKey::from_pem(PLATFORM_PUB).unwrap();
    let sealed = EncryptedName::seal(serial, &key, &PayeeName::new("张三")).unwrap();
    println!("{}", sealed.ciphertext);
    let t = &v["wechat_transfer"];
    assert_eq!(sealed.serial, s(&t["wechatpay_serial"]));
    // Randomised: never the committed bytes, always the same name.
    assert_ne!(sealed.ciphertext, s(&t["user_name"]["ciphertext"]));
    let platform = PrivateKey::from_pem(PLATFORM_KEY).unwrap();
    assert_eq!(
        platform.decrypt_oaep_sha1(&sealed.ciphertext).unwrap(),
        "张三"
    );
}

#[test]
fn the_transfer_callback_verifies_and_decrypts_to_the_bill() {
    let v = vectors();
    let cb = &v["wechat_transfer"]["callback"];
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
    verify(&keys, &headers, body, at(ts + 7)).unwrap();
    assert!(matches!(
        verify(
            &keys,
            &headers,
            &body.replace("FINISHED", "FINISHEE"),
            at(ts)
        ),
        Err(Error::BadSignature)
    ));
    let apiv3 = ApiV3Key::new(s(&v["wechat"]["apiv3_key"])).unwrap();
    let n = Notification::parse(body).unwrap();
    assert_eq!(
        n.resource.decrypt(&apiv3).unwrap(),
        s(&cb["resource_plaintext"])
    );
    let bill = n.transfer(&apiv3).unwrap();
    assert_eq!(bill.mch_id, "1900009191");
    assert_eq!(bill.out_bill_no, "WD20261206000001");
    assert_eq!(bill.state, TransferState::Fail);
    assert_eq!(bill.fail_reason.as_deref(), Some("PAYEE_ACCOUNT_ABNORMAL"));
    assert_eq!(bill.transfer_amount, Money::fen(12_345));
    // The resource is not a payment's or a refund's.
    assert!(matches!(n.transaction(&apiv3), Err(Error::Mismatch { .. })));
    assert!(matches!(n.refund(&apiv3), Err(Error::Mismatch { .. })));
}
