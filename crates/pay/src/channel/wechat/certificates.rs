//! The platform keys a WeChat Pay channel trusts, kept current without a restart.
//!
//! A merchant verifies WeChat's replies and callbacks either with the platform public key
//! (`PUB_KEY_ID_…`, configured once and never rotated by download) or with platform
//! certificates, which WeChat rotates: a new one is listed by `GET /v3/certificates` some
//! time before the old one expires, and WeChat starts signing with it. [`PlatformTrust`] is
//! the channel's shared, replaceable set: the configured keys, joined by the downloaded
//! certificates in force. The application downloads the list periodically
//! ([`WechatChannel::download_certificates`]), keeps it, and hands every certificate it
//! keeps to [`PlatformTrust::trust`], which trusts each from its effective time until it
//! expires (so the old and the new overlap) and drops it then.

use super::WechatChannel;
use crate::channel::Transport;
use crate::error::{Error, Result};
use crate::keys::PublicKey;
use crate::wechat::certificates::{self, PlatformCertificate, trusted_at};
use crate::wechat::check_status;
use crate::wechat::verify::{PlatformKeys, SignatureHeaders, verify};
use chrono::{DateTime, Utc};
use std::sync::{Arc, RwLock};

/// The prefix of a platform public key's id (公钥模式), as opposed to a certificate serial.
pub const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";

/// The platform keys a channel trusts now: shared by every clone, replaced as certificates
/// are downloaded. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PlatformTrust {
    configured: PlatformKeys,
    current: Arc<RwLock<Current>>,
}

#[derive(Debug, Clone, Default)]
struct Current {
    keys: PlatformKeys,
    certificates: Vec<PlatformCertificate>,
}

impl PlatformTrust {
    /// Trust in the `configured` keys only.
    pub fn new(configured: PlatformKeys) -> Self {
        PlatformTrust {
            current: Arc::new(RwLock::new(Current {
                keys: configured.clone(),
                certificates: Vec::new(),
            })),
            configured,
        }
    }

    /// True when the merchant verifies with the platform public key (every configured
    /// serial is a `PUB_KEY_ID_…`): there are no certificates to download.
    pub fn public_key_mode(&self) -> bool {
        !self.configured.is_empty()
            && self
                .configured
                .serials()
                .all(|s| s.starts_with(PUBLIC_KEY_ID_PREFIX))
    }

    /// The keys trusted now (a snapshot).
    pub fn keys(&self) -> PlatformKeys {
        self.read().keys.clone()
    }

    /// Trusts `certificates` (every one kept, the expired too: they are left out) at `now`,
    /// with the configured keys. A configured serial that is among the certificates is
    /// governed by its certificate's validity. Returns the serials trusted.
    pub fn trust(&self, certificates: &[PlatformCertificate], now: DateTime<Utc>) -> Vec<String> {
        let mut keys = trusted_at(certificates, now);
        for serial in self.configured.serials() {
            let listed = certificates
                .iter()
                .any(|c| c.serial_no.eq_ignore_ascii_case(serial));
            if !listed && let Some(key) = self.configured.get(serial) {
                keys.insert(serial, key.clone());
            }
        }
        let serials = keys.serials().map(str::to_owned).collect();
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        current.keys = keys;
        current.certificates = certificates
            .iter()
            .filter(|c| c.effective_time <= now && now < c.expire_time)
            .cloned()
            .collect();
        serials
    }

    /// Trusts `certificates` too, beside those trusted now (a download between two of the
    /// application's refreshes).
    pub fn add(&self, certificates: &[PlatformCertificate], now: DateTime<Utc>) -> Vec<String> {
        let mut all = self.read().certificates.clone();
        for c in certificates {
            all.retain(|held| !held.serial_no.eq_ignore_ascii_case(&c.serial_no));
            all.push(c.clone());
        }
        self.trust(&all, now)
    }

