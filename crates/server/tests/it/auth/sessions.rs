//! Sessions: refresh rotation, expiry, log-out, listing and ending one from another.

use super::*;

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

/// Node B: its own state (and so its own copy of the live sessions) over `app`'s database
/// and configuration.
fn node_b(app: &TestApp) -> axum::Router {
    let b = daojia_server::build(
        app.state.config.clone(),
        app.db.store.clone(),
        daojia_server::BuildOptions {
            clock: std::sync::Arc::new(chrono::Utc::now),
            ..Default::default()
        },
    )
    .unwrap();
    daojia_server::app(b)
}

async fn me_on(router: &axum::Router, token: &str) -> common::Reply {
    let req = axum::http::Request::get("/api/v1/customer/me")
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    common::send_to(router, req).await
}

// Each node keeps the sessions it found live while the `sessions` counter stands; a
// revocation on one node bumps it, so the other refuses the session at the next request.
#[tokio::test]
async fn a_session_ended_on_node_a_is_refused_at_once_on_node_b() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let node_b = node_b(&app);
        let one = app.otp_login("13800000006", "customer").await;
        let two = app.otp_login("13800000006", "customer").await;
        let three = app.otp_login("13800000006", "customer").await;
        let [t1, t2, t3] = [&one, &two, &three].map(|p| p["access_token"].as_str().unwrap());
        // Both nodes have seen (and kept) all three sessions live.
        for t in [t1, t2, t3] {
            assert_eq!(me_on(&node_b, t).await.status, StatusCode::OK);
            assert_eq!(
                app.get("/api/v1/customer/me", Some(t)).await.status,
                StatusCode::OK
            );
        }
        assert_eq!(me_on(&node_b, t1).await.status, StatusCode::OK);

        // Ended from another session, on node A: refused on B at once, the others not.
        let r = app
            .call(
                axum::http::Method::DELETE,
                &format!(
                    "/api/v1/customer/sessions/{}",
                    two["session_id"].as_str().unwrap()
                ),
                None,
                Some(t1),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_problem(
            &me_on(&node_b, t2).await,
            StatusCode::UNAUTHORIZED,
            "session_revoked",
        );
        assert_eq!(me_on(&node_b, t1).await.status, StatusCode::OK);
        assert_eq!(me_on(&node_b, t3).await.status, StatusCode::OK);

        // Log-out on A: refused on B at once.
        let r = app
            .call(
                axum::http::Method::POST,
                "/api/v1/public/auth/logout",
                None,
                Some(t1),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_problem(
            &me_on(&node_b, t1).await,
            StatusCode::UNAUTHORIZED,
            "session_revoked",
        );

        // A reused refresh token revokes its family on A: refused on B at once.
        let r = app
            .post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": three["refresh_token"]}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let t3b = r.body["access_token"].as_str().unwrap().to_string();
        assert_eq!(me_on(&node_b, &t3b).await.status, StatusCode::OK);
        let r = app
            .post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": three["refresh_token"]}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "refresh_reused");
        for t in [t3, t3b.as_str()] {
            assert_problem(
                &me_on(&node_b, t).await,
                StatusCode::UNAUTHORIZED,
                "session_revoked",
            );
        }

        // An erased account's sessions are deleted: refused on B at once.
        let four = app.otp_login("13800000007", "customer").await;
        let t4 = four["access_token"].as_str().unwrap();
        assert_eq!(me_on(&node_b, t4).await.status, StatusCode::OK);
        let who = app.get("/api/v1/customer/me", Some(t4)).await.body["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        daojia_store::repo::privacy::erase_customer(&app.state.store, who, chrono::Utc::now())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            me_on(&node_b, t4).await.status,
            StatusCode::UNAUTHORIZED,
            "an erased account's session"
        );
    }
}
