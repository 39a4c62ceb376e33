//! The deployment layout of `deploy/compose.yaml` as processes on this machine (no container
//! runtime): two `daojia serve` nodes on one database and one Redis, behind HAProxy started
//! with `deploy/haproxy/haproxy.cfg` itself. On PostgreSQL and on MariaDB (issue 14,
//! acceptance: "two nodes on one PostgreSQL + Redis (and on MariaDB + Redis): an OTP limit,
//! a route plan, an idempotency lease and a worker's position made on node A hold on node
//! B"), then a rolling stop through the balancer:
//!
//! - **OTP limit:** a code sent through node A; asking node B for another at once is refused.
//! - **Idempotency:** an order placed on node A with a key; the same request on node B gets
//!   the same answer, replayed, and nothing new is placed; another body with that key is
//!   refused. A key still held by a request in flight elsewhere answers 409 on B.
//! - **Route plan:** started on node A, read and followed to its end on node B.
//! - **Position:** a worker reports to node A; node B's grab pool measures from there.
//! - **Drain:** while a client sends requests through the balancer without pause, node A
//!   gets SIGTERM: its `/readyz` fails at once, HAProxy takes it out, it exits, and not one
//!   request of the client fails.

use crate::common;
use crate::nodes;

use chrono::Duration;
use common::{at, grab};
use daojia_domain::access::Role;
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_store::testing::{Backend, backends};
use nodes::{Node, grab_distance, shared_app, wait_ready, write_config};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration as StdDuration, Instant};
use uuid::Uuid;

