//! VAPID (RFC 8292): the application server's key, the ES256 token it signs, and the
//! check a push service makes of the `Authorization` header.

use super::{WebPushError, b64_decode, b64_encode, err, public_bytes, public_key};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::{PublicKey, SecretKey};
use rand_core::OsRng;
use serde::{Deserialize, Serialize};

/// The longest a VAPID token may live (RFC 8292 section 2: no more than 24 hours).
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;

/// The application server's VAPID key pair (P-256).
#[derive(Clone)]
pub struct VapidKey {
    signing: SigningKey,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VapidKey({})", self.public_base64url())
    }
}

impl VapidKey {
    /// A new random key.
    pub fn generate() -> VapidKey {
        VapidKey {
            signing: SigningKey::random(&mut OsRng),
        }
    }

    /// A key from configuration: the private scalar as base64url (32 bytes, as the
    /// `web-push` tools print it) or a PEM file's text (PKCS#8 `PRIVATE KEY` or SEC1
    /// `EC PRIVATE KEY`, as `vapid --gen` and OpenSSL write it).
    pub fn from_text(text: &str) -> Result<VapidKey, WebPushError> {
        use p256::pkcs8::DecodePrivateKey;
        let text = text.trim();
        let secret = if text.starts_with("-----BEGIN PRIVATE KEY-----") {
            SecretKey::from_pkcs8_pem(text).map_err(|e| err(format!("PKCS#8 PEM: {e}")))?
        } else if text.starts_with("-----BEGIN EC PRIVATE KEY-----") {
            SecretKey::from_sec1_pem(text).map_err(|e| err(format!("SEC1 PEM: {e}")))?
        } else {
            let raw = b64_decode(text)?;
            if raw.len() != 32 {
                return Err(err(format!(
                    "a VAPID private key is 32 bytes (got {})",
                    raw.len()
                )));
            }
            SecretKey::from_slice(&raw).map_err(|_| err("not a valid P-256 private key"))?
        };
        Ok(VapidKey {
            signing: SigningKey::from(secret),
        })
    }

    /// The private scalar, base64url (what [`VapidKey::from_text`] reads back).
    pub fn private_base64url(&self) -> String {
        b64_encode(&self.signing.to_bytes())
    }

    /// The public key, uncompressed.
    pub fn public_bytes(&self) -> [u8; 65] {
        public_bytes(&PublicKey::from(self.signing.verifying_key()))
    }

    /// The public key as browsers take it for `applicationServerKey` and as the `k`
    /// parameter carries it: base64url of the uncompressed point.
    pub fn public_base64url(&self) -> String {
        b64_encode(&self.public_bytes())
    }

    /// The signed JWT for `claims` (`header.claims.signature`, ES256: the signature is
    /// `r ‖ s`, 64 bytes, RFC 7518 section 3.4).
    pub fn token(&self, claims: &VapidClaims) -> String {
        let header = b64_encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let body = b64_encode(&serde_json::to_vec(claims).expect("claims serialize"));
        let input = format!("{header}.{body}");
        let sig: Signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", b64_encode(&sig.to_bytes()))
    }

    /// The `Authorization` header value: `vapid t=<token>, k=<public key>`.
    pub fn authorization(&self, claims: &VapidClaims) -> String {
        format!(
            "vapid t={}, k={}",
            self.token(claims),
            self.public_base64url()
        )
    }
}

/// The claims of a VAPID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VapidClaims {
    /// The push resource's origin (`https://push.example.net`).
    pub aud: String,
    /// When the token expires, Unix seconds.
    pub exp: i64,
    /// How the push service reaches the operator: `mailto:` or `https:` URL.
    pub sub: String,
}

/// The origin of a URL (`scheme://host[:port]`, lower-case, default port dropped), the
/// `aud` of a token for that endpoint.
pub fn origin(url: &str) -> Result<String, WebPushError> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| err(format!("`{url}` is not an absolute URL")))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(err(format!("`{url}` is not an http(s) URL")));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(err(format!("`{url}` has no host (or carries credentials)")));
    }
    let mut host = authority.to_ascii_lowercase();
    let default = if scheme == "https" { ":443" } else { ":80" };
    if let Some(h) = host.strip_suffix(default) {
        host = h.to_string();
    }
    Ok(format!("{scheme}://{host}"))
}

/// A checked `Authorization: vapid` header: the claims and the key that signed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedVapid {
    /// The token's claims.
    pub claims: VapidClaims,
    /// The `k` parameter (base64url public key) the signature was checked with.
    pub key: String,
}

