//! The simulator's rotating platform certificates against our channel: the list downloads,
//! verifies and decrypts; after a rotation a callback signed by the new certificate is
//! refused until the channel trusts the new list, and then verifies; the old certificate
//! stays trusted until it expires; a reply signed by an unknown certificate makes the
//! channel download the list by itself.

use super::tests::{MERCHANT_KEY, request, sim, test_keys};
use super::*;
use crate::channel::wechat::WechatChannel;
use crate::channel::{Charge, Checkout, Notify, PayMethod, PlatformCertificates};
use crate::wechat::Merchant;
use crate::wechat::verify::PlatformKeys;
use chrono::Duration;

/// Our channel in certificate mode, configured with the simulator's newest certificate.
fn certificate_channel(sim: &Arc<Simulator>) -> WechatChannel<SimTransport> {
    certificate_channel_keyed(sim, "daojiaTestApiV3Key0123456789abcd")
}

/// [`certificate_channel`] with the APIv3 key `apiv3`.
fn certificate_channel_keyed(sim: &Arc<Simulator>, apiv3: &str) -> WechatChannel<SimTransport> {
    let newest = sim.platform_certificates().pop().expect("a certificate");
    channel_trusting(sim, &newest.serial_no, apiv3)
}

/// A channel configured with the simulator's certificate `serial` only.
fn channel_trusting(
    sim: &Arc<Simulator>,
    serial: &str,
    apiv3: &str,
) -> WechatChannel<SimTransport> {
    let first = sim
        .platform_certificates()
        .into_iter()
        .find(|c| c.serial_no == serial)
        .expect("the certificate");
    let mut platform = PlatformKeys::new();
    platform.insert(
        &first.serial_no,
        PublicKey::from_pem(&first.pem).expect("the certificate reads"),
    );
    let mut config = crate::channel::wechat::WechatConfig {
        merchant: Merchant::Direct {
            appid: "wx0000000000000001".into(),
            mchid: "1900000001".into(),
        },
        key: crate::wechat::sign::MerchantKey {
            mchid: "1900000001".into(),
            serial_no: "TESTSERIAL".into(),
            private_key: PrivateKey::from_pem(MERCHANT_KEY).unwrap(),
        },
        platform: PlatformKeys::new(),
        apiv3_key: ApiV3Key::new(apiv3).unwrap(),
        notify_url: "http://shop.test/api/v1/pay/notify/wechat".into(),
        refund_notify_url: None,
        base_url: "http://sim.test/paysim/wechat".into(),
    };
    config.platform = platform;
    WechatChannel::new(config, SimTransport::new(sim.clone()))
}

#[tokio::test]
async fn a_rotated_certificate_verifies_callbacks_only_once_the_new_list_is_trusted() {
    let sim = sim(test_keys());
    let now = Utc::now();
    let old = sim.issue_platform_certificate(now - Duration::days(1), Duration::days(10));
    let ch = certificate_channel(&sim);
    assert!(!ch.public_key_mode());
    // The list: signed with the certificate we hold, decrypting to it.
    let list = ch.download_certificates(now).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].serial_no, old);
    // WeChat rotates: a new certificate, which signs from now on.
    let new = sim.issue_platform_certificate(now, Duration::days(10));
    let Checkout::QrCode(_) = ch
        .create(&request("PI100001", PayMethod::Qr), now)
        .await
        .unwrap()
    else {
        panic!("a QR code")
    };
    sim.pay("PI100001", Delivery::Once, now).unwrap();
    let cb = sim.take_callbacks().pop().unwrap();
    let serial = |c: &Callback| {
        c.headers
            .iter()
            .find(|(k, _)| k == "Wechatpay-Serial")
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(serial(&cb), new);
    // The create's reply was signed by the new certificate too: the channel fetched the
    // list by itself to read it, so a fresh channel is needed to see the refusal.
    let stale = channel_trusting(&sim, &old, "daojiaTestApiV3Key0123456789abcd");
    assert!(matches!(
        stale.verify_notification(&cb.headers, &cb.body, now),
        Err(crate::Error::UnknownSerial(s)) if s == new
    ));
    let list = stale.download_certificates(now).await.unwrap();
    assert_eq!(list.len(), 2, "the old one is listed until it expires");
    let trusted = stale.trust_certificates(&list, now);
    assert_eq!(trusted.len(), 2);
    stale
        .verify_notification(&cb.headers, &cb.body, now)
        .unwrap();
    // After the old certificate expires only the new one is trusted.
    let later = now + Duration::days(9) + Duration::hours(1);
    assert_eq!(stale.trust_certificates(&list, later), vec![new.clone()]);
}

#[tokio::test]
async fn a_list_that_does_not_decrypt_under_our_apiv3_key_is_refused_whole() {
    let sim = sim(test_keys());
    let now = Utc::now();
    sim.issue_platform_certificate(now, Duration::days(10));
    let ours = certificate_channel_keyed(&sim, "daojiaTestApiV3Key0123456789abcd");
    assert_eq!(ours.download_certificates(now).await.unwrap().len(), 1);
    let other = certificate_channel_keyed(&sim, "ffffffffffffffffffffffffffffffff");
    assert!(matches!(
        other.download_certificates(now).await,
        Err(crate::Error::Decrypt)
    ));
}
