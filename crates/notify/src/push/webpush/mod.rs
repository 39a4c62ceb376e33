//! Web Push: the message encryption of RFC 8291 (the `aes128gcm` content coding of RFC 8188,
//! keyed by ECDH on P-256 and HKDF-SHA-256) and the VAPID application-server identification of
//! RFC 8292 (an ES256 JWT).
//!
//! Encryption, for a subscription's public key `ua_public` (`p256dh`) and authentication
//! secret `auth`, with a fresh key pair `as` and a random 16-byte `salt`:
//!
//! 1. `ecdh = ECDH(as_private, ua_public)` (the x coordinate, 32 bytes);
//! 2. `ikm = HKDF(salt = auth, ikm = ecdh, info = "WebPush: info\0" ‖ ua_public ‖ as_public, 32)`;
//! 3. `cek = HKDF(salt, ikm, "Content-Encoding: aes128gcm\0", 16)`,
//!    `nonce = HKDF(salt, ikm, "Content-Encoding: nonce\0", 12)`;
//! 4. the body: `salt ‖ rs (u32 BE, 4096) ‖ idlen (65) ‖ as_public ‖ AES-128-GCM(cek, nonce, plaintext ‖ 0x02)`.
//!
//! VAPID: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT signed with ES256 by the
//! application server's key, its claims `aud` (the endpoint's origin), `exp` (at most 24 hours
//! ahead) and `sub` (a `mailto:` or `https:` contact). The push service checks the signature
//! against `k`, which must be the key the subscription was made with
//! (`applicationServerKey`).
//!
//! [`encryption`] holds the message encryption, [`vapid`] the token and its check,
//! [`request`] builds the request for a subscription (no I/O, so the golden tests see
//! exactly what is sent) and maps the push service's answer: 201 accepted (the `Location`
//! header is the message id), 404 and 410 gone, 429 and 5xx retryable, anything else
//! permanent; [`sender`] is the channel ([`WebPush`]) that sends it.

pub mod encryption;
pub mod request;
pub mod sender;
pub mod vapid;

pub use encryption::{
    HEADER_LEN, MAX_PLAINTEXT, RECORD_SIZE, decrypt, encrypt, encrypt_with, public_bytes,
    public_key,
};
pub use request::{
    SendOptions, Subscription, Urgency, WebPushRequest, build_request, check_endpoint, outcome,
    payload, topic,
};
pub use sender::WebPush;
pub use vapid::{
    MAX_TOKEN_LIFETIME, VapidClaims, VapidKey, VerifiedVapid, origin, verify_authorization,
};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// Bad keys, a body that does not decrypt, a bad token: what and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WebPushError(pub String);

fn err(msg: impl Into<String>) -> WebPushError {
    WebPushError(msg.into())
}

/// Decodes base64url, with or without padding (browsers give it without; some libraries pad).
pub fn b64_decode(text: &str) -> Result<Vec<u8>, WebPushError> {
    B64.decode(text.trim().trim_end_matches('='))
        .map_err(|e| err(format!("not base64url: {e}")))
}

/// Encodes base64url without padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    B64.encode(bytes)
}
