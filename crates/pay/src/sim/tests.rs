//! The simulator against our own channels: every call they make is accepted only when
//! signed with the merchant's key, and everything it sends verifies with its keys.

use super::*;
use crate::alipay::sign::AppKey;
use crate::channel::alipay::{AlipayChannel, AlipayConfig};
use crate::channel::wechat::{WechatChannel, WechatConfig};
use crate::channel::{
    Charge, Checkout, Notice, Notify, PayMethod, PaymentRequest, PaymentState, Refund,
    RefundRequest, RefundState,
};
use crate::wechat::Merchant;
use crate::wechat::sign::MerchantKey;
use crate::wechat::verify::PlatformKeys;

pub(super) const MERCHANT_KEY: &str = include_str!("../../tests/keys/test-wechat-merchant.key.pem");
const APP_KEY: &str = include_str!("../../tests/keys/test-alipay-app.key.pem");
const PLATFORM_KEY: &str = include_str!("../../tests/keys/test-wechat-platform.key.pem");
const ALIPAY_KEY: &str = include_str!("../../tests/keys/test-alipay-platform.key.pem");
const APIV3: &str = "daojiaTestApiV3Key0123456789abcd";
const BASE: &str = "http://sim.test/paysim";

pub(super) fn sim(keys: SimKeys) -> Arc<Simulator> {
    let merchant = PrivateKey::from_pem(MERCHANT_KEY).unwrap();
    let app = PrivateKey::from_pem(APP_KEY).unwrap();
    Arc::new(Simulator::new(
        SimConfig {
            base_url: BASE.into(),
            wechat_mchid: "1900000001".into(),
            wechat_appid: "wx0000000000000001".into(),
            wechat_app_secret: "simulatorAppSecret00000000000001".into(),
            wechat_merchant_key: merchant.public_key(),
            apiv3_key: ApiV3Key::new(APIV3).unwrap(),
            alipay_app_id: "2021000000000001".into(),
            alipay_app_key: app.public_key(),
            alipay_seller_id: "2088000000000001".into(),
        },
        keys,
    ))
}

pub(super) fn test_keys() -> SimKeys {
    SimKeys {
        wechat_platform: PrivateKey::from_pem(PLATFORM_KEY).unwrap(),
        wechat_serial: "PUB_KEY_ID_TEST".into(),
        alipay: PrivateKey::from_pem(ALIPAY_KEY).unwrap(),
    }
}

fn wechat(sim: &Arc<Simulator>, merchant_key: &str) -> WechatChannel<SimTransport> {
    let mut platform = PlatformKeys::new();
    platform.insert(sim.wechat_serial(), sim.wechat_platform_key());
    WechatChannel::new(
        WechatConfig {
            merchant: Merchant::Direct {
                appid: "wx0000000000000001".into(),
                mchid: "1900000001".into(),
            },
            key: MerchantKey {
                mchid: "1900000001".into(),
                serial_no: "TESTSERIAL".into(),
                private_key: PrivateKey::from_pem(merchant_key).unwrap(),
            },
            platform,
            apiv3_key: ApiV3Key::new(APIV3).unwrap(),
            notify_url: "http://shop.test/api/v1/pay/notify/wechat".into(),
            refund_notify_url: None,
            base_url: format!("{BASE}/wechat"),
        },
        SimTransport::new(sim.clone()),
    )
}

fn alipay(sim: &Arc<Simulator>) -> AlipayChannel<SimTransport> {
    AlipayChannel::new(
        AlipayConfig {
            app: AppKey {
                app_id: "2021000000000001".into(),
                private_key: PrivateKey::from_pem(APP_KEY).unwrap(),
            },
            alipay_public_key: sim.alipay_key(),
            notify_url: "http://shop.test/api/v1/pay/notify/alipay".into(),
            gateway: format!("{BASE}/alipay/gateway.do"),
        },
        SimTransport::new(sim.clone()),
    )
}

