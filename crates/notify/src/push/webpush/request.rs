//! A push to one subscription: the request (headers, encrypted body, VAPID header), built
//! without I/O, and what the push service's answer means.

use super::{
    MAX_TOKEN_LIFETIME, VapidClaims, VapidKey, WebPushError, b64_decode, b64_encode, encrypt, err,
    origin,
};
use crate::push::{PushError, PushMessage, PushOutcome};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How urgent a push is (RFC 8030 section 5.3): the device may hold back low ones on battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// `very-low`.
    VeryLow,
    /// `low`.
    Low,
    /// `normal`.
    #[default]
    Normal,
    /// `high`.
    High,
}

impl Urgency {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::VeryLow => "very-low",
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

/// The `Topic` header for a message's tag (RFC 8030 section 5.4: at most 32 characters of
/// the base64url alphabet): the tag itself when it fits, else 32 characters of its SHA-256.
pub fn topic(tag: &str) -> String {
    let fits = !tag.is_empty()
        && tag.len() <= 32
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if fits {
        tag.to_string()
    } else {
        b64_encode(&Sha256::digest(tag.as_bytes())[..24])
    }
}

/// A Web Push request, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebPushRequest {
    /// Where it is POSTed: the subscription's endpoint.
    pub endpoint: String,
    /// The headers, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The encrypted body.
    pub body: Vec<u8>,
}

impl WebPushRequest {
    /// A header's value by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What a push carries to the service worker, as JSON: the message's fields.
pub fn payload(msg: &PushMessage) -> Vec<u8> {
    serde_json::to_vec(msg).expect("a message serializes")
}

/// The options of a send.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// The `sub` claim: `mailto:ops@example.com` or an `https:` URL.
    pub subject: String,
    /// How long the push service keeps an undelivered message, seconds (`TTL`).
    pub ttl: u32,
    /// The `Urgency` header.
    pub urgency: Urgency,
    /// How long the token is valid from `now`, seconds (at most 24 hours).
    pub token_lifetime: i64,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            subject: "mailto:ops@daojia.invalid".into(),
            ttl: 24 * 3600,
            urgency: Urgency::Normal,
            token_lifetime: 12 * 3600,
        }
    }
}

/// A browser's subscription as the Push API gives it (`PushSubscription.toJSON()`).
#[derive(Debug, Clone, Copy)]
pub struct Subscription<'a> {
    /// The push resource.
    pub endpoint: &'a str,
    /// The browser's public key, base64url.
    pub p256dh: &'a str,
    /// The authentication secret, base64url.
    pub auth: &'a str,
}

/// Builds the request that pushes `plaintext` to a subscription, without I/O: the body
/// encrypted with a fresh key and salt, the VAPID header for the endpoint's origin valid
/// from `now` (Unix seconds), `TTL`, `Urgency` and, when `tag` is given, `Topic`.
pub fn build_request(
    vapid: &VapidKey,
    opts: &SendOptions,
    to: Subscription<'_>,
    plaintext: &[u8],
    tag: Option<&str>,
    now: i64,
) -> Result<WebPushRequest, WebPushError> {
    let endpoint = to.endpoint;
    let aud = origin(endpoint)?;
    let body = encrypt(plaintext, &b64_decode(to.p256dh)?, &b64_decode(to.auth)?)?;
    let claims = VapidClaims {
        aud,
        exp: now + opts.token_lifetime.clamp(60, MAX_TOKEN_LIFETIME),
        sub: opts.subject.clone(),
    };
    let mut headers = vec![
        ("TTL".to_string(), opts.ttl.to_string()),
        ("Urgency".to_string(), opts.urgency.as_str().to_string()),
        ("Content-Encoding".to_string(), "aes128gcm".to_string()),
        (
            "Content-Type".to_string(),
            "application/octet-stream".to_string(),
        ),
        ("Authorization".to_string(), vapid.authorization(&claims)),
    ];
    if let Some(tag) = tag {
        headers.insert(2, ("Topic".to_string(), topic(tag)));
    }
    Ok(WebPushRequest {
        endpoint: endpoint.to_string(),
        headers,
        body,
    })
}

