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
//! The channel ([`WebPush`]) builds the request with [`build_request`] (no I/O, so the
//! golden tests see exactly what is sent) and maps the push service's answer: 201 accepted
//! (the `Location` header is the message id), 404 and 410 gone, 429 and 5xx retryable,
//! anything else permanent.

use super::{PushChannel, PushError, PushMessage, PushOutcome, PushTarget};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes128Gcm, Nonce};
use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hkdf::Hkdf;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The record size we write (RFC 8291 section 4 uses 4096).
pub const RECORD_SIZE: u32 = 4096;
/// The header of an `aes128gcm` body with a P-256 key id: salt, rs, idlen, key.
pub const HEADER_LEN: usize = 16 + 4 + 1 + 65;
/// The largest plaintext one push carries: push services take 4096 bytes of body, of which
/// the header takes 86, the padding delimiter 1 and the tag 16.
pub const MAX_PLAINTEXT: usize = 4096 - HEADER_LEN - 1 - 16;
/// The longest a VAPID token may live (RFC 8292 section 2: no more than 24 hours).
pub const MAX_TOKEN_LIFETIME: i64 = 24 * 3600;

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

/// A P-256 public key from its uncompressed SEC1 form (65 bytes, `0x04 ‖ x ‖ y`).
pub fn public_key(bytes: &[u8]) -> Result<PublicKey, WebPushError> {
    if bytes.len() != 65 || bytes[0] != 4 {
        return Err(err(format!(
            "a P-256 public key is 65 bytes starting with 0x04 (got {} bytes)",
            bytes.len()
        )));
    }
    PublicKey::from_sec1_bytes(bytes).map_err(|_| err("not a point on P-256"))
}

/// The uncompressed SEC1 form of a public key.
pub fn public_bytes(key: &PublicKey) -> [u8; 65] {
    let point = key.to_encoded_point(false);
    let mut out = [0u8; 65];
    out.copy_from_slice(point.as_bytes());
    out
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8], out: &mut [u8]) {
    Hkdf::<Sha256>::new(Some(salt), ikm)
        .expand(info, out)
        .expect("HKDF-SHA-256 gives up to 8160 bytes");
}

/// The content-encryption key and nonce of RFC 8291 section 3.4 (and RFC 8188 section 2.2).
fn derive(
    ecdh: &[u8],
    auth: &[u8],
    ua_public: &[u8; 65],
    as_public: &[u8; 65],
    salt: &[u8],
) -> ([u8; 16], [u8; 12]) {
    let mut info = Vec::with_capacity(14 + 130);
    info.extend_from_slice(b"WebPush: info\0");
    info.extend_from_slice(ua_public);
    info.extend_from_slice(as_public);
    let mut ikm = [0u8; 32];
    hkdf(auth, ecdh, &info, &mut ikm);
    let mut cek = [0u8; 16];
    hkdf(salt, &ikm, b"Content-Encoding: aes128gcm\0", &mut cek);
    let mut nonce = [0u8; 12];
    hkdf(salt, &ikm, b"Content-Encoding: nonce\0", &mut nonce);
    (cek, nonce)
}

fn ecdh(secret: &SecretKey, public: &PublicKey) -> [u8; 32] {
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
    let mut out = [0u8; 32];
    out.copy_from_slice(shared.raw_secret_bytes());
    out
}

fn auth_secret(auth: &[u8]) -> Result<(), WebPushError> {
    if auth.len() != 16 {
        return Err(err(format!(
            "the authentication secret is 16 bytes (got {})",
            auth.len()
        )));
    }
    Ok(())
}

/// Encrypts `plaintext` for a subscription (`p256dh`, `auth`, both decoded) with a fresh key
/// pair and salt.
pub fn encrypt(plaintext: &[u8], p256dh: &[u8], auth: &[u8]) -> Result<Vec<u8>, WebPushError> {
    let as_secret = SecretKey::random(&mut OsRng);
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    encrypt_with(plaintext, p256dh, auth, &as_secret, &salt)
}

