//! Encryption of personal information at rest.
//!
//! Phone numbers, addresses and names are stored as AES-256-GCM ciphertext under a key from
//! configuration. The stored text is `v1:{key id}:{base64(nonce ‖ ciphertext ‖ tag)}`, so a
//! new key can become active while rows written under an older one stay readable (key
//! rotation: add the new key, make it active, re-encrypt at leisure with `daojia admin
//! rotate-keys`). Lookup by phone uses a blind index: an HMAC-SHA256 of the normalised value
//! under a separate index key, which reveals equality and nothing else.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::collections::BTreeMap;
use std::fmt;

/// A 32-byte key with its id, parsed from configuration (`id:base64key`).
#[derive(Clone)]
pub struct DataKey {
    id: String,
    cipher: Aes256Gcm,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({}, ***)", self.id)
    }
}

/// Why a key or a ciphertext was refused.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key text is not `id:base64` with a 32-byte key.
    #[error("a data key must look like `ID:BASE64` where BASE64 encodes 32 bytes (got {0})")]
    BadKey(String),
    /// A stored value names a key id that is not configured.
    #[error(
        "stored value was encrypted under key `{0}`, which is not configured; add it to pii.keys"
    )]
    UnknownKey(String),
    /// A stored value is damaged or was encrypted under a different key with the same id.
    #[error(
        "stored value cannot be decrypted: damaged, or the key `{0}` is not the one it was written with"
    )]
    Corrupt(String),
    /// A stored value is not in the `v1:id:data` form.
    #[error("stored value is not in the encrypted format")]
    Format,
}

impl DataKey {
    /// Parses `id:base64` (standard alphabet, padding optional).
    pub fn parse(text: &str) -> Result<DataKey, VaultError> {
        let (id, b64) = text
            .split_once(':')
            .ok_or_else(|| VaultError::BadKey("no `:` between id and key".into()))?;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(VaultError::BadKey(
                "the id must be letters, digits, - or _".into(),
            ));
        }
        let bytes =
            decode_b64(b64).ok_or_else(|| VaultError::BadKey("key is not base64".into()))?;
        if bytes.len() != 32 {
            return Err(VaultError::BadKey(format!(
                "key is {} bytes, expected 32",
                bytes.len()
            )));
        }
        let cipher =
            Aes256Gcm::new_from_slice(&bytes).map_err(|_| VaultError::BadKey("length".into()))?;
        Ok(DataKey {
            id: id.to_string(),
            cipher,
        })
    }

    /// A fresh random key in the `id:base64` text form.
    pub fn generate_text(id: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        format!(
            "{id}:{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    /// The key's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

fn decode_b64(text: &str) -> Option<Vec<u8>> {
    B64.decode(text.trim().trim_end_matches('=')).ok()
}

/// Encrypts and decrypts personal information, and computes blind indexes.
#[derive(Clone)]
pub struct Vault {
    active: String,
    keys: BTreeMap<String, DataKey>,
    index_key: Vec<u8>,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Vault(active={}, keys={:?}, index_key=***)",
            self.active,
            self.keys.keys()
        )
    }
}

impl Vault {
    /// A vault whose first key is the active one. `index_key` is the blind-index secret
    /// (base64, at least 32 bytes); it cannot be rotated without re-indexing.
    pub fn new(keys: Vec<DataKey>, index_key_b64: &str) -> Result<Vault, VaultError> {
        let active = keys
            .first()
            .ok_or_else(|| VaultError::BadKey("no data key configured".into()))?
            .id
            .clone();
        let index_key = decode_b64(index_key_b64)
            .filter(|k| k.len() >= 32)
            .ok_or_else(|| {
                VaultError::BadKey("the index key must be base64 of at least 32 bytes".into())
            })?;
        let keys = keys.into_iter().map(|k| (k.id.clone(), k)).collect();
        Ok(Vault {
            active,
            keys,
            index_key,
        })
    }

