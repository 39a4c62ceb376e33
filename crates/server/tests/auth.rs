//! Log-in, token refresh and log-out, on every database under test.

mod common;

use axum::http::StatusCode;
use chrono::Duration;
use common::{TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use serde_json::json;

#[tokio::test]
async fn a_customer_logs_in_with_a_code_and_sees_their_masked_phone() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pair = app.otp_login("13800138000", "customer").await;
        let token = pair["access_token"].as_str().unwrap();
        let me = app.get("/api/v1/customer/me", Some(token)).await;
        assert_eq!(me.status, StatusCode::OK, "{b:?} {}", me.text);
        assert_eq!(me.body["phone"], "138****8000");
        // Logging in again finds the same customer.
        let again = app.otp_login("13800138000", "customer").await;
        let me2 = app
            .get("/api/v1/customer/me", again["access_token"].as_str())
            .await;
        assert_eq!(me.body["id"], me2.body["id"]);
        // A customer token does not open the worker or admin API.
        assert_problem(
            &app.get("/api/v1/worker/me", Some(token)).await,
            StatusCode::FORBIDDEN,
            "wrong_audience",
        );
        assert_problem(
            &app.get("/api/v1/admin/me", Some(token)).await,
            StatusCode::FORBIDDEN,
            "wrong_audience",
        );
    }
}

#[tokio::test]
async fn a_worker_must_be_enrolled_to_log_in() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": "13900000001", "audience": "worker"}),
                None,
            )
            .await;
        let code = sent.body["dev_code"].as_str().unwrap().to_string();
        let r = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": "13900000001", "code": code, "audience": "worker"}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "worker_not_found");
        app.advance(Duration::seconds(61));
        app.enrol_worker("13900000001").await;
        let pair = app.otp_login("13900000001", "worker").await;
        let me = app
            .get("/api/v1/worker/me", pair["access_token"].as_str())
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["skills"], json!(["cleaning"]));
        assert_eq!(me.body["phone"], "139****0001");
    }
}

#[tokio::test]
async fn a_wrong_code_fails_and_too_many_wrong_codes_burn_it() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": "13700000000", "audience": "customer"}),
                None,
            )
            .await;
        let code = sent.body["dev_code"].as_str().unwrap().to_string();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let r = app
                .post(
                    "/api/v1/public/auth/otp/verify",
                    json!({"phone": "13700000000", "code": wrong, "audience": "customer"}),
                    None,
                )
                .await;
            assert_problem(&r, StatusCode::UNAUTHORIZED, "code_invalid");
        }
        let r = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": "13700000000", "code": code, "audience": "customer"}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "code_locked");
    }
}

#[tokio::test]
async fn a_code_is_single_use_and_expires() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let send = || {
            app.post(
                "/api/v1/public/auth/otp",
                json!({"phone": "13600000000", "audience": "customer"}),
                None,
            )
        };
        let code = send().await.body["dev_code"].as_str().unwrap().to_string();
        let verify = |c: String| {
            app.post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": "13600000000", "code": c, "audience": "customer"}),
                None,
            )
        };
        assert_eq!(verify(code.clone()).await.status, StatusCode::OK);
        assert_problem(
            &verify(code).await,
            StatusCode::UNAUTHORIZED,
            "code_invalid",
        );
        app.advance(Duration::seconds(61));
        let code = send().await.body["dev_code"].as_str().unwrap().to_string();
        app.advance(Duration::minutes(6));
        assert_problem(
            &verify(code).await,
            StatusCode::UNAUTHORIZED,
            "code_invalid",
        );
    }
}

#[tokio::test]
async fn asking_for_codes_too_often_gets_429_with_retry_after() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let send = |phone: &'static str| {
            app.post(
                "/api/v1/public/auth/otp",
                json!({"phone": phone, "audience": "customer"}),
                None,
            )
        };
        assert_eq!(send("13500000000").await.status, StatusCode::OK);
        let r = send("13500000000").await;
        assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        // Five per hour per phone.
        for _ in 0..4 {
            app.advance(Duration::seconds(61));
            assert_eq!(send("13500000000").await.status, StatusCode::OK);
        }
        app.advance(Duration::seconds(61));
        let r = send("13500000000").await;
        assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(r.headers.contains_key("retry-after"));
    }
}

#[tokio::test]
async fn one_address_cannot_ask_for_codes_for_many_phones() {
    let b = backends()[0];
    let mut cfg = common::test_config();
    cfg.auth.otp_per_ip_per_hour = 3;
    let app = TestApp::with_config(b, cfg).await;
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": format!("1380000000{i}"), "audience": "customer"}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = app
        .post(
            "/api/v1/public/auth/otp",
            json!({"phone": "13800000009", "audience": "customer"}),
            None,
        )
        .await;
    assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn refresh_rotates_and_reusing_an_old_refresh_token_ends_the_session() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let first = app.otp_login("13800000001", "customer").await;
        let r1 = first["refresh_token"].as_str().unwrap();
        let second = app
            .post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": r1}),
                None,
            )
            .await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.text);
        let access2 = second.body["access_token"].as_str().unwrap().to_string();
        assert_ne!(second.body["refresh_token"], first["refresh_token"]);
        assert_eq!(
            app.get("/api/v1/customer/me", Some(&access2)).await.status,
            StatusCode::OK
        );
        // The old refresh token again: theft. The family dies, including the new tokens.
        let stolen = app
            .post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": r1}),
                None,
            )
            .await;
        assert_problem(&stolen, StatusCode::UNAUTHORIZED, "refresh_reused");
        assert_problem(
            &app.get("/api/v1/customer/me", Some(&access2)).await,
            StatusCode::UNAUTHORIZED,
            "session_revoked",
        );
        let r2 = second.body["refresh_token"].as_str().unwrap();
        assert_problem(
            &app.post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": r2}),
                None,
            )
            .await,
            StatusCode::UNAUTHORIZED,
            "session_revoked",
        );
    }
}

