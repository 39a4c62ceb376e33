//! A local push service: what a browser vendor's push service does for Web Push (RFC 8030
//! with RFC 8291 and RFC 8292), on localhost, so the whole path runs without a browser and
//! is tested over real HTTP. `daojia pushsim` serves it on its own.
//!
//! It plays the browser's side too: `POST /subscribe` with an `application_server_key`
//! makes a subscription as `pushManager.subscribe` would (a fresh P-256 key pair and
//! authentication secret, kept here) and answers its JSON (`endpoint`, `keys.p256dh`,
//! `keys.auth`). A push to the endpoint (`POST /push/{id}`) is checked as a push service
//! checks it: the `vapid` Authorization header's ES256 signature against the key the
//! subscription was made with (401 when it does not verify, 403 when it is another key),
//! the claims (`aud` this service's origin, `exp` in the next 24 hours, `sub` a contact),
//! a `TTL` header, `Content-Encoding: aes128gcm`, at most 4096 bytes; then the body is
//! decrypted with the subscription's private key (400 when it does not decrypt) and the
//! message kept: 201 with a `Location`. A subscription marked gone
//! (`POST /subscriptions/{id}/gone`) answers 410, an unknown one 404.
//! `GET /messages[?subscription=ID]` lists what was received, decrypted.

use super::webpush::{self, b64_encode, public_bytes};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use p256::SecretKey;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The largest body a push service must accept (RFC 8291 section 4).
pub const MAX_BODY: usize = 4096;

/// A subscription as the Push API serialises it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionJson {
    /// The push resource (`{base}/push/{id}`).
    pub endpoint: String,
    /// Its keys.
    pub keys: SubscriptionKeys,
}

/// A subscription's keys, base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionKeys {
    /// The browser's public key.
    pub p256dh: String,
    /// The authentication secret.
    pub auth: String,
}

/// One push received and decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    /// Its number (the `Location` is `/messages/{seq}`).
    pub seq: u64,
    /// The subscription it was for.
    pub subscription: String,
    /// When it arrived, Unix seconds.
    pub at: i64,
    /// The `TTL` header.
    pub ttl: u64,
    /// The `Urgency` header, when given.
    pub urgency: Option<String>,
    /// The `Topic` header, when given.
    pub topic: Option<String>,
    /// The VAPID `sub` claim (who sent it).
    pub vapid_subject: String,
    /// The decrypted payload (UTF-8, lossy).
    pub payload: String,
}

struct Sub {
    application_server_key: String,
    secret: SecretKey,
    auth: [u8; 16],
    gone: bool,
}

#[derive(Default)]
struct Inner {
    subs: BTreeMap<String, Sub>,
    received: Vec<Received>,
    rejected: u64,
}

/// The push service's state.
pub struct PushSim {
    base_url: String,
    inner: Mutex<Inner>,
}

/// Why a push was refused: the status and a reason.
type Refusal = (StatusCode, String);

