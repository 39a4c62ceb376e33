//! Two API processes on one Redis (issue 10, acceptance: "two API processes on one Redis
//! agree on positions and claims"): the real `daojia serve` binary started twice on one
//! PostgreSQL database (created and dropped by the test) and one Redis (under a key
//! prefix of this run's own).
//!
//! - Positions: a worker reports where they are to node A; node B's grab pool measures
//!   the distance to an order from that position, not from the worker's home (only Redis
//!   carries it from A to B: the nodes share no memory).
//! - Claims: 50 workers claim one order from the grab pool at once, half through each
//!   node; exactly one wins, the order is assigned once, and the 49 others are told it is
//!   taken.
//! - Realtime (issue 11, acceptance: "a subscriber on node A sees events caused on node
//!   B"): a dispatcher follows the order over Server-Sent Events on node A; the claim and
//!   then a cancellation made through node B reach them there (each node's outbox relay
//!   publishes through Redis, each node's hub fans out to its own subscribers).
//!
//! The city is set up in this process (the grab race's setup, over the same database and
//! the same keys as the nodes). When PostgreSQL or Redis cannot be reached the test says so
//! and stops; the suite's scripts start both, so in CI it runs.

use crate::common;
use crate::nodes;

use chrono::Duration;
use common::sse::Sse;
use common::{at, grab};
use daojia_domain::access::Role;
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_store::testing::Backend;
use nodes::{Node, grab_distance, shared_app, unreachable, write_config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration as StdDuration;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_redis_agree_on_positions_claims_and_realtime_events() {
    if let Some(why) = unreachable() {
        eprintln!("two_nodes: skipped: {why}");
        return;
    }
    let (app, _redis, cfg) = shared_app(Backend::Postgres).await;
    let city = grab::city(&app, 50).await;
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let id = grab::pooled_order(&app, &city, at(date, 10), "two-nodes").await;
    let eligible = grab::eligible(&app, id).await;
    assert_eq!(eligible.len(), 50, "{} eligible", eligible.len());
    let row = daojia_store::repo::orders::get(app.state.store.db(), id)
        .await
        .unwrap()
        .unwrap();
    let place = LatLng::new(row.lat, row.lng);
    let mut tokens = vec![];
    for w in &eligible {
        tokens.push(app.worker_token(*w).await);
    }

    let dir = std::env::temp_dir().join(format!("daojia-two-nodes-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    write_config(&dir, &cfg, "");
    let a = Node::start(&dir, "a").await;
    let b = Node::start(&dir, "b").await;
    let http = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(60))
        .build()
        .unwrap();

    // Positions: a worker living more than 2 km from the order reports, to node A, a
    // position 300 m from it; node B measures from there.
    let mut far = None;
    for (i, w) in eligible.iter().enumerate() {
        let row = daojia_store::repo::accounts::worker(app.state.store.db(), *w)
            .await
            .unwrap()
            .unwrap();
        let home = LatLng::new(row.home_lat, row.home_lng);
        if haversine_m(home, place) > 2_000.0 {
            far = Some((i, home));
            break;
        }
    }
    let (i, home) = far.expect("a worker living far from the order");
    let token = &tokens[i];
    assert_eq!(
        grab_distance(&http, &b, token, id).await,
        haversine_m(home, place).round(),
        "before any report, node B measures from home"
    );
    let here = LatLng::new(place.lat + 0.0027, place.lng);
    let r = http
        .put(format!("{}/api/v1/worker/me/position", a.base))
        .bearer_auth(token)
        .json(&json!({"lat": here.lat, "lng": here.lng, "accuracy_m": 10.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let expected = haversine_m(here, place).round();
    assert!((expected - 300.0).abs() < 5.0, "{expected}");
    assert_eq!(
        grab_distance(&http, &b, token, id).await,
        expected,
        "node B reads the position node A recorded"
    );
    assert_eq!(grab_distance(&http, &a, token, id).await, expected);

    // A dispatcher follows the order on node A.
    let dispatcher = app
        .staff_token("two-nodes-dispatcher", Role::Dispatcher)
        .await;
    let (status, mut on_a) = Sse::open(
        a.base.trim_start_matches("http://"),
        &format!("topic=order:{id}&token={dispatcher}"),
    )
    .await;
    assert_eq!(status, 200);
    let (name, data) = on_a.next().await;
    assert_eq!(
        (name.as_str(), &data["topic"]),
        ("subscribed", &json!(format!("order:{id}")))
    );

    // Claims: 50 at once, alternating between the nodes.
    let nodes = [a.base.clone(), b.base.clone()];
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(eligible.len()));
    let tasks: Vec<_> = eligible
        .iter()
        .zip(tokens)
        .enumerate()
        .map(|(i, (w, token))| {
            let (http, barrier, w) = (http.clone(), barrier.clone(), *w);
            let url = format!("{}/api/v1/worker/grab-pool/{id}/claim", nodes[i % 2]);
            tokio::spawn(async move {
                barrier.wait().await;
                let r = http.post(url).bearer_auth(token).send().await.unwrap();
                let status = r.status();
                let body: Value = r.json().await.unwrap_or(Value::Null);
                (w, i % 2, status, body)
            })
        })
        .collect();
    let mut winners = vec![];
    let mut taken = [0, 0];
    for t in tasks {
        let (w, node, status, body) = t.await.unwrap();
        match status {
            StatusCode::OK => {
                assert_eq!(body["worker_id"], json!(w), "{body}");
                assert_eq!(body["state"], "accepted", "{body}");
                winners.push((w, node));
            }
            StatusCode::CONFLICT => {
                assert_eq!(body["code"], "order_taken", "{w} on node {node}: {body}");
                taken[node] += 1;
            }
            other => panic!(
                "{w} on node {node}: {other} {body}\nnode a: {}\nnode b: {}",
                a.log_text(),
                b.log_text()
            ),
        }
    }
    assert_eq!(winners.len(), 1, "one winner: {winners:?}");
    assert_eq!(taken[0] + taken[1], eligible.len() - 1);
    // Both nodes turned claimants away.
    assert!(taken[0] > 0 && taken[1] > 0, "{taken:?}");
    grab::assert_claimed_once(&app, id, winners[0].0).await;
    eprintln!(
        "two_nodes: winner {} through node {}; taken: {} on node a, {} on node b",
        winners[0].0,
        ["a", "b"][winners[0].1],
        taken[0],
        taken[1]
    );

    // Node A's subscriber hears of the claim, whichever node took it; then of a
    // cancellation made through node B alone.
    on_a.until(id, "worker_id", json!(winners[0].0)).await;
    let r = http
        .post(format!("{}/api/v1/admin/orders/{id}/cancel", b.base))
        .bearer_auth(&dispatcher)
        .json(&json!({"reason": "两节点测试"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let got = on_a.until(id, "state", json!("cancelled")).await;
    assert_eq!(got["topic"], json!(format!("order:{id}")), "{got}");

    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}