/// Checks an `Authorization` header as a push service does (RFC 8292 sections 2-3): the
/// `vapid` scheme with `t` and `k`, a JWT with `alg` ES256 whose signature verifies with `k`,
/// `aud` equal to `expected_aud`, `exp` in the future and no more than 24 hours ahead
/// (`now`, Unix seconds), and a `sub` that is a `mailto:` or `https:` URL.
pub fn verify_authorization(
    header: &str,
    expected_aud: &str,
    now: i64,
) -> Result<VerifiedVapid, WebPushError> {
    let (scheme, params) = header
        .trim()
        .split_once(' ')
        .ok_or_else(|| err("the Authorization header has no parameters"))?;
    if !scheme.eq_ignore_ascii_case("vapid") {
        return Err(err(format!(
            "the Authorization scheme is `{scheme}`, not vapid"
        )));
    }
    let (mut t, mut k) = (None, None);
    for part in params.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| err(format!("`{}` is not name=value", part.trim())))?;
        match name.trim() {
            "t" => t = Some(value.trim()),
            "k" => k = Some(value.trim()),
            _ => {}
        }
    }
    let t = t.ok_or_else(|| err("no t= (the token)"))?;
    let k = k.ok_or_else(|| err("no k= (the public key)"))?;
    let key = VerifyingKey::from(public_key(&b64_decode(k)?)?);
    let mut parts = t.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(err("the token is not header.claims.signature"));
    };
    let header: serde_json::Value = serde_json::from_slice(&b64_decode(h)?)
        .map_err(|e| err(format!("the token's header is not JSON: {e}")))?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("ES256") {
        return Err(err("the token's alg is not ES256"));
    }
    let sig = Signature::from_slice(&b64_decode(s)?)
        .map_err(|_| err("the signature is not 64 bytes r ‖ s"))?;
    key.verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| err("the token's signature does not verify with k"))?;
    let claims: VapidClaims = serde_json::from_slice(&b64_decode(c)?)
        .map_err(|e| err(format!("the claims lack aud, exp or sub: {e}")))?;
    if claims.aud != expected_aud {
        return Err(err(format!(
            "aud is `{}`, the endpoint's origin is `{expected_aud}`",
            claims.aud
        )));
    }
    if claims.exp <= now {
        return Err(err("the token has expired"));
    }
    if claims.exp > now + MAX_TOKEN_LIFETIME {
        return Err(err("exp is more than 24 hours ahead"));
    }
    if !(claims.sub.starts_with("mailto:") || claims.sub.starts_with("https://")) {
        return Err(err("sub is neither a mailto: nor an https: URL"));
    }
    Ok(VerifiedVapid {
        claims,
        key: k.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_and_its_claims_are_checked() {
        let key = VapidKey::generate();
        let back = VapidKey::from_text(&key.private_base64url()).unwrap();
        assert_eq!(back.public_base64url(), key.public_base64url());
        let now = 1_765_000_000;
        let claims = VapidClaims {
            aud: "https://push.example.net".into(),
            exp: now + 3600,
            sub: "mailto:ops@example.com".into(),
        };
        let header = key.authorization(&claims);
        assert!(header.starts_with("vapid t=ey"));
        let v = verify_authorization(&header, "https://push.example.net", now).unwrap();
        assert_eq!(v.claims, claims);
        assert_eq!(v.key, key.public_base64url());
        // wrong audience, expired, too far ahead
        assert!(verify_authorization(&header, "https://other.example.net", now).is_err());
        assert!(verify_authorization(&header, "https://push.example.net", now + 3600).is_err());
        let far = VapidClaims {
            exp: now + MAX_TOKEN_LIFETIME + 1,
            ..claims.clone()
        };
        assert!(
            verify_authorization(&key.authorization(&far), "https://push.example.net", now)
                .is_err()
        );
        // another key's k
        let other = VapidKey::generate();
        let forged = format!(
            "vapid t={}, k={}",
            key.token(&claims),
            other.public_base64url()
        );
        assert!(verify_authorization(&forged, "https://push.example.net", now).is_err());
        let bad_sub = VapidClaims {
            sub: "ops".into(),
            ..claims
        };
        assert!(
            verify_authorization(
                &key.authorization(&bad_sub),
                "https://push.example.net",
                now
            )
            .is_err()
        );
    }
}
