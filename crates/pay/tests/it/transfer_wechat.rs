//! Merchant transfers (商家转账) through the WeChat channel against the crate's simulator:
//! every call signed with the merchant key and checked by the simulator, every reply and
//! callback signed with its platform key and verified by the channel, the payee's name
//! sealed with RSA-OAEP and opened by the simulator.

use crate::common::*;

use chrono::Utc;
use daojia_domain::money::Money;
use daojia_pay::channel::wechat::{TransferConfig, WechatChannel, WechatConfig};
use daojia_pay::http::Method;
use daojia_pay::sim::{Callback, Delivery, SimConfig, SimKeys, SimTransport, Simulator};
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::oauth;
use daojia_pay::wechat::sign::MerchantKey;
use daojia_pay::wechat::transfer::{PayeeName, ReportInfo, TransferOrder, TransferState};
use daojia_pay::wechat::verify::PlatformKeys;
use daojia_pay::wechat::{Merchant, verify::sign_as_platform};
use daojia_pay::{Error, PrivateKey};
use std::sync::Arc;

const APIV3: &str = "daojiaTestApiV3Key0123456789abcd";
const BASE: &str = "http://sim.test/paysim";
const SERIAL: &str = "PUB_KEY_ID_0112345678202612030000000000000000";
const MCHID: &str = "1900000001";
const APPID: &str = "wx0000000000000001";
const SECRET: &str = "simulatorAppSecret00000000000001";
const NOTIFY: &str = "http://shop.test/api/v1/pay/notify/wechat-transfer";

fn simulator(mchid: &str) -> Arc<Simulator> {
    let merchant = PrivateKey::from_pem(MERCHANT_KEY).unwrap();
    Arc::new(Simulator::new(
        SimConfig {
            base_url: BASE.into(),
            wechat_mchid: mchid.into(),
            wechat_appid: APPID.into(),
            wechat_app_secret: SECRET.into(),
            wechat_merchant_key: merchant.public_key(),
            apiv3_key: ApiV3Key::new(APIV3).unwrap(),
            alipay_app_id: "2021000000000001".into(),
            alipay_app_key: PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap().public_key(),
            alipay_seller_id: "2088000000000001".into(),
        },
        SimKeys {
            wechat_platform: PrivateKey::from_pem(PLATFORM_KEY).unwrap(),
            wechat_serial: SERIAL.into(),
            alipay: PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap(),
        },
    ))
}

fn channel_with(
    sim: &Arc<Simulator>,
    merchant: Merchant,
    signing_key: &str,
    platform: PlatformKeys,
    encryption_serial: &str,
) -> WechatChannel<SimTransport> {
    WechatChannel::new(
        WechatConfig {
            key: MerchantKey {
                mchid: merchant.signing_mchid().to_owned(),
                serial_no: "3775B6A45ACD588826D15E583A95F5DD0E1A3B2D".into(),
                private_key: PrivateKey::from_pem(signing_key).unwrap(),
            },
            merchant,
            platform,
            apiv3_key: ApiV3Key::new(APIV3).unwrap(),
            notify_url: "http://shop.test/api/v1/pay/notify/wechat".into(),
            refund_notify_url: None,
            base_url: format!("{BASE}/wechat"),
        },
        SimTransport::new(sim.clone()),
    )
    .with_transfers(TransferConfig {
        notify_url: Some(NOTIFY.into()),
        encryption_serial: Some(encryption_serial.into()),
    })
}

fn direct() -> Merchant {
    Merchant::Direct {
        appid: APPID.into(),
        mchid: MCHID.into(),
    }
}

fn platform_of(sim: &Simulator) -> PlatformKeys {
    let mut keys = PlatformKeys::new();
    keys.insert(sim.wechat_serial(), sim.wechat_platform_key());
    keys
}

fn channel(sim: &Arc<Simulator>) -> WechatChannel<SimTransport> {
    channel_with(sim, direct(), MERCHANT_KEY, platform_of(sim), SERIAL)
}

