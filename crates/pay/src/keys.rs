//! RSA keys and SHA256withRSA (RSASSA-PKCS1-v1_5 over SHA-256), the signature both channels
//! use. Keys are read from what the vendors hand out: PEM in PKCS#8 or PKCS#1, Alipay's bare
//! base64 DER, and (for WeChat Pay's platform) an X.509 certificate.

use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::sha2::Sha256;
use std::fmt;
use x509_cert::der::{DecodePem, Encode};

/// A private RSA key that signs with SHA256withRSA. Prints as `***`.
#[derive(Clone)]
pub struct PrivateKey(rsa::PrivateKey);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(***)")
    }
}

impl PrivateKey {
    /// Reads a private key: PEM (`BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY`) or bare
    /// base64 DER in either encoding (as Alipay's key tool prints it).
    pub fn from_pem(text: &str) -> Result<Self> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN PRIVATE KEY") {
            rsa::PrivateKey::from_pkcs8_pem(text).map_err(|e| key_error("PKCS#8 private key", e))?
        } else if text.starts_with("-----BEGIN RSA PRIVATE KEY") {
            rsa::PrivateKey::from_pkcs1_pem(text).map_err(|e| key_error("PKCS#1 private key", e))?
        } else {
            let der = bare_base64(text, "private key")?;
            rsa::PrivateKey::from_pkcs8_der(&der)
                .or_else(|_| rsa::PrivateKey::from_pkcs1_der(&der))
                .map_err(|e| key_error("private key (bare base64 DER)", e))?
        };
        Ok(PrivateKey(key))
    }

    /// A fresh key from the operating system's random source (the channel simulator's own
    /// keys, and keys for a demo that has none configured).
    pub fn generate() -> Self {
        use rsa::Generate;
        PrivateKey(rsa::PrivateKey::generate())
    }

    /// The key as PKCS#8 PEM (to hand a generated key to configuration).
    pub fn to_pem(&self) -> Result<String> {
        use rsa::pkcs8::EncodePrivateKey;
        self.0
            .to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
            .map(|pem| pem.to_string())
            .map_err(|e| Error::Sign(format!("encoding a private key: {e}")))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.to_public_key())
    }

    /// SHA256withRSA signature of `message`, base64 (standard alphabet, padded).
    pub fn sign_sha256(&self, message: &[u8]) -> Result<String> {
        let sig = self
            .0
            .pkcs1v15_sign::<Sha256>(message)
            .map_err(|e| Error::Sign(e.to_string()))?;
        Ok(B64.encode(sig))
    }

    /// Decrypts a base64 RSAES-OAEP (SHA-1, MGF1 with SHA-1, empty label) ciphertext, the
    /// padding WeChat Pay uses for sensitive fields (the channel simulator's side of
    /// [`PublicKey::encrypt_oaep_sha1`]).
    pub fn decrypt_oaep_sha1(&self, ciphertext: &str) -> Result<String> {
        let bytes = B64
            .decode(ciphertext.trim())
            .map_err(|_| Error::invalid("ciphertext", "not base64"))?;
        let plain = self
            .0
            .oaep_decrypt::<sha1::Sha1>(&bytes)
            .map_err(|_| Error::invalid("ciphertext", "does not decrypt with this key"))?;
        String::from_utf8(plain).map_err(|_| Error::invalid("plaintext", "not UTF-8"))
    }
}

/// A public RSA key that verifies SHA256withRSA signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(rsa::PublicKey);

impl PublicKey {
    /// Reads a public key: PEM (`BEGIN PUBLIC KEY`, `BEGIN RSA PUBLIC KEY`), an X.509
    /// certificate PEM (`BEGIN CERTIFICATE`: its subject key), or bare base64 DER of a
    /// SubjectPublicKeyInfo (Alipay's "支付宝公钥").
    pub fn from_pem(text: &str) -> Result<Self> {
        let text = text.trim();
        let key = if text.starts_with("-----BEGIN PUBLIC KEY") {
            rsa::PublicKey::from_public_key_pem(text).map_err(|e| key_error("public key", e))?
        } else if text.starts_with("-----BEGIN RSA PUBLIC KEY") {
            rsa::PublicKey::from_pkcs1_pem(text).map_err(|e| key_error("PKCS#1 public key", e))?
        } else if text.starts_with("-----BEGIN CERTIFICATE") {
            let cert = x509_cert::Certificate::from_pem(text)
                .map_err(|e| key_error("X.509 certificate", e))?;
            let spki = cert
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .map_err(|e| key_error("certificate public key", e))?;
            rsa::PublicKey::from_public_key_der(&spki)
                .map_err(|e| key_error("certificate RSA public key", e))?
        } else {
            let der = bare_base64(text, "public key")?;
            rsa::PublicKey::from_public_key_der(&der)
                .or_else(|_| rsa::PublicKey::from_pkcs1_der(&der))
                .map_err(|e| key_error("public key (bare base64 DER)", e))?
        };
        Ok(PublicKey(key))
    }

