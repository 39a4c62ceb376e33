//! Operator endpoints, the OpenAPI document, idempotency and the audit log.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    let handle = HANDLE
        .get_or_init(|| daojia_server::ops::install_metrics_recorder().expect("the first recorder"))
        .clone();
    for b in backends() {
        let db = daojia_store::testing::TestDb::new(b).await;
        let state = daojia_server::build(
            common::test_config(),
            db.store.clone(),
            daojia_server::BuildOptions {
                metrics: Some(handle.clone()),
                clock: Arc::new(chrono::Utc::now),
                ..Default::default()
            },
        )
        .unwrap();
        let app = daojia_server::app(state);
        let get = |p: &str| {
            let req = Request::builder().uri(p).body(Body::empty()).unwrap();
            let app = app.clone();
            async move {
                use tower::ServiceExt;
                let r = app.oneshot(req).await.unwrap();
                let status = r.status();
                let rid = r.headers().get("x-request-id").cloned();
                let body = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
                (status, rid, String::from_utf8_lossy(&body).into_owned())
            }
        };
        let (s, rid, _) = get("/healthz").await;
        assert_eq!(s, StatusCode::OK);
        assert!(rid.is_some(), "every response carries a request id");
        let (s, _, body) = get("/readyz").await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["migrations"], "current");
        let _ = get("/api/v1/public/config").await;
        // A job due five minutes ago and an event a consumer has not had yet.
        let now = chrono::Utc::now();
        let store_db = db.store.db();
        daojia_store::repo::jobs::enqueue(
            store_db,
            daojia_store::repo::jobs::NewJob {
                kind: "test.metrics".into(),
                payload: json!({}),
                run_at: now - chrono::Duration::minutes(5),
                dedupe_key: None,
                max_attempts: 1,
            },
            now,
        )
        .await
        .unwrap();
        daojia_store::repo::outbox::register(store_db, "test.metrics", now)
            .await
            .unwrap();
        daojia_store::repo::outbox::append(
            store_db,
            "test.metrics",
            uuid::Uuid::now_v7(),
            &json!({}),
            now - chrono::Duration::seconds(90),
        )
        .await
        .unwrap();
        let (s, _, text) = get("/metrics").await;
        let value = |prefix: &str| -> f64 {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no `{prefix}` in {text}"))
                .trim()
                .parse()
                .unwrap()
        };
        assert_eq!(
            value("job_queue_depth{kind=\"test.metrics\"}"),
            1.0,
            "{b:?}"
        );
        assert!(value("job_queue_oldest_seconds{kind=\"test.metrics\"}") >= 299.0);
        assert_eq!(
            value("outbox_lag_events{consumer=\"test.metrics\"}"),
            1.0,
            "{b:?}"
        );
        assert!(value("outbox_lag_seconds{consumer=\"test.metrics\"}") >= 89.0);
        assert!(
            text.contains("http_request_duration_seconds_bucket{"),
            "latency is a histogram, so nodes add up: {text}"
        );
        assert_eq!(s, StatusCode::OK);
        assert!(text.contains("http_requests_total"), "{text}");
        assert!(
            text.contains("route=\"/api/v1/public/config\""),
            "requests are counted by route: {text}"
        );
        assert!(text.contains("http_request_duration_seconds"), "{text}");
        assert!(text.contains("db_pool_connections"), "{text}");
    }
}

#[tokio::test]
async fn a_request_id_from_the_client_is_kept_and_a_bad_one_replaced() {
    let app = TestApp::new(backends()[0]).await;
    let req = Request::builder()
        .uri("/api/v1/nope")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.headers["x-request-id"], "abc-123");
    assert_eq!(r.body["request_id"], "abc-123");
    let req = Request::builder()
        .uri("/healthz")
        .header("x-request-id", "bad id with spaces")
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_ne!(r.headers["x-request-id"], "bad id with spaces");
}

#[test]
fn the_openapi_document_is_3_1_and_every_reference_resolves() {
    let text = daojia_server::api::openapi_json();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let mut refs = vec![];
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&doc, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling reference {r}"
        );
    }
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (m, op) in ops.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{m} {path} has no responses"
            );
        }
    }
}

#[test]
fn the_web_client_is_generated_from_the_current_openapi_document() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../web/shared/openapi.json"
    ))
    .expect("web/shared/openapi.json exists");
    let current = daojia_server::api::openapi_json();
    let a: Value = serde_json::from_str(&committed).unwrap();
    let b: Value = serde_json::from_str(&current).unwrap();
    assert!(
        a == b,
        "web/shared/openapi.json is stale: run `scripts/gen-api.sh` (cargo run -p daojia -- openapi > web/shared/openapi.json, then npm --prefix web run gen:api)"
    );
}

