//! Sustained location ingest on one node (issue 11, "Location"): a server listening on a
//! local port, W workers online with tracking consent, C concurrent HTTP clients each
//! posting batches of B points to `POST /api/v1/worker/locations` for its workers as fast
//! as answers come, for S seconds; once with positions in the node's memory and once with
//! Redis. Prints points per second, batches per second and the latency of one batch
//! (p50, p99) against the target of 50 000 points/s.
//!
//! `cargo bench -p daojia-server --bench location_ingest` (an optimised build), or in a
//! debug build `cargo test -p daojia-server --bench location_ingest -- --bench`.
//! `LOAD_WORKERS` (200), `LOAD_CLIENTS` (16), `LOAD_BATCH` (500), `LOAD_SECS` (10),
//! `LOAD_DB` (`sqlite`, `postgres` or `mysql`: the tests' databases), `LOAD_REDIS`
//! (`both`, `no`, `only`). scripts/location_bench.sh runs it with `redis-benchmark`'s
//! GEOADD for the ratio. Without `--bench` it only says so.

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::{DateTime, Duration, Utc};
use common::{TestApp, test_config};
use daojia_store::testing::{Backend, TestDb};
use serde_json::json;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

/// The target on one node.
const TARGET_POINTS_PER_SEC: f64 = 50_000.0;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

struct Load {
    workers: usize,
    clients: usize,
    batch: usize,
    secs: u64,
}

/// One worker's stream: where and when their next point is.
struct Walker {
    token: String,
    t: DateTime<Utc>,
    lat: f64,
}

async fn run(backend: Backend, redis: bool, load: &Load) -> (f64, f64) {
    let mut cfg = test_config();
    cfg.server.body_limit_bytes = 1024 * 1024;
    let db = TestDb::new(backend).await;
    cfg.database.url = db.url.clone();
    let _redis = redis.then(|| {
        let r = daojia_shared::testing::TestRedis::new();
        cfg.redis.url = Some(r.url.clone());
        cfg.redis.prefix = r.prefix.clone();
        r
    });
    // A node's own pool, not the tests' smaller one.
    let store = daojia_server::open_store(&cfg).await.unwrap();
    let app = TestApp::over(db, store, cfg, Default::default()).await;
    let now = app.state.now();
    let mut walkers = vec![];
    for i in 0..load.workers {
        let id = app.enrol_worker(&format!("1370000{i:04}")).await;
        let token = app.worker_token(id).await;
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
            let r = app
                .call(axum::http::Method::PUT, path, Some(body), Some(&token))
                .await;
            assert!(r.status.is_success(), "{path}: {}", r.text);
        }
        walkers.push(Walker {
            token,
            // Old enough that a long run stays behind the server's (the test's) clock.
            t: now - Duration::hours(10),
            lat: 31.1 + i as f64 * 1e-3,
        });
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap()
    });
    let url = format!("http://{addr}/api/v1/worker/locations");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(load.clients)
        .build()
        .unwrap();
    let points = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + StdDuration::from_secs(load.secs);
    let started = Instant::now();
    let mut shares: Vec<Vec<Walker>> = (0..load.clients).map(|_| vec![]).collect();
    for (i, w) in walkers.into_iter().enumerate() {
        shares[i % load.clients].push(w);
    }
    let batch = load.batch;
    let tasks: Vec<_> = shares
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|mut mine| {
            let (client, url, points, failures) = (
                client.clone(),
                url.clone(),
                points.clone(),
                failures.clone(),
            );
            tokio::spawn(async move {
                let mut latencies = vec![];
                let mut k = 0;
                while Instant::now() < deadline {
                    let n = mine.len();
                    let w = &mut mine[k % n];
                    k += 1;
                    // A point a second, 5 m apart: a worker on a scooter in town. The body
                    // is written as text: the generator's own JSON trees would cost more
                    // CPU than the server's parsing on the same cores.
                    let mut body = format!(r#"{{"batch_id":"{}","points":["#, uuid::Uuid::now_v7());
                    for i in 0..batch {
                        w.t += Duration::seconds(1);
                        w.lat += 0.000045;
                        if i > 0 {
                            body.push(',');
                        }
                        let _ = write!(
                            body,
                            r#"{{"at":"{}","lat":{:.6},"lng":121.4,"accuracy_m":8.0,"speed_mps":5.0,"heading_deg":0.0,"battery_pct":80.0}}"#,
                            w.t.format("%Y-%m-%dT%H:%M:%SZ"),
                            w.lat
                        );
                    }
                    body.push_str("]}");
                    let sent = Instant::now();
                    let r = client
                        .post(&url)
                        .bearer_auth(&w.token)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    match r {
                        Ok(r) if r.status().is_success() => {
                            let v: serde_json::Value = r.json().await.unwrap();
                            latencies.push(sent.elapsed());
                            points.fetch_add(v["accepted"].as_u64().unwrap(), Ordering::Relaxed);
                        }
                        Ok(r) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            if failures.load(Ordering::Relaxed) < 3 {
                                eprintln!("{}: {}", r.status(), r.text().await.unwrap_or_default());
                            }
                        }
                        Err(e) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                            eprintln!("request failed: {e}");
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = vec![];
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let pts = points.load(Ordering::Relaxed) as f64;
    let rate = pts / elapsed;
    let p99 = percentile(&latencies, 0.99);
    println!(
        "location_ingest [{backend:?}, positions {}]: {} workers, {} clients, {} points a batch, {elapsed:.1} s: \
         {rate:.0} points/s ({:.0} batches/s), batch latency p50 {:.1} ms, p99 {p99:.1} ms, {} failed; \
         target {TARGET_POINTS_PER_SEC:.0} points/s: {}",
        if redis { "in Redis" } else { "in memory" },
        load.workers,
        load.clients,
        load.batch,
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.5),
        failures.load(Ordering::Relaxed),
        if rate >= TARGET_POINTS_PER_SEC {
            "met".to_string()
        } else {
            format!("NOT met ({:.0} %)", rate / TARGET_POINTS_PER_SEC * 100.0)
        }
    );
    (rate, p99)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "location_ingest is a load tool: run it with `cargo bench -p daojia-server --bench location_ingest`"
        );
        return;
    }
    let load = Load {
        workers: env_count("LOAD_WORKERS", 200),
        clients: env_count("LOAD_CLIENTS", 16),
        batch: env_count("LOAD_BATCH", 500),
        secs: env_count("LOAD_SECS", 10) as u64,
    };
    let backend = match std::env::var("LOAD_DB").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("mysql") | Ok("mariadb") => Backend::MySql,
        _ => Backend::Sqlite,
    };
    let redis = std::env::var("LOAD_REDIS").unwrap_or_else(|_| "both".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if redis != "only" {
            run(backend, false, &load).await;
        }
        if redis != "no" {
            run(backend, true, &load).await;
        }
    });
}