/// A payee the simulated official account knows: its web authorisation hands out the openid.
fn payee(sim: &Simulator) -> String {
    let now = Utc::now();
    let url = oauth::authorize_url(
        &format!("{BASE}/wechat/open"),
        APPID,
        "http://shop.test/worker/back",
        "w1",
    )
    .unwrap();
    let r = sim.handle(Method::Get, url.strip_prefix(BASE).unwrap(), &[], "", now);
    let location = r
        .headers
        .iter()
        .find(|(k, _)| k == "Location")
        .map(|(_, v)| v.clone())
        .expect("a redirect");
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let path = oauth::access_token_request(APPID, SECRET, code).unwrap();
    let r = sim.handle(Method::Get, &format!("/wechat{path}"), &[], "", now);
    oauth::parse_access_token(std::str::from_utf8(&r.body).unwrap())
        .unwrap()
        .openid
}

fn order(no: &str, openid: &str, fen: i64) -> TransferOrder {
    TransferOrder {
        out_bill_no: no.into(),
        transfer_scene_id: "1005".into(),
        openid: openid.into(),
        user_name: None,
        transfer_amount: Money::fen(fen),
        transfer_remark: "到家服务收入提现".into(),
        notify_url: None,
        user_recv_perception: Some("劳务报酬".into()),
        transfer_scene_report_infos: vec![
            ReportInfo {
                info_type: "岗位类型".into(),
                info_content: "家政服务人员".into(),
            },
            ReportInfo {
                info_type: "报酬说明".into(),
                info_content: "服务收入提现".into(),
            },
        ],
    }
}

fn headers(c: &Callback) -> Vec<(String, String)> {
    c.headers.clone()
}

fn code_of<T: std::fmt::Debug>(r: daojia_pay::Result<T>) -> String {
    match r {
        Err(Error::Channel { code, .. }) => code,
        other => panic!("expected WeChat's refusal, got {other:?}"),
    }
}

/// The payee clicks on the simulator's page of bill `no`.
fn click(sim: &Simulator, no: &str, form: &str) -> u16 {
    sim.handle(
        Method::Post,
        &format!("/transfer/{no}"),
        &[],
        form,
        Utc::now(),
    )
    .status
}

