//! What the golden tests share: the vectors and the TEST keys.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use serde_json::Value;

pub const VECTORS: &str = include_str!("../../vectors/vectors.json");
pub const MERCHANT_KEY: &str = include_str!("../../keys/test-wechat-merchant.key.pem");
pub const PLATFORM_KEY: &str = include_str!("../../keys/test-wechat-platform.key.pem");
pub const PLATFORM_PUB: &str = include_str!("../../keys/test-wechat-platform.pub.pem");
pub const PLATFORM_CERT: &str = include_str!("../../keys/test-wechat-platform.cert.pem");
pub const ALIPAY_APP_KEY: &str = include_str!("../../keys/test-alipay-app.key.pem");
pub const ALIPAY_PLATFORM_PUB: &str = include_str!("../../keys/test-alipay-platform.pub.pem");

pub fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("vectors.json is JSON")
}

pub fn s(v: &Value) -> &str {
    v.as_str().expect("a string in vectors.json")
}

pub fn at(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).expect("a valid time")
}

/// The APIv3 key, the simulator's base URL and platform key id the simulator tests use.
pub const SIM_APIV3: &str = "daojiaTestApiV3Key0123456789abcd";
pub const SIM_BASE: &str = "http://sim.test/paysim";
pub const SIM_SERIAL: &str = "PUB_KEY_ID_0112345678202612030000000000000000";

/// A WeChat Pay channel talking to the simulator `sim` in process as `merchant`, signing
/// with the TEST merchant key `signing_key` (PEM) and trusting `platform`.
pub fn sim_wechat_channel(
    sim: &std::sync::Arc<daojia_pay::sim::Simulator>,
    merchant: daojia_pay::wechat::Merchant,
    signing_key: &str,
    platform: daojia_pay::wechat::verify::PlatformKeys,
) -> daojia_pay::channel::wechat::WechatChannel<daojia_pay::sim::SimTransport> {
    use daojia_pay::channel::wechat::{WechatChannel, WechatConfig};
    use daojia_pay::wechat::aead::ApiV3Key;
    use daojia_pay::wechat::sign::MerchantKey;
    WechatChannel::new(
        WechatConfig {
            key: MerchantKey {
                mchid: merchant.signing_mchid().to_owned(),
                serial_no: "3775B6A45ACD588826D15E583A95F5DD0E1A3B2D".into(),
                private_key: daojia_pay::PrivateKey::from_pem(signing_key).unwrap(),
            },
            merchant,
            platform,
            apiv3_key: ApiV3Key::new(SIM_APIV3).unwrap(),
            notify_url: "http://shop.test/api/v1/pay/notify/wechat".into(),
            refund_notify_url: None,
            base_url: format!("{SIM_BASE}/wechat"),
        },
        daojia_pay::sim::SimTransport::new(sim.clone()),
    )
}
