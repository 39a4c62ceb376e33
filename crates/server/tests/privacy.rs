//! Personal-information rights: consent to the policy and terms in force, the export of
//! everything held about an account, and its erasure, after which the database holds
//! nothing readable of the person while the books still add up; the retention periods.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveDate, NaiveTime, Utc};
use common::{Reply, TestApp, assert_problem, backends};
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

#[tokio::test]
async fn a_customer_exports_then_erases_their_account_and_nothing_readable_of_them_remains() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let loaded = daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        let phone = loaded.sample_customer_phone.clone();
        let token = app.otp_login(&phone, "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let me = app.get("/api/v1/customer/me", Some(&token)).await;
        let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let nickname = me.body["nickname"].as_str().unwrap().to_string();
        let store = &app.state.store;
        let address = accounts::add_address(
            store,
            store.db(),
            cid,
            accounts::NewAddress {
                label: "家".into(),
                contact_name: CONTACT.into(),
                contact_phone: Phone::parse(CONTACT_PHONE).unwrap(),
                address: ADDRESS.into(),
                house_number: HOUSE.into(),
                lat: 31.19,
                lng: 121.44,
                area_code: Some("sh-xuhui".into()),
                is_default: true,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
        let photo = upload_photo(&app, &token).await;
        assert_eq!(photo.status, StatusCode::CREATED, "{b:?}: {}", photo.text);
        let photo: uuid::Uuid = photo.body["id"].as_str().unwrap().parse().unwrap();

        // One order completed and paid, one paid and still open.
        let finance = app.staff_token("fin", Role::Finance).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let service = app.staff_token("cs", Role::CustomerService).await;
        let first = place(
            &app,
            &token,
            "k1",
            &json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                    "window_start": tomorrow_at(&app, 14), "notes": NOTES, "photo_ids": [photo]}),
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{b:?}: {}", first.text);
        let first_id = first.body["id"].as_str().unwrap().to_string();
        let total = first.body["total_fen"].as_i64().unwrap();
        let url = |id: &str, tail: &str| format!("/api/v1/admin/orders/{id}{tail}");
        let r = app
            .post(
                &url(&first_id, "/payments"),
                json!({"amount_fen": total, "method": "cash", "reference": "P-1"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let workers = app.get("/api/v1/admin/workers", Some(&dispatcher)).await;
        let worker = workers.body["items"][0]["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &url(&first_id, "/assign"),
                json!({"worker_id": worker, "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.body["state"], "accepted", "{b:?}: {}", r.text);
        for step in ["check_in", "finish", "complete"] {
            let r = app
                .post(
                    &url(&first_id, "/visit"),
                    json!({"step": step}),
                    Some(&service),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {step}: {}", r.text);
        }
        let second = place(
            &app,
            &token,
            "k2",
            &json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                    "window_start": day_at(&app, 2, 14)}),
        )
        .await;
        assert_eq!(second.status, StatusCode::CREATED, "{b:?}: {}", second.text);
        let second_id = second.body["id"].as_str().unwrap().to_string();
        let second_no = second.body["order_no"].as_str().unwrap().to_string();
        let r = app
            .post(
                &url(&second_id, "/payments"),
                json!({"amount_fen": second.body["total_fen"], "method": "cash", "reference": "P-2"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);

        // Deleting is refused while an order is open, naming it; nothing changes.
        let r = delete(&app, "/api/v1/customer/me", &token).await;
        assert_problem(&r, StatusCode::CONFLICT, "account_has_open_orders");
        assert!(r.text.contains(&second_no), "{b:?}: {}", r.text);
        assert_eq!(
            app.get("/api/v1/customer/me", Some(&token)).await.status,
            StatusCode::OK
        );
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{second_id}/cancel"),
                json!({"reason": REASON}),
                Some(&token),
            )
            .await;
        assert_eq!(r.body["state"], "cancelled", "{b:?}: {}", r.text);

        // The export holds their phone, addresses, orders with lines, events, payments
        // and photos, consents and sessions.
        let r = app
            .post(
                "/api/v1/customer/consent",
                json!({"privacy_version": app.state.config.privacy.policy_version,
                       "terms_version": app.state.config.privacy.terms_version}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let export = app.get("/api/v1/customer/me/export", Some(&token)).await;
        assert_eq!(export.status, StatusCode::OK, "{b:?}: {}", export.text);
        assert!(
            export.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"daojia-customer-export-")
        );
        let x = &export.body;
        assert_eq!(x["profile"]["phone"], phone.as_str());
        let ours = x["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == address.to_string())
            .unwrap();
        assert_eq!(
            (
                &ours["address"],
                &ours["house_number"],
                &ours["contact_name"]
            ),
            (&json!(ADDRESS), &json!(HOUSE), &json!(CONTACT))
        );
        let orders = x["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2, "{b:?}");
        let o = orders
            .iter()
            .find(|o| o["id"] == first_id.as_str())
            .unwrap();
        assert_eq!(o["notes"], NOTES);
        assert_eq!(o["contact_phone"], CONTACT_PHONE);
        assert_eq!(o["lines"][0]["item_code"], "daily_cleaning");
        assert_eq!(o["payments"][0]["amount_fen"], total);
        assert_eq!(o["photos"][0]["upload_id"], photo.to_string());
        assert!(o["events"].as_array().unwrap().len() >= 4);
        assert_eq!(x["consents"].as_array().unwrap().len(), 2);
        assert!(!x["sessions"].as_array().unwrap().is_empty());
        assert!(
            x["messages"][0]["template"].is_string() && x["messages"][0].get("content").is_none()
        );
        // Everything readable about them before: the demo's addresses too.
        let mut personal: Vec<String> = vec![
            phone.clone(),
            CONTACT.into(),
            CONTACT_PHONE.into(),
            ADDRESS.into(),
            HOUSE.into(),
            NOTES.into(),
            REASON.into(),
        ];
        for a in x["addresses"].as_array().unwrap() {
            for k in ["address", "house_number"] {
                personal.push(a[k].as_str().unwrap().to_string());
            }
        }
        let before = every_text_value(&app).await;
        for p in [&phone, &ADDRESS.to_string(), &NOTES.to_string()] {
            assert!(
                before.iter().any(|(_, v)| v.contains(p.as_str())),
                "{b:?}: the search finds {p} before the erasure"
            );
        }
        let books_before = books(&app).await;
        assert!(app.state.files.get(photo).await.unwrap().is_some());

        let r = delete(&app, "/api/v1/customer/me", &token).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);

        // The old token is dead; the books are the same, day by day.
        let r = app.get("/api/v1/customer/me", Some(&token)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b:?}");
        assert_eq!(books(&app).await, books_before, "{b:?}: the books changed");
        assert!(
            app.state.files.get(photo).await.unwrap().is_none(),
            "{b:?}: the photo file is left"
        );
        // Nothing readable of them remains, decrypted or not, in any text column. (A
        // demo address may be shared by another demo customer: those are checked only
        // where they were this customer's, by the address rows being gone.)
        let after = every_text_value(&app).await;
        // (The demo's nicknames, 高女士 and the like, are shared: their own row is checked.)
        let unique = &personal[..7];
        for (col, v) in &after {
            for p in unique {
                assert!(
                    !v.contains(p.as_str()),
                    "{b:?}: {col} still holds `{p}` after the erasure"
                );
            }
        }
        assert!(
            accounts::addresses(store.db(), cid)
                .await
                .unwrap()
                .is_empty(),
            "{b:?}"
        );
        let row = accounts::customer(store.db(), cid).await.unwrap().unwrap();
        let now_named = accounts::customer_nickname(store, &row).unwrap();
        assert_ne!(now_named, nickname, "{b:?}");
        assert!(!now_named.contains(&phone[7..]), "{b:?}");
        // The audit log has the request, and none of the data.
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let log = app.get("/api/v1/admin/audit-log", Some(&admin)).await;
        let entry = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "customer.erase")
            .unwrap_or_else(|| panic!("{b:?}: no erase entry in {}", log.text));
        assert_eq!(entry["target_id"], cid.to_string());
        assert!(!log.text.contains(&phone) && !log.text.contains(ADDRESS));

        // The phone registers again as a new, empty account that must consent anew.
        let again = app.otp_login(&phone, "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let me2 = app.get("/api/v1/customer/me", Some(&again)).await;
        assert_ne!(me2.body["id"], cid.to_string(), "{b:?}");
        let mine = app.get("/api/v1/customer/orders", Some(&again)).await;
        assert_eq!(
            mine.body.as_array().unwrap().len(),
            0,
            "{b:?}: {}",
            mine.text
        );
        let c = app.get("/api/v1/customer/consent", Some(&again)).await;
        assert_eq!(c.body["required"], true, "{b:?}");
        assert!(
            daojia_store::repo::privacy::is_erased(store.db(), Audience::Customer, cid)
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn consent_is_recorded_per_version_and_a_new_version_asks_again() {
    let app = TestApp::new(daojia_store::testing::Backend::Sqlite).await;
    let token = app.otp_login("13800001111", "customer").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get("/api/v1/customer/consent", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["required"], true);
    assert_eq!(r.body["documents"].as_array().unwrap().len(), 2);
    // An outdated version is refused on the field.
    let r = app
        .post(
            "/api/v1/customer/consent",
            json!({"privacy_version": "1999-01-01", "terms_version": app.state.config.privacy.terms_version}),
            Some(&token),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "privacy_version");
    assert_eq!(r.body["errors"][0]["code"], "consent_version_outdated");
    let cfg = &app.state.config.privacy;
    let r = app
        .post(
            "/api/v1/customer/consent",
            json!({"privacy_version": cfg.policy_version, "terms_version": cfg.terms_version}),
            Some(&token),
        )
        .await;
    assert_eq!(r.body["required"], false, "{}", r.text);
    assert_eq!(
        r.body["documents"][0]["accepted_version"],
        cfg.policy_version.as_str()
    );
    let me = app.get("/api/v1/customer/me", Some(&token)).await;
    let id: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let rows = daojia_store::repo::privacy::consents(app.state.store.db(), Audience::Customer, id)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].ip.as_deref(),
        Some("10.0.0.7"),
        "where from is recorded"
    );

    // The operator publishes a new policy: the same account must accept again.
    let mut cfg = app.state.config.clone();
    cfg.privacy.policy_version = "2027-03-01".into();
    let newer = daojia_server::build(cfg, app.state.store.clone(), Default::default()).unwrap();
    let status = daojia_server::privacy::status(&newer, Audience::Customer, id)
        .await
        .unwrap();
    let policy = status.iter().find(|d| d.document == "privacy").unwrap();
    assert!(policy.required());
    assert_eq!(policy.accepted_version.as_deref(), Some(cfg_version(&app)));
    assert!(
        !status
            .iter()
            .find(|d| d.document == "terms")
            .unwrap()
            .required()
    );

    // The texts are served in both languages with their version.
    for lang in ["zh-CN", "en"] {
        let r = app
            .get(&format!("/api/v1/public/legal/privacy?lang={lang}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["version"], cfg_version(&app));
        assert!(r.body["body"].as_str().unwrap().len() > 200);
    }
    let r = app.get("/api/v1/public/legal/privacy?lang=fr", None).await;
    assert_eq!(r.body["errors"][0]["field"], "lang");
    let r = app.get("/api/v1/public/legal/cookies", None).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
}

fn cfg_version(app: &TestApp) -> &str {
    &app.state.config.privacy.policy_version
}

#[tokio::test]
async fn a_worker_exports_and_erases_their_account_unless_an_order_is_theirs() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let phone = "13700002222";
        let wid = app.enrol_worker(phone).await;
        let token = app.otp_login(phone, "worker").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app.get("/api/v1/worker/consent", Some(&token)).await;
        assert_eq!(r.body["required"], true, "{b:?}: {}", r.text);
        let x = app.get("/api/v1/worker/me/export", Some(&token)).await;
        assert_eq!(x.status, StatusCode::OK, "{b:?}: {}", x.text);
        assert_eq!(x.body["profile"]["phone"], phone);
        assert_eq!(x.body["profile"]["name"], "测试师傅");

        // An open order assigned to them stops the erasure.
        let db = app.state.store.db();
        let open = open_order_for(&app, wid).await;
        let r = delete(&app, "/api/v1/worker/me", &token).await;
        assert_problem(&r, StatusCode::CONFLICT, "account_has_open_orders");
        cancel(&app, open).await;

        let r = delete(&app, "/api/v1/worker/me", &token).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);
        assert_eq!(
            app.get("/api/v1/worker/me", Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
        let w = accounts::worker(db, wid).await.unwrap().unwrap();
        assert!(!w.active);
        assert_eq!(
            app.state
                .store
                .vault()
                .decrypt(accounts::WORKER_PHONE, &w.phone_enc)
                .unwrap(),
            ""
        );
        let values = every_text_value(&app).await;
        for (col, v) in &values {
            assert!(
                !v.contains(phone) && !v.contains("测试师傅"),
                "{b:?}: {col} holds {v}"
            );
        }
        // The phone no longer logs in as a worker.
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": phone, "audience": "worker"}),
                None,
            )
            .await;
        let code = sent.body["dev_code"].as_str().unwrap();
        let r = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": phone, "code": code, "audience": "worker"}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "worker_not_found");
    }
}

/// A customer's order assigned to the worker, accepted.
async fn open_order_for(app: &TestApp, worker: uuid::Uuid) -> uuid::Uuid {
    let db = app.state.store.db();
    let token = app.otp_login("13600003333", "customer").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = app.get("/api/v1/customer/me", Some(&token)).await;
    let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let id = uuid::Uuid::now_v7();
    let v = app.state.store.vault();
    let now = app.state.now();
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    service_order::ActiveModel {
        id: Set(id),
        order_no: Set(format!("T{}", &id.simple().to_string()[..12])),
        customer_id: Set(cid),
        state: Set("accepted".into()),
        worker_id: Set(Some(worker)),
        area_code: Set(Some("sh-xuhui".into())),
        address_id: Set(None),
        contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, "x")),
        contact_phone_enc: Set(v.encrypt(ctx::CONTACT_PHONE, "13600003333")),
        address_enc: Set(v.encrypt(ctx::ADDRESS, "x")),
        house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, "x")),
        lat: Set(31.2),
        lng: Set(121.4),
        window_start: Set(now + Duration::days(1)),
        window_end: Set(now + Duration::days(1) + Duration::hours(1)),
        payment_mode: Set("full".into()),
        deposit_fen: Set(0),
        total_fen: Set(100),
        paid_fen: Set(100),
        refunded_fen: Set(0),
        fee_fen: Set(0),
        policy: Set("{}".into()),
        customer_reschedules: Set(0),
        notes_enc: Set(daojia_store::repo::orders::seal_notes(&app.state.store, "")),
        completed_at: Set(None),
        duration_min: Set(60),
        skills: Set(None),
        rework_of: Set(None),
        bundle_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    id
}

async fn cancel(app: &TestApp, id: uuid::Uuid) {
    let db = app.state.store.db();
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!(
            "UPDATE service_order SET state = 'cancelled', refunded_fen = 100 WHERE order_no = 'T{}'",
            &id.simple().to_string()[..12]
        ),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn retention_deletes_old_messages_sessions_codes_and_photos_of_cancelled_orders() {
    for b in backends() {
        let mut cfg = common::test_config();
        cfg.retention.sms_outbox_days = 10;
        cfg.retention.sessions_days = 5;
        cfg.retention.cancelled_uploads_days = 3;
        let app = TestApp::with_config(b, cfg).await;
        let loaded = daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        let token = app
            .otp_login(&loaded.sample_customer_phone, "customer")
            .await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let me = app.get("/api/v1/customer/me", Some(&token)).await;
        let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let address = accounts::addresses(app.state.store.db(), cid)
            .await
            .unwrap()[0]
            .id;
        let photo = upload_photo(&app, &token).await;
        let photo: uuid::Uuid = photo.body["id"].as_str().unwrap().parse().unwrap();
        let placed = place(
            &app,
            &token,
            "r1",
            &json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                    "window_start": tomorrow_at(&app, 10), "photo_ids": [photo]}),
        )
        .await;
        assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
        let id = placed.body["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "plans changed"}),
                Some(&token),
            )
            .await;
        assert_eq!(r.body["state"], "cancelled", "{b:?}: {}", r.text);
        let r = app
            .post("/api/v1/public/auth/logout", json!({}), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);

        let counts = |app: &TestApp| {
            let db = app.state.store.db().clone();
            async move {
                let n = |sql: &'static str| {
                    let db = db.clone();
                    async move {
                        let r = db
                            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                            .await
                            .unwrap()
                            .unwrap();
                        r.try_get_by_index::<i64>(0).unwrap()
                    }
                };
                (
                    n("SELECT COUNT(*) FROM sms_outbox").await,
                    n("SELECT COUNT(*) FROM auth_session").await,
                    n("SELECT COUNT(*) FROM order_photo").await,
                    n("SELECT COUNT(*) FROM upload").await,
                )
            }
        };
        let run = |app: &TestApp| {
            let state = app.state.clone();
            async move {
                daojia_server::jobs::schedule_periodic(&state)
                    .await
                    .unwrap();
                // The order's timers are due too: run until the queue is drained.
                while daojia_server::jobs::tick(&state, "node").await.unwrap() > 0 {}
            }
        };
        let (sms, sessions, links, uploads) = counts(&app).await;
        assert!(
            sms >= 1 && sessions >= 1 && links >= 1 && uploads >= 1,
            "{b:?}"
        );
        // Within every period nothing goes.
        app.advance(Duration::days(2));
        run(&app).await;
        assert_eq!(counts(&app).await, (sms, sessions, links, uploads), "{b:?}");
        // Past three days the cancelled order's photo goes, file and all.
        app.advance(Duration::days(2));
        run(&app).await;
        assert_eq!(
            counts(&app).await,
            (sms, sessions, links - 1, uploads - 1),
            "{b:?}"
        );
        assert!(app.state.files.get(photo).await.unwrap().is_none(), "{b:?}");
        // Five days after the log-out the session goes; ten after sending, the message.
        app.advance(Duration::days(2));
        run(&app).await;
        assert_eq!(
            counts(&app).await,
            (sms, sessions - 1, links - 1, uploads - 1),
            "{b:?}"
        );
        app.advance(Duration::days(5));
        run(&app).await;
        assert_eq!(
            counts(&app).await,
            (0, sessions - 1, links - 1, uploads - 1),
            "{b:?}"
        );
    }
}
