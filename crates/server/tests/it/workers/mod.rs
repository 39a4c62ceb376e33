//! Worker management over HTTP on every database: onboarding with document review and
//! activation, skills, the encrypted ID number, shifts and calendars, presence from the
//! worker app, credit and its reversal, performance, certificates deciding dispatchable
//! skills, and partner scoping of every worker endpoint.

use crate::common;

mod calendar;
mod certificates;
mod credit;
mod onboarding;
mod partners;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, NaiveDate, Utc};
use common::{Reply, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_store::entity::{audit_log, worker};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A valid resident ID number (its check character matches).
const ID_NUMBER: &str = "11010519491231002X";

/// A tiny PNG.
fn png() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gps.png"
    ))
    .unwrap()
}

async fn upload(app: &TestApp, path: &str, token: &str, purpose: &str) -> Reply {
    let boundary = "daojia-worker-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(&png());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn new_worker(phone: &str) -> Value {
    json!({
        "phone": phone, "name": "周师傅", "gender": "male", "id_number": ID_NUMBER,
        "home_lat": 31.2, "home_lng": 121.44, "years_experience": 4,
        "skills": [{"skill": "cleaning", "level": 4}, {"skill": "appliance_repair", "level": 2}],
        "tools": ["吸尘器", "梯子"], "daily_job_limit": 6
    })
}

async fn onboard(app: &TestApp, token: &str, phone: &str) -> Value {
    let r = app
        .post("/api/v1/admin/workers", new_worker(phone), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(Method::PUT, path, Some(body), Some(token)).await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}