pub(super) fn request(no: &str, method: PayMethod) -> PaymentRequest {
    PaymentRequest {
        intent: no.into(),
        amount: Money::fen(15_900),
        description: "日常保洁 3小时".into(),
        method,
        return_url: Some("http://shop.test/orders/1".into()),
        expires_at: None,
        profit_sharing: false,
    }
}

fn headers(c: &Callback) -> Vec<(String, String)> {
    c.headers.clone()
}

#[tokio::test]
async fn a_wechat_payment_and_refund_go_through_the_simulator_signed_both_ways() {
    let sim = sim(test_keys());
    let ch = wechat(&sim, MERCHANT_KEY);
    let now = Utc::now();
    let Checkout::QrCode(url) = ch
        .create(&request("PI000001", PayMethod::Qr), now)
        .await
        .unwrap()
    else {
        panic!("a QR code");
    };
    assert!(url.starts_with(&sim.page_url("PI000001")));
    assert_eq!(
        ch.query("PI000001", now).await.unwrap().state,
        PaymentState::Pending
    );
    assert_eq!(
        ch.query("PI000000", now).await.unwrap().state,
        PaymentState::NotFound
    );
    let page = sim.handle(Method::Get, "/pay/PI000001", &[], "", now);
    assert!(String::from_utf8(page.body).unwrap().contains("159.00"));
    let paid = sim.handle(Method::Post, "/pay/PI000001", &[], "action=pay_twice", now);
    assert_eq!(paid.status, 200);
    let callbacks = sim.take_callbacks();
    assert_eq!(callbacks.len(), 2, "sent twice");
    assert_eq!(callbacks[0], callbacks[1]);
    let n = ch
        .verify_notification(&headers(&callbacks[0]), &callbacks[0].body, now)
        .unwrap();
    assert_eq!(n.id, callbacks[0].id);
    let Notice::Payment(p) = n.notice else {
        panic!("a payment")
    };
    assert_eq!(
        (p.state, p.amount),
        (PaymentState::Succeeded, Some(Money::fen(15_900)))
    );
    // A tampered body no longer verifies.
    let forged = callbacks[0].body.replace("TRANSACTION", "TRANSACTIOM");
    assert!(
        ch.verify_notification(&headers(&callbacks[0]), &forged, now)
            .is_err()
    );

    let refund = |amount| RefundRequest {
        intent: "PI000001".into(),
        refund: format!("R{amount}"),
        amount: Money::fen(amount),
        paid: Money::fen(15_900),
        reason: None,
    };
    let r = ch.refund(&refund(5_000), now).await.unwrap();
    assert_eq!(r.state, RefundState::Processing);
    let cb = sim.take_callbacks();
    let n = ch
        .verify_notification(&headers(&cb[0]), &cb[0].body, now)
        .unwrap();
    assert!(
        matches!(n.notice, Notice::Refund(r) if r.state == RefundState::Succeeded && r.refund == "R5000")
    );
    assert_eq!(
        ch.query_refund("PI000001", "R5000", now)
            .await
            .unwrap()
            .state,
        RefundState::Succeeded
    );
    assert!(
        ch.refund(&refund(10_901), now).await.is_err(),
        "more than is left"
    );
}

#[tokio::test]
async fn the_simulator_refuses_calls_not_signed_with_the_merchants_key() {
    let sim = sim(test_keys());
    let foreign = wechat(&sim, APP_KEY);
    let e = foreign
        .create(&request("PI000002", PayMethod::Qr), Utc::now())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("SIGN_ERROR"), "{e}");
    assert!(sim.trade("PI000002").is_none());
}

