//! Order placement under contention on PostgreSQL (issue 14, "Proven under load"): N
//! customers place orders at once, for `PLACE_SECS` seconds, each through the HTTP API
//! (`POST /api/v1/customer/orders` with an `Idempotency-Key`) of one in-process node, for
//! random one-hour windows of the next 13 days in one city. Prints placement attempts per
//! second (orders placed and windows refused as gone both count) with p50/p99 of one
//! attempt, and fails on any answer other than 201 or 409 `slot_unavailable`.
//!
//! It measures the booking lock (ADR 0012): every attempt takes the lock of its window's
//! day, so N clients booking random days of one city wait on each other only when they
//! book the same day.
//!
//! `cargo bench -p daojia-server --bench placements` on the PostgreSQL of the tests
//! (`DAOJIA_TEST_POSTGRES_URL`, a database created and dropped by the run);
//! `PLACE_CLIENTS` (default 8) and `PLACE_SECS` (default 5) change the load. Not part of
//! the test suite: without `--bench` (as `cargo test --benches` runs it) it only says so.

#[path = "../tests/common/mod.rs"]
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{TestApp, at, busiest_area, grab, send_to};
use daojia_store::testing::{Backend, TestDb};
use serde_json::json;
use std::time::{Duration as StdDuration, Instant};

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A small xorshift: each client's windows are random but the same from run to run.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

async fn run(clients: usize, secs: u64) {
    // A node's own pool (the default 16 connections), not the tests' smaller one.
    let cfg = common::test_config();
    let db = TestDb::new(Backend::Postgres).await;
    let mut node = cfg.clone();
    node.database.url = db.url.clone();
    let store = daojia_server::open_store(&node).await.unwrap();
    let app = TestApp::over(db, store, node, Default::default()).await;
    let setup = Instant::now();
    // The demo city of seed 8, every worker able to do the item and on shift 07:00–21:00.
    let city = grab::city(&app, 40).await;
    let (_, phones) = busiest_area(city.seed);
    let mut who = vec![];
    for phone in phones.iter().cycle().take(clients) {
        let login = app.otp_login(phone, "customer").await;
        let token = login["access_token"].as_str().unwrap().to_string();
        let list = app.get("/api/v1/customer/addresses", Some(&token)).await;
        let address = list.body[0]["id"].as_str().unwrap().to_string();
        who.push((token, address));
    }
    let today = (app.state.now() + Duration::hours(8)).date_naive();
    eprintln!(
        "placements: {clients} clients, {} workers, {secs} s on PostgreSQL (set up in {:.1} s)",
        city.workers.len(),
        setup.elapsed().as_secs_f64()
    );
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients));
    let deadline = StdDuration::from_secs(secs);
    let tasks: Vec<_> = who
        .into_iter()
        .enumerate()
        .map(|(n, (token, address))| {
            let (router, barrier) = (app.router.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ (n as u64 + 1).wrapping_mul(0xD1B5);
                barrier.wait().await;
                let started = Instant::now();
                let mut out = vec![];
                let mut k = 0;
                while started.elapsed() < deadline {
                    let r = next(&mut seed);
                    let date = today + Duration::days(1 + (r % 13) as i64);
                    let hour = 8 + ((r >> 8) % 8) as u32;
                    let body = json!({"items": [{"item": grab::ITEM}], "address_id": address,
                                      "window_start": at(date, hour).to_rfc3339()});
                    let req = Request::builder()
                        .method("POST")
                        .uri("/api/v1/customer/orders")
                        .header("authorization", format!("Bearer {token}"))
                        .header("content-type", "application/json")
                        .header("idempotency-key", format!("bench-{n}-{k}"))
                        .body(Body::from(body.to_string()))
                        .unwrap();
                    k += 1;
                    let t = Instant::now();
                    let reply = send_to(&router, req).await;
                    let took = t.elapsed();
                    let placed = match reply.status {
                        StatusCode::CREATED => true,
                        StatusCode::CONFLICT if reply.body["code"] == "slot_unavailable" => false,
                        other => panic!("client {n}: {other}: {}", reply.text),
                    };
                    out.push((placed, took));
                }
                (out, started.elapsed())
            })
        })
        .collect();
    let mut latencies = vec![];
    let mut placed = 0;
    let mut longest = StdDuration::ZERO;
    for t in tasks {
        let (out, took) = t.await.unwrap();
        longest = longest.max(took);
        for (p, l) in out {
            placed += usize::from(p);
            latencies.push(l);
        }
    }
    latencies.sort();
    let attempts = latencies.len();
    let secs = longest.as_secs_f64();
    println!(
        "placements: {clients} clients: {attempts} attempts in {secs:.2} s = {:.0} attempts/s (p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms); {placed} placed, {} refused as gone",
        attempts as f64 / secs,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
        attempts - placed,
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("placements is a benchmark: cargo bench -p daojia-server --bench placements");
        return;
    }
    let clients = env_count("PLACE_CLIENTS", 8);
    let secs = env_count("PLACE_SECS", 5) as u64;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(clients, secs));
}
