//! Failure drills (issue 14: "kill -9 one node mid-load; restart Redis; stop RabbitMQ for a
//! minute; database reconnects"), run by `scripts/drills.sh` and by nothing else: every test
//! here is `#[ignore]`d, and each refuses to run without the private Redis and RabbitMQ the
//! script starts (it stops and starts them; the machine's shared ones are never touched).
//!
//! Each drill starts two real `daojia serve` nodes on one fresh database, PostgreSQL or
//! MariaDB as `DAOJIA_DRILL_DB` says (the grab city of the claim races, automatic
//! dispatch), the private Redis (`[redis]`) and the private RabbitMQ (`[broker]`), and
//! puts them under load: clients place orders with an
//! `Idempotency-Key`, half preferring each node, failing over to the other node with the
//! same key when theirs does not answer, and cancel nine orders in ten (another
//! write with its outbox event). Meanwhile this process reads every event the broker
//! routes (a queue bound to `#`, drained and deduplicated by event id) and runs an
//! idempotent consumer of its own on the order events (a `processed_event` mark and an
//! effect in one transaction, as `amqp.rs` checks it), fed from the broker as the nodes'
//! own consumers are.
//!
//! After every drill: every acknowledged (201) order exists, every event in the outbox
//! reached the broker, and each consumer (this one and the nodes' worker SMS consumer)
//! applied each of its events exactly once. Each drill prints one summary line with its
//! figures (`DRILL <name> (<database>): PASS ...`).

use crate::common;
#[path = "drills/harness.rs"]
mod harness;
mod load;
use crate::nodes;

use harness::*;