impl PushSim {
    /// A push service reached at `base_url` (`http://127.0.0.1:8091`, no trailing slash):
    /// endpoints start with it and tokens must name its origin.
    pub fn new(base_url: &str) -> PushSim {
        PushSim {
            base_url: base_url.trim_end_matches('/').to_string(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Subscribes as a browser does for an application server's key (base64url, the
    /// VAPID public key).
    pub fn subscribe(&self, application_server_key: &str) -> Result<SubscriptionJson, String> {
        webpush::public_key(&webpush::b64_decode(application_server_key).map_err(|e| e.0)?)
            .map_err(|e| format!("application_server_key: {}", e.0))?;
        let secret = SecretKey::random(&mut OsRng);
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        let mut idb = [0u8; 18];
        OsRng.fill_bytes(&mut idb);
        let id = b64_encode(&idb);
        let json = SubscriptionJson {
            endpoint: format!("{}/push/{id}", self.base_url),
            keys: SubscriptionKeys {
                p256dh: b64_encode(&public_bytes(&secret.public_key())),
                auth: b64_encode(&auth),
            },
        };
        self.lock().subs.insert(
            id,
            Sub {
                application_server_key: application_server_key.to_string(),
                secret,
                auth,
                gone: false,
            },
        );
        Ok(json)
    }

    /// Marks a subscription gone (the user unsubscribed or the browser dropped it): pushes
    /// to it answer 410 from now on. False when there is no such subscription.
    pub fn mark_gone(&self, id: &str) -> bool {
        match self.lock().subs.get_mut(id) {
            Some(s) => {
                s.gone = true;
                true
            }
            None => false,
        }
    }

    /// The subscription id of an endpoint of this service.
    pub fn id_of(&self, endpoint: &str) -> Option<String> {
        endpoint
            .strip_prefix(&format!("{}/push/", self.base_url))
            .map(str::to_string)
    }

    /// What was received, oldest first (for one subscription when given).
    pub fn received(&self, subscription: Option<&str>) -> Vec<Received> {
        self.lock()
            .received
            .iter()
            .filter(|r| subscription.is_none_or(|s| r.subscription == s))
            .cloned()
            .collect()
    }

    /// How many pushes were refused (bad token, bad body).
    pub fn rejected(&self) -> u64 {
        self.lock().rejected
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one push for subscription `id`, as the endpoint does.
    pub fn deliver(
        &self,
        id: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Received, Refusal> {
        let r = self.check(id, headers, body, now);
        if let Err((status, _)) = &r
            && *status != StatusCode::NOT_FOUND
            && *status != StatusCode::GONE
        {
            self.lock().rejected += 1;
        }
        r
    }

    fn check(
        &self,
        id: &str,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<Received, Refusal> {
        let bad = |s: StatusCode, m: &str| (s, m.to_string());
        let (app_key, secret, auth) = {
            let inner = self.lock();
            let sub = inner
                .subs
                .get(id)
                .ok_or_else(|| bad(StatusCode::NOT_FOUND, "no such subscription"))?;
            if sub.gone {
                return Err(bad(StatusCode::GONE, "the subscription is gone"));
            }
            (
                sub.application_server_key.clone(),
                sub.secret.clone(),
                sub.auth,
            )
        };
        let text = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let authz = text(header::AUTHORIZATION)
            .ok_or_else(|| bad(StatusCode::UNAUTHORIZED, "no Authorization header"))?;
        let aud = webpush::origin(&self.base_url)
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.0))?;
        let verified = webpush::verify_authorization(&authz, &aud, now)
            .map_err(|e| (StatusCode::UNAUTHORIZED, format!("VAPID: {}", e.0)))?;
        if verified.key.trim_end_matches('=') != app_key.trim_end_matches('=') {
            return Err(bad(
                StatusCode::FORBIDDEN,
                "k is not the key this subscription was made with",
            ));
        }
        let ttl: u64 = text(header::HeaderName::from_static("ttl"))
            .ok_or_else(|| bad(StatusCode::BAD_REQUEST, "no TTL header"))?
            .trim()
            .parse()
            .map_err(|_| bad(StatusCode::BAD_REQUEST, "TTL is not a number of seconds"))?;
        if text(header::CONTENT_ENCODING).as_deref() != Some("aes128gcm") {
            return Err(bad(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Encoding must be aes128gcm",
            ));
        }
        if body.len() > MAX_BODY {
            return Err(bad(StatusCode::PAYLOAD_TOO_LARGE, "more than 4096 bytes"));
        }
        let urgency = text(header::HeaderName::from_static("urgency"));
        if let Some(u) = &urgency
            && !["very-low", "low", "normal", "high"].contains(&u.as_str())
        {
            return Err(bad(StatusCode::BAD_REQUEST, "unknown Urgency"));
        }
        let topic = text(header::HeaderName::from_static("topic"));
        if let Some(t) = &topic
            && (t.len() > 32
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(bad(
                StatusCode::BAD_REQUEST,
                "Topic is more than 32 base64url characters",
            ));
        }
        let plain = webpush::decrypt(body, &secret, &auth)
            .map_err(|e| (StatusCode::BAD_REQUEST, format!("decryption: {}", e.0)))?;
        let mut inner = self.lock();
        let received = Received {
            seq: inner.received.len() as u64 + 1,
            subscription: id.to_string(),
            at: now,
            ttl,
            urgency,
            topic,
            vapid_subject: verified.claims.sub,
            payload: String::from_utf8_lossy(&plain).into_owned(),
        };
        inner.received.push(received.clone());
        Ok(received)
    }
}

#[derive(Deserialize)]
struct SubscribeBody {
    application_server_key: String,
}

#[derive(Deserialize)]
struct MessagesQuery {
    subscription: Option<String>,
}

/// The push service's routes (mount at the root of `base_url`).
pub fn router(sim: Arc<PushSim>) -> Router {
    Router::new()
        .route("/subscribe", post(subscribe))
        .route("/push/{id}", post(push))
        .route("/subscriptions/{id}/gone", post(gone))
        .route("/messages", get(messages))
        .with_state(sim)
}

async fn subscribe(
    State(sim): State<Arc<PushSim>>,
    axum::Json(body): axum::Json<SubscribeBody>,
) -> Response {
    match sim.subscribe(&body.application_server_key) {
        Ok(s) => (StatusCode::CREATED, axum::Json(s)).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

async fn push(
    State(sim): State<Arc<PushSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match sim.deliver(&id, &headers, &body, chrono::Utc::now().timestamp()) {
        Ok(r) => (
            StatusCode::CREATED,
            [(header::LOCATION, format!("/messages/{}", r.seq))],
        )
            .into_response(),
        Err((status, reason)) => {
            tracing::info!(%status, %reason, "pushsim refused a push");
            (status, reason).into_response()
        }
    }
}

async fn gone(State(sim): State<Arc<PushSim>>, Path(id): Path<String>) -> StatusCode {
    if sim.mark_gone(&id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

async fn messages(
    State(sim): State<Arc<PushSim>>,
    Query(q): Query<MessagesQuery>,
) -> axum::Json<Vec<Received>> {
    axum::Json(sim.received(q.subscription.as_deref()))
}

/// Binds `addr` and serves a push service there until the task is dropped; answers the
/// service and the address it listens on (`127.0.0.1:0` picks a free port).
pub async fn start(addr: &str) -> std::io::Result<(Arc<PushSim>, std::net::SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let sim = Arc::new(PushSim::new(&format!("http://{local}")));
    let app = router(sim.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "pushsim stopped");
        }
    });
    Ok((sim, local))
}