    /// The key that seals a payee's name and its serial: `serial` when given (it must be
    /// trusted); otherwise the configured platform public key, or else the platform
    /// certificate in force that became effective last.
    pub fn encryption_key(
        &self,
        serial: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(String, PublicKey)> {
        let current = self.read();
        if let Some(serial) = serial {
            return current
                .keys
                .get(serial)
                .map(|k| (serial.to_owned(), k.clone()))
                .ok_or_else(|| Error::UnknownSerial(serial.to_owned()));
        }
        if let Some(s) = self
            .configured
            .serials()
            .find(|s| s.starts_with(PUBLIC_KEY_ID_PREFIX))
            && let Some(k) = current.keys.get(s)
        {
            return Ok((s.to_owned(), k.clone()));
        }
        if let Some(c) = current
            .certificates
            .iter()
            .filter(|c| c.effective_time <= now && now < c.expire_time)
            .max_by_key(|c| c.effective_time)
        {
            return Ok((c.serial_no.clone(), c.public_key.clone()));
        }
        // A configured certificate not yet joined by downloaded ones.
        self.configured
            .serials()
            .next()
            .and_then(|s| current.keys.get(s).map(|k| (s.to_owned(), k.clone())))
            .ok_or(Error::Missing(
                "a platform key to encrypt the payee's name (none is trusted)",
            ))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl<T: Transport> WechatChannel<T> {
    /// The channel's platform trust (shared: replacing it changes what this channel
    /// verifies with, at once).
    pub fn platform_trust(&self) -> PlatformTrust {
        self.trust.clone()
    }

    /// Downloads the platform certificate list (`GET /v3/certificates`) and decrypts it.
    ///
    /// The reply is verified with the keys trusted now. When WeChat already signs it with a
    /// certificate we do not know yet (it switched before our refresh), the reply is
    /// accepted only if that certificate is in the list itself, decrypted under our APIv3
    /// key (AES-256-GCM: only WeChat and we hold the key, and a changed byte fails the
    /// tag), in force now, and the signature verifies with it.
    pub async fn download_certificates(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<PlatformCertificate>> {
        let response = self
            .send_unverified(certificates::request(), Vec::new(), now)
            .await?;
        let body = response.text()?.to_owned();
        check_status(response.status, &body)?;
        let sig = SignatureHeaders::from_headers(
            response
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let list = certificates::parse(&body, &self.config.apiv3_key)?;
        let mut keys = self.trust.keys();
        if keys.get(sig.serial).is_none()
            && let Some(c) = list.iter().find(|c| {
                c.serial_no.eq_ignore_ascii_case(sig.serial)
                    && c.effective_time <= now
                    && now < c.expire_time
            })
        {
            keys.insert(&c.serial_no, c.public_key.clone());
        }
        verify(&keys, &sig, &body, now)?;
        Ok(list)
    }
}

#[async_trait::async_trait]
impl<T: Transport> crate::channel::PlatformCertificates for WechatChannel<T> {
    fn public_key_mode(&self) -> bool {
        self.trust.public_key_mode()
    }

    async fn download_certificates(&self, now: DateTime<Utc>) -> Result<Vec<PlatformCertificate>> {
        WechatChannel::download_certificates(self, now).await
    }

    fn trust_certificates(
        &self,
        certificates: &[PlatformCertificate],
        now: DateTime<Utc>,
    ) -> Vec<String> {
        self.trust.trust(certificates, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PrivateKey;
    use chrono::{Duration, TimeZone};

    fn cert(serial: &str, from: DateTime<Utc>, days: i64) -> (PlatformCertificate, PrivateKey) {
        let key = PrivateKey::generate();
        let pem = key.public_key().to_pem().unwrap();
        (
            PlatformCertificate {
                serial_no: serial.into(),
                effective_time: from.fixed_offset(),
                expire_time: (from + Duration::days(days)).fixed_offset(),
                public_key: key.public_key(),
                pem,
            },
            key,
        )
    }

    #[test]
    fn the_old_certificate_stays_trusted_beside_the_new_until_it_expires() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let (old, _) = cert("AA01", t0, 10);
        let (new, _) = cert("BB02", t0 + Duration::days(8), 10);
        let mut configured = PlatformKeys::new();
        configured.insert("AA01", old.public_key.clone());
        let trust = PlatformTrust::new(configured);
        assert!(!trust.public_key_mode());
        let both = vec![old.clone(), new.clone()];
        assert_eq!(trust.trust(&both, t0 + Duration::days(9)), ["AA01", "BB02"]);
        assert_eq!(
            trust
                .encryption_key(None, t0 + Duration::days(9))
                .unwrap()
                .0,
            "BB02"
        );
        // The configured certificate is listed, so its expiry governs it.
        assert_eq!(trust.trust(&both, t0 + Duration::days(11)), ["BB02"]);
        assert!(trust.keys().get("AA01").is_none());
        // Every clone sees the change.
        assert!(trust.clone().keys().get("BB02").is_some());
    }

    #[test]
    fn a_public_key_id_is_public_key_mode_and_encrypts_names() {
        let key = PrivateKey::generate().public_key();
        let mut configured = PlatformKeys::new();
        configured.insert("PUB_KEY_ID_0001", key.clone());
        let trust = PlatformTrust::new(configured);
        assert!(trust.public_key_mode());
        let (serial, k) = trust.encryption_key(None, Utc::now()).unwrap();
        assert_eq!((serial.as_str(), k), ("PUB_KEY_ID_0001", key));
        assert!(matches!(
            trust.encryption_key(Some("NOPE"), Utc::now()),
            Err(Error::UnknownSerial(_))
        ));
    }
}