#[tokio::test]
async fn an_alipay_wap_payment_exists_once_the_payer_opens_its_page() {
    let sim = sim(test_keys());
    let ch = alipay(&sim);
    let now = Utc::now();
    let h5 = PayMethod::H5 {
        payer_client_ip: "127.0.0.1".into(),
    };
    let Checkout::Redirect(url) = ch.create(&request("A1", h5), now).await.unwrap() else {
        panic!("a page")
    };
    assert_eq!(
        ch.query("A1", now).await.unwrap().state,
        PaymentState::NotFound
    );
    let path = url.strip_prefix(BASE).unwrap();
    let page = sim.handle(Method::Get, path, &[], "", now);
    assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
    assert_eq!(
        ch.query("A1", now).await.unwrap().state,
        PaymentState::Pending
    );
    let tampered = path.replace("159.00", "1.59");
    assert_eq!(sim.handle(Method::Get, &tampered, &[], "", now).status, 400);
    sim.pay("A1", Delivery::Once, now).unwrap();
    let cb = sim.take_callbacks();
    assert_eq!(cb[0].url, "http://shop.test/api/v1/pay/notify/alipay");
    let n = ch.verify_notification(&[], &cb[0].body, now).unwrap();
    assert!(matches!(n.notice, Notice::Payment(p) if p.state == PaymentState::Succeeded));
    let forged = cb[0].body.replace("159.00", "1.00");
    assert!(ch.verify_notification(&[], &forged, now).is_err());
    let status = ch.query("A1", now).await.unwrap();
    assert_eq!(
        (status.state, status.amount),
        (PaymentState::Succeeded, Some(Money::fen(15_900)))
    );
    let r = ch
        .refund(
            &RefundRequest {
                intent: "A1".into(),
                refund: "RA1".into(),
                amount: Money::fen(15_900),
                paid: Money::fen(15_900),
                reason: Some("取消订单".into()),
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(r.state, RefundState::Succeeded);
    assert_eq!(
        ch.query_refund("A1", "RA1", now).await.unwrap().state,
        RefundState::Succeeded
    );
}

#[tokio::test]
async fn an_alipay_qr_payment_that_fails_is_closed_and_cannot_be_paid() {
    let sim = sim(test_keys());
    let ch = alipay(&sim);
    let now = Utc::now();
    let Checkout::QrCode(_) = ch.create(&request("A2", PayMethod::Qr), now).await.unwrap() else {
        panic!("a QR code")
    };
    sim.fail("A2").unwrap();
    assert_eq!(
        ch.query("A2", now).await.unwrap().state,
        PaymentState::Closed
    );
    assert!(sim.pay("A2", Delivery::Once, now).is_err());
    assert!(sim.take_callbacks().is_empty());
}

#[test]
fn generated_keys_sign_what_their_public_halves_verify() {
    let keys = SimKeys::generate();
    let sig = keys.alipay.sign_sha256(b"x").unwrap();
    keys.alipay.public_key().verify_sha256(b"x", &sig).unwrap();
    let pem = keys.wechat_platform.to_pem().unwrap();
    let again = PrivateKey::from_pem(&pem).unwrap();
    let pub_pem = again.public_key().to_pem().unwrap();
    PublicKey::from_pem(&pub_pem)
        .unwrap()
        .verify_sha256(b"y", &keys.wechat_platform.sign_sha256(b"y").unwrap())
        .unwrap();
}

#[tokio::test]
async fn each_vendors_bill_lists_the_days_payments_and_refunds_with_planted_differences() {
    use crate::channel::Bill;
    use crate::channel::ChannelKind;
    use crate::channel::bill::{BillLineKind, parse_bill};
    let sim = sim(test_keys());
    let (wx, ali) = (wechat(&sim, MERCHANT_KEY), alipay(&sim));
    let now = Utc::now();
    let today = now
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    for no in ["PI0W01", "PI0W02"] {
        wx.create(&request(no, PayMethod::Qr), now).await.unwrap();
        sim.pay(no, Delivery::Once, now).unwrap();
    }
    ali.create(&request("PI0A01", PayMethod::Qr), now)
        .await
        .unwrap();
    sim.pay("PI0A01", Delivery::Once, now).unwrap();
    let refund = |intent: &str, no: &str| RefundRequest {
        intent: intent.into(),
        refund: no.into(),
        amount: Money::fen(900),
        paid: Money::fen(15_900),
        reason: None,
    };
    wx.refund(&refund("PI0W01", "RW1"), now).await.unwrap();
    ali.refund(&refund("PI0A01", "RA1"), now).await.unwrap();

    let bill = |file: Vec<u8>, kind| parse_bill(kind, &file).unwrap();
    let w = bill(
        wx.download_bill(today, now).await.unwrap(),
        ChannelKind::Wechat,
    );
    let summary = |lines: &[crate::channel::bill::BillLine]| {
        let mut v: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l.kind,
                    l.intent.clone(),
                    l.refund.clone(),
                    l.amount.as_fen(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        summary(&w),
        vec![
            (BillLineKind::Payment, "PI0W01".into(), None, 15_900),
            (BillLineKind::Payment, "PI0W02".into(), None, 15_900),
            (
                BillLineKind::Refund,
                "PI0W01".into(),
                Some("RW1".into()),
                900
            ),
        ]
    );
    assert_eq!(
        w[0].channel_trade_no,
        sim.trade(&w[0].intent).unwrap().trade_no
    );
    let a = bill(
        ali.download_bill(today, now).await.unwrap(),
        ChannelKind::Alipay,
    );
    assert_eq!(
        summary(&a),
        vec![
            (BillLineKind::Payment, "PI0A01".into(), None, 15_900),
            (
                BillLineKind::Refund,
                "PI0A01".into(),
                Some("RA1".into()),
                900
            ),
        ]
    );
    // Another day has nothing.
    let yesterday = today.pred_opt().unwrap();
    assert!(
        bill(
            wx.download_bill(yesterday, now).await.unwrap(),
            ChannelKind::Wechat
        )
        .is_empty()
    );

    // Planted: one dropped, one extra, one amount, one refund amount (over HTTP too).
    sim.plant(
        Vendor::Wechat,
        today,
        Plant::DropPayment {
            out_trade_no: "PI0W02".into(),
        },
    );
    sim.plant(
        Vendor::Wechat,
        today,
        Plant::ExtraPayment {
            out_trade_no: "PI0X09".into(),
            amount_fen: 100,
        },
    );
    sim.plant(
        Vendor::Wechat,
        today,
        Plant::PaymentAmount {
            out_trade_no: "PI0W01".into(),
            amount_fen: 15_800,
        },
    );
    let body = format!(
        r#"{{"vendor":"wechat","date":"{today}","kind":"refund_amount","refund_no":"RW1","amount_fen":800}}"#
    );
    assert_eq!(
        sim.handle(Method::Post, "/admin/bills/plant", &[], &body, now)
            .status,
        204
    );
    let w = bill(
        wx.download_bill(today, now).await.unwrap(),
        ChannelKind::Wechat,
    );
    assert_eq!(
        summary(&w),
        vec![
            (BillLineKind::Payment, "PI0W01".into(), None, 15_800),
            (BillLineKind::Payment, "PI0X09".into(), None, 100),
            (
                BillLineKind::Refund,
                "PI0W01".into(),
                Some("RW1".into()),
                800
            ),
        ]
    );
    assert_eq!(
        summary(&bill(
            ali.download_bill(today, now).await.unwrap(),
            ChannelKind::Alipay
        )),
        summary(&a)
    );
}

#[tokio::test]
async fn the_books_list_every_trade_with_its_state_and_every_refund() {
    let sim = sim(test_keys());
    let ch = wechat(&sim, MERCHANT_KEY);
    let now = Utc::now();
    for no in ["PI0B01", "PI0B02"] {
        ch.create(&request(no, PayMethod::Qr), now).await.unwrap();
    }
    sim.pay("PI0B01", Delivery::Lost, now).unwrap();
    let refund = RefundRequest {
        intent: "PI0B01".into(),
        refund: "RB1".into(),
        amount: Money::fen(900),
        paid: Money::fen(15_900),
        reason: None,
    };
    ch.refund(&refund, now).await.unwrap();
    // Submitted again with the same number: still one refund.
    ch.refund(&refund, now).await.unwrap();
    let reply = sim.handle(Method::Get, "/admin/trades", &[], "", now);
    assert_eq!(reply.status, 200);
    let books: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    let trades = books["trades"].as_array().unwrap();
    let by_no = |no: &str| trades.iter().find(|t| t["out_trade_no"] == no).unwrap();
    assert_eq!(
        (
            by_no("PI0B01")["state"].as_str(),
            by_no("PI0B01")["refunded_fen"].as_i64()
        ),
        (Some("paid"), Some(900))
    );
    assert_eq!(by_no("PI0B02")["state"], "open");
    assert_eq!(by_no("PI0B01")["vendor"], "wechat");
    assert_eq!(by_no("PI0B01")["amount_fen"], 15_900);
    let refunds = books["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(
        (
            refunds[0]["out_trade_no"].as_str(),
            refunds[0]["amount_fen"].as_i64()
        ),
        (Some("PI0B01"), Some(900))
    );
}

#[tokio::test]
async fn the_wechat_h5_page_sends_the_payer_back_to_the_redirect_url_paid_or_not() {
    let sim = sim(test_keys());
    let ch = wechat(&sim, MERCHANT_KEY);
    let now = Utc::now();
    let method = PayMethod::H5 {
        payer_client_ip: "127.0.0.1".into(),
    };
    let Checkout::Redirect(url) = ch.create(&request("PI000077", method), now).await.unwrap()
    else {
        panic!("an H5 page");
    };
    assert!(
        url.contains("&redirect_url=http%3A%2F%2Fshop.test%2Forders%2F1"),
        "{url}"
    );
    let path = url.strip_prefix(BASE).unwrap();
    let page = sim.handle(Method::Get, path, &[], "", now);
    let html = String::from_utf8(page.body).unwrap();
    assert!(
        html.contains(r#"<a href="http://shop.test/orders/1" data-test="return">放弃支付"#),
        "the payer may give up and go back: {html}"
    );
    let paid = sim.handle(Method::Post, "/pay/PI000077", &[], "action=pay", now);
    let html = String::from_utf8(paid.body).unwrap();
    assert!(html.contains("已支付"), "{html}");
    assert!(
        html.contains(r#"<a href="http://shop.test/orders/1" data-test="return">返回商户"#),
        "{html}"
    );
    // A redirect URL given later (or a foreign one) does not replace the first.
    sim.handle(
        Method::Get,
        "/pay/PI000077?redirect_url=http%3A%2F%2Fevil.test%2F",
        &[],
        "",
        now,
    );
    assert_eq!(
        sim.trade("PI000077").unwrap().return_url.as_deref(),
        Some("http://shop.test/orders/1")
    );
}

/// The location a redirect sends the browser to.
fn location(r: &HttpResponse) -> String {
    assert_eq!(r.status, 302, "{}", String::from_utf8_lossy(&r.body));
    header(&r.headers, "Location").unwrap().to_owned()
}

#[tokio::test]
async fn inside_wechat_the_payer_is_authorised_for_an_openid_and_pays_through_the_jsapi_cashier() {
    use crate::wechat::oauth;
    let sim = sim(test_keys());
    let ch = wechat(&sim, MERCHANT_KEY);
    let now = Utc::now();
    // The browser goes to the authorize page and comes back with a code and the state.
    let url = oauth::authorize_url(
        &format!("{BASE}/wechat/open"),
        "wx0000000000000001",
        "http://shop.test/wechat/back?order=1",
        "st8te",
    )
    .unwrap();
    let back = location(&sim.handle(Method::Get, url.strip_prefix(BASE).unwrap(), &[], "", now));
    let q = crate::alipay::notify::parse_form(back.split_once('?').unwrap().1).unwrap();
    assert!(
        back.starts_with("http://shop.test/wechat/back?order=1&code="),
        "{back}"
    );
    assert_eq!(q["state"], "st8te");
    // The server exchanges the code (once) for the openid.
    let exchange = |secret: &str, code: &str| {
        let path = oauth::access_token_request("wx0000000000000001", secret, code).unwrap();
        let r = sim.handle(Method::Get, &format!("/wechat{path}"), &[], "", now);
        oauth::parse_access_token(std::str::from_utf8(&r.body).unwrap())
    };
    let refused = |r: crate::Result<oauth::OauthToken>| match r {
        Err(crate::Error::Channel { code, .. }) => code,
        other => panic!("{other:?}"),
    };
    assert_eq!(refused(exchange("wrongSecret", &q["code"])), "40125");
    let openid = exchange("simulatorAppSecret00000000000001", &q["code"])
        .unwrap()
        .openid;
    assert!(openid.starts_with("oSIM"));
    assert_eq!(
        refused(exchange("simulatorAppSecret00000000000001", &q["code"])),
        "40163"
    );
    assert_eq!(
        refused(exchange("simulatorAppSecret00000000000001", "madeUp")),
        "40029"
    );

    // A JSAPI order for someone the app does not know is refused; for the payer, signed
    // bridge parameters come back.
    let jsapi = |openid: &str| PayMethod::Jsapi {
        openid: openid.into(),
    };
    assert!(
        ch.create(&request("PI000088", jsapi("oStranger")), now)
            .await
            .is_err()
    );
    let Checkout::Jsapi(params) = ch
        .create(&request("PI000089", jsapi(&openid)), now)
        .await
        .unwrap()
    else {
        panic!("JSAPI parameters");
    };
    assert_eq!(params.app_id, "wx0000000000000001");
    assert_eq!(params.sign_type, "RSA");
    assert!(params.package.starts_with("prepay_id=wx"));
    // The same order again: the same prepay id.
    let Checkout::Jsapi(again) = ch
        .create(&request("PI000089", jsapi(&openid)), now)
        .await
        .unwrap()
    else {
        panic!("JSAPI parameters");
    };
    assert_eq!(again.package, params.package);

    // The bridge's cashier checks the pay-sign before showing the page.
    let cashier = |p: &crate::wechat::sign::JsapiPayParams| {
        let enc = crate::http::percent_encode;
        let path = format!(
            "{JSAPI_CASHIER_PATH}?appId={}&timeStamp={}&nonceStr={}&package={}&signType={}&paySign={}&return_url={}",
            enc(&p.app_id),
            enc(&p.time_stamp),
            enc(&p.nonce_str),
            enc(&p.package),
            enc(&p.sign_type),
            enc(&p.pay_sign),
            enc("http://shop.test/orders/1")
        );
        sim.handle(Method::Get, &path, &[], "", now)
    };
    let mut forged = params.clone();
    forged.nonce_str = "another".into();
    let r = cashier(&forged);
    assert_eq!(r.status, 400);
    assert!(
        String::from_utf8(r.body)
            .unwrap()
            .contains("支付验证签名失败")
    );
    let mut late = params.clone();
    late.time_stamp = (now.timestamp() - 3600).to_string();
    assert_eq!(cashier(&late).status, 400, "an hour-old signature");
    let page = cashier(&params);
    assert_eq!(page.status, 200);
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("¥159.00"), "{html}");
    assert!(
        html.contains(r#"href="http://shop.test/orders/1""#),
        "{html}"
    );
    sim.handle(Method::Post, "/pay/PI000089", &[], "action=pay", now);
    assert_eq!(
        ch.query("PI000089", now).await.unwrap().state,
        PaymentState::Succeeded
    );
}

#[test]
fn the_authorize_page_refuses_another_app_and_a_bad_redirect() {
    let sim = sim(test_keys());
    let now = Utc::now();
    for query in [
        "appid=wxOther&redirect_uri=http%3A%2F%2Fshop.test%2F&response_type=code&scope=snsapi_base&state=s",
        "appid=wx0000000000000001&redirect_uri=shop.test&response_type=code&scope=snsapi_base&state=s",
        "appid=wx0000000000000001&redirect_uri=http%3A%2F%2Fshop.test%2F&response_type=token&scope=snsapi_base&state=s",
    ] {
        let r = sim.handle(
            Method::Get,
            &format!("{AUTHORIZE_PATH}?{query}"),
            &[],
            "",
            now,
        );
        assert_eq!(r.status, 400, "{query}");
    }
}