/// Encrypts with the given sender key and salt (the deterministic core of [`encrypt`], which
/// the RFC's example and the independent vectors check byte for byte).
pub fn encrypt_with(
    plaintext: &[u8],
    p256dh: &[u8],
    auth: &[u8],
    as_secret: &SecretKey,
    salt: &[u8; 16],
) -> Result<Vec<u8>, WebPushError> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(err(format!(
            "the payload is {} bytes; a push carries at most {MAX_PLAINTEXT}",
            plaintext.len()
        )));
    }
    auth_secret(auth)?;
    let ua = public_key(p256dh)?;
    let ua_public = public_bytes(&ua);
    let as_public = public_bytes(&as_secret.public_key());
    let (cek, nonce) = derive(&ecdh(as_secret, &ua), auth, &ua_public, &as_public, salt);
    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    record.push(2); // the last (and only) record's padding delimiter
    let sealed = Aes128Gcm::new_from_slice(&cek)
        .expect("a 16-byte key")
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| err("AES-GCM refused to encrypt"))?;
    let mut body = Vec::with_capacity(HEADER_LEN + sealed.len());
    body.extend_from_slice(salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// Decrypts an `aes128gcm` push body with the subscription's private key and authentication
/// secret, as the browser does (RFC 8188 records, any record size, padding removed).
pub fn decrypt(body: &[u8], ua_secret: &SecretKey, auth: &[u8]) -> Result<Vec<u8>, WebPushError> {
    auth_secret(auth)?;
    if body.len() < 21 {
        return Err(err("the body is shorter than an aes128gcm header"));
    }
    let salt = &body[..16];
    let rs = u32::from_be_bytes([body[16], body[17], body[18], body[19]]) as usize;
    let idlen = body[20] as usize;
    if rs < 18 {
        return Err(err(format!("record size {rs} is below the minimum of 18")));
    }
    if body.len() < 21 + idlen {
        return Err(err("the body ends inside the key id"));
    }
    let as_key = public_key(&body[21..21 + idlen])
        .map_err(|e| err(format!("the key id is not the sender's key: {e}")))?;
    let ua_public = public_bytes(&ua_secret.public_key());
    let (cek, nonce) = derive(
        &ecdh(ua_secret, &as_key),
        auth,
        &ua_public,
        &public_bytes(&as_key),
        salt,
    );
    let cipher = Aes128Gcm::new_from_slice(&cek).expect("a 16-byte key");
    let records: Vec<&[u8]> = body[21 + idlen..].chunks(rs).collect();
    if records.is_empty() {
        return Err(err("the body has no record"));
    }
    let mut out = Vec::new();
    for (seq, record) in records.iter().enumerate() {
        let mut n = nonce;
        for (i, b) in (seq as u64).to_be_bytes().iter().enumerate() {
            n[4 + i] ^= b;
        }
        let plain = cipher
            .decrypt(
                Nonce::from_slice(&n),
                Payload {
                    msg: record,
                    aad: b"",
                },
            )
            .map_err(|_| {
                err(format!(
                    "record {seq} does not decrypt (wrong key or altered)"
                ))
            })?;
        let last = seq + 1 == records.len();
        let end = plain
            .iter()
            .rposition(|&b| b != 0)
            .ok_or_else(|| err(format!("record {seq} has no padding delimiter")))?;
        match (plain[end], last) {
            (2, true) | (1, false) => out.extend_from_slice(&plain[..end]),
            (d, _) => {
                return Err(err(format!(
                    "record {seq} ends with delimiter {d}, expected {}",
                    if last { 2 } else { 1 }
                )));
            }
        }
    }
    Ok(out)
}

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

/// The Web Push channel.
pub struct WebPush {
    client: reqwest::Client,
    vapid: VapidKey,
    opts: SendOptions,
    allow_http: bool,
}

impl WebPush {
    /// A channel signing with `vapid`. `allow_http` lets it push to `http://` endpoints
    /// (the local push service); a real push service is always `https://`.
    pub fn new(
        vapid: VapidKey,
        opts: SendOptions,
        timeout: Duration,
        allow_http: bool,
    ) -> Result<WebPush, WebPushError> {
        if !(opts.subject.starts_with("mailto:") || opts.subject.starts_with("https://")) {
            return Err(err(format!(
                "the VAPID subject `{}` must be a mailto: or https: URL",
                opts.subject
            )));
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("daojia/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| err(format!("HTTP client: {e}")))?;
        Ok(WebPush {
            client,
            vapid,
            opts,
            allow_http,
        })
    }

    /// The VAPID public key browsers subscribe with.
    pub fn public_key(&self) -> String {
        self.vapid.public_base64url()
    }

    /// Checks an endpoint as [`WebPush::send`] would accept it: `https://` (or `http://`
    /// when allowed), with a host.
    pub fn check_endpoint(&self, endpoint: &str) -> Result<(), WebPushError> {
        check_endpoint(endpoint, self.allow_http)
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

#[async_trait]
impl PushChannel for WebPush {
    fn code(&self) -> &'static str {
        "webpush"
    }

    async fn send(&self, to: &PushTarget, msg: &PushMessage) -> Result<PushOutcome, PushError> {
        let PushTarget::WebPush {
            endpoint,
            p256dh,
            auth,
        } = to
        else {
            return Err(PushError::Permanent(
                "webpush takes a Web Push subscription".into(),
            ));
        };
        check_endpoint(endpoint, self.allow_http).map_err(|e| PushError::Permanent(e.0))?;
        let req = build_request(
            &self.vapid,
            &self.opts,
            Subscription {
                endpoint,
                p256dh,
                auth,
            },
            &payload(msg),
            msg.tag.as_deref(),
            chrono::Utc::now().timestamp(),
        )
        .map_err(|e| PushError::Permanent(e.0))?;
        let mut r = self.client.post(&req.endpoint);
        for (k, v) in &req.headers {
            r = r.header(k.as_str(), v.as_str());
        }
        let res = r
            .body(req.body)
            .send()
            .await
            .map_err(|e| PushError::Retryable(format!("push service unreachable: {e}")))?;
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.bytes().await.unwrap_or_default();
        outcome(status, location, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8291 section 5 (and appendix A): every value below is the RFC's.
    const PLAINTEXT: &str = "When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const AS_PUBLIC: &str =
        "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    const UA_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const AUTH: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const MESSAGE: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    fn secret(b: &str) -> SecretKey {
        SecretKey::from_slice(&b64_decode(b).unwrap()).unwrap()
    }

    #[test]
    fn decrypts_the_rfc_8291_example() {
        let plain = decrypt(
            &b64_decode(MESSAGE).unwrap(),
            &secret(UA_PRIVATE),
            &b64_decode(AUTH).unwrap(),
        )
        .unwrap();
        assert_eq!(plain, PLAINTEXT.as_bytes());
    }

    #[test]
    fn encrypts_the_rfc_8291_example_byte_for_byte() {
        let as_key = secret(AS_PRIVATE);
        assert_eq!(b64_encode(&public_bytes(&as_key.public_key())), AS_PUBLIC);
        assert_eq!(
            b64_encode(&public_bytes(&secret(UA_PRIVATE).public_key())),
            UA_PUBLIC
        );
        let salt: [u8; 16] = b64_decode(SALT).unwrap().try_into().unwrap();
        let body = encrypt_with(
            PLAINTEXT.as_bytes(),
            &b64_decode(UA_PUBLIC).unwrap(),
            &b64_decode(AUTH).unwrap(),
            &as_key,
            &salt,
        )
        .unwrap();
        assert_eq!(b64_encode(&body), MESSAGE);
    }

    #[test]
    fn an_altered_body_or_the_wrong_secret_does_not_decrypt() {
        let mut body = b64_decode(MESSAGE).unwrap();
        let last = body.len() - 1;
        body[last] ^= 1;
        assert!(decrypt(&body, &secret(UA_PRIVATE), &b64_decode(AUTH).unwrap()).is_err());
        let body = b64_decode(MESSAGE).unwrap();
        assert!(decrypt(&body, &secret(UA_PRIVATE), &[7u8; 16]).is_err());
        assert!(decrypt(&body, &secret(AS_PRIVATE), &b64_decode(AUTH).unwrap()).is_err());
        assert!(decrypt(&body[..50], &secret(UA_PRIVATE), &b64_decode(AUTH).unwrap()).is_err());
    }

    #[test]
    fn round_trip_with_fresh_keys_and_the_size_limit() {
        let ua = SecretKey::random(&mut OsRng);
        let auth = [9u8; 16];
        let ua_pub = public_bytes(&ua.public_key());
        let text = vec![b'x'; MAX_PLAINTEXT];
        let body = encrypt(&text, &ua_pub, &auth).unwrap();
        assert_eq!(body.len(), 4096);
        assert_eq!(decrypt(&body, &ua, &auth).unwrap(), text);
        let too_big = vec![b'x'; MAX_PLAINTEXT + 1];
        assert!(encrypt(&too_big, &ua_pub, &auth).is_err());
        assert!(encrypt(b"hi", &ua_pub[..64], &auth).is_err());
        assert!(encrypt(b"hi", &ua_pub, &auth[..15]).is_err());
    }

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