#[tokio::test]
async fn a_transfer_waits_for_the_payee_and_succeeds_once_confirmed() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    let created = ch
        .create_transfer(&order("WD0001", &openid, 12_345), now)
        .await
        .unwrap();
    assert_eq!(created.state, TransferState::WaitUserConfirm);
    let package = created
        .package_info
        .clone()
        .expect("a package for the payee");
    let bill = ch.query_transfer("WD0001", now).await.unwrap().unwrap();
    assert_eq!(
        (bill.state, bill.transfer_amount, bill.openid.as_deref()),
        (
            TransferState::WaitUserConfirm,
            Money::fen(12_345),
            Some(openid.as_str())
        )
    );
    assert_eq!(bill.transfer_bill_no, created.transfer_bill_no);
    assert!(
        sim.take_callbacks().is_empty(),
        "nothing ends before the payee acts"
    );

    // The payee's WeChat opens the confirmation with the package; a wrong one is refused.
    let entry = |package: &str| {
        let q = format!(
            "mchId={MCHID}&appId={APPID}&package={}",
            daojia_pay::http::percent_encode(package)
        );
        sim.handle(
            Method::Get,
            &format!("/wechat/transfer/confirm?{q}"),
            &[],
            "",
            now,
        )
    };
    let page = entry(&package);
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body).unwrap();
    assert!(
        html.contains("123.45") && html.contains("WAIT_USER_CONFIRM"),
        "{html}"
    );
    assert_eq!(entry("not-a-package").status, 400);

    assert_eq!(click(&sim, "WD0001", "action=confirm"), 200);
    let callbacks = sim.take_callbacks();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(callbacks[0].url, NOTIFY);
    let n = ch
        .verify_transfer_notification(&headers(&callbacks[0]), &callbacks[0].body, now)
        .unwrap();
    assert_eq!(n.id, callbacks[0].id);
    assert_eq!(
        (
            n.bill.out_bill_no.as_str(),
            n.bill.state,
            n.bill.transfer_amount
        ),
        ("WD0001", TransferState::Success, Money::fen(12_345))
    );
    assert_eq!(n.bill.transfer_bill_no, created.transfer_bill_no);
    let by_ours = ch.query_transfer("WD0001", now).await.unwrap().unwrap();
    let by_theirs = ch
        .query_transfer_by_bill_no(&created.transfer_bill_no, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_ours, by_theirs);
    assert_eq!(by_ours.state, TransferState::Success);
    // Confirmed money cannot be called back, nor confirmed twice.
    assert_eq!(
        code_of(ch.cancel_transfer("WD0001", now).await),
        "INVALID_REQUEST"
    );
    assert_eq!(click(&sim, "WD0001", "action=confirm"), 409);
    assert!(ch.query_transfer("WD0404", now).await.unwrap().is_none());
    assert!(
        ch.query_transfer_by_bill_no("1330000000", now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_failed_transfer_tells_why_in_the_callback_and_the_query() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    ch.create_transfer(&order("WD0002", &openid, 5_000), now)
        .await
        .unwrap();
    assert_eq!(
        click(&sim, "WD0002", "action=fail&reason=NAME_NOT_CORRECT"),
        200
    );
    let cb = sim.take_callbacks();
    let n = ch
        .verify_transfer_notification(&headers(&cb[0]), &cb[0].body, now)
        .unwrap();
    assert_eq!(
        (n.bill.state, n.bill.fail_reason.as_deref()),
        (TransferState::Fail, Some("NAME_NOT_CORRECT"))
    );
    let bill = ch.query_transfer("WD0002", now).await.unwrap().unwrap();
    assert_eq!(
        (bill.state, bill.fail_reason.as_deref()),
        (TransferState::Fail, Some("NAME_NOT_CORRECT"))
    );
    // Asking again with the same number answers the failed bill, with its reason.
    let again = ch
        .create_transfer(&order("WD0002", &openid, 5_000), now)
        .await
        .unwrap();
    assert_eq!(
        (
            again.state,
            again.fail_reason.as_deref(),
            again.package_info
        ),
        (TransferState::Fail, Some("NAME_NOT_CORRECT"), None)
    );
}

#[tokio::test]
async fn a_transfer_cancelled_before_confirmation_cannot_be_confirmed() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    let created = ch
        .create_transfer(&order("WD0003", &openid, 8_800), now)
        .await
        .unwrap();
    let reply = ch.cancel_transfer("WD0003", now).await.unwrap();
    assert_eq!(reply.state, TransferState::Canceling);
    assert_eq!(reply.transfer_bill_no, created.transfer_bill_no);
    // The vendor's side of the books lists it.
    let books = sim.handle(Method::Get, "/admin/trades", &[], "", now);
    let books: serde_json::Value = serde_json::from_slice(&books.body).unwrap();
    assert_eq!(books["transfers"][0]["out_bill_no"], "WD0003");
    assert_eq!(books["transfers"][0]["state"], "CANCELLED");
    assert_eq!(books["transfers"][0]["amount_fen"], 8_800);
    let cb = sim.take_callbacks();
    assert_eq!(cb.len(), 1);
    let n = ch
        .verify_transfer_notification(&headers(&cb[0]), &cb[0].body, now)
        .unwrap();
    assert_eq!(n.bill.state, TransferState::Cancelled);
    assert_eq!(
        ch.query_transfer("WD0003", now)
            .await
            .unwrap()
            .unwrap()
            .state,
        TransferState::Cancelled
    );
    assert_eq!(click(&sim, "WD0003", "action=confirm"), 409);
    // Cancelling again says it is done; an unknown bill is not found.
    assert_eq!(
        ch.cancel_transfer("WD0003", now).await.unwrap().state,
        TransferState::Cancelled
    );
    assert_eq!(
        code_of(ch.cancel_transfer("WD0404", now).await),
        "NOT_FOUND"
    );
    assert!(sim.take_callbacks().is_empty());
}

