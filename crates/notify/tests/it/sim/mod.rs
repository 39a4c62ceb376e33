//! A local stand-in for the Aliyun and Tencent Cloud SMS services, for the providers'
//! tests.
//!
//! It checks each request as the vendor does, from the raw request and independently of
//! the code under test: the key id, the clock (15 minutes for Aliyun, 5 for Tencent), the
//! nonce (Aliyun), the body hash, then the signature recomputed from the method, path,
//! query, the headers the request says it signed and the body. Then the action and
//! version, and the message: sign name, template and its parameters, the phone number,
//! a per-number sending limit and a blocked-number list. It answers as the vendor does
//! (error codes, HTTP statuses, JSON shapes). A test can also make it misbehave: answer
//! late, with a server error, with a body that is not JSON, or with a given error code.

#![allow(dead_code, clippy::result_large_err)]

mod aliyun;
mod tencent;

use aliyun::aliyun;
use tencent::tencent;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const ALI_KEY_ID: &str = "FAKE-ACCESS-KEY-ID-FOR-TESTS";
pub const ALI_SECRET: &str = "fake-access-key-secret-for-tests-only";
pub const TC_SECRET_ID: &str = "FAKE-SECRET-ID-FOR-TESTS";
pub const TC_SECRET_KEY: &str = "fake-secret-key-for-tests-only";
pub const TC_SDK_APP_ID: &str = "1400000000";
pub const SIGN_NAME: &str = "到家";

/// Which vendor to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Aliyun,
    Tencent,
}

/// How to answer the next requests (after the signature checks).
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// As the vendor would.
    Normal,
    /// Answer normally, after a delay.
    Late(Duration),
    /// Answer this HTTP status with the vendor's "service unavailable" body.
    Status(u16),
    /// Answer 200 with HTML.
    Garbage,
    /// Refuse with this vendor error code.
    Code(String),
}

/// A message the simulated vendor accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    pub phone: String,
    pub sign_name: String,
    pub template: String,
    /// Aliyun: the TemplateParam object's fields; Tencent: ("0", first), ("1", second)...
    pub params: Vec<(String, String)>,
}

struct SimState {
    vendor: Vendor,
    behaviour: Mutex<Behaviour>,
    delivered: Mutex<Vec<Delivered>>,
    requests: Mutex<usize>,
    nonces: Mutex<HashSet<String>>,
    per_phone: Mutex<HashMap<String, usize>>,
    limit_per_phone: Mutex<Option<usize>>,
    blocked: Mutex<HashSet<String>>,
    /// Template id → its variable names (Aliyun) or its number of parameters (Tencent,
    /// names ignored).
    templates: Vec<(&'static str, Vec<&'static str>)>,
}

/// A running simulator.
pub struct Sim {
    pub endpoint: String,
    state: Arc<SimState>,
}

impl Sim {
    pub async fn start(vendor: Vendor) -> Sim {
        let templates = match vendor {
            Vendor::Aliyun => vec![
                ("SMS_000000001", vec!["num", "minutes"]),
                ("SMS_000000002", vec!["service", "start", "end", "order_no"]),
            ],
            Vendor::Tencent => vec![
                ("1000001", vec!["code", "minutes"]),
                ("1000002", vec!["service", "start", "end", "order_no"]),
            ],
        };
        let state = Arc::new(SimState {
            vendor,
            behaviour: Mutex::new(Behaviour::Normal),
            delivered: Mutex::new(Vec::new()),
            requests: Mutex::new(0),
            nonces: Mutex::new(HashSet::new()),
            per_phone: Mutex::new(HashMap::new()),
            limit_per_phone: Mutex::new(None),
            blocked: Mutex::new(HashSet::new()),
            templates,
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Sim {
            endpoint: format!("http://{addr}"),
            state,
        }
    }

    pub fn set(&self, b: Behaviour) {
        *self.state.behaviour.lock().unwrap() = b;
    }

    /// At most `n` messages per number (then the vendor's rate-limit code).
    pub fn limit_per_phone(&self, n: usize) {
        *self.state.limit_per_phone.lock().unwrap() = Some(n);
    }

    /// Numbers on the vendor's blocked list (11 digits).
    pub fn block(&self, phone: &str) {
        self.state.blocked.lock().unwrap().insert(phone.to_string());
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.state.delivered.lock().unwrap().clone()
    }

    pub fn requests(&self) -> usize {
        *self.state.requests.lock().unwrap()
    }
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 3986 unreserved characters stay, everything else is `%XX` (upper-case).
fn v3_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn mainland(phone: &str) -> bool {
    let b = phone.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

async fn handle(State(s): State<Arc<SimState>>, req: Request) -> Response {
    *s.requests.lock().unwrap() += 1;
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    match s.vendor {
        Vendor::Aliyun => aliyun(&s, &parts, body).await,
        Vendor::Tencent => tencent(&s, &parts, body).await,
    }
}

fn exceeded(s: &SimState, phone: &str) -> bool {
    let mut per = s.per_phone.lock().unwrap();
    let n = per.entry(phone.to_string()).or_default();
    if let Some(limit) = *s.limit_per_phone.lock().unwrap()
        && *n >= limit
    {
        return true;
    }
    *n += 1;
    false
}
