//! Transfers refused before any call or by WeChat, and the payee's name sealed for WeChat.

use super::*;

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
