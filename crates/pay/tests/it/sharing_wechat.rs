//! Profit sharing (分账) through the WeChat channel against the crate's simulator serving a
//! service provider and its sub-merchant: every call signed and checked, every reply and
//! callback verified. A payment opened to be shared is frozen; the partner's share goes to
//! its receiver and the rest is unfrozen in one order; a refund of shared money needs the
//! share returned first.

use crate::common::*;

use chrono::Utc;
use daojia_domain::money::Money;
use daojia_pay::channel::wechat::{SharingConfig, WechatChannel};
use daojia_pay::channel::{Charge, PayMethod, PaymentRequest, ProfitShare, Refund, RefundRequest};
use daojia_pay::sim::{Callback, Delivery, SimConfig, SimKeys, SimTransport, Simulator};
use daojia_pay::wechat::Merchant;
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::profitsharing::{
    DetailResult, NewReceiver, OrderState, ReceiverType, RelationType, ReturnOrder, ReturnResult,
    Share, SharingOrder,
};
use daojia_pay::wechat::transfer::PayeeName;
use daojia_pay::wechat::verify::PlatformKeys;
use daojia_pay::{Error, PrivateKey};
use std::sync::Arc;

const APIV3: &str = SIM_APIV3;
const BASE: &str = SIM_BASE;
const SERIAL: &str = SIM_SERIAL;
const SP_MCHID: &str = "1900000001";
const SP_APPID: &str = "wx0000000000000001";
const SUB_MCHID: &str = "1900000109";
const PARTNER_MCHID: &str = "1900000201";
const SHARING_NOTIFY: &str = "http://shop.test/api/v1/pay/notify/wechat-sharing";

