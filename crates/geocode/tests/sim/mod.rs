//! A local stand-in for the AMap and Tencent web services, for the providers' tests.
//!
//! It checks each request as the vendor does: the key first, then (when the simulated key
//! has signatures switched on) the signature, recomputed here from the decoded query and
//! the secret, independently of the code under test; then the required parameters. It
//! answers with the recorded-style responses in `tests/fixtures/`. Some addresses trigger
//! misbehaviour: one containing 慢 is answered after 3 s, 坏 with a broken body, 无 with
//! nothing found.

#![allow(dead_code)]

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use md5::{Digest, Md5};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which vendor to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    Amap,
    Tencent,
}

/// One request as received: path and decoded parameters in order.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

struct SimState {
    vendor: Vendor,
    key: String,
    secret: Option<String>,
    seen: Mutex<Vec<Seen>>,
}

/// A running simulator.
pub struct Sim {
    pub base_url: String,
    state: Arc<SimState>,
}

impl Sim {
    /// Starts a simulator on 127.0.0.1 that accepts `key`, requiring signatures under
    /// `secret` when given.
    pub async fn start(vendor: Vendor, key: &str, secret: Option<&str>) -> Sim {
        let state = Arc::new(SimState {
            vendor,
            key: key.into(),
            secret: secret.map(str::to_string),
            seen: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Sim {
            base_url: format!("http://{addr}"),
            state,
        }
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }
}

fn fixture(vendor: Vendor, name: &str) -> &'static str {
    match (vendor, name) {
        (Vendor::Amap, "ok") => include_str!("../fixtures/amap/geo_ok.json"),
        (Vendor::Amap, "empty") => include_str!("../fixtures/amap/geo_empty.json"),
        (Vendor::Amap, "reverse_ok") => include_str!("../fixtures/amap/regeo_ok.json"),
        (Vendor::Amap, "reverse_empty") => include_str!("../fixtures/amap/regeo_sea.json"),
        (Vendor::Amap, "bad_key") => include_str!("../fixtures/amap/invalid_user_key.json"),
        (Vendor::Amap, "bad_sig") => include_str!("../fixtures/amap/invalid_user_signature.json"),
        (Vendor::Amap, "bad_params") => include_str!("../fixtures/amap/invalid_params.json"),
        (Vendor::Tencent, "ok") => include_str!("../fixtures/tencent/geocoder_ok.json"),
        (Vendor::Tencent, "empty" | "reverse_empty") => {
            include_str!("../fixtures/tencent/no_result.json")
        }
        (Vendor::Tencent, "reverse_ok") => include_str!("../fixtures/tencent/reverse_ok.json"),
        (Vendor::Tencent, "bad_key") => include_str!("../fixtures/tencent/invalid_key.json"),
        (Vendor::Tencent, "bad_sig") => include_str!("../fixtures/tencent/signature_failed.json"),
        (Vendor::Tencent, "bad_params") => include_str!("../fixtures/tencent/bad_params.json"),
        _ => unreachable!("no fixture {name}"),
    }
}

fn json(body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        body,
    )
        .into_response()
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()).as_slice())
}

/// What the vendor signs, rebuilt from what arrived: every parameter but `sig`, sorted by
/// name, `k=v` with the decoded (raw) values, joined by `&`.
fn signed_text(params: &[(String, String)]) -> String {
    let mut p: Vec<&(String, String)> = params.iter().filter(|(k, _)| k != "sig").collect();
    p.sort_by(|a, b| a.0.cmp(&b.0));
    p.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A `"a,b"` pair of numbers.
fn pair(s: &str) -> Option<(f64, f64)> {
    let (a, b) = s.split_once(',')?;
    Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
}

async fn handle(State(s): State<Arc<SimState>>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let params: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let seen = Seen {
        path: path.clone(),
        params: params.clone(),
    };
    s.seen.lock().unwrap().push(seen.clone());
    let v = s.vendor;
    let (geo, reverse) = match (v, path.as_str()) {
        (Vendor::Amap, "/v3/geocode/geo") => (true, false),
        (Vendor::Amap, "/v3/geocode/regeo") => (false, true),
        (Vendor::Tencent, "/ws/geocoder/v1/") => {
            let reverse = seen.param("location").is_some();
            (!reverse, reverse)
        }
        _ => return (StatusCode::NOT_FOUND, "no such service").into_response(),
    };
    if seen.param("key") != Some(s.key.as_str()) {
        return json(fixture(v, "bad_key"));
    }
    if let Some(secret) = &s.secret {
        let expected = match v {
            Vendor::Amap => md5_hex(&format!("{}{secret}", signed_text(&params))),
            Vendor::Tencent => md5_hex(&format!("{path}?{}{secret}", signed_text(&params))),
        };
        if seen.param("sig") != Some(expected.as_str()) {
            return json(fixture(v, "bad_sig"));
        }
    }
    if geo {
        let Some(address) = seen.param("address").filter(|a| !a.is_empty()) else {
            return json(fixture(v, "bad_params"));
        };
        if address.contains('慢') {
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        if address.contains('坏') {
            return json("<html><body><h1>502 Bad Gateway</h1></body></html>");
        }
        if address.contains('无') {
            return json(fixture(v, "empty"));
        }
        return json(fixture(v, "ok"));
    }
    debug_assert!(reverse);
    // AMap writes "lng,lat", Tencent "lat,lng"; both in GCJ-02 around China.
    let Some((a, b)) = seen.param("location").and_then(pair) else {
        return json(fixture(v, "bad_params"));
    };
    let (lat, lng) = match v {
        Vendor::Amap => (b, a),
        Vendor::Tencent => (a, b),
    };
    if !(3.0..=54.0).contains(&lat) || !(73.0..=136.0).contains(&lng) {
        return json(fixture(v, "bad_params"));
    }
    // East of the coast: the sea.
    if lng > 122.5 {
        return json(fixture(v, "reverse_empty"));
    }
    json(fixture(v, "reverse_ok"))
}
