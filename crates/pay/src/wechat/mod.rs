//! WeChat Pay API v3: the merchant's request signature, verification of WeChat's response
//! and callback signatures, AEAD_AES_256_GCM callback resources, and the typed bodies of the
//! calls Daojia makes (JSAPI, H5 and Native orders for a direct merchant or a service
//! provider's sub-merchant; query, close, refund, bills; transfers to a user's balance; profit sharing).
//!
//! A call goes: build an [`ApiRequest`](crate::http::ApiRequest) (`transactions`, `refund`,
//! `bill`, `transfer`) → [`sign::authorization`] → send → [`verify::verify`] the reply's
//! headers and body → parse. A callback goes: [`verify::verify`] → [`notify::Notification::parse`] →
//! decrypt its resource with the APIv3 key.

pub mod aead;
pub mod bill;
pub mod certificates;
pub mod fund_bill;
pub mod notify;
pub mod oauth;
pub mod profitsharing;
pub mod refund;
pub mod sign;
pub mod transactions;
pub mod transfer;
pub mod verify;

use crate::error::{Error, Result};
use serde::Deserialize;

/// Base URL of the WeChat Pay API.
pub const API_BASE: &str = "https://api.mch.weixin.qq.com";

/// Who collects the money: a merchant on its own, or a service provider for a sub-merchant
/// (服务商模式), which changes the paths and the identifiers in each body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merchant {
    /// A direct merchant (直连商户).
    Direct {
        /// The app (official account or mini-program) the payer is in.
        appid: String,
        /// Merchant id.
        mchid: String,
    },
    /// A service provider acting for a sub-merchant (服务商).
    Partner {
        /// The service provider's app.
        sp_appid: String,
        /// The service provider's merchant id.
        sp_mchid: String,
        /// The sub-merchant's own app, when the payer's openid belongs to it.
        sub_appid: Option<String>,
        /// The sub-merchant's id.
        sub_mchid: String,
    },
}

impl Merchant {
    /// The merchant id that signs the requests (`mchid` or `sp_mchid`).
    pub fn signing_mchid(&self) -> &str {
        match self {
            Merchant::Direct { mchid, .. } => mchid,
            Merchant::Partner { sp_mchid, .. } => sp_mchid,
        }
    }

    /// The query string naming the merchant on GET calls.
    pub(crate) fn query(&self) -> String {
        use crate::http::percent_encode as enc;
        match self {
            Merchant::Direct { mchid, .. } => format!("mchid={}", enc(mchid)),
            Merchant::Partner {
                sp_mchid,
                sub_mchid,
                ..
            } => format!("sp_mchid={}&sub_mchid={}", enc(sp_mchid), enc(sub_mchid)),
        }
    }
}

/// Who pays out a shared payment (分账出资方): the direct merchant itself, or the service
/// provider's sub-merchant that collected it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sharer {
    /// A direct merchant shares its own payments.
    Direct {
        /// Its merchant id.
        mchid: String,
    },
    /// A service provider shares its sub-merchant's payments.
    SubMerchant {
        /// The service provider.
        sp_mchid: String,
        /// The sub-merchant whose payments are shared.
        sub_mchid: String,
    },
}

impl Sharer {
    /// The sharer of `merchant`'s payments.
    pub fn of(merchant: &Merchant) -> Sharer {
        match merchant {
            Merchant::Direct { mchid, .. } => Sharer::Direct {
                mchid: mchid.clone(),
            },
            Merchant::Partner {
                sp_mchid,
                sub_mchid,
                ..
            } => Sharer::SubMerchant {
                sp_mchid: sp_mchid.clone(),
                sub_mchid: sub_mchid.clone(),
            },
        }
    }

    /// Whether this is service-provider mode.
    pub fn is_service_provider(&self) -> bool {
        matches!(self, Sharer::SubMerchant { .. })
    }
}

/// WeChat's error body: `{"code":"PARAM_ERROR","message":"..."}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// Turns a non-2xx reply into [`Error::Channel`] with WeChat's code and message (or the raw
/// body when it is not WeChat's error JSON).
pub fn check_status(status: u16, body: &str) -> Result<()> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    Err(match serde_json::from_str::<ErrorBody>(body) {
        Ok(e) => Error::Channel {
            code: e.code,
            message: e.message,
        },
        Err(_) => Error::Channel {
            code: format!("HTTP_{status}"),
            message: body.chars().take(200).collect(),
        },
    })
}

/// A random 32-character nonce (`nonce_str`) of upper-case letters and digits.
pub fn new_nonce<R: rand::Rng + ?Sized>(rng: &mut R) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..32)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_replies_become_channel_errors_with_wechats_code() {
        check_status(204, "").unwrap();
        match check_status(400, r#"{"code":"PARAM_ERROR","message":"缺少参数"}"#) {
            Err(Error::Channel { code, message }) => {
                assert_eq!(code, "PARAM_ERROR");
                assert_eq!(message, "缺少参数");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_status(502, "<html>"),
            Err(Error::Channel { code, .. }) if code == "HTTP_502"
        ));
    }

    #[test]
    fn nonces_are_32_upper_alphanumerics_and_differ() {
        let mut rng = rand::rng();
        let a = new_nonce(&mut rng);
        let b = new_nonce(&mut rng);
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_ne!(a, b);
    }
}
