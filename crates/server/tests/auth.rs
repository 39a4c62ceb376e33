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