/// HAProxy with the repository's configuration, in the foreground.
struct Balancer {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Balancer {
    async fn start(dir: &Path, a: &Node, b: &Node) -> Balancer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/haproxy/haproxy.cfg");
        let log = dir.join("haproxy.log");
        let out = std::fs::File::create(&log).unwrap();
        let addr = |n: &Node| n.base.trim_start_matches("http://").to_string();
        let child = Command::new("haproxy")
            .args(["-db", "-f"])
            .arg(&cfg)
            .env("DAOJIA_LISTEN", format!("127.0.0.1:{port}"))
            .env("DAOJIA_NODE1", addr(a))
            .env("DAOJIA_NODE2", addr(b))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .spawn()
            .expect("start haproxy (scripts/test.sh installs Debian's haproxy)");
        let mut bal = Balancer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let url = format!("{}/readyz", bal.base);
        wait_ready(&url, &mut bal.child, &bal.log, StdDuration::from_secs(30)).await;
        bal
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `{base}{path}` with `token`, as JSON.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    key: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = http.request(method, url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// How many requests for `route` node `node` has counted (its own /metrics).
async fn served(http: &reqwest::Client, node: &Node, route: &str) -> f64 {
    let text = http
        .get(format!("{}/metrics", node.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let needle = format!("route=\"{route}\"");
    text.lines()
        .filter(|l| l.starts_with("http_requests_total{") && l.contains(&needle))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn layout(backend: Backend) {
    let (app, _redis, cfg) = shared_app(backend).await;
    let city = grab::city(&app, 40).await;
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let pooled = grab::pooled_order(&app, &city, at(date, 10), "layout").await;
    let row = daojia_store::repo::orders::get(app.state.store.db(), pooled)
        .await
        .unwrap()
        .unwrap();
    let area = row.area_code.clone().unwrap();
    let place = LatLng::new(row.lat, row.lng);
    let dispatcher = app.staff_token("layout-dispatcher", Role::Dispatcher).await;

    let dir = std::env::temp_dir().join(format!("daojia-layout-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // Longer than HAProxy's check interval × fall (2 s × 2), as deploy/ sets it.
    let extra = "\n[server]\ndrain_secs = 6\n\n[auth]\ntrusted_proxies = [\"127.0.0.1\"]\n";
    write_config(&dir, &cfg, extra);
    let mut a = Node::start(&dir, "a").await;
    let b = Node::start(&dir, "b").await;
    let bal = Balancer::start(&dir, &a, &b).await;
    let http = reqwest::Client::builder()
        .timeout(StdDuration::from_secs(60))
        .build()
        .unwrap();
    let url = |n: &Node, p: &str| format!("{}/api/v1{p}", n.base);
    use reqwest::Method;

    // OTP limit: one code per phone per minute, across nodes.
    let phone = json!({"phone": "13700099001", "audience": "customer"});
    let (s, _, body) = call(
        &http,
        Method::POST,
        url(&a, "/public/auth/otp"),
        None,
        None,
        Some(&phone),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
    let (s, h, body) = call(
        &http,
        Method::POST,
        url(&b, "/public/auth/otp"),
        None,
        None,
        Some(&phone),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::TOO_MANY_REQUESTS,
        "{backend:?}: node B must see A's code: {body}"
    );
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert!(h.get("retry-after").is_some());

    // Idempotency: placed on A, replayed on B.
    let mut placed = None;
    for hour in [14, 15, 16, 11, 13, 9] {
        let order = json!({"items": [{"item": grab::ITEM}], "address_id": city.address,
                           "window_start": at(date, hour).to_rfc3339()});
        let key = format!("layout-{hour}");
        let (s, _, body) = call(
            &http,
            Method::POST,
            url(&a, "/customer/orders"),
            Some(&city.customer),
            Some(&key),
            Some(&order),
        )
        .await;
        if s == StatusCode::CREATED {
            placed = Some((key, order, body));
            break;
        }
        assert_eq!(s, StatusCode::CONFLICT, "{backend:?}: {body}");
    }
    let (key, order, first) = placed.expect("a free window");
    let (s, h, again) = call(
        &http,
        Method::POST,
        url(&b, "/customer/orders"),
        Some(&city.customer),
        Some(&key),
        Some(&order),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{backend:?}: {again}");
    assert_eq!(
        h.get("idempotent-replayed").map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(again["id"], first["id"], "the same order, not a second one");
    let mut other = order.clone();
    other["window_start"] = json!(at(date, 17).to_rfc3339());
    let (s, _, body) = call(
        &http,
        Method::POST,
        url(&b, "/customer/orders"),
        Some(&city.customer),
        Some(&key),
        Some(&other),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {body}");
    // A key held by a request still running (its lease in the database, as node A's
    // middleware writes it) holds on node B.
    let held = format!("layout-held-{}", Uuid::now_v7().simple());
    // The scope and request hash node A's middleware wrote for the same request.
    let done = {
        use daojia_store::entity::idempotency_key as k;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        k::Entity::find()
            .filter(k::Column::Key.eq(key.as_str()))
            .one(app.state.store.db())
            .await
            .unwrap()
            .expect("node A stored the key")
    };
    let claim = daojia_store::repo::idempotency::claim(
        app.state.store.db(),
        app.state.store.vault(),
        &done.scope,
        &held,
        &done.request_hash,
        chrono::Utc::now(),
        Duration::seconds(60),
    )
    .await
    .unwrap();
    assert!(
        matches!(claim, daojia_store::repo::idempotency::Claim::New(_)),
        "{claim:?}"
    );
    let (s, h, body) = call(
        &http,
        Method::POST,
        url(&b, "/customer/orders"),
        Some(&city.customer),
        Some(&held),
        Some(&order),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{backend:?}: {body}");
    assert_eq!(body["code"], "idempotency_in_progress", "{body}");
    assert!(h.get("retry-after").is_some());

    // Route plan: started on A, followed on B to its end.
    let (s, _, plan) = call(
        &http,
        Method::POST,
        url(&a, "/admin/plans"),
        Some(&dispatcher),
        None,
        Some(&json!({"area": area, "date": date.to_string(), "seconds": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{backend:?}: {plan}");
    let id = plan["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    let seen = loop {
        let (s, _, p) = call(
            &http,
            Method::GET,
            url(&b, &format!("/admin/plans/{id}")),
            Some(&dispatcher),
            None,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: node B knows A's plan: {p}");
        if p["state"] != "running" {
            break p;
        }
        assert!(started.elapsed() < StdDuration::from_secs(60), "{p}");
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    };
    assert_eq!(seen["state"], "done", "{backend:?}: {seen}");

    // Position: reported to A, measured from on B.
    let eligible = grab::eligible(&app, pooled).await;
    let mut far = None;
    for w in &eligible {
        let r = daojia_store::repo::accounts::worker(app.state.store.db(), *w)
            .await
            .unwrap()
            .unwrap();
        if haversine_m(LatLng::new(r.home_lat, r.home_lng), place) > 2_000.0 {
            far = Some(*w);
            break;
        }
    }
    let worker = far.expect("a worker living far from the order");
    let token = app.worker_token(worker).await;
    let here = LatLng::new(place.lat + 0.0027, place.lng);
    let (s, _, body) = call(
        &http,
        Method::PUT,
        url(&a, "/worker/me/position"),
        Some(&token),
        None,
        Some(&json!({"lat": here.lat, "lng": here.lng, "accuracy_m": 10.0})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
    assert_eq!(
        grab_distance(&http, &b, &token, pooled).await,
        haversine_m(here, place).round(),
        "{backend:?}: node B measures from the position node A recorded"
    );

    // The balancer spreads requests over both nodes.
    let route = "/api/v1/public/config";
    for _ in 0..40 {
        let r = http
            .get(format!("{}{route}", bal.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let (on_a, on_b) = (
        served(&http, &a, route).await,
        served(&http, &b, route).await,
    );
    assert!(
        on_a >= 1.0 && on_b >= 1.0,
        "both nodes served: a {on_a}, b {on_b}"
    );

    // Drain: a client without pause through the balancer while node A stops.
    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (http, stop, base) = (http.clone(), stop.clone(), bal.base.clone());
        tokio::spawn(async move {
            let mut outcomes = vec![];
            while !stop.load(Ordering::SeqCst) {
                let r = http.get(format!("{base}{route}")).send().await;
                outcomes.push(r.map(|r| r.status()).map_err(|e| e.to_string()));
                tokio::time::sleep(StdDuration::from_millis(20)).await;
            }
            outcomes
        })
    };
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    a.terminate();
    // Out of rotation at once: A's own /readyz fails while it still serves.
    let started = Instant::now();
    loop {
        let (s, _, body) = call(
            &http,
            Method::GET,
            format!("{}/readyz", a.base),
            None,
            None,
            None,
        )
        .await;
        if s == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(body["code"], "draining", "{body}");
            break;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(5),
            "A kept answering ready"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let (s, _, _) = call(
        &http,
        Method::GET,
        url(&a, "/public/config"),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "a draining node still serves");
    let exited = loop {
        if let Some(status) = a.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < StdDuration::from_secs(40),
            "A did not stop: {}",
            a.log_text()
        );
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert!(exited.success(), "{exited}: {}", a.log_text());
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    let outcomes = client.await.unwrap();
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|o| !matches!(o, Ok(StatusCode::OK)))
        .collect();
    assert!(
        failed.is_empty(),
        "{backend:?}: {} of {} requests failed while node A drained: {failed:?}\nbalancer: {}",
        failed.len(),
        outcomes.len(),
        bal.log_text()
    );
    assert!(outcomes.len() > 100, "{} requests", outcomes.len());
    eprintln!(
        "deploy_layout {backend:?}: {} requests through the balancer while node A drained, none failed",
        outcomes.len()
    );
    drop((bal, b));
    let _ = std::fs::remove_dir_all(&dir);
}

fn wanted(b: Backend) -> bool {
    let on = backends().contains(&b);
    if !on {
        eprintln!("deploy_layout: {b:?} is not in DAOJIA_TEST_DATABASES; not run");
    }
    on
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_behind_haproxy_on_postgres_share_state_and_drain() {
    if wanted(Backend::Postgres) {
        layout(Backend::Postgres).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_behind_haproxy_on_mariadb_share_state_and_drain() {
    if wanted(Backend::MySql) {
        layout(Backend::MySql).await;
    }
}