#[tokio::test]
async fn a_repeated_create_answers_the_same_bill_and_moves_no_more_money() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    let first = ch
        .create_transfer(&order("WD0004", &openid, 3_000), now)
        .await
        .unwrap();
    // A retry after a crash: the same order, the same number.
    let second = ch
        .create_transfer(&order("WD0004", &openid, 3_000), now)
        .await
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(sim.transfers().len(), 1);

    // 2,000 yuan and more name the payee; the name is sealed afresh on each attempt and
    // still the same bill is answered.
    let mut big = order("WD0005", &openid, 250_000);
    big.user_name = Some(PayeeName::new("张三"));
    let a = ch.create_transfer(&big, now).await.unwrap();
    let b = ch.create_transfer(&big, now).await.unwrap();
    assert_eq!(a.transfer_bill_no, b.transfer_bill_no);
    assert_eq!(
        sim.transfer("WD0005").unwrap().user_name,
        Some(PayeeName::new("张三"))
    );
    let mut other_name = big.clone();
    other_name.user_name = Some(PayeeName::new("李四"));
    assert_eq!(
        code_of(ch.create_transfer(&other_name, now).await),
        "INVALID_REQUEST"
    );
    assert_eq!(sim.transfers().len(), 2);
}

#[tokio::test]
async fn another_amount_under_a_used_number_is_refused_and_the_bill_is_unchanged() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    ch.create_transfer(&order("WD0006", &openid, 3_000), now)
        .await
        .unwrap();
    assert_eq!(
        code_of(
            ch.create_transfer(&order("WD0006", &openid, 3_001), now)
                .await
        ),
        "INVALID_REQUEST"
    );
    let bill = ch.query_transfer("WD0006", now).await.unwrap().unwrap();
    assert_eq!(
        (bill.transfer_amount, bill.state),
        (Money::fen(3_000), TransferState::WaitUserConfirm)
    );
    // Even once the bill has ended.
    assert_eq!(click(&sim, "WD0006", "action=confirm"), 200);
    assert_eq!(
        code_of(
            ch.create_transfer(&order("WD0006", &openid, 9_999), now)
                .await
        ),
        "INVALID_REQUEST"
    );
}