    /// The key as SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`).
    pub fn to_pem(&self) -> Result<String> {
        use rsa::pkcs8::EncodePublicKey;
        self.0
            .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
            .map_err(|e| Error::Sign(format!("encoding a public key: {e}")))
    }

    /// The key as SubjectPublicKeyInfo DER (what a certificate carries).
    pub fn to_der(&self) -> Result<Vec<u8>> {
        use rsa::pkcs8::EncodePublicKey;
        self.0
            .to_public_key_der()
            .map(|der| der.as_bytes().to_vec())
            .map_err(|e| Error::Sign(format!("encoding a public key: {e}")))
    }

    /// Checks a base64 SHA256withRSA `signature` of `message`.
    pub fn verify_sha256(&self, message: &[u8], signature: &str) -> Result<()> {
        let sig = B64
            .decode(signature.trim())
            .map_err(|_| Error::BadSignature)?;
        self.0
            .pkcs1v15_verify::<Sha256>(message, &sig)
            .map_err(|_| Error::BadSignature)
    }

    /// Encrypts `plaintext` with RSAES-OAEP (SHA-1, MGF1 with SHA-1, empty label), base64:
    /// how WeChat Pay wants sensitive request fields (a payee's name) sealed with its
    /// platform public key. Randomised: two calls give different ciphertexts.
    pub fn encrypt_oaep_sha1(&self, plaintext: &str) -> Result<String> {
        let sealed = self
            .0
            .oaep_encrypt::<sha1::Sha1>(plaintext.as_bytes())
            .map_err(|e| Error::invalid("plaintext", format!("cannot encrypt: {e}")))?;
        Ok(B64.encode(sealed))
    }
}

fn bare_base64(text: &str, what: &'static str) -> Result<Vec<u8>> {
    let compact: String = text.split_whitespace().collect();
    if compact.is_empty() {
        return Err(Error::Key {
            what,
            reason: "empty".into(),
        });
    }
    B64.decode(compact).map_err(|e| Error::Key {
        what,
        reason: format!("neither PEM nor base64 DER ({e})"),
    })
}

fn key_error(what: &'static str, e: impl fmt::Display) -> Error {
    Error::Key {
        what,
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MERCHANT: &str = include_str!("../tests/keys/test-wechat-merchant.key.pem");
    const MERCHANT_PUB: &str = include_str!("../tests/keys/test-wechat-merchant.pub.pem");
    const ALIPAY_APP: &str = include_str!("../tests/keys/test-alipay-app.key.pem");

    #[test]
    fn pkcs8_and_pkcs1_private_keys_both_read() {
        assert!(MERCHANT.starts_with("-----BEGIN PRIVATE KEY"));
        assert!(ALIPAY_APP.starts_with("-----BEGIN RSA PRIVATE KEY"));
        PrivateKey::from_pem(MERCHANT).unwrap();
        PrivateKey::from_pem(ALIPAY_APP).unwrap();
    }

    #[test]
    fn bare_base64_public_key_reads_like_its_pem() {
        let body: String = MERCHANT_PUB
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        assert_eq!(
            PublicKey::from_pem(&body).unwrap(),
            PublicKey::from_pem(MERCHANT_PUB).unwrap()
        );
        assert_eq!(
            PrivateKey::from_pem(MERCHANT).unwrap().public_key(),
            PublicKey::from_pem(MERCHANT_PUB).unwrap()
        );
    }

    #[test]
    fn garbage_is_a_key_error_not_a_panic() {
        assert!(matches!(
            PrivateKey::from_pem("not a key"),
            Err(Error::Key { .. })
        ));
        assert!(matches!(PublicKey::from_pem(""), Err(Error::Key { .. })));
    }

    #[test]
    fn oaep_ciphertexts_are_randomised_and_open_only_with_the_matching_key() {
        let key = PrivateKey::from_pem(MERCHANT).unwrap();
        let a = key.public_key().encrypt_oaep_sha1("张三").unwrap();
        let b = key.public_key().encrypt_oaep_sha1("张三").unwrap();
        assert_ne!(a, b);
        assert_eq!(key.decrypt_oaep_sha1(&a).unwrap(), "张三");
        assert_eq!(key.decrypt_oaep_sha1(&b).unwrap(), "张三");
        let other = PrivateKey::from_pem(ALIPAY_APP).unwrap();
        assert!(matches!(
            other.decrypt_oaep_sha1(&a),
            Err(Error::Invalid {
                field: "ciphertext",
                ..
            })
        ));
    }

    #[test]
    fn debug_hides_the_private_key() {
        let key = PrivateKey::from_pem(MERCHANT).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey(***)");
    }
}