fn simulator(sub: &str) -> Arc<Simulator> {
    let sim = Simulator::new(
        SimConfig {
            base_url: BASE.into(),
            wechat_mchid: SP_MCHID.into(),
            wechat_appid: SP_APPID.into(),
            wechat_app_secret: "simulatorAppSecret00000000000001".into(),
            wechat_merchant_key: PrivateKey::from_pem(MERCHANT_KEY).unwrap().public_key(),
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
    )
    .with_sub_merchant(sub);
    sim.set_sharing_notify_url(SHARING_NOTIFY);
    Arc::new(sim)
}

fn channel(sim: &Arc<Simulator>, sub: &str) -> WechatChannel<SimTransport> {
    let mut platform = PlatformKeys::new();
    platform.insert(sim.wechat_serial(), sim.wechat_platform_key());
    sim_wechat_channel(
        sim,
        Merchant::Partner {
            sp_appid: SP_APPID.into(),
            sp_mchid: SP_MCHID.into(),
            sub_appid: None,
            sub_mchid: sub.into(),
        },
        MERCHANT_KEY,
        platform,
    )
    .with_sharing(SharingConfig {
        encryption_serial: Some(SERIAL.into()),
    })
}

fn headers(c: &Callback) -> Vec<(String, String)> {
    c.headers.clone()
}

/// Pays `no` for `fen` through the service provider, opened to be shared when `shared`;
/// returns WeChat's transaction id.
async fn paid(
    sim: &Simulator,
    ch: &WechatChannel<SimTransport>,
    no: &str,
    fen: i64,
    shared: bool,
) -> String {
    let now = Utc::now();
    let req = PaymentRequest {
        intent: no.into(),
        amount: Money::fen(fen),
        description: "日常保洁".into(),
        method: PayMethod::Qr,
        return_url: None,
        expires_at: None,
        profit_sharing: shared,
    };
    ch.create(&req, now).await.unwrap();
    sim.pay(no, Delivery::Once, now).unwrap();
    sim.take_callbacks();
    ch.query(no, now).await.unwrap().channel_trade_no.unwrap()
}

fn partner_receiver() -> NewReceiver {
    NewReceiver {
        kind: ReceiverType::MerchantId,
        account: PARTNER_MCHID.into(),
        relation_type: RelationType::Partner,
        custom_relation: None,
    }
}

fn share_order(tid: &str, no: &str, fen: i64) -> SharingOrder {
    SharingOrder {
        transaction_id: tid.into(),
        out_order_no: no.into(),
        receivers: vec![Share {
            kind: ReceiverType::MerchantId,
            account: PARTNER_MCHID.into(),
            amount: Money::fen(fen),
            description: "服务商分成".into(),
        }],
        unfreeze_unsplit: true,
    }
}

#[tokio::test]
async fn a_partners_share_is_paid_at_the_channel_and_the_rest_unfrozen_once() {
    let sim = simulator(SUB_MCHID);
    let ch = channel(&sim, SUB_MCHID);
    let now = Utc::now();
    assert!(ch.sharer().is_service_provider());
    let name = PayeeName::new("上海到家家政服务有限公司");
    let added = ch
        .add_receiver(&partner_receiver(), Some(&name), now)
        .await
        .unwrap();
    assert_eq!(added.account, PARTNER_MCHID);
    assert_eq!(
        sim.sharing_receivers(),
        vec![("MERCHANT_ID".to_owned(), PARTNER_MCHID.to_owned())]
    );

    let tid = paid(&sim, &ch, "PI0001", 16_000, true).await;
    assert_eq!(
        ch.unsplit_amount(&tid, now).await.unwrap(),
        Money::fen(16_000)
    );
    let accepted = ch
        .share(&share_order(&tid, "S0001", 1_280), now)
        .await
        .unwrap();
    assert_eq!(accepted.state, OrderState::Processing);
    assert_eq!(accepted.receivers[0].result, DetailResult::Pending);
    // The same number again is the same order: nothing is shared twice.
    let again = ch
        .share(&share_order(&tid, "S0001", 1_280), now)
        .await
        .unwrap();
    assert_eq!(again.order_id, accepted.order_id);
    let done = ch.query_sharing("S0001", &tid, now).await.unwrap().unwrap();
    assert_eq!(done.state, OrderState::Finished);
    assert_eq!(done.receivers[0].result, DetailResult::Success);
    let f = sim.frozen("PI0001").unwrap();
    assert_eq!(
        (f.frozen, f.shared, f.done),
        (Money::ZERO, Money::fen(1_280), true)
    );
    assert_eq!(ch.unsplit_amount(&tid, now).await.unwrap(), Money::ZERO);
    assert!(
        ch.query_sharing("S0404", &tid, now)
            .await
            .unwrap()
            .is_none()
    );

    // The receiver's movement is told once, signed and encrypted.
    let cbs = sim.take_callbacks();
    assert_eq!(cbs.len(), 1);
    let n = ch
        .verify_sharing_notification(&headers(&cbs[0]), &cbs[0].body, now)
        .unwrap();
    assert_eq!(n.event_type, "PROFITSHARING.SUCCESS");
    assert_eq!(n.notice.out_order_no, "S0001");
    assert_eq!(n.notice.receiver.amount, Money::fen(1_280));
    let mut forged = cbs[0].body.clone();
    forged = forged.replace("PROFITSHARING.SUCCESS", "PROFITSHARING.RETURN");
    assert!(matches!(
        ch.verify_sharing_notification(&headers(&cbs[0]), &forged, now),
        Err(Error::BadSignature)
    ));
    // Sharing is over for this payment.
    assert!(matches!(
        ch.share(&share_order(&tid, "S0002", 1), now).await,
        Err(Error::Channel { code, .. }) if code == "INVALID_REQUEST"
    ));
}

#[tokio::test]
async fn a_refund_of_shared_money_needs_the_share_returned_first() {
    let sim = simulator(SUB_MCHID);
    let ch = channel(&sim, SUB_MCHID);
    let now = Utc::now();
    ch.add_receiver(
        &partner_receiver(),
        Some(&PayeeName::new("合作服务商")),
        now,
    )
    .await
    .unwrap();
    let tid = paid(&sim, &ch, "PI0002", 10_000, true).await;
    ch.share(&share_order(&tid, "S0003", 2_000), now)
        .await
        .unwrap();
    sim.take_callbacks();
    let refund = |no: &str, fen: i64| RefundRequest {
        intent: "PI0002".into(),
        refund: no.into(),
        amount: Money::fen(fen),
        paid: Money::fen(10_000),
        reason: None,
    };
    // 8,000 are the sub-merchant's: refundable. The whole is not, until the share is back.
    assert!(matches!(
        ch.refund(&refund("RF0001", 10_000), now).await,
        Err(Error::Channel { code, .. }) if code == "NOT_ENOUGH"
    ));
    let ret = ReturnOrder {
        out_order_no: "S0003".into(),
        out_return_no: "R0001".into(),
        return_mchid: PARTNER_MCHID.into(),
        amount: Money::fen(2_000),
        description: "订单退款".into(),
    };
    let r = ch.return_share(&ret, now).await.unwrap();
    assert_eq!(r.result, ReturnResult::Success);
    // Again under the same number: the same return, not a second one.
    assert_eq!(
        ch.return_share(&ret, now).await.unwrap().return_id,
        r.return_id
    );
    assert_eq!(sim.sharing_returns().len(), 1);
    assert_eq!(
        ch.query_return("R0001", "S0003", now)
            .await
            .unwrap()
            .unwrap()
            .amount,
        Money::fen(2_000)
    );
    // More than was shared cannot come back.
    let over = ReturnOrder {
        out_return_no: "R0002".into(),
        amount: Money::fen(1),
        ..ret
    };
    assert!(ch.return_share(&over, now).await.is_err());
    let cbs = sim.take_callbacks();
    let n = ch
        .verify_sharing_notification(&headers(&cbs[0]), &cbs[0].body, now)
        .unwrap();
    assert_eq!(n.event_type, "PROFITSHARING.RETURN");
    ch.refund(&refund("RF0001", 10_000), now).await.unwrap();
}

#[tokio::test]
async fn what_cannot_be_shared_is_refused_or_closed() {
    let sim = simulator(SUB_MCHID);
    let ch = channel(&sim, SUB_MCHID);
    let now = Utc::now();
    // A payment not opened for sharing.
    let plain = paid(&sim, &ch, "PI0003", 5_000, false).await;
    assert!(matches!(
        ch.share(&share_order(&plain, "S0004", 100), now).await,
        Err(Error::Channel { code, .. }) if code == "INVALID_REQUEST"
    ));
    // More than is frozen.
    let tid = paid(&sim, &ch, "PI0004", 5_000, true).await;
    assert!(matches!(
        ch.share(&share_order(&tid, "S0005", 5_001), now).await,
        Err(Error::Channel { code, .. }) if code == "NOT_ENOUGH"
    ));
    // A receiver never added: the line is closed and its money stays with the sharer,
    // unfrozen with the rest.
    ch.share(&share_order(&tid, "S0006", 500), now)
        .await
        .unwrap();
    let o = ch.query_sharing("S0006", &tid, now).await.unwrap().unwrap();
    assert_eq!(o.receivers[0].result, DetailResult::Closed);
    assert_eq!(o.receivers[0].fail_reason.as_deref(), Some("NO_RELATION"));
    assert_eq!(sim.frozen("PI0004").unwrap().shared, Money::ZERO);
    assert!(sim.take_callbacks().is_empty());

    // An unfreeze order releases everything and is idempotent by its number.
    let tid = paid(&sim, &ch, "PI0005", 3_000, true).await;
    let u = ch
        .unfreeze(&tid, "U0005", "解冻剩余资金", now)
        .await
        .unwrap();
    assert_eq!(u.receivers[0].account, SUB_MCHID);
    assert_eq!(u.receivers[0].amount, Money::fen(3_000));
    let again = ch
        .unfreeze(&tid, "U0005", "解冻剩余资金", now)
        .await
        .unwrap();
    assert_eq!(again.order_id, u.order_id);
    assert_eq!(ch.unsplit_amount(&tid, now).await.unwrap(), Money::ZERO);

    // Another sub-merchant's channel is refused by the simulator, and its callbacks by us.
    let other = channel(&sim, "1900000999");
    assert!(other.unsplit_amount(&tid, now).await.is_ok());
    assert!(other.query_sharing("S0006", &tid, now).await.is_err());
}

#[tokio::test]
async fn a_callback_for_another_sub_merchant_is_refused() {
    let sim = simulator("1900000555");
    let ch = channel(&sim, "1900000555");
    let now = Utc::now();
    ch.add_receiver(
        &partner_receiver(),
        Some(&PayeeName::new("合作服务商")),
        now,
    )
    .await
    .unwrap();
    let tid = paid(&sim, &ch, "PI0006", 1_000, true).await;
    ch.share(&share_order(&tid, "S0007", 100), now)
        .await
        .unwrap();
    let cb = sim.take_callbacks().remove(0);
    let ours = simulator(SUB_MCHID);
    let mine = channel(&ours, SUB_MCHID);
    assert!(matches!(
        mine.verify_sharing_notification(&headers(&cb), &cb.body, now),
        Err(Error::Mismatch {
            field: "sub_mchid",
            ..
        })
    ));
}
