//! The simulator's platform certificates (平台证书) and their rotation, and
//! `GET /v3/certificates`, which lists them encrypted under the APIv3 key as WeChat Pay does.
//!
//! Until a certificate is issued the simulator signs with its platform public key
//! (`PUB_KEY_ID_…`, the newer mode). Once one is issued it signs every reply and callback
//! with the newest certificate in force, at once (WeChat switches some time after a new
//! certificate appears; switching at once is the harder case for the merchant), and keeps
//! the older ones listed until they expire, so a merchant who refreshes in time never meets
//! a serial it does not know. With a rotation period set, a new certificate is issued
//! whenever the newest is that old, each valid for two periods (the overlap).
//!
//! The certificates are real X.509 (v1, self-issued, SHA256withRSA), written here with a
//! few lines of DER so that the simulator needs no certificate authority.

use super::Simulator;
use super::random_alnum;
use crate::error::Result;
use crate::keys::PrivateKey;
use crate::wechat::aead;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// A platform certificate the simulator holds, with its private key.
#[derive(Debug, Clone)]
pub struct SimCertificate {
    /// Its serial (upper-case hex, as WeChat prints them).
    pub serial_no: String,
    /// The key it certifies, which signs while it is the newest in force.
    pub key: PrivateKey,
    /// Valid from.
    pub effective: DateTime<Utc>,
    /// Valid until.
    pub expire: DateTime<Utc>,
    /// The certificate, PEM.
    pub pem: String,
}

/// How long before its issue a certificate is effective.
const BACKDATED: Duration = Duration::minutes(10);

/// The certificate list's path.
pub const CERTIFICATES_PATH: &str = "/v3/certificates";

impl Simulator {
    /// Issues a new platform certificate valid from `now` for `lifetime` and signs with it
    /// from now on (a rotation). Returns its serial.
    pub fn issue_platform_certificate(&self, now: DateTime<Utc>, lifetime: Duration) -> String {
        // Whole seconds, as certificates and signed timestamps have them; effective a little
        // before it is issued, so that a merchant whose clock is a few minutes behind
        // still finds it in force.
        let at = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        let cert = new_certificate(&self.config.wechat_mchid, at - BACKDATED, at + lifetime);
        let serial = cert.serial_no.clone();
        self.lock().certificates.push(cert);
        serial
    }

    /// Issues a certificate now and then a new one whenever the newest is `period` old,
    /// each valid for two periods: the demo's rotation.
    pub fn rotate_platform_certificates_every(&self, now: DateTime<Utc>, period: Duration) {
        self.lock().rotation = Some(period);
        self.issue_platform_certificate(now, period * 2);
    }

    /// Every platform certificate issued (expired ones too), oldest first.
    pub fn platform_certificates(&self) -> Vec<SimCertificate> {
        self.lock().certificates.clone()
    }

    /// The serial and key that sign at `now`: the newest certificate in force (the newest
    /// issued when none is), or the platform public key while none was issued. Rotates first when a period is set and due.
    pub(super) fn signer(&self, now: DateTime<Utc>) -> (String, PrivateKey) {
        let due = {
            let st = self.lock();
            match (st.rotation, st.certificates.last()) {
                (Some(period), Some(newest)) => {
                    (newest.effective + BACKDATED + period <= now).then_some(period)
                }
                _ => None,
            }
        };
        if let Some(period) = due {
            self.issue_platform_certificate(now, period * 2);
        }
        let st = self.lock();
        // The newest in force; with a clock far from the certificates', the newest issued.
        match st
            .certificates
            .iter()
            .rev()
            .find(|c| c.effective <= now && now < c.expire)
            .or(st.certificates.last())
        {
            Some(c) => (c.serial_no.clone(), c.key.clone()),
            None => (
                self.keys.wechat_serial.clone(),
                self.keys.wechat_platform.clone(),
            ),
        }
    }

    /// The private key behind `serial` at `now` (the platform public key's id, or a
    /// certificate in force): what opens a field the merchant sealed for it.
    pub(super) fn decryption_key(&self, serial: &str, now: DateTime<Utc>) -> Option<PrivateKey> {
        if serial.eq_ignore_ascii_case(&self.keys.wechat_serial) {
            return Some(self.keys.wechat_platform.clone());
        }
        self.lock()
            .certificates
            .iter()
            .find(|c| {
                c.serial_no.eq_ignore_ascii_case(serial) && c.effective <= now && now < c.expire
            })
            .map(|c| c.key.clone())
    }
}

