//! Location batches across a SIGKILL (issue 11, "Location"): the real `daojia demo`
//! process, one worker's app sending batches of points one after another; the server is
//! killed while a batch is in flight and started again on the same database, and the app
//! sends the unanswered batch again with its id, then goes on. Then every acknowledged
//! batch is stored whole, the resent one once, and nothing else: points in the database
//! are exactly the points of the distinct batches stored, and no batch is stored half.
//! SQLite (the default database) and PostgreSQL.

use chrono::{Duration as Span, Utc};
use daojia_store::entity::{track_batch, track_point};
use daojia_store::testing::{Backend, TestDb};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uuid::Uuid;

const SEED: u64 = 7;
/// Points per batch.
const POINTS: usize = 200;

struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(dir: &Path, round: usize) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(dir.join(format!("server-{round}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_daojia"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .args(["demo", "--config"])
            .arg(dir.join("daojia.toml"))
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start daojia");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let started = Instant::now();
        while !client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "daojia did not come up: {}",
                std::fs::read_to_string(dir.join(format!("server-{round}.log")))
                    .unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGKILL: no drain, no shutdown hook.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config(dir: &Path, url: &str) {
    let text = format!(
        r#"secrets_file = "{secrets}"

[database]
url = "{url}"

[demo]
seed = {SEED}
history_days = 0
booked_per_day = 0

[booking]
uploads_dir = "{uploads}"

[log]
level = "warn"
"#,
        secrets = dir.join("secrets.toml").display(),
        uploads = dir.join("uploads").display(),
    );
    std::fs::write(dir.join("daojia.toml"), text).unwrap();
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("daojia-kill-tracks-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A demo worker logged in, online, with tracking consent: their token.
async fn on_duty(base: &str) -> String {
    let http = reqwest::Client::new();
    let city = daojia_demo::city(SEED);
    let phone = &city.workers[0].phone;
    let sent: Value = http
        .post(format!("{base}/api/v1/public/auth/otp"))
        .json(&json!({"phone": phone, "audience": "worker"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = sent["dev_code"].as_str().expect("the demo shows the code");
    let tokens: Value = http
        .post(format!("{base}/api/v1/public/auth/otp/verify"))
        .json(&json!({"phone": phone, "code": code, "audience": "worker"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tokens["access_token"].as_str().unwrap().to_string();
    for (path, body) in [
        (
            "/api/v1/worker/me/presence",
            json!({"online": true, "accepting": true}),
        ),
        (
            "/api/v1/worker/me/tracking-consent",
            json!({"granted": true}),
        ),
    ] {
        let r = http
            .put(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "{path}: {}",
            r.text().await.unwrap()
        );
    }
    token
}

/// Batch `n`: POINTS points a second apart, walking north.
fn batch(n: usize) -> Value {
    let start = Utc::now() - Span::hours(1) + Span::seconds((n * POINTS) as i64);
    let points: Vec<Value> = (0..POINTS)
        .map(|i| {
            let k = (n * POINTS + i) as f64;
            json!({"at": (start + Span::seconds(i as i64)).to_rfc3339(),
                   "lat": 31.2 + k * 0.00003, "lng": 121.45, "accuracy_m": 8.0})
        })
        .collect();
    json!({"batch_id": Uuid::now_v7(), "points": points})
}

async fn run(backend: Backend) {
    let db = TestDb::new(backend).await;
    let dir = temp_dir();
    config(&dir, &db.url);
    let server = Server::start(&dir, 0).await;
    let token = on_duty(&server.base).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let post = |base: String, body: Value| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            http.post(format!("{base}/api/v1/worker/locations"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
        }
    };
    let mut batches = vec![];
    let mut acked = vec![];
    // A few answered batches, then one in flight when the server dies.
    for n in 0..5 {
        let b = batch(n);
        let r = post(server.base.clone(), b.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        acked.push(b["batch_id"].clone());
        batches.push(b);
    }
    let in_flight = batch(5);
    batches.push(in_flight.clone());
    let send = tokio::spawn(post(server.base.clone(), in_flight.clone()));
    // Kill it while the request is being read or written, or just after.
    tokio::time::sleep(Duration::from_millis(5)).await;
    drop(server);
    let first = send.await.unwrap();
    let answered = first.as_ref().is_ok_and(|r| r.status() == StatusCode::OK);

    // Back up: the app sends the unanswered batch again, then the next.
    let server = Server::start(&dir, 1).await;
    let r = post(server.base.clone(), in_flight.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{backend:?}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["accepted"], POINTS, "{backend:?}: {v}");
    assert_eq!(
        v["resent"], answered,
        "{backend:?}: resent exactly when the first try was stored"
    );
    let next = batch(6);
    let r = post(server.base.clone(), next.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    batches.push(next);

    let store = db.store.db();
    let stored = track_batch::Entity::find().all(store).await.unwrap();
    let mut ids: Vec<Value> = stored.iter().map(|b| json!(b.batch_id)).collect();
    ids.sort_by_key(|v| v.to_string());
    let mut sent: Vec<Value> = batches.iter().map(|b| b["batch_id"].clone()).collect();
    sent.sort_by_key(|v| v.to_string());
    assert_eq!(ids, sent, "{backend:?}: every batch stored once");
    for a in &acked {
        assert!(ids.contains(a), "{backend:?}: acknowledged batch {a} lost");
    }
    let points = track_point::Entity::find().count(store).await.unwrap();
    assert_eq!(
        points as usize,
        batches.len() * POINTS,
        "{backend:?}: no batch half stored, none twice"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_location_batch_cut_off_by_a_sigkill_is_stored_once_when_resent() {
    for b in daojia_store::testing::backends() {
        if b != Backend::MySql {
            run(b).await;
        }
    }
}