#[tokio::test]
async fn creating_staff_with_an_idempotency_key_twice_creates_one_and_replays_the_answer() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let token = app.staff_token("root", Role::SuperAdmin).await;
        let body = json!({"username": "li.dispatch", "name": "李调度", "role": "dispatcher", "password": "s3cret-pass", "phone": "13700001111"});
        let post = |body: Value, key: &'static str| {
            let req = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/admin/staff")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .header("idempotency-key", key)
                .body(Body::from(body.to_string()))
                .unwrap();
            app.send(req)
        };
        let first = post(body.clone(), "k-1").await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        assert_eq!(first.body["phone"], "137****1111");
        let second = post(body.clone(), "k-1").await;
        assert_eq!(second.status, StatusCode::CREATED);
        assert_eq!(second.body["id"], first.body["id"]);
        assert_eq!(second.headers["idempotent-replayed"], "true");
        let mut other = body.clone();
        other["name"] = json!("别人");
        assert_problem(
            &post(other, "k-1").await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        );
        // Without the key, the same body is a new request: the username is taken now.
        let r = app.post("/api/v1/admin/staff", body, Some(&token)).await;
        assert_problem(&r, StatusCode::CONFLICT, "username_taken");
        assert_eq!(r.body["errors"][0]["field"], "username");
        let list = app.get("/api/v1/admin/staff", Some(&token)).await;
        assert_eq!(
            list.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["username"] == "li.dispatch")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn admin_writes_are_audited_with_before_and_after_and_can_be_filtered() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let token = app.staff_token("root", Role::SuperAdmin).await;
        let created = app
            .post("/api/v1/admin/staff", json!({"username": "zhao", "name": "赵客服", "role": "customer_service", "password": "s3cret-pass", "phone": "13700002222"}), Some(&token))
            .await;
        let id = created.body["id"].as_str().unwrap();
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/staff/{id}"),
                Some(json!({"role": "finance"})),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["role"], "finance");
        let log = app
            .get(
                &format!("/api/v1/admin/audit-log?target_id={id}"),
                Some(&token),
            )
            .await;
        let items = log.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{}", log.text);
        let update = &items[0];
        assert_eq!(update["action"], "staff.update");
        assert_eq!(update["actor_name"], "root name");
        assert_eq!(update["before"]["role"], "customer_service");
        assert_eq!(update["after"]["role"], "finance");
        assert_eq!(
            update["after"]["phone"], "137****2222",
            "secrets are masked in the audit log"
        );
        assert!(update["request_id"].is_string());
        assert!(!log.text.contains("13700002222"));
        assert!(!log.text.contains("s3cret"));
        let only_creates = app
            .get("/api/v1/admin/audit-log?action=staff.create", Some(&token))
            .await;
        assert!(
            only_creates.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["action"] == "staff.create")
        );
        // An administrator cannot demote themselves (someone must keep the keys).
        let me = app.get("/api/v1/admin/me", Some(&token)).await;
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/staff/{}", me.body["id"].as_str().unwrap()),
                Some(json!({"role": "marketing"})),
                Some(&token),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "cannot_change_self");
    }
}

/// Sends every operation of the OpenAPI document the requests any client can get wrong (no
/// token, a token of another audience or role, an id that does not parse, a body that is not
/// JSON, of another media type or of the wrong shape, no `Idempotency-Key`) and checks that
/// each answer is one the operation documents: its status is listed, and an error is a
/// problem document, documented as `application/problem+json`.
#[tokio::test]
async fn every_operation_documents_the_errors_it_answers_as_problem_documents() {
    let doc: Value = serde_json::from_str(&daojia_server::api::openapi_json()).unwrap();
    for b in backends() {
        let app = TestApp::new(b).await;
        let customer = app.otp_login("13800138000", "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        app.enrol_worker("13900139000").await;
        let worker = app.otp_login("13900139000", "worker").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let marketing = app.staff_token("mkt", Role::Marketing).await;
        let mut wrong = vec![];
        let mut checked = 0;
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let m: Method = method.to_uppercase().parse().unwrap();
                let url = path
                    .split('/')
                    .map(|s| if s.starts_with('{') { "not-an-id" } else { s })
                    .collect::<Vec<_>>()
                    .join("/");
                let own = if path.starts_with("/api/v1/customer/") {
                    Some(customer.as_str())
                } else if path.starts_with("/api/v1/worker/") {
                    Some(worker.as_str())
                } else if path.starts_with("/api/v1/admin/") {
                    Some(admin.as_str())
                } else {
                    None
                };
                let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
                let has_body = op.get("requestBody").is_some();
                // (token, content type, body)
                let mut probes: Vec<(Option<&str>, Option<&str>, &str)> = vec![(None, None, "")];
                if secured && own.is_some() {
                    let other = if path.starts_with("/api/v1/customer/") {
                        worker.as_str()
                    } else {
                        customer.as_str()
                    };
                    probes.push((Some(other), None, ""));
                    probes.push((own, None, ""));
                    if path.starts_with("/api/v1/admin/") {
                        probes.push((Some(marketing.as_str()), None, ""));
                    }
                }
                if has_body {
                    for (ct, body) in [
                        (Some("application/json"), "{"),
                        (Some("application/json"), "[]"),
                        (Some("text/plain"), "hello"),
                        (None, "{}"),
                    ] {
                        probes.push((own, ct, body));
                    }
                }
                for (token, ct, body) in probes {
                    let mut req = Request::builder().method(m.clone()).uri(&url);
                    if let Some(t) = token {
                        req = req.header("authorization", format!("Bearer {t}"));
                    }
                    if let Some(ct) = ct {
                        req = req.header("content-type", ct);
                    }
                    let r = app
                        .send(req.body(Body::from(body.to_string())).unwrap())
                        .await;
                    checked += 1;
                    let status = r.status.as_u16().to_string();
                    let documented = &op["responses"][&status];
                    let what = format!(
                        "{method} {url} ({token:?}, {ct:?}, {body:?}) -> {status} {}",
                        r.text
                    );
                    if documented.is_null() || r.status.is_server_error() {
                        wrong.push(format!("undocumented: {what}"));
                    } else if r.status.as_u16() >= 400
                        && (!r.content_type().starts_with("application/problem+json")
                            || documented["content"]["application/problem+json"].is_null())
                    {
                        wrong.push(format!("not a documented problem: {what}"));
                    }
                }
            }
        }
        assert!(checked > 200, "only {checked} requests");
        assert!(
            wrong.is_empty(),
            "{} answers do not match the document:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
    }
}
