//! The platform certificate list (`GET /v3/certificates`): WeChat Pay's current platform
//! certificates, each encrypted with the APIv3 key. Fetch it when a `Wechatpay-Serial` is
//! unknown and before the held certificates expire, and trust what it holds. (Merchants
//! on the newer platform public key configure that key and its `PUB_KEY_ID_…` instead.)

use super::aead::{self, ApiV3Key};
use super::verify::PlatformKeys;
use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method};
use crate::keys::PublicKey;
use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

/// The certificate list call.
pub fn request() -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: "/v3/certificates".into(),
        body: String::new(),
    }
}

#[derive(Deserialize)]
struct EncryptedCertificate {
    algorithm: String,
    nonce: String,
    #[serde(default)]
    associated_data: String,
    ciphertext: String,
}

#[derive(Deserialize)]
struct Entry {
    serial_no: String,
    effective_time: DateTime<FixedOffset>,
    expire_time: DateTime<FixedOffset>,
    encrypt_certificate: EncryptedCertificate,
}

#[derive(Deserialize)]
struct List {
    data: Vec<Entry>,
}

/// One decrypted platform certificate.
#[derive(Debug, Clone)]
pub struct PlatformCertificate {
    /// Its serial, as `Wechatpay-Serial` names it.
    pub serial_no: String,
    /// Valid from.
    pub effective_time: DateTime<FixedOffset>,
    /// Valid until.
    pub expire_time: DateTime<FixedOffset>,
    /// Its public key.
    pub public_key: PublicKey,
    /// The certificate itself, PEM (to store and read again).
    pub pem: String,
}

impl PlatformCertificate {
    /// A certificate read back from storage: `pem` is the certificate as [`parse`] gave it.
    pub fn from_stored(
        serial_no: &str,
        effective_time: DateTime<FixedOffset>,
        expire_time: DateTime<FixedOffset>,
        pem: &str,
    ) -> Result<Self> {
        Ok(PlatformCertificate {
            serial_no: serial_no.to_owned(),
            effective_time,
            expire_time,
            public_key: PublicKey::from_pem(pem)?,
            pem: pem.to_owned(),
        })
    }
}

/// Decrypts a (verified) certificate list reply.
pub fn parse(body: &str, key: &ApiV3Key) -> Result<Vec<PlatformCertificate>> {
    let list: List = serde_json::from_str(body)?;
    list.data
        .into_iter()
        .map(|e| {
            let c = &e.encrypt_certificate;
            if c.algorithm != super::notify::ALGORITHM {
                return Err(Error::invalid(
                    "certificate algorithm",
                    format!("`{}` is not {}", c.algorithm, super::notify::ALGORITHM),
                ));
            }
            let pem = aead::decrypt(key, &c.nonce, &c.associated_data, &c.ciphertext)?;
            Ok(PlatformCertificate {
                serial_no: e.serial_no,
                effective_time: e.effective_time,
                expire_time: e.expire_time,
                public_key: PublicKey::from_pem(&pem)?,
                pem,
            })
        })
        .collect()
}

/// The keys of the certificates in force at `now` (expired and not-yet-valid ones left out).
pub fn trusted_at(certificates: &[PlatformCertificate], now: DateTime<Utc>) -> PlatformKeys {
    let mut keys = PlatformKeys::new();
    for c in certificates {
        if c.effective_time <= now && now < c.expire_time {
            keys.insert(&c.serial_no, c.public_key.clone());
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = include_str!("../../tests/keys/test-wechat-platform.cert.pem");
    const PUB: &str = include_str!("../../tests/keys/test-wechat-platform.pub.pem");

    fn list(key: &ApiV3Key, serial: &str, from: &str, to: &str) -> String {
        serde_json::json!({ "data": [{
            "serial_no": serial, "effective_time": from, "expire_time": to,
            "encrypt_certificate": {
                "algorithm": "AEAD_AES_256_GCM", "nonce": "61f9c719728a",
                "associated_data": "certificate",
                "ciphertext": aead::encrypt(key, "61f9c719728a", "certificate", CERT).unwrap()
            }
        }]})
        .to_string()
    }

    #[test]
    fn the_list_decrypts_to_the_platform_key_trusted_while_in_force() {
        let key = ApiV3Key::new("daojiaTestApiV3Key0123456789abcd").unwrap();
        let serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
        let body = list(
            &key,
            serial,
            "2026-01-01T00:00:00+08:00",
            "2031-01-01T00:00:00+08:00",
        );
        let certs = parse(&body, &key).unwrap();
        assert_eq!(certs[0].public_key, PublicKey::from_pem(PUB).unwrap());
        let now = DateTime::parse_from_rfc3339("2026-12-03T05:20:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(trusted_at(&certs, now).get(serial).is_some());
        let later = DateTime::parse_from_rfc3339("2031-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(trusted_at(&certs, later).is_empty());
        let wrong = ApiV3Key::new("ffffffffffffffffffffffffffffffff").unwrap();
        assert!(matches!(parse(&body, &wrong), Err(Error::Decrypt)));
    }
}
