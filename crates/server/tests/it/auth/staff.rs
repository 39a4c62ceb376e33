//! Staff log-in with a password, guessing limits and deactivation.

use super::*;

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