/// `GET /v3/certificates`: the certificates not yet expired, each encrypted with the
/// APIv3 key (associated data `certificate`), as WeChat lists them.
pub(super) fn list(sim: &Simulator, now: DateTime<Utc>) -> (u16, String) {
    let certs = sim.platform_certificates();
    let mut data = Vec::new();
    for c in certs.iter().filter(|c| now < c.expire) {
        let nonce = random_alnum(12);
        let Ok(ciphertext) = aead::encrypt(&sim.config.apiv3_key, &nonce, "certificate", &c.pem)
        else {
            return super::wechat::error(500, "SYSTEM_ERROR", "cannot encrypt a certificate");
        };
        data.push(json!({
            "serial_no": c.serial_no,
            "effective_time": super::wechat::china(c.effective),
            "expire_time": super::wechat::china(c.expire),
            "encrypt_certificate": {
                "algorithm": crate::wechat::notify::ALGORITHM,
                "nonce": nonce,
                "associated_data": "certificate",
                "ciphertext": ciphertext,
            }
        }));
    }
    (200, json!({ "data": data }).to_string())
}

fn new_certificate(mchid: &str, effective: DateTime<Utc>, expire: DateTime<Utc>) -> SimCertificate {
    let key = PrivateKey::generate();
    let serial: [u8; 20] = rand::random();
    // A positive DER integer: the top bit clear.
    let mut serial = serial.to_vec();
    serial[0] &= 0x7f;
    serial[0] |= 0x10;
    let pem = certificate_pem(&key, &serial, mchid, effective, expire)
        .expect("a freshly generated key signs and encodes");
    SimCertificate {
        serial_no: hex::encode_upper(&serial),
        key,
        effective,
        expire,
        pem,
    }
}

/// A DER element: tag, definite length, content.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11) with NULL parameters.
fn sha256_with_rsa() -> Vec<u8> {
    seq(&[
        tlv(
            0x06,
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
        ),
        vec![0x05, 0x00],
    ])
}

/// A name of one `CN` (2.5.4.3), UTF8String.
fn name(common_name: &str) -> Vec<u8> {
    seq(&[tlv(
        0x31,
        &seq(&[
            tlv(0x06, &[0x55, 0x04, 0x03]),
            tlv(0x0c, common_name.as_bytes()),
        ]),
    )])
}

/// GeneralizedTime, valid for any year (UTCTime stops at 2049).
fn time(t: DateTime<Utc>) -> Vec<u8> {
    tlv(0x18, t.format("%Y%m%d%H%M%SZ").to_string().as_bytes())
}

fn certificate_pem(
    key: &PrivateKey,
    serial: &[u8],
    mchid: &str,
    effective: DateTime<Utc>,
    expire: DateTime<Utc>,
) -> Result<String> {
    let spki = key.public_key().to_der()?;
    let tbs = seq(&[
        tlv(0x02, serial),
        sha256_with_rsa(),
        name("Tenpay.com Root CA (simulated)"),
        seq(&[time(effective), time(expire)]),
        name(&format!("{mchid} simulated WeChat Pay platform")),
        spki,
    ]);
    let signature = B64
        .decode(key.sign_sha256(&tbs)?)
        .expect("sign_sha256 returns base64");
    let mut bits = vec![0u8];
    bits.extend(signature);
    let der = seq(&[tbs, sha256_with_rsa(), tlv(0x03, &bits)]);
    let body = B64.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PublicKey;

    #[test]
    fn a_simulated_certificate_is_x509_that_carries_its_key() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = new_certificate("1900000001", now, now + Duration::days(2));
        assert_eq!(c.serial_no.len(), 40);
        let read = PublicKey::from_pem(&c.pem).unwrap();
        assert_eq!(read, c.key.public_key());
        read.verify_sha256(b"x", &c.key.sign_sha256(b"x").unwrap())
            .unwrap();
    }
}
