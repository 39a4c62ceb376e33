//! Grab-pool claims under contention on PostgreSQL (issue 10, "Performance"): N workers
//! claim M orders of the grab pool at once, each worker trying every order, in an order
//! of its own, through the application layer's claim (the use case behind
//! `POST /api/v1/worker/grab-pool/{id}/claim`). Prints claims per second and the latency
//! of one claim, and fails when an order is assigned twice or a claim is answered wrongly.
//!
//! `cargo bench -p daojia-server --bench grab_claims` on the PostgreSQL of the tests
//! (`DAOJIA_TEST_POSTGRES_URL`, a database created and dropped by the run);
//! `GRAB_WORKERS` (default 50) and `GRAB_ORDERS` (default 40) change the load. Not part
//! of the test suite: without `--bench` (as `cargo test --benches` runs it) it only says so.

#[path = "../tests/common/mod.rs"]
mod common;

use chrono::Duration;
use common::{TestApp, at, grab};
use daojia_store::entity::order_event;
use daojia_store::testing::{Backend, TestDb};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use std::time::{Duration as StdDuration, Instant};
use uuid::Uuid;

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// How one claim ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Won,
    Taken,
    /// The worker's day has no room for it any more (they won another at that time).
    NotEligible,
}

fn percentile(sorted: &[StdDuration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

async fn run(workers: usize, orders: usize) {
    let mut cfg = grab::config();
    // Orders over several days are dispatched at once (not deferred to their horizon).
    cfg.dispatch.horizon_hours = 24 * 14;
    // A node's own pool (the default 16 connections), not the tests' smaller one.
    let db = TestDb::new(Backend::Postgres).await;
    cfg.database.url = db.url.clone();
    let store = daojia_server::open_store(&cfg).await.unwrap();
    let app = TestApp::over(db, store, cfg, Default::default()).await;
    let setup = Instant::now();
    let city = grab::city(&app, workers).await;
    // Eight windows a day (08:00 to 15:00, so that the visit ends within the shift), from
    // tomorrow on.
    let today = (app.state.now() + Duration::hours(8)).date_naive();
    let mut ids = vec![];
    for k in 0..orders {
        let date = today + Duration::days(1 + (k / 8) as i64);
        let start = at(date, 8 + (k % 8) as u32);
        ids.push(grab::pooled_order(&app, &city, start, &format!("bench-{k}")).await);
    }
    let claimants: Vec<Uuid> = city.workers.iter().copied().take(workers).collect();
    eprintln!(
        "grab_claims: {} workers, {} orders in the pool on PostgreSQL (set up in {:.1} s)",
        claimants.len(),
        ids.len(),
        setup.elapsed().as_secs_f64()
    );
    let a = app.state.app.clone();
    let now = app.state.now();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(claimants.len()));
    let started = Instant::now();
    let tasks: Vec<_> = claimants
        .iter()
        .enumerate()
        .map(|(n, w)| {
            let (a, w, barrier, started) = (a.clone(), *w, barrier.clone(), started);
            // Each worker starts at another order and walks them all.
            let mut mine = ids.clone();
            mine.rotate_left((n * 7) % ids.len());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut out = vec![];
                for id in mine {
                    let t = Instant::now();
                    let answer = match daojia_app::dispatch::grab::claim(&a, w, id, now).await {
                        Ok(o) => {
                            assert_eq!(o.worker.map(|x| x.0), Some(w));
                            Answer::Won
                        }
                        Err(daojia_app::Error::Conflict {
                            code: "order_taken",
                            ..
                        }) => Answer::Taken,
                        Err(daojia_app::Error::Conflict {
                            code: "not_eligible",
                            ..
                        }) => Answer::NotEligible,
                        Err(e) => panic!("{w} claiming {id}: {e}"),
                    };
                    out.push((id, answer, t.elapsed(), started.elapsed()));
                }
                (w, out)
            })
        })
        .collect();
    let mut won: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    let mut latencies = vec![];
    let mut winning = vec![];
    let mut last_win = StdDuration::ZERO;
    let (mut taken, mut not_eligible) = (0, 0);
    for t in tasks {
        let (w, out) = t.await.unwrap();
        for (id, answer, took, at) in out {
            latencies.push(took);
            match answer {
                Answer::Won => {
                    won.entry(id).or_default().push(w);
                    winning.push(took);
                    last_win = last_win.max(at);
                }
                Answer::Taken => taken += 1,
                Answer::NotEligible => not_eligible += 1,
            }
        }
    }
    let elapsed = started.elapsed();

    // No order went to two workers, and the database says what the claims were told.
    let db = app.state.store.db();
    for id in &ids {
        let winners = won.get(id).cloned().unwrap_or_default();
        assert!(winners.len() <= 1, "order {id} won by {winners:?}");
        let row = daojia_store::repo::orders::get(db, *id)
            .await
            .unwrap()
            .unwrap();
        let assigns = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(*id))
            .filter(order_event::Column::Action.eq("assign"))
            .all(db)
            .await
            .unwrap()
            .len();
        match winners.first() {
            Some(w) => {
                assert_eq!((row.state.as_str(), row.worker_id), ("accepted", Some(*w)));
                assert_eq!(assigns, 1, "order {id} assigned {assigns} times");
            }
            None => assert_eq!((row.state.as_str(), assigns), ("pending_dispatch", 0)),
        }
    }
    latencies.sort();
    winning.sort();
    let attempts = latencies.len();
    let assigned = won.len();
    let secs = elapsed.as_secs_f64();
    println!(
        "grab_claims: {workers} workers x {orders} orders: {attempts} claims in {secs:.2} s = {:.0} claims/s (p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms); {taken} told taken, {not_eligible} not eligible (their day full)",
        attempts as f64 / secs,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0),
    );
    assert_eq!(assigned, orders, "every order found a taker");
    println!(
        "grab_claims: {assigned} orders assigned, each once, the last {:.2} s after the start = {:.0} assignments/s; a winning claim p50 {:.1} ms, p99 {:.1} ms",
        last_win.as_secs_f64(),
        assigned as f64 / last_win.as_secs_f64().max(1e-9),
        percentile(&winning, 0.5),
        percentile(&winning, 0.99),
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("grab_claims is a benchmark: cargo bench -p daojia-server --bench grab_claims");
        return;
    }
    let workers = env_count("GRAB_WORKERS", 50);
    let orders = env_count("GRAB_ORDERS", 40);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(workers, orders));
}