    /// A vault with random keys, for tests.
    pub fn random_for_tests() -> Vault {
        let key = DataKey::parse(&DataKey::generate_text("test")).expect("generated key is valid");
        let mut index = [0u8; 32];
        rand::rng().fill_bytes(&mut index);
        Vault::new(
            vec![key],
            &base64::engine::general_purpose::STANDARD.encode(index),
        )
        .expect("generated keys are valid")
    }

    /// The id of the key new values are written with.
    pub fn active_key_id(&self) -> &str {
        &self.active
    }

    /// Encrypts `plain`. `context` (e.g. `customer.phone`) is bound as associated data, so a
    /// ciphertext copied into another column does not decrypt.
    pub fn encrypt(&self, context: &str, plain: &str) -> String {
        let key = &self.keys[&self.active];
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = key
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("v1:{}:{}", key.id, B64.encode(out))
    }

    /// Decrypts a value written by [`Vault::encrypt`] with the same `context`.
    pub fn decrypt(&self, context: &str, stored: &str) -> Result<String, VaultError> {
        let mut parts = stored.splitn(3, ':');
        let (Some("v1"), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(VaultError::Format);
        };
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| VaultError::UnknownKey(id.to_string()))?;
        let bytes = B64.decode(data).map_err(|_| VaultError::Format)?;
        if bytes.len() < 12 + 16 {
            return Err(VaultError::Format);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let plain = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| VaultError::Corrupt(id.to_string()))?;
        String::from_utf8(plain).map_err(|_| VaultError::Corrupt(id.to_string()))
    }

    /// True when `stored` was written under a key other than the active one.
    pub fn needs_rotation(&self, stored: &str) -> bool {
        stored.split(':').nth(1).is_some_and(|id| id != self.active)
    }

    /// The blind index of a value: hex HMAC-SHA256 under the index key, domain-separated by
    /// `kind` (e.g. `phone`). Equal inputs give equal indexes; nothing else is revealed.
    pub fn blind_index(&self, kind: &str, normalised: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC accepts a key of any length");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(normalised.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_decrypts_only_in_its_own_context() {
        let v = Vault::random_for_tests();
        let c = v.encrypt("customer.phone", "13800138000");
        assert!(!c.contains("13800138000"));
        assert_eq!(v.decrypt("customer.phone", &c).unwrap(), "13800138000");
        assert!(matches!(
            v.decrypt("worker.phone", &c),
            Err(VaultError::Corrupt(_))
        ));
    }

    #[test]
    fn encrypting_twice_gives_different_ciphertexts_but_the_same_index() {
        let v = Vault::random_for_tests();
        assert_ne!(v.encrypt("x", "a"), v.encrypt("x", "a"));
        assert_eq!(
            v.blind_index("phone", "13800138000"),
            v.blind_index("phone", "13800138000")
        );
        assert_ne!(
            v.blind_index("phone", "13800138000"),
            v.blind_index("phone", "13800138001")
        );
    }

    #[test]
    fn values_written_under_an_old_key_stay_readable_after_rotation() {
        let old = DataKey::generate_text("k1");
        let new = DataKey::generate_text("k2");
        let index = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        let before = Vault::new(vec![DataKey::parse(&old).unwrap()], &index).unwrap();
        let stored = before.encrypt("c", "上海市徐汇区漕溪北路 1 号");
        let after = Vault::new(
            vec![DataKey::parse(&new).unwrap(), DataKey::parse(&old).unwrap()],
            &index,
        )
        .unwrap();
        assert!(after.needs_rotation(&stored));
        assert_eq!(
            after.decrypt("c", &stored).unwrap(),
            "上海市徐汇区漕溪北路 1 号"
        );
        assert!(!after.needs_rotation(&after.encrypt("c", "x")));
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        assert!(DataKey::parse("nokey").is_err());
        assert!(DataKey::parse("k1:dG9vc2hvcnQ=").is_err());
        assert!(DataKey::parse("bad id:AAAA").is_err());
    }
}
