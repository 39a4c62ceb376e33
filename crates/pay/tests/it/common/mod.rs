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
