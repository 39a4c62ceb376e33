//! Personal-information rights: consent to the policy and terms in force, the export of
//! everything held about an account, and its erasure, after which the database holds
//! nothing readable of the person while the books still add up; the retention periods.

use crate::common;

mod consent;
mod customer;
mod retention;
mod worker;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends};
use daojia_domain::access::{Audience, Role};
use daojia_domain::phone::Phone;
use daojia_store::entity::service_order;
use daojia_store::repo::accounts::{self, address_context as ctx};
use daojia_store::repo::sms::OUTBOX_PHONE;
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, Statement};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const CONTACT: &str = "注销测试人";
const CONTACT_PHONE: &str = "13911112222";
const ADDRESS: &str = "上海市徐汇区注销测试路 88 号";
const HOUSE: &str = "注销楼 9901室";
const NOTES: &str = "门禁 7391# 请敲门";
const REASON: &str = "临时出差 注销测试";

fn tomorrow_at(app: &TestApp, hour: u32) -> String {
    day_at(app, 1, hour)
}

fn day_at(app: &TestApp, days: i64, hour: u32) -> String {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    let local = date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap());
    (local.and_utc() - Duration::hours(8)).to_rfc3339()
}

async fn place(app: &TestApp, token: &str, key: &str, body: &Value) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> Reply {
    app.call(axum::http::Method::DELETE, path, None, Some(token))
        .await
}

/// A 16×16 baseline JPEG without metadata.
fn tiny_jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    b
}

async fn upload_photo(app: &TestApp, token: &str) -> Reply {
    let boundary = "daojia-privacy-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nproblem\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&tiny_jpeg());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/uploads")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// `paid - refunded` and `paid` per local (Shanghai) day of placement, and the number of
/// orders: what the books say.
async fn books(app: &TestApp) -> (BTreeMap<NaiveDate, (i64, i64)>, usize) {
    let rows = service_order::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap();
    let mut days = BTreeMap::new();
    for o in &rows {
        let day = (o.created_at + Duration::hours(8)).date_naive();
        let e = days.entry(day).or_insert((0, 0));
        e.0 += o.paid_fen - o.refunded_fen;
        e.1 += o.paid_fen;
    }
    (days, rows.len())
}

/// Every text column of every table, with the plain text of encrypted (`*_enc`) columns:
/// `(table.column, value)`.
async fn every_text_value(app: &TestApp) -> Vec<(String, String)> {
    let db = app.state.store.db();
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        DatabaseBackend::Sqlite => "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
             AND (lower(p.type) LIKE '%text%' OR lower(p.type) LIKE '%char%')"
            .to_string(),
        DatabaseBackend::Postgres => "SELECT table_name AS t, column_name AS c FROM \
             information_schema.columns WHERE table_schema = current_schema() \
             AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
            .to_string(),
        _ => "SELECT CAST(table_name AS CHAR) AS t, CAST(column_name AS CHAR) AS c FROM \
             information_schema.columns WHERE table_schema = DATABASE() \
             AND data_type IN ('text', 'mediumtext', 'longtext', 'varchar', 'char', 'json')"
            .to_string(),
    };
    let cols = db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .unwrap();
    let contexts = [
        accounts::CUSTOMER_PHONE,
        accounts::WORKER_PHONE,
        accounts::STAFF_PHONE,
        OUTBOX_PHONE,
        ctx::CONTACT_NAME,
        ctx::CONTACT_PHONE,
        ctx::ADDRESS,
        ctx::HOUSE_NUMBER,
        accounts::WORKER_NAME,
        accounts::STAFF_NAME,
        accounts::CUSTOMER_NICKNAME,
        daojia_store::repo::orders::NOTES,
        daojia_store::repo::audit::ACTOR_NAME,
        daojia_store::repo::invoices::TITLE,
        daojia_store::repo::invoices::EMAIL,
    ];
    let quote = |s: &str| match backend {
        DatabaseBackend::MySql => format!("`{s}`"),
        _ => format!("\"{s}\""),
    };
    let mut out = vec![];
    for c in cols {
        let table: String = c.try_get("", "t").unwrap();
        let column: String = c.try_get("", "c").unwrap();
        if table.starts_with("seaql_") || table.starts_with("sqlite_") {
            continue;
        }
        let sql = format!("SELECT {} AS v FROM {}", quote(&column), quote(&table));
        for r in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
        {
            let Ok(Some(v)) = r.try_get::<Option<String>>("", "v") else {
                continue;
            };
            let v = if column.ends_with("_enc") {
                contexts
                    .iter()
                    .find_map(|k| app.state.store.vault().decrypt(k, &v).ok())
                    .unwrap_or_else(|| panic!("{table}.{column}: no known context decrypts it"))
            } else {
                v
            };
            out.push((format!("{table}.{column}"), v));
        }
    }
    out
}
