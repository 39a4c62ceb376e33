//! Every admin endpoint (walked from the OpenAPI document, so a new endpoint is covered the
//! day it is added) × every role: allowed exactly when the role holds the permissions of
//! one of the bearer requirements the endpoint declares (alternatives, as OpenAPI reads
//! several requirement objects); anonymous callers always get 401.

use crate::common;

use axum::http::{Method, StatusCode};
use common::{TestApp, backends};
use daojia_domain::access::{Permission, Role};
use serde_json::{Value, json};

#[tokio::test]
async fn every_admin_endpoint_allows_exactly_the_roles_with_its_permission() {
    let doc: Value = serde_json::from_str(&daojia_server::api::openapi_json()).unwrap();
    let mut endpoints = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let scopes: Vec<Vec<String>> = op["security"]
                .as_array()
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.iter()
                        .map(|r| {
                            r["bearer"]
                                .as_array()
                                .expect("a bearer requirement")
                                .iter()
                                .map(|v| v.as_str().unwrap().to_string())
                                .collect()
                        })
                        .collect()
                })
                .expect("every admin operation declares the bearer security requirement");
            endpoints.push((method.to_uppercase(), path.clone(), scopes));
        }
    }
    assert!(
        endpoints.len() >= 12,
        "found only {} admin endpoints",
        endpoints.len()
    );

    for b in backends() {
        let app = TestApp::new(b).await;
        let mut tokens = vec![];
        for role in Role::ALL {
            tokens.push((*role, app.staff_token(role.as_str(), *role).await));
        }
        let mut matrix = String::new();
        for (method, path, scopes) in &endpoints {
            let url = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
            let method: Method = method.parse().unwrap();
            let body =
                matches!(method, Method::POST | Method::PATCH | Method::PUT).then(|| json!({}));
            let anon = app.call(method.clone(), &url, body.clone(), None).await;
            assert_eq!(
                anon.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token: {}",
                anon.text
            );
            matrix.push_str(&format!("{method:6} {path:32}"));
            for (role, token) in &tokens {
                let allowed = scopes.iter().any(|requirement| {
                    requirement.iter().all(|s| {
                        let p: Permission = s.parse().expect("scope names a permission");
                        role.allows(p)
                    })
                });
                let r = app
                    .call_keyed(method.clone(), &url, body.clone(), token)
                    .await;
                if allowed {
                    assert!(
                        r.status != StatusCode::FORBIDDEN
                            && r.status != StatusCode::UNAUTHORIZED
                            && !r.status.is_server_error(),
                        "{role} should pass authorisation on {method} {path}: {} {}",
                        r.status,
                        r.text
                    );
                } else {
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{role} must be refused {method} {path}: {}",
                        r.text
                    );
                    assert_eq!(r.body["code"], "permission_denied");
                }
                matrix.push_str(if allowed { " allow" } else { "  deny" });
            }
            matrix.push('\n');
        }
        if b == backends()[0] {
            println!(
                "roles: {:?}\n{matrix}",
                Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()
            );
        }
    }
}