#[tokio::test]
async fn forged_tampered_foreign_and_misrouted_callbacks_are_refused() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    ch.create_transfer(&order("WD0007", &openid, 1_000), now)
        .await
        .unwrap();
    assert_eq!(click(&sim, "WD0007", "action=confirm"), 200);
    let cb = sim.take_callbacks().remove(0);
    ch.verify_transfer_notification(&headers(&cb), &cb.body, now)
        .unwrap();

    // One character changed.
    let tampered = cb.body.replacen("MCHTRANSFER", "MCHTRANSFEP", 1);
    assert!(matches!(
        ch.verify_transfer_notification(&headers(&cb), &tampered, now),
        Err(Error::BadSignature)
    ));
    // Re-signed by someone who is not WeChat (here the merchant's own key).
    let ts = Utc::now().timestamp();
    let forged_sig = sign_as_platform(
        &PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
        ts,
        "n0nce",
        &cb.body,
    )
    .unwrap();
    let forged = vec![
        ("Wechatpay-Timestamp".to_owned(), ts.to_string()),
        ("Wechatpay-Nonce".to_owned(), "n0nce".to_owned()),
        ("Wechatpay-Signature".to_owned(), forged_sig),
        ("Wechatpay-Serial".to_owned(), SERIAL.to_owned()),
    ];
    assert!(matches!(
        ch.verify_transfer_notification(&forged, &cb.body, now),
        Err(Error::BadSignature)
    ));
    // Unsigned.
    assert!(matches!(
        ch.verify_transfer_notification(&[], &cb.body, now),
        Err(Error::Missing(_))
    ));
    // Replayed ten minutes later.
    assert!(matches!(
        ch.verify_transfer_notification(
            &headers(&cb),
            &cb.body,
            now + chrono::Duration::minutes(10)
        ),
        Err(Error::StaleTimestamp { .. })
    ));

    // Genuinely signed by WeChat, but another merchant's bill.
    let other = simulator("1900000002");
    let other_payee = payee(&other);
    let other_ch = channel_with(
        &other,
        Merchant::Direct {
            appid: APPID.into(),
            mchid: "1900000002".into(),
        },
        MERCHANT_KEY,
        platform_of(&other),
        SERIAL,
    );
    other_ch
        .create_transfer(&order("WD0007", &other_payee, 1_000), now)
        .await
        .unwrap();
    assert_eq!(click(&other, "WD0007", "action=confirm"), 200);
    let foreign = other.take_callbacks().remove(0);
    assert!(matches!(
        ch.verify_transfer_notification(&headers(&foreign), &foreign.body, now),
        Err(Error::Mismatch {
            field: "mch_id",
            ..
        })
    ));

    // A payment callback is not a transfer's.
    let pay = daojia_pay::channel::PaymentRequest {
        intent: "PI0007".into(),
        amount: Money::fen(100),
        description: "保洁".into(),
        method: daojia_pay::channel::PayMethod::Qr,
        return_url: None,
        expires_at: None,
        profit_sharing: false,
    };
    daojia_pay::channel::Charge::create(&ch, &pay, now)
        .await
        .unwrap();
    sim.pay("PI0007", Delivery::Once, now).unwrap();
    let paid = sim.take_callbacks().remove(0);
    assert!(matches!(
        ch.verify_transfer_notification(&headers(&paid), &paid.body, now),
        Err(Error::Mismatch {
            field: "event_type",
            ..
        })
    ));
}

#[tokio::test]
async fn duplicate_and_late_callbacks_tell_the_same_thing_under_the_same_id() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    ch.create_transfer(&order("WD0008", &openid, 2_000), now)
        .await
        .unwrap();
    assert_eq!(click(&sim, "WD0008", "action=confirm_twice"), 200);
    let cbs = sim.take_callbacks();
    assert_eq!(cbs.len(), 2);
    let read = |c: &Callback| {
        ch.verify_transfer_notification(&headers(c), &c.body, now)
            .unwrap()
    };
    assert_eq!(read(&cbs[0]), read(&cbs[1]));

    // Lost at first, delivered again later: still the one notification.
    ch.create_transfer(&order("WD0009", &openid, 2_000), now)
        .await
        .unwrap();
    assert_eq!(click(&sim, "WD0009", "action=confirm_silent"), 200);
    assert!(sim.take_callbacks().is_empty());
    assert_eq!(
        ch.query_transfer("WD0009", now)
            .await
            .unwrap()
            .unwrap()
            .state,
        TransferState::Success
    );
    let late = sim.callbacks_of("WD0009");
    assert_eq!(late.len(), 1);
    let n = read(&late[0]);
    assert_eq!(
        (n.bill.out_bill_no.as_str(), n.bill.state),
        ("WD0009", TransferState::Success)
    );
    assert_eq!(read(&late[0]).id, n.id);
}

