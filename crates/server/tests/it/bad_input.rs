//! Bad input of every kind gets a 4xx problem document a client developer can act on,
//! never a 500: malformed JSON, wrong types, missing and unknown fields, huge bodies,
//! wrong media types, unknown routes and methods. A property test throws random JSON at
//! every JSON endpoint.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use proptest::prelude::*;
use serde_json::{Value, json};

fn raw(path: &str, ct: &str, body: impl Into<Body>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("content-type", ct)
        .body(body.into())
        .unwrap()
}

#[tokio::test]
async fn malformed_and_mistyped_json_name_the_problem() {
    let app = TestApp::new(backends()[0]).await;
    let otp = "/api/v1/public/auth/otp";
    assert_problem(
        &app.send(raw(otp, "application/json", "{\"phone\":")).await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
    );
    let r = app
        .send(raw(
            otp,
            "application/json",
            r#"{"phone": 13800138000, "audience": "customer"}"#,
        ))
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "phone");
    assert_eq!(r.body["errors"][0]["code"], "invalid_type");
    let r = app
        .send(raw(otp, "application/json", r#"{"audience": "customer"}"#))
        .await;
    assert_eq!(
        r.body["errors"][0],
        json!({"field": "phone", "code": "required", "message": "missing field `phone`"})
    );
    let r = app
        .send(raw(
            otp,
            "application/json",
            r#"{"phone": "13800138000", "audience": "customer", "admin": true}"#,
        ))
        .await;
    assert_eq!(r.body["errors"][0]["code"], "unknown_field");
    assert_eq!(r.body["errors"][0]["field"], "admin");
    let r = app
        .send(raw(
            otp,
            "application/json",
            r#"{"phone": "13800138000", "audience": "boss"}"#,
        ))
        .await;
    assert_eq!(r.body["errors"][0]["field"], "audience");
    let r = app
        .send(raw(
            otp,
            "application/json",
            r#"{"phone": "12345", "audience": "customer"}"#,
        ))
        .await;
    assert_eq!(r.body["errors"][0]["field"], "phone");
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("11-digit")
    );
    assert_problem(
        &app.send(raw(otp, "text/plain", "phone=1")).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413() {
    let app = TestApp::new(backends()[0]).await;
    let big = format!(
        r#"{{"phone":"{}","audience":"customer"}}"#,
        "1".repeat(200 * 1024)
    );
    let r = app
        .send(raw("/api/v1/public/auth/otp", "application/json", big))
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_problems() {
    let app = TestApp::new(backends()[0]).await;
    assert_problem(
        &app.get("/api/v1/nothing/here", None).await,
        StatusCode::NOT_FOUND,
        "route_not_found",
    );
    assert_problem(
        &app.get("/api/v2/anything", None).await,
        StatusCode::NOT_FOUND,
        "route_not_found",
    );
    let r = app
        .call(Method::DELETE, "/api/v1/public/config", None, None)
        .await;
    assert_problem(&r, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert!(r.body["request_id"].is_string(), "{}", r.text);
}

#[tokio::test]
async fn bad_query_parameters_are_named() {
    let app = TestApp::new(backends()[0]).await;
    let token = app.staff_token("root", Role::SuperAdmin).await;
    let r = app.get("/api/v1/admin/staff?limit=abc", Some(&token)).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "limit");
    let r = app
        .get("/api/v1/admin/staff?limit=100000", Some(&token))
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "limit");
    // A good page size is a number in the query string, and it is honoured.
    app.staff_token("second", Role::Finance).await;
    let r = app.get("/api/v1/admin/staff?limit=1", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    assert!(r.body["next_cursor"].is_string(), "{}", r.text);
    let r = app
        .get("/api/v1/admin/staff?cursor=zzz", Some(&token))
        .await;
    assert_eq!(r.body["errors"][0]["field"], "cursor");
    let r = app
        .get("/api/v1/admin/audit-log?since=yesterday", Some(&token))
        .await;
    assert_eq!(r.body["errors"][0]["field"], "since");
    let r = app
        .get("/api/v1/admin/customers?phone=abc", Some(&token))
        .await;
    assert_eq!(r.body["errors"][0]["field"], "phone");
    let r = app.get("/api/v1/admin/staff?sort=name", Some(&token)).await;
    assert_eq!(r.body["errors"][0]["field"], "sort");
    let r = app.get("/api/v1/admin/me", Some("not-a-token")).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "token_invalid");
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-z0-9_ ]{0,12}".prop_map(Value::String),
        Just(json!("13800138000")),
        Just(json!("customer")),
        Just(json!("super_admin")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("phone".to_string()),
                    Just("audience".to_string()),
                    Just("code".to_string()),
                    Just("login".to_string()),
                    Just("password".to_string()),
                    Just("refresh_token".to_string()),
                    Just("username".to_string()),
                    Just("name".to_string()),
                    Just("role".to_string()),
                    Just("active".to_string()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn random_json_never_makes_a_json_endpoint_fail_with_a_server_error() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, token) = rt.block_on(async {
        let app = TestApp::new(backends()[0]).await;
        let token = app.staff_token("root", Role::SuperAdmin).await;
        (app, token)
    });
    let doc: Value = serde_json::from_str(&daojia_server::api::openapi_json()).unwrap();
    let mut targets = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("requestBody").is_some() {
                targets.push((
                    method.to_uppercase().parse::<Method>().unwrap(),
                    path.replace("{id}", &uuid::Uuid::now_v7().to_string()),
                ));
            }
        }
    }
    assert!(targets.len() >= 6, "{targets:?}");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 192,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(0..targets.len(), json_value(), any::<bool>()),
            |(i, body, auth)| {
                let (method, path) = &targets[i];
                let r = rt.block_on(app.call(
                    method.clone(),
                    path,
                    Some(body.clone()),
                    auth.then_some(token.as_str()),
                ));
                prop_assert!(
                    r.status.is_client_error() || r.status.is_success(),
                    "{method} {path} {body}: {} {}",
                    r.status,
                    r.text
                );
                if r.status.is_client_error() {
                    prop_assert!(
                        r.content_type().starts_with("application/problem+json"),
                        "{method} {path}: {}",
                        r.text
                    );
                }
                Ok(())
            },
        )
        .unwrap();
}