/// What a push service's status means.
pub fn outcome(
    status: u16,
    location: Option<String>,
    body: &[u8],
) -> Result<PushOutcome, PushError> {
    let detail = || {
        let text: String = String::from_utf8_lossy(&body[..body.len().min(200)])
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        format!("push service answered {status}: {text}")
    };
    match status {
        200..=299 => Ok(PushOutcome::Accepted(location)),
        404 | 410 => Ok(PushOutcome::Gone),
        429 | 500..=599 => Err(PushError::Retryable(detail())),
        _ => Err(PushError::Permanent(detail())),
    }
}

/// An endpoint we push to: an absolute `https://` URL (`http://` only when `allow_http`).
pub fn check_endpoint(endpoint: &str, allow_http: bool) -> Result<(), WebPushError> {
    let o = origin(endpoint)?;
    if o.starts_with("http://") && !allow_http {
        return Err(err("a push endpoint must be an https:// URL"));
    }
    if endpoint.len() > 1024 {
        return Err(err("the endpoint is longer than 1024 characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::webpush::{decrypt, public_bytes, verify_authorization};
    use p256::SecretKey;
    use rand_core::OsRng;

    #[test]
    fn origins_topics_and_outcomes() {
        assert_eq!(
            origin("https://FCM.googleapis.com:443/fcm/send/abc").unwrap(),
            "https://fcm.googleapis.com"
        );
        assert_eq!(
            origin("http://127.0.0.1:8091/push/abc").unwrap(),
            "http://127.0.0.1:8091"
        );
        assert!(origin("ftp://x/y").is_err());
        assert!(origin("https://user@x/y").is_err());
        assert!(check_endpoint("http://127.0.0.1/x", false).is_err());
        assert!(check_endpoint("http://127.0.0.1/x", true).is_ok());
        assert_eq!(topic("order-42"), "order-42");
        let long = topic("订单 42 的状态");
        assert_eq!(long.len(), 32);
        assert!(
            long.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            outcome(201, Some("/m/1".into()), b"").unwrap(),
            PushOutcome::Accepted(Some("/m/1".into()))
        );
        assert_eq!(outcome(410, None, b"").unwrap(), PushOutcome::Gone);
        assert_eq!(outcome(404, None, b"").unwrap(), PushOutcome::Gone);
        assert!(matches!(
            outcome(429, None, b""),
            Err(PushError::Retryable(_))
        ));
        assert!(matches!(
            outcome(503, None, b""),
            Err(PushError::Retryable(_))
        ));
        assert!(matches!(
            outcome(400, None, b"bad"),
            Err(PushError::Permanent(_))
        ));
        assert!(matches!(
            outcome(413, None, b""),
            Err(PushError::Permanent(_))
        ));
    }

    #[test]
    fn the_request_carries_the_headers_and_a_body_the_subscriber_decrypts() {
        let vapid = VapidKey::generate();
        let ua = SecretKey::random(&mut OsRng);
        let auth = [3u8; 16];
        let now = 1_765_000_000;
        let req = build_request(
            &vapid,
            &SendOptions::default(),
            Subscription {
                endpoint: "https://push.example.net/wpush/v2/abc",
                p256dh: &b64_encode(&public_bytes(&ua.public_key())),
                auth: &b64_encode(&auth),
            },
            b"{\"title\":\"t\"}",
            Some("order-1"),
            now,
        )
        .unwrap();
        assert_eq!(req.header("ttl"), Some("86400"));
        assert_eq!(req.header("urgency"), Some("normal"));
        assert_eq!(req.header("topic"), Some("order-1"));
        assert_eq!(req.header("content-encoding"), Some("aes128gcm"));
        let v = verify_authorization(
            req.header("authorization").unwrap(),
            "https://push.example.net",
            now,
        )
        .unwrap();
        assert_eq!(v.claims.exp, now + 12 * 3600);
        assert_eq!(
            decrypt(&req.body, &ua, &auth).unwrap(),
            b"{\"title\":\"t\"}"
        );
    }
}