#[tokio::test]
async fn orders_wechat_would_refuse_are_refused_before_any_call() {
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    let field = |r: daojia_pay::Result<_>| match r {
        Err(Error::Invalid { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(ch.create_transfer(&order("WD0010", &openid, 0), now).await),
        "transfer_amount"
    );
    assert_eq!(
        field(
            ch.create_transfer(&order("WD0010", &openid, 200_000), now)
                .await
        ),
        "user_name"
    );
    let mut long = order("WD0010", &openid, 100);
    long.transfer_remark = "备".repeat(33);
    assert_eq!(
        field(ch.create_transfer(&long, now).await),
        "transfer_remark"
    );
    assert!(sim.transfers().is_empty(), "nothing reached WeChat");
}

#[tokio::test]
async fn the_simulator_refuses_what_wechat_refuses_on_its_side() {
    let sim = simulator(MCHID);
    let now = Utc::now();
    let openid = payee(&sim);
    // Signed with another key than the merchant's.
    let foreign = channel_with(&sim, direct(), ALIPAY_APP_KEY, platform_of(&sim), SERIAL);
    assert_eq!(
        code_of(
            foreign
                .create_transfer(&order("WD0011", &openid, 100), now)
                .await
        ),
        "SIGN_ERROR"
    );
    // A payee the app does not know.
    let ch = channel(&sim);
    assert_eq!(
        code_of(
            ch.create_transfer(&order("WD0011", "oSIMstranger", 100), now)
                .await
        ),
        "PARAM_ERROR"
    );
    // A name sealed with a key WeChat does not hold.
    let mut platform = platform_of(&sim);
    let stranger_key = PrivateKey::from_pem(MERCHANT_KEY).unwrap().public_key();
    platform.insert("PUB_KEY_ID_STRANGER", stranger_key);
    let wrong_key = channel_with(
        &sim,
        direct(),
        MERCHANT_KEY,
        platform,
        "PUB_KEY_ID_STRANGER",
    );
    let mut named = order("WD0012", &openid, 250_000);
    named.user_name = Some(PayeeName::new("张三"));
    assert_eq!(
        code_of(wrong_key.create_transfer(&named, now).await),
        "PARAM_ERROR"
    );
    assert!(sim.transfers().is_empty());
    // Transfers here are a direct merchant's.
    let partner = channel_with(
        &sim,
        Merchant::Partner {
            sp_appid: APPID.into(),
            sp_mchid: MCHID.into(),
            sub_appid: None,
            sub_mchid: "1900000109".into(),
        },
        MERCHANT_KEY,
        platform_of(&sim),
        SERIAL,
    );
    assert!(matches!(
        partner
            .create_transfer(&order("WD0013", &openid, 100), now)
            .await,
        Err(Error::Unsupported(_))
    ));
}

#[tokio::test]
async fn a_succeeded_transfer_and_a_named_one_show_in_the_simulators_fund_flow_bill() {
    use daojia_pay::wechat::fund_bill::{FundKind, parse_fund_bill, render_fund_bill};
    let sim = simulator(MCHID);
    let ch = channel(&sim);
    let openid = payee(&sim);
    let now = Utc::now();
    // 2,500 yuan, naming the payee: sealed under the platform key, opened by the simulator.
    let mut big = order("WD20261206100001", &openid, 250_000);
    big.user_name = Some(PayeeName::new("张三"));
    ch.create_transfer(&big, now).await.unwrap();
    let held = sim.transfer("WD20261206100001").unwrap();
    assert_eq!(
        held.user_name.map(|n| n.expose().to_owned()),
        Some("张三".into())
    );
    // A name below 0.3 yuan is refused before any call.
    let mut tiny = order("WD20261206100002", &openid, 29);
    tiny.user_name = Some(PayeeName::new("张三"));
    assert!(matches!(
        ch.create_transfer(&tiny, now).await,
        Err(Error::Invalid {
            field: "user_name",
            ..
        })
    ));
    // Confirmed: the transfer leaves the basic account that day.
    assert_eq!(click(&sim, "WD20261206100001", "action=confirm"), 200);
    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let lines = sim.fund_bill_lines(today);
    let out: Vec<_> = lines
        .iter()
        .filter(|l| l.kind == FundKind::Transfer)
        .collect();
    assert_eq!(out.len(), 1, "{lines:?}");
    assert_eq!(
        (out[0].voucher.as_str(), out[0].amount, out[0].income),
        ("WD20261206100001", Money::fen(250_000), false)
    );
    assert_eq!(out[0].balance, Money::fen(-250_000));
    assert_eq!(parse_fund_bill(&render_fund_bill(&lines)).unwrap(), lines);
}
