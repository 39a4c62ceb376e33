//! Races: real parallel requests on the multi-thread runtime, each from its own client
//! address (so per-address limiters play no part); the database must hold the limits.

use super::*;

/// Hands out the same code every time, so a test knows it.
struct KnownCode(&'static str);

impl daojia_server::codes::CodeSource for KnownCode {
    fn next_code(&self) -> String {
        self.0.to_string()
    }
}

async fn app_with_code(b: daojia_store::testing::Backend, code: &'static str) -> TestApp {
    let opts = daojia_server::BuildOptions {
        codes: Some(std::sync::Arc::new(KnownCode(code))),
        ..Default::default()
    };
    TestApp::with_options(b, common::test_config(), opts).await
}

/// Posts `body` to `path` from client address 10.1.x.y (by `n`); status, body, headers.
async fn post_from(
    router: axum::Router,
    n: u16,
    path: &str,
    body: serde_json::Value,
) -> (StatusCode, serde_json::Value, axum::http::HeaderMap) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::post(path)
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let [hi, lo] = n.to_be_bytes();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [10, 1, hi, lo],
            40000,
        ))));
    let res = router.oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or_default(),
        headers,
    )
}

/// Runs `n` copies of a request at once; the answers' `code`s (or `ok`) counted.
async fn burst(
    app: &TestApp,
    n: u16,
    path: &'static str,
    body: impl Fn(u16) -> serde_json::Value,
) -> std::collections::BTreeMap<String, usize> {
    let tasks: Vec<_> = (0..n)
        .map(|i| tokio::spawn(post_from(app.router.clone(), i + 1, path, body(i))))
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for t in tasks {
        let (status, body, headers) = t.await.unwrap();
        let key = if status == StatusCode::OK {
            "ok".to_string()
        } else {
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert!(headers.contains_key("retry-after"), "{body}");
            }
            format!(
                "{} {}",
                status.as_u16(),
                body["code"].as_str().unwrap_or("?")
            )
        };
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

fn counts(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

async fn count_rows(app: &TestApp, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = app.state.store.db();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_wrong_code_raced_fifty_times_is_evaluated_at_most_five_times() {
    for b in backends() {
        let app = app_with_code(b, "482916").await;
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": "13700000001", "audience": "customer"}),
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        let answers = burst(&app, 50, "/api/v1/public/auth/otp/verify", |i| {
            json!({"phone": "13700000001", "code": format!("{:06}", 100_000 + u32::from(i)), "audience": "customer"})
        })
        .await;
        assert_eq!(
            answers,
            counts(&[("401 code_invalid", 5), ("401 code_locked", 45)]),
            "{b:?}"
        );
        let attempts: Vec<i32> = {
            use daojia_store::entity::otp_code;
            use sea_orm::EntityTrait;
            otp_code::Entity::find()
                .all(app.state.store.db())
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.attempts)
                .collect()
        };
        assert_eq!(attempts, vec![5], "{b:?}");
        // The right code after the limit is refused: the code is burnt.
        let r = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": "13700000001", "code": "482916", "audience": "customer"}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_locked");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_requests_for_one_phone_send_exactly_one_code() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let answers = burst(
            &app,
            20,
            "/api/v1/public/auth/otp",
            |_| json!({"phone": "13700000002", "audience": "customer"}),
        )
        .await;
        assert_eq!(
            answers,
            counts(&[("ok", 1), ("429 rate_limited", 19)]),
            "{b:?}"
        );
        assert_eq!(count_rows(&app, "otp_code").await, 1, "{b:?}");
        assert_eq!(count_rows(&app, "sms_outbox").await, 1, "{b:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_requests_from_one_address_send_no_more_than_its_hourly_codes() {
    for b in backends() {
        let mut cfg = common::test_config();
        cfg.auth.otp_per_ip_per_hour = 3;
        let app = TestApp::with_config(b, cfg).await;
        let tasks: Vec<_> = (0..12u16)
            .map(|i| {
                tokio::spawn(post_from(
                    app.router.clone(),
                    7,
                    "/api/v1/public/auth/otp",
                    json!({"phone": format!("137000001{i:02}"), "audience": "customer"}),
                ))
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            let (status, body, _) = t.await.unwrap();
            match status {
                StatusCode::OK => ok += 1,
                _ => assert_eq!(body["code"], "rate_limited", "{body}"),
            }
        }
        assert_eq!(ok, 3, "{b:?}");
        assert_eq!(count_rows(&app, "otp_code").await, 3, "{b:?}");
        assert_eq!(count_rows(&app, "sms_outbox").await, 3, "{b:?}");
    }
}

async fn audit_actions(app: &TestApp, token: &str, action: &str) -> Vec<serde_json::Value> {
    let r = app
        .get(
            &format!("/api/v1/admin/audit-log?action={action}"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_parallel_wrong_passwords_evaluate_five_and_lock_the_account() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let ops = app.staff_token("ops9", Role::Dispatcher).await;
        let ops_id = app.get("/api/v1/admin/me", Some(&ops)).await.body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let answers = burst(
            &app,
            30,
            "/api/v1/public/auth/staff/login",
            |_| json!({"login": "ops9", "password": "wrong password"}),
        )
        .await;
        assert_eq!(
            answers,
            counts(&[("401 credentials_invalid", 5), ("429 account_locked", 25)]),
            "{b:?}"
        );
        // Locked: even the right password is not evaluated.
        let (status, body, headers) = post_from(
            app.router.clone(),
            900,
            "/api/v1/public/auth/staff/login",
            json!({"login": "ops9", "password": "correct horse"}),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["code"], "account_locked");
        let wait: i64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        // The lockout is audited once, and shown on the staff list.
        let locks = audit_actions(&app, &admin, "staff.lock").await;
        assert_eq!(locks.len(), 1, "{locks:?}");
        assert_eq!(locks[0]["target_id"], ops_id.as_str());
        let list = app.get("/api/v1/admin/staff", Some(&admin)).await;
        let row = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == ops_id.as_str())
            .unwrap()
            .clone();
        assert!(row["locked_until"].is_string(), "{row}");
        // Only staff.write unlocks; the super admin's unlock is audited.
        let r = app
            .post(
                &format!("/api/v1/admin/staff/{ops_id}/unlock"),
                json!({}),
                Some(&ops),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        let r = app
            .post(
                &format!("/api/v1/admin/staff/{ops_id}/unlock"),
                json!({}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["locked_until"].is_null(), "{}", r.text);
        let unlocks = audit_actions(&app, &admin, "staff.unlock").await;
        assert_eq!(unlocks.len(), 1);
        assert!(
            unlocks[0]["before"]["locked_until"].is_string(),
            "{:?}",
            unlocks[0]
        );
        let (status, body, _) = post_from(
            app.router.clone(),
            901,
            "/api/v1/public/auth/staff/login",
            json!({"login": "ops9", "password": "correct horse"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unknown_username_gets_the_same_answers_as_a_real_one() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let answers = burst(
            &app,
            30,
            "/api/v1/public/auth/staff/login",
            |_| json!({"login": "nobody", "password": "wrong password"}),
        )
        .await;
        assert_eq!(
            answers,
            counts(&[("401 credentials_invalid", 5), ("429 account_locked", 25)]),
            "{b:?}"
        );
    }
}

#[tokio::test]
async fn lockouts_grow_and_a_right_password_starts_the_count_again() {
    for b in backends() {
        let app = TestApp::new(b).await;
        app.staff_token("ops8", Role::Finance).await;
        let login = |n: u16, password: &'static str| {
            post_from(
                app.router.clone(),
                n,
                "/api/v1/public/auth/staff/login",
                json!({"login": "ops8", "password": password}),
            )
        };
        // Four wrong, one right: the count starts again.
        for n in 0..4 {
            assert_eq!(login(n, "wrong").await.0, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(login(10, "correct horse").await.0, StatusCode::OK);
        for n in 0..4 {
            assert_eq!(login(20 + n, "wrong").await.0, StatusCode::UNAUTHORIZED);
        }
        // The fifth wrong one locks for a minute, the next lockout for two.
        assert_eq!(login(30, "wrong").await.0, StatusCode::UNAUTHORIZED);
        let (status, _, headers) = login(31, "correct horse").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers["retry-after"], "60");
        app.advance(Duration::seconds(61));
        for n in 0..5 {
            assert_eq!(login(40 + n, "wrong").await.0, StatusCode::UNAUTHORIZED);
        }
        let (status, body, headers) = login(50, "wrong").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(headers["retry-after"], "120");
        app.advance(Duration::seconds(121));
        assert_eq!(login(60, "correct horse").await.0, StatusCode::OK);
    }
}