use common::{at, grab};
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_store::repo::outbox;
use nodes::grab_distance;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn kill_9_one_node_mid_load() {
    let mut d = Drill::new("kill-9").await;
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 8);
    tokio::time::sleep(Duration::from_secs(4)).await;
    // The node killed is the one publishing to the broker (holding the publisher's lease):
    // the other has to take the publishing over.
    let publisher = daojia_app::outbox::broker::publish::NAME;
    let holder = d.lease_holder(publisher).await;
    let (victim, survivor) = if holder == Some(b.child.id()) {
        (b, a)
    } else {
        (a, b)
    };
    let victim_held = holder.is_some_and(|pid| pid == victim.child.id());
    let before = load.tally.lock().unwrap().acked.len();
    let at_kill = outbox::last_position(d.db()).await.unwrap();
    load.mark();
    kill_9(victim);
    let killed = Instant::now();
    // How long until the publisher's position passes the last event written before the
    // kill: until the survivor publishes.
    let takeover = {
        let db = d.app.db.store.clone();
        tokio::spawn(async move {
            while killed.elapsed() < Duration::from_secs(120) {
                let rows = outbox::consumers(db.db()).await.unwrap_or_default();
                if rows
                    .iter()
                    .any(|c| c.name == publisher && c.position > at_kill)
                {
                    return Some(killed.elapsed());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            None
        })
    };
    tokio::time::sleep(Duration::from_secs(8)).await;
    let tally = load.finish().await;
    let takeover = takeover.await.unwrap();
    assert!(
        before > 0,
        "no order was placed before the kill: {}",
        survivor.log_text()
    );
    assert!(
        tally.ok_after_mark > 0,
        "the surviving node served nothing after the kill: {tally:?}"
    );
    assert_eq!(tally.gave_up, 0, "placements abandoned: {tally:?}");
    assert!(
        !tally.errors.keys().any(|k| k.starts_with('5')),
        "server errors: {tally:?}"
    );
    let takeover = takeover.expect("the survivor never took the publishing over");
    d.assert_acked_exist(&tally).await;
    // The killed node comes back; the publishers relay what its death left unconfirmed.
    let back = d.node("a2").await;
    let (events, wire, waited) = d.assert_delivered(&back, Duration::from_secs(180)).await;
    assert_eq!(broker_lag(&d.http, &survivor).await, Some(0));
    eprintln!(
        "DRILL kill-9 ({}): PASS: {} requests, {} orders acknowledged ({} before the kill, {} replayed after failing over), {} cancelled, {} refused ({:?}); the killed node {} the publisher's lease; the survivor published again {} after the kill; {} answered by the survivor after the kill; errors: {}; slowest answer {}; {events} outbox events all at the broker ({wire} arrivals, {} duplicates), {} order events applied once by {APPLY} ({} deliveries); delivered {} after the killed node restarted",
        d.backend_name(),
        tally.sent,
        tally.acked.len(),
        before,
        tally.replayed,
        tally.cancelled,
        tally.refused,
        tally.refusals,
        if victim_held { "held" } else { "did not hold" },
        secs(takeover),
        tally.ok_after_mark,
        tally.errors_text(),
        secs(tally.slowest),
        wire - events,
        d.apply.applied.load(Ordering::SeqCst),
        d.apply.delivered.load(Ordering::SeqCst),
        secs(waited),
    );
    drop((back, survivor));
    d.finish().await;
}

/// What one probe round saw, by phase.
#[derive(Debug, Default)]
struct Probes {
    catalog_ok: usize,
    position_ok: usize,
    position_503: usize,
    ready: usize,
    redis_unreachable: usize,
    other: BTreeMap<String, usize>,
    slowest: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn restart_redis_under_load() {
    let mut d = Drill::new("redis").await;
    // A pooled order and a worker living far from it: a position reported to node a moves
    // node b's measure only through Redis.
    let pooled = grab::pooled_order(
        &d.app,
        &d.city,
        at(d.date + chrono::Duration::days(1), 10),
        "drill-pooled",
    )
    .await;
    let row = daojia_store::repo::orders::get(d.db(), pooled)
        .await
        .unwrap()
        .unwrap();
    let place = LatLng::new(row.lat, row.lng);
    let eligible = grab::eligible(&d.app, pooled).await;
    let mut workers = vec![];
    for w in &eligible {
        workers.push((*w, d.app.worker_token(*w).await));
    }
    let mut far = None;
    for (i, (w, _)) in workers.iter().enumerate() {
        let r = daojia_store::repo::accounts::worker(d.db(), *w)
            .await
            .unwrap()
            .unwrap();
        if haversine_m(LatLng::new(r.home_lat, r.home_lng), place) > 2_000.0 {
            far = Some(i);
            break;
        }
    }
    let far = far.expect("a worker living far from the order");
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 4);

    // Probes: the catalog, a position report (a different worker each time: 12 a minute
    // each), readiness; every 100 ms, alternating nodes.
    let phase = Arc::new(AtomicUsize::new(0));
    let probes: Arc<Mutex<[Probes; 3]>> = Arc::default();
    let first_position_ok_after: Arc<Mutex<Option<Instant>>> = Arc::default();
    let prober = {
        let (http, phase, probes, first) = (
            d.http.clone(),
            phase.clone(),
            probes.clone(),
            first_position_ok_after.clone(),
        );
        let nodes = [a.base.clone(), b.base.clone()];
        let tokens: Vec<String> = workers.iter().map(|(_, t)| t.clone()).collect();
        let stop = load.stop.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let base = &nodes[n % 2];
                let p = phase.load(Ordering::SeqCst);
                let t0 = Instant::now();
                let catalog = match http
                    .get(format!("{base}/api/v1/public/catalog"))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::OK => Ok(()),
                    Ok(r) => Err(format!("catalog {}", r.status().as_u16())),
                    Err(e) => Err(format!("catalog {}", kind(&e))),
                };
                let t1 = Instant::now();
                let token = &tokens[n % tokens.len()];
                let pos = http
                    .put(format!("{base}/api/v1/worker/me/position"))
                    .bearer_auth(token)
                    .json(&json!({"lat": place.lat + 0.01, "lng": place.lng, "accuracy_m": 10.0}))
                    .send()
                    .await;
                // Ok(true): recorded; Ok(false): refused clearly (503 problem+json with
                // Retry-After, `positions_unavailable`).
                let pos = match pos {
                    Ok(r) if r.status() == StatusCode::OK => Ok(true),
                    Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {
                        let problem = r
                            .headers()
                            .get("content-type")
                            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
                        let retry = r.headers().get("retry-after").is_some();
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        if problem && retry && body["code"] == "positions_unavailable" {
                            Ok(false)
                        } else {
                            Err(format!("position 503 {body}"))
                        }
                    }
                    Ok(r) => Err(format!("position {}", r.status().as_u16())),
                    Err(e) => Err(format!("position {}", kind(&e))),
                };
                let t2 = Instant::now();
                let ready = match http.get(format!("{base}/readyz")).send().await {
                    Ok(r) if r.status() == StatusCode::OK => {
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        Ok(body["redis"] == "unreachable")
                    }
                    Ok(r) => Err(format!("readyz {}", r.status().as_u16())),
                    Err(e) => Err(format!("readyz {}", kind(&e))),
                };
                let t3 = Instant::now();
                {
                    let mut all = probes.lock().unwrap();
                    let pr = &mut all[p];
                    pr.slowest = pr.slowest.max(t1 - t0).max(t2 - t1).max(t3 - t2);
                    let mut failures = vec![];
                    match catalog {
                        Ok(()) => pr.catalog_ok += 1,
                        Err(k) => failures.push(k),
                    }
                    match pos {
                        Ok(true) => {
                            pr.position_ok += 1;
                            if p == 2 {
                                first.lock().unwrap().get_or_insert(t2);
                            }
                        }
                        Ok(false) => pr.position_503 += 1,
                        Err(k) => failures.push(k),
                    }
                    match ready {
                        Ok(unreachable) => {
                            pr.ready += 1;
                            pr.redis_unreachable += usize::from(unreachable);
                        }
                        Err(k) => failures.push(k),
                    }
                    for k in failures {
                        *pr.other.entry(k).or_default() += 1;
                    }
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    phase.store(1, Ordering::SeqCst);
    ctl("DAOJIA_DRILL_REDIS_STOP");
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let placed_before_restart = load.tally.lock().unwrap().acked.len();
    ctl("DAOJIA_DRILL_REDIS_START");
    let restarted = Instant::now();
    phase.store(2, Ordering::SeqCst);
    let until = Instant::now() + Duration::from_secs(60);
    while first_position_ok_after.lock().unwrap().is_none() {
        assert!(
            Instant::now() < until,
            "positions never recovered: {:?}\n{}",
            probes.lock().unwrap(),
            a.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = first_position_ok_after.lock().unwrap().unwrap() - restarted;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = load.finish().await;
    prober.await.unwrap();
    let probes = std::mem::take(&mut *probes.lock().unwrap());
    let [normal, down, after] = &probes;

    // Before: all well.
    assert!(
        normal.other.is_empty() && normal.position_503 == 0,
        "before: {normal:?}"
    );
    // Down: the catalog and readiness answer, positions refuse clearly, nothing hangs.
    assert!(
        down.catalog_ok > 0 && down.other.is_empty(),
        "while Redis was down: {down:?}"
    );
    assert!(down.position_503 > 0, "positions need Redis: {down:?}");
    assert!(down.redis_unreachable > 0, "readiness tells: {down:?}");
    assert!(
        down.slowest < Duration::from_secs(3),
        "an answer took {:?}",
        down.slowest
    );
    // After: everything again, without restarting a node.
    assert!(
        after.position_ok > 0 && after.other.is_empty(),
        "after: {after:?}"
    );
    assert_eq!(tally.gave_up, 0, "{tally:?}");
    assert!(
        !tally.errors.keys().any(|k| k.starts_with('5')),
        "server errors: {tally:?}"
    );
    assert!(placed_before_restart > 0, "{tally:?}");
    // Shared state works across nodes again: a position reported to a, measured on b.
    let (_, token) = &workers[far];
    let here = LatLng::new(place.lat + 0.0027, place.lng);
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let r = d
            .http
            .put(format!("{}/api/v1/worker/me/position", a.base))
            .bearer_auth(token)
            .json(&json!({"lat": here.lat, "lng": here.lng, "accuracy_m": 10.0}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < until, "{}", r.text().await.unwrap());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(
        grab_distance(&d.http, &b, token, pooled).await,
        haversine_m(here, place).round(),
        "node b measures from the position node a recorded, through the restarted Redis"
    );
    let keys = d.redis.keys();
    assert!(
        keys.iter().any(|k| k.starts_with("rl:position_worker:")),
        "rate limits are counted in Redis again: {keys:?}"
    );
    d.assert_acked_exist(&tally).await;
    let (events, wire, _) = d.assert_delivered(&a, Duration::from_secs(120)).await;
    eprintln!(
        "DRILL redis ({}): PASS: Redis down {}; load: {} requests, {} orders acknowledged, {} refused, {} cancelled, errors: {}, slowest {}; probes while down: catalog {} ok, position {} × 503 positions_unavailable (problem+json, Retry-After), readiness {} ok ({} saying Redis unreachable), other {:?}, slowest {}; positions recovered {} after the restart without restarting a node; afterwards catalog {} ok, position {} ok; a position reported to a is measured on b; {events} events at the broker ({wire} arrivals), applied once",
        d.backend_name(),
        secs(restarted - stopped),
        tally.sent,
        tally.acked.len(),
        tally.refused,
        tally.cancelled,
        tally.errors_text(),
        secs(tally.slowest),
        down.catalog_ok,
        down.position_503,
        down.ready,
        down.redis_unreachable,
        down.other,
        secs(down.slowest),
        secs(recovered),
        after.catalog_ok,
        after.position_ok,
    );
    drop((a, b));
    d.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn stop_rabbitmq_for_a_minute() {
    let down_for = Duration::from_secs(
        std::env::var("DAOJIA_DRILL_BROKER_DOWN_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
    );
    let mut d = Drill::new("rabbitmq").await;
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 4);
    tokio::time::sleep(Duration::from_secs(3)).await;
    ctl("DAOJIA_DRILL_AMQP_STOP");
    let stopped = Instant::now();
    let acked_at_stop = load.tally.lock().unwrap().acked.len();
    let mut lags = vec![];
    while stopped.elapsed() < down_for {
        tokio::time::sleep(Duration::from_secs(2)).await;
        lags.push(lag_metric(&d.http, &a).await.unwrap_or(-1.0));
    }
    let acked_while_down = load.tally.lock().unwrap().acked.len() - acked_at_stop;
    let peak = lags.iter().copied().fold(0.0, f64::max);
    ctl("DAOJIA_DRILL_AMQP_START");
    let restarted = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = load.finish().await;
    let until = Instant::now() + Duration::from_secs(120);
    while lag_metric(&d.http, &a).await != Some(0.0) || lag_metric(&d.http, &b).await != Some(0.0) {
        assert!(
            Instant::now() < until,
            "the outbox did not drain: {}",
            a.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = restarted.elapsed();
    assert!(
        acked_while_down > 0,
        "no order placed while the broker was down: {tally:?}"
    );
    assert!(peak >= 1.0, "the lag never grew: {lags:?}");
    assert!(
        lags.windows(2).any(|w| w[1] > w[0]),
        "the lag grew while the broker was down: {lags:?}"
    );
    assert_eq!(tally.gave_up, 0, "{tally:?}");
    assert!(
        !tally.errors.keys().any(|k| k.starts_with('5')),
        "server errors: {tally:?}"
    );
    d.assert_acked_exist(&tally).await;
    let (events, wire, _) = d.assert_delivered(&a, Duration::from_secs(180)).await;
    eprintln!(
        "DRILL rabbitmq ({}): PASS: broker down {}; {} orders acknowledged while it was down ({} in all, {} requests, refusals {:?}, errors: {}, slowest {}); outbox lag (outbox_lag_events) rose to {peak} (samples every 2 s: {:?}); drained to 0 {} after the restart; {events} events all at the broker ({wire} arrivals, {} duplicates), {} order events applied once by {APPLY}",
        d.backend_name(),
        secs(down_for),
        acked_while_down,
        tally.acked.len(),
        tally.sent,
        tally.refusals,
        tally.errors_text(),
        secs(tally.slowest),
        lags,
        secs(drained),
        wire - events,
        d.apply.applied.load(Ordering::SeqCst),
    );
    drop((a, b));
    d.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn database_connections_terminated() {
    let mut d = Drill::new("database").await;
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 4);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = load.tally.lock().unwrap().errors.values().sum::<usize>();
    // From a connection of its own: every other session on the drill's database ends
    // (`pg_terminate_backend` on PostgreSQL, `KILL CONNECTION` on MariaDB).
    let admin = sea_orm::Database::connect(d.app.db.url.as_str())
        .await
        .unwrap();
    let killed = end_sessions(&admin).await;
    admin.close().await.unwrap();
    let terminated = Instant::now();
    load.mark();
    // Recovery: both nodes place an order again.
    let mut recovered = [None, None];
    let until = Instant::now() + Duration::from_secs(60);
    let mut k = 0;
    while recovered.iter().any(Option::is_none) {
        assert!(
            Instant::now() < until,
            "a node did not recover: {recovered:?}\n{}\n{}",
            a.log_text(),
            b.log_text()
        );
        for (i, node) in [&a, &b].iter().enumerate() {
            if recovered[i].is_some() {
                continue;
            }
            k += 1;
            let body = json!({"items": [{"item": grab::ITEM}], "address_id": d.city.address,
                              "window_start": at(d.date + chrono::Duration::days(7), 8 + (k % 10) as u32).to_rfc3339()});
            let r = d
                .http
                .get(format!("{}/api/v1/public/catalog", node.base))
                .send()
                .await;
            let catalog_ok = r.is_ok_and(|r| r.status().is_success());
            let r = d
                .http
                .post(format!("{}/api/v1/customer/orders", node.base))
                .bearer_auth(&d.city.customer)
                .header("idempotency-key", format!("drill-db-{k}"))
                .json(&body)
                .send()
                .await;
            if catalog_ok
                && r.is_ok_and(|r| {
                    r.status() == StatusCode::CREATED || r.status() == StatusCode::CONFLICT
                })
            {
                recovered[i] = Some(terminated.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = load.finish().await;
    let errors = tally.errors.values().sum::<usize>() - before;
    let server_errors: usize = tally
        .errors
        .iter()
        .filter(|(k, _)| k.starts_with('5'))
        .map(|(_, n)| n)
        .sum();
    // A request whose connection was cut is told to try again (503 `database_unavailable`,
    // and its retry runs again: errors are not stored under the key); at most one per
    // terminated session, never a stream, and never a 500.
    assert!(
        server_errors <= killed,
        "{server_errors} server errors for {killed} sessions: {tally:?}"
    );
    assert!(
        tally.errors.keys().all(|k| !k.starts_with("500")),
        "a cut connection answered 500: {tally:?}"
    );
    // What the nodes logged for them (one JSON object a line).
    let causes: std::collections::BTreeSet<String> = [&a, &b]
        .iter()
        .flat_map(|n| {
            n.log_text()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v["message"] == "internal error")
                .map(|v| {
                    v["error"]
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(120)
                        .collect()
                })
                .collect::<Vec<String>>()
        })
        .collect();
    assert_eq!(tally.gave_up, 0, "{tally:?}");
    assert!(tally.ok_after_mark > 0, "{tally:?}");
    d.assert_acked_exist(&tally).await;
    // Background jobs resumed: the relay published everything written after the
    // termination, and the consumers applied it.
    let (events, wire, waited) = d.assert_delivered(&a, Duration::from_secs(120)).await;
    assert_eq!(broker_lag(&d.http, &b).await, Some(0));
    eprintln!(
        "DRILL database ({}): PASS: {killed} sessions terminated; node a served again after {}, node b after {}; load: {} requests, {} orders acknowledged ({} answers after the termination), errors after it: {errors} ({}; logged causes: {causes:?}); slowest {}; relay and consumers resumed: {events} events at the broker ({wire} arrivals), applied once, {} to settle",
        d.backend_name(),
        secs(recovered[0].unwrap()),
        secs(recovered[1].unwrap()),
        tally.sent,
        tally.acked.len(),
        tally.ok_after_mark,
        tally.errors_text(),
        secs(tally.slowest),
        secs(waited),
    );
    drop((a, b));
    d.finish().await;
}

/// Ends every other session on `admin`'s database; how many.
async fn end_sessions(admin: &sea_orm::DatabaseConnection) -> usize {
    use sea_orm::{DatabaseBackend, Statement};
    let b = admin.get_database_backend();
    if b == DatabaseBackend::Postgres {
        return admin
            .query_all_raw(Statement::from_string(
                b,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .await
            .unwrap()
            .len();
    }
    let ids = admin
        .query_all_raw(Statement::from_string(
            b,
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()",
        ))
        .await
        .unwrap();
    let mut killed = 0;
    for row in ids {
        let id: i64 = row.try_get_by_index(0).unwrap();
        // A session that ended meanwhile is not an error.
        if admin
            .execute_raw(Statement::from_string(b, format!("KILL CONNECTION {id}")))
            .await
            .is_ok()
        {
            killed += 1;
        }
    }
    killed
}
