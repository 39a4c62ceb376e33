//! AEAD_AES_256_GCM, which WeChat Pay uses for callback resources and the platform
//! certificate list: AES-256-GCM with the merchant's 32-byte APIv3 key, a 12-byte nonce,
//! the `associated_data` as AAD, and base64 of ciphertext‖tag.

use crate::error::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::fmt;

/// The merchant's APIv3 key (32 bytes, set in the merchant platform). Prints as `***`.
#[derive(Clone)]
pub struct ApiV3Key([u8; 32]);

impl fmt::Debug for ApiV3Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiV3Key(***)")
    }
}

impl ApiV3Key {
    /// Reads the key as configured: exactly 32 bytes of text.
    pub fn new(key: &str) -> Result<Self> {
        let bytes: [u8; 32] = key.as_bytes().try_into().map_err(|_| {
            Error::invalid("APIv3 key", format!("must be 32 bytes, got {}", key.len()))
        })?;
        Ok(ApiV3Key(bytes))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&self.0.into())
    }
}

fn nonce_of(nonce: &str) -> Result<&Nonce<aes_gcm::aead::consts::U12>> {
    if nonce.len() != 12 {
        return Err(Error::invalid(
            "resource nonce",
            format!("must be 12 bytes, got {}", nonce.len()),
        ));
    }
    Ok(Nonce::from_slice(nonce.as_bytes()))
}

/// Decrypts a resource's base64 `ciphertext` to its UTF-8 plaintext.
pub fn decrypt(
    key: &ApiV3Key,
    nonce: &str,
    associated_data: &str,
    ciphertext: &str,
) -> Result<String> {
    let nonce = nonce_of(nonce)?;
    let data = B64
        .decode(ciphertext.trim())
        .map_err(|_| Error::invalid("resource ciphertext", "not base64"))?;
    let plain = key
        .cipher()
        .decrypt(
            nonce,
            Payload {
                msg: &data,
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| Error::Decrypt)?;
    String::from_utf8(plain).map_err(|_| Error::invalid("resource plaintext", "not UTF-8"))
}

/// Encrypts `plaintext` as WeChat would (the channel simulator's callbacks); the inverse of
/// [`decrypt`].
pub fn encrypt(
    key: &ApiV3Key,
    nonce: &str,
    associated_data: &str,
    plaintext: &str,
) -> Result<String> {
    let nonce = nonce_of(nonce)?;
    let data = key
        .cipher()
        .encrypt(
            nonce,
            Payload {
                msg: plaintext.as_bytes(),
                aad: associated_data.as_bytes(),
            },
        )
        .map_err(|_| Error::invalid("resource plaintext", "too long to encrypt"))?;
    Ok(B64.encode(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        assert!(ApiV3Key::new("short").is_err());
        assert!(ApiV3Key::new(&"k".repeat(32)).is_ok());
        assert_eq!(
            format!("{:?}", ApiV3Key::new(&"k".repeat(32)).unwrap()),
            "ApiV3Key(***)"
        );
    }

    #[test]
    fn a_nonce_of_the_wrong_length_is_refused_not_panicked_on() {
        let key = ApiV3Key::new(&"k".repeat(32)).unwrap();
        assert!(matches!(
            encrypt(&key, "short", "", "x"),
            Err(Error::Invalid {
                field: "resource nonce",
                ..
            })
        ));
        assert!(decrypt(&key, "0123456789abc", "", "AAAA").is_err());
    }

    #[test]
    fn the_wrong_associated_data_fails_to_decrypt() {
        let key = ApiV3Key::new(&"k".repeat(32)).unwrap();
        let ct = encrypt(&key, "0123456789ab", "transaction", "{}").unwrap();
        assert_eq!(
            decrypt(&key, "0123456789ab", "transaction", &ct).unwrap(),
            "{}"
        );
        assert!(matches!(
            decrypt(&key, "0123456789ab", "refund", &ct),
            Err(Error::Decrypt)
        ));
    }
}
