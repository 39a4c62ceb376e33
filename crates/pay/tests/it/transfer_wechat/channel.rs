//! A transfer's life through the channel, and the callbacks that tell of it.

use super::*;

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
