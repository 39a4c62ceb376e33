//! Access tokens: short-lived, signed with HMAC-SHA256 under the configured secret.
//!
//! Format: `v1.{base64url(claims JSON)}.{base64url(HMAC)}`. The signature proves we issued
//! the token; each request also checks that the session is still live, so a log-out or a
//! revoked session takes effect at once rather than at expiry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use daojia_domain::access::Audience;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

/// What an access token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The session (refresh-token family).
    pub sid: Uuid,
    /// The customer, worker or staff id.
    pub sub: Uuid,
    /// The audience.
    pub aud: Audience,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token of ours, or tampered with.
    #[error("invalid access token")]
    Invalid,
    /// Past its expiry: refresh it.
    #[error("access token expired")]
    Expired,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct TokenSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(***)")
    }
}

impl TokenSigner {
    /// A signer over raw key bytes.
    pub fn new(key: Vec<u8>) -> Self {
        TokenSigner { key }
    }

    fn mac(&self, domain: &[u8]) -> Hmac<Sha256> {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        m.update(domain);
        m
    }

    /// Signs claims.
    pub fn sign(&self, claims: &Claims) -> String {
        let body = B64.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let mut m = self.mac(b"access\0");
        m.update(body.as_bytes());
        format!("v1.{body}.{}", B64.encode(m.finalize().into_bytes()))
    }

    /// Verifies a token at Unix time `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some("v1"), Some(body), Some(sig), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let sig = B64.decode(sig).map_err(|_| TokenError::Invalid)?;
        let mut m = self.mac(b"access\0");
        m.update(body.as_bytes());
        m.verify_slice(&sig).map_err(|_| TokenError::Invalid)?;
        let claims: Claims =
            serde_json::from_slice(&B64.decode(body).map_err(|_| TokenError::Invalid)?)
                .map_err(|_| TokenError::Invalid)?;
        if claims.exp <= now {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// A keyed hash for one-time codes, bound to the phone's index, so the stored hash of a
    /// six-digit code cannot be brute-forced offline without the secret.
    pub fn code_hash(&self, phone_index: &str, code: &str) -> String {
        let mut m = self.mac(b"otp\0");
        m.update(phone_index.as_bytes());
        m.update(b"\0");
        m.update(code.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            sid: Uuid::now_v7(),
            sub: Uuid::now_v7(),
            aud: Audience::Worker,
            iat: 0,
            exp,
        }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let s = TokenSigner::new(vec![1; 32]);
        let c = claims(100);
        let t = s.sign(&c);
        assert_eq!(s.verify(&t, 99).unwrap(), c);
        assert_eq!(s.verify(&t, 100), Err(TokenError::Expired));
    }

    #[test]
    fn a_token_signed_with_another_key_or_edited_is_refused() {
        let t = TokenSigner::new(vec![1; 32]).sign(&claims(100));
        assert_eq!(
            TokenSigner::new(vec![2; 32]).verify(&t, 0),
            Err(TokenError::Invalid)
        );
        let mut forged = t.clone();
        forged.replace_range(5..6, if &t[5..6] == "A" { "B" } else { "A" });
        assert_eq!(
            TokenSigner::new(vec![1; 32]).verify(&forged, 0),
            Err(TokenError::Invalid)
        );
        assert_eq!(
            TokenSigner::new(vec![1; 32]).verify("garbage", 0),
            Err(TokenError::Invalid)
        );
    }
}