#[tokio::test]
async fn an_access_token_expires_and_refresh_brings_a_new_one() {
    let app = TestApp::new(backends()[0]).await;
    let pair = app.otp_login("13800000002", "customer").await;
    app.advance(Duration::minutes(16));
    let r = app
        .get("/api/v1/customer/me", pair["access_token"].as_str())
        .await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "token_expired");
    let fresh = app
        .post(
            "/api/v1/public/auth/refresh",
            json!({"refresh_token": pair["refresh_token"]}),
            None,
        )
        .await;
    assert_eq!(
        app.get("/api/v1/customer/me", fresh.body["access_token"].as_str())
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_its_refresh_token() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let pair = app.otp_login("13800000003", "customer").await;
        let access = pair["access_token"].as_str().unwrap();
        let r = app
            .call(
                axum::http::Method::POST,
                "/api/v1/public/auth/logout",
                None,
                Some(access),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_problem(
            &app.get("/api/v1/customer/me", Some(access)).await,
            StatusCode::UNAUTHORIZED,
            "session_revoked",
        );
        let r = app
            .post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": pair["refresh_token"]}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "session_revoked");
    }
}

#[tokio::test]
async fn sessions_are_listed_and_one_can_be_ended_from_another() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let phone_a = app.otp_login("13800000004", "customer").await;
        let phone_b = app.otp_login("13800000004", "customer").await;
        let a = phone_a["access_token"].as_str().unwrap();
        let list = app.get("/api/v1/customer/sessions", Some(a)).await;
        assert_eq!(list.body.as_array().unwrap().len(), 2, "{}", list.text);
        assert_eq!(
            list.body
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["current"] == true)
                .count(),
            1
        );
        let other = phone_b["session_id"].as_str().unwrap();
        let r = app
            .call(
                axum::http::Method::DELETE,
                &format!("/api/v1/customer/sessions/{other}"),
                None,
                Some(a),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_eq!(
            app.get("/api/v1/customer/me", phone_b["access_token"].as_str())
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        // Another customer's session id is not found, not revoked.
        let stranger = app.otp_login("13800000005", "customer").await;
        let r = app
            .call(
                axum::http::Method::DELETE,
                &format!(
                    "/api/v1/customer/sessions/{}",
                    phone_a["session_id"].as_str().unwrap()
                ),
                None,
                stranger["access_token"].as_str(),
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn staff_log_in_with_a_password_and_guessing_is_limited() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let token = app.staff_token("ops1", Role::Dispatcher).await;
        let me = app.get("/api/v1/admin/me", Some(&token)).await;
        assert_eq!(me.body["role"], "dispatcher");
        assert!(
            me.body["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "dispatch.write")
        );
        let bad = app
            .post(
                "/api/v1/public/auth/staff/login",
                json!({"login": "ops1", "password": "wrong"}),
                None,
            )
            .await;
        assert_problem(&bad, StatusCode::UNAUTHORIZED, "credentials_invalid");
        let unknown = app
            .post(
                "/api/v1/public/auth/staff/login",
                json!({"login": "nobody", "password": "wrong"}),
                None,
            )
            .await;
        assert_problem(&unknown, StatusCode::UNAUTHORIZED, "credentials_invalid");
        let mut limited = None;
        for _ in 0..12 {
            let r = app
                .post(
                    "/api/v1/public/auth/staff/login",
                    json!({"login": "ops1", "password": "wrong"}),
                    None,
                )
                .await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some(r);
                break;
            }
        }
        let r = limited.expect("password guessing is rate limited");
        assert!(r.headers.contains_key("retry-after"));
    }
}

#[tokio::test]
async fn a_deactivated_staff_member_loses_access_at_once() {
    let app = TestApp::new(backends()[0]).await;
    let admin = app.staff_token("root", Role::SuperAdmin).await;
    let ops = app.staff_token("ops2", Role::CustomerService).await;
    let id = app.get("/api/v1/admin/me", Some(&ops)).await.body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .call(
            axum::http::Method::PATCH,
            &format!("/api/v1/admin/staff/{id}"),
            Some(json!({"active": false})),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_problem(
        &app.get("/api/v1/admin/me", Some(&ops)).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    );
}

// ---------------------------------------------------------------------------------------
// Races: real parallel requests on the multi-thread runtime, each from its own client
// address (so per-address limiters play no part); the database must hold the limits.

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
