//! Log-in with a one-time code: enrolment, wrong and spent codes, request limits.

use super::*;

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
