//! Verification of WeChat Pay's response and callback signatures.
//!
//! WeChat signs `TIMESTAMP\nNONCE\nBODY\n` with its platform private key; the headers
//! `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Signature` and `Wechatpay-Serial`
//! carry the inputs and name the key: a platform certificate's serial, or `PUB_KEY_ID_…` for
//! the newer platform public key. A reply is refused when the serial is unknown, the
//! signature is wrong, or its timestamp is more than five minutes from now (a replay).

use crate::error::{Error, Result};
use crate::keys::PublicKey;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The largest distance between a signed timestamp and now that is accepted.
pub const MAX_SKEW_SECS: i64 = 300;

/// The platform keys we trust, by serial: certificates and/or the platform public key.
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: BTreeMap<String, PublicKey>,
}

impl PlatformKeys {
    /// No keys yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `key` for messages naming `serial` (a certificate serial or `PUB_KEY_ID_…`).
    /// Serials compare case-insensitively: WeChat prints them in upper-case hex.
    pub fn insert(&mut self, serial: &str, key: PublicKey) {
        self.keys.insert(serial.to_ascii_uppercase(), key);
    }

    /// The key for `serial`, if trusted.
    pub fn get(&self, serial: &str) -> Option<&PublicKey> {
        self.keys.get(&serial.to_ascii_uppercase())
    }

    /// The trusted serials (upper-case), in order.
    pub fn serials(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The four signature headers of a response or callback, as received.
#[derive(Debug, Clone, Copy)]
pub struct SignatureHeaders<'a> {
    /// `Wechatpay-Timestamp` (Unix seconds).
    pub timestamp: &'a str,
    /// `Wechatpay-Nonce`.
    pub nonce: &'a str,
    /// `Wechatpay-Signature` (base64).
    pub signature: &'a str,
    /// `Wechatpay-Serial`.
    pub serial: &'a str,
}

impl<'a> SignatureHeaders<'a> {
    /// Picks the headers out of any header list (names compare case-insensitively).
    pub fn from_headers<I>(headers: I) -> Result<Self>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let (mut timestamp, mut nonce, mut signature, mut serial) = (None, None, None, None);
        for (name, value) in headers {
            let slot = match name.to_ascii_lowercase().as_str() {
                "wechatpay-timestamp" => &mut timestamp,
                "wechatpay-nonce" => &mut nonce,
                "wechatpay-signature" => &mut signature,
                "wechatpay-serial" => &mut serial,
                _ => continue,
            };
            *slot = Some(value);
        }
        let need =
            |v: Option<&'a str>, name| v.filter(|s| !s.is_empty()).ok_or(Error::Missing(name));
        Ok(SignatureHeaders {
            timestamp: need(timestamp, "Wechatpay-Timestamp header")?,
            nonce: need(nonce, "Wechatpay-Nonce header")?,
            signature: need(signature, "Wechatpay-Signature header")?,
            serial: need(serial, "Wechatpay-Serial header")?,
        })
    }
}

/// The string WeChat's signature covers.
pub fn message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// Verifies a response or callback `body` (the exact bytes received) against its headers:
/// known serial, then signature, then freshness against `now`.
pub fn verify(
    keys: &PlatformKeys,
    headers: &SignatureHeaders<'_>,
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let key = keys
        .get(headers.serial)
        .ok_or_else(|| Error::UnknownSerial(headers.serial.to_owned()))?;
    let timestamp: i64 = headers
        .timestamp
        .parse()
        .map_err(|_| Error::invalid("Wechatpay-Timestamp", "not a Unix time in seconds"))?;
    key.verify_sha256(
        message(headers.timestamp, headers.nonce, body).as_bytes(),
        headers.signature,
    )?;
    let skew_secs = (now.timestamp() - timestamp).abs();
    if skew_secs > MAX_SKEW_SECS {
        return Err(Error::StaleTimestamp {
            timestamp,
            skew_secs,
            max_secs: MAX_SKEW_SECS,
        });
    }
    Ok(())
}

/// Signs `body` as WeChat would (for the channel simulator and tests): returns the
/// `Wechatpay-Signature` value.
pub fn sign_as_platform(
    platform_key: &crate::keys::PrivateKey,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> Result<String> {
    platform_key.sign_sha256(message(&timestamp.to_string(), nonce, body).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_whatever_their_case_and_missing_ones_are_named() {
        let h = SignatureHeaders::from_headers([
            ("wechatpay-timestamp", "1"),
            ("WECHATPAY-NONCE", "n"),
            ("Wechatpay-Signature", "s"),
            ("Wechatpay-Serial", "S"),
            ("Content-Type", "application/json"),
        ])
        .unwrap();
        assert_eq!(
            (h.timestamp, h.nonce, h.signature, h.serial),
            ("1", "n", "s", "S")
        );
        let err = SignatureHeaders::from_headers([("Wechatpay-Timestamp", "1")]).unwrap_err();
        assert!(matches!(err, Error::Missing("Wechatpay-Nonce header")));
    }
}
