//! Rate limits counted in the shared state (in process, or Redis shared by several nodes),
//! and the client address they count: the socket peer, or behind a trusted proxy the
//! right-most `X-Forwarded-For` entry that is not a proxy.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Reply, TestApp, assert_problem, send_to, test_config};
use daojia_domain::access::Role;
use daojia_shared::testing::TestRedis;
use daojia_store::testing::Backend;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;

const VERIFY: &str = "/api/v1/public/auth/otp/verify";

/// A POST of `body` to `path` from socket address `peer`, with `X-Forwarded-For` lines.
fn post_from(path: &str, body: &Value, peer: [u8; 4], forwarded: &[&str]) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", "application/json");
    for f in forwarded {
        req = req.header("x-forwarded-for", *f);
    }
    let mut req = req.body(Body::from(body.to_string())).unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(SocketAddr::from((peer, 41000))));
    req
}

fn wrong_guess(phone: &str) -> Value {
    json!({ "phone": phone, "code": "000000", "audience": "customer" })
}

fn assert_limited(r: &Reply) {
    assert_problem(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

#[tokio::test]
async fn code_checks_are_limited_per_client_address_and_answered_with_retry_after() {
    let mut cfg = test_config();
    cfg.auth.otp_verify_per_ip_per_minute = 3;
    let app = TestApp::with_config(Backend::Sqlite, cfg).await;
    let from = |peer| post_from(VERIFY, &wrong_guess("13800138000"), peer, &[]);
    for _ in 0..3 {
        let r = app.send(from([203, 0, 113, 9])).await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
    }
    assert_limited(&app.send(from([203, 0, 113, 9])).await);
    // Another phone from the same address is refused too; another address is not.
    let other_phone = post_from(VERIFY, &wrong_guess("13900139000"), [203, 0, 113, 9], &[]);
    assert_limited(&app.send(other_phone).await);
    let r = app.send(from([203, 0, 113, 10])).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
}

#[tokio::test]
async fn code_checks_have_a_global_limit_over_all_addresses() {
    let mut cfg = test_config();
    cfg.auth.otp_verify_per_ip_per_minute = 100;
    cfg.auth.otp_verify_global_per_minute = 5;
    let app = TestApp::with_config(Backend::Sqlite, cfg).await;
    for i in 0..5 {
        let r = app
            .send(post_from(
                VERIFY,
                &wrong_guess("13800138000"),
                [198, 51, 100, i],
                &[],
            ))
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
    }
    let r = app
        .send(post_from(
            VERIFY,
            &wrong_guess("13800138000"),
            [198, 51, 100, 99],
            &[],
        ))
        .await;
    assert_limited(&r);
}

/// Logs in a customer through the test's proxy with `forwarded` as `X-Forwarded-For`, and
/// returns the address the server recorded on the session.
async fn session_ip(app: &TestApp, phone: &str, peer: [u8; 4], forwarded: &[&str]) -> String {
    let sent = app
        .send(post_from(
            "/api/v1/public/auth/otp",
            &json!({ "phone": phone, "audience": "customer" }),
            peer,
            forwarded,
        ))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let code = sent.body["dev_code"].as_str().unwrap();
    let body = json!({ "phone": phone, "code": code, "audience": "customer" });
    let r = app.send(post_from(VERIFY, &body, peer, forwarded)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.body["access_token"].as_str().unwrap();
    let s = app.get("/api/v1/customer/sessions", Some(token)).await;
    s.body[0]["ip"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_spoofed_left_part_of_x_forwarded_for_is_ignored() {
    let mut cfg = test_config();
    cfg.auth.trusted_proxies = vec!["10.0.0.0/8".into(), "2001:db8:aa::/48".into()];
    cfg.auth.otp_verify_per_ip_per_minute = 2;
    let app = TestApp::with_config(Backend::Sqlite, cfg).await;
    let lb = [10, 0, 0, 5];

    // Sessions record the address the balancer saw, not what the client wrote.
    let ip = session_ip(&app, "13800138001", lb, &["1.1.1.1, 203.0.113.9"]).await;
    assert_eq!(ip, "203.0.113.9");
    // A request that reaches us directly is its peer, whatever it claims.
    let ip = session_ip(&app, "13800138002", [198, 51, 100, 4], &["10.0.0.9"]).await;
    assert_eq!(ip, "198.51.100.4");

    // Per-address limits count the real client: changing the spoofed part does not help.
    let guess = wrong_guess("13800138003");
    for spoof in ["6.6.6.6, 203.0.113.20", "7.7.7.7, 203.0.113.20"] {
        let r = app.send(post_from(VERIFY, &guess, lb, &[spoof])).await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
    }
    let r = app
        .send(post_from(VERIFY, &guess, lb, &["8.8.8.8", "203.0.113.20"]))
        .await;
    assert_limited(&r);
    let r = app
        .send(post_from(VERIFY, &guess, lb, &["203.0.113.21:5123"]))
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
    // Garbage where the balancer's entry should be: the balancer itself is the client.
    for _ in 0..2 {
        let r = app
            .send(post_from(VERIFY, &guess, lb, &["203.0.113.22, junk"]))
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
    }
    let r = app.send(post_from(VERIFY, &guess, lb, &["evil"])).await;
    assert_limited(&r);

    // Audit records carry the same address.
    let admin = app.staff_token("root", Role::SuperAdmin).await;
    let create =
        json!({"username": "ops9", "name": "Ops", "role": "dispatcher", "password": "s3cure-pass"});
    let mut req = post_from(
        "/api/v1/admin/staff",
        &create,
        lb,
        &["9.9.9.9, 2001:db8:ff::7"],
    );
    req.headers_mut()
        .insert("authorization", format!("Bearer {admin}").parse().unwrap());
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let log = app
        .get("/api/v1/admin/audit-log?action=staff.create", Some(&admin))
        .await;
    assert_eq!(log.body["items"][0]["ip"], "2001:db8:ff::7", "{}", log.text);
}

#[tokio::test]
async fn without_trusted_proxies_x_forwarded_for_is_ignored() {
    let app = TestApp::new(Backend::Sqlite).await;
    let ip = session_ip(&app, "13800138004", [10, 0, 0, 5], &["203.0.113.9"]).await;
    assert_eq!(ip, "10.0.0.5");
}

#[tokio::test]
async fn two_nodes_on_one_redis_share_a_limit() {
    let redis = TestRedis::new();
    let mut cfg = test_config();
    cfg.redis.url = Some(redis.url.clone());
    cfg.redis.prefix = redis.prefix.clone();
    cfg.auth.otp_verify_per_ip_per_minute = 4;
    let a = TestApp::with_config(Backend::Sqlite, cfg.clone()).await;
    // A second node: its own state and router over the same database and Redis.
    let shared = daojia_server::connect_shared(&cfg).await.unwrap();
    let b_state = daojia_server::build(
        cfg,
        a.db.store.clone(),
        daojia_server::BuildOptions {
            shared: Some(shared),
            clock: Arc::new(chrono::Utc::now),
            ..Default::default()
        },
    )
    .unwrap();
    let b = daojia_server::app(b_state);
    let guess = || post_from(VERIFY, &wrong_guess("13800138005"), [203, 0, 113, 30], &[]);
    for i in 0..4 {
        let r = if i % 2 == 0 {
            a.send(guess()).await
        } else {
            send_to(&b, guess()).await
        };
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
    }
    assert_limited(&a.send(guess()).await);
    assert_limited(&send_to(&b, guess()).await);

    let key = "rl:otp_verify_ip:203.0.113.30";
    assert!(
        redis.keys().contains(&key.to_string()),
        "{:?}",
        redis.keys()
    );
    let ttl = redis.ttl_ms(key);
    assert!((1..=60_000).contains(&ttl), "every key expires: {ttl}");

    let ready = a.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(ready.body["shared_state"], "redis");
    assert_eq!(ready.body["redis"], "ok");
}

#[tokio::test]
async fn a_configured_redis_that_does_not_answer_stops_the_start_with_the_setting_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = test_config();
    cfg.redis.url = Some(format!("redis://:hunter2@127.0.0.1:{port}"));
    let e = format!(
        "{:#}",
        daojia_server::connect_shared(&cfg).await.unwrap_err()
    );
    assert!(e.starts_with("redis.url:"), "{e}");
    assert!(!e.contains("hunter2"), "{e}");
}
