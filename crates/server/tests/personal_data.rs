//! Personal information: unreadable in the database file without the key, still found by
//! phone through the blind index, and never printed unmasked in the logs.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use daojia_domain::access::Role;
use daojia_domain::phone::Phone;
use daojia_store::repo::accounts;
use daojia_store::testing::Backend;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

const PHONE: &str = "13812345678";
const ADDRESS: &str = "上海市徐汇区漕溪北路 595 号";
const HOUSE: &str = "3号楼 1202室";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn phones_and_addresses_are_encrypted_found_by_phone_and_masked_in_logs() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::new(Backend::Sqlite).await;
    // The customer logs in (the SMS provider logs the message) and saves an address.
    let pair = app.otp_login(PHONE, "customer").await;
    let me = app
        .get("/api/v1/customer/me", pair["access_token"].as_str())
        .await;
    let customer_id: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let store = &app.state.store;
    let address = accounts::NewAddress {
        label: "家".into(),
        contact_name: "王小明".into(),
        contact_phone: Phone::parse(PHONE).unwrap(),
        address: ADDRESS.into(),
        house_number: HOUSE.into(),
        lat: 31.19,
        lng: 121.44,
        area_code: Some("sh-xuhui".into()),
        is_default: true,
    };
    accounts::add_address(store, store.db(), customer_id, address, chrono::Utc::now())
        .await
        .unwrap();
    // Staff look the customer up by phone: the query string carries the number.
    let staff = app.staff_token("service", Role::CustomerService).await;
    let found = app
        .get(
            &format!("/api/v1/admin/customers?phone={PHONE}"),
            Some(&staff),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(found.body["items"][0]["id"], me.body["id"]);
    assert_eq!(found.body["items"][0]["phone"], "138****5678");
    assert_eq!(found.body["items"][0]["address_count"], 1);
    let outbox = app.get("/api/v1/admin/sms-outbox", Some(&staff)).await;
    assert_eq!(outbox.body["items"][0]["phone"], "138****5678");
    // A failing request with the phone in the body is logged without it.
    let _ = app
        .post(
            "/api/v1/public/auth/otp/verify",
            json!({"phone": PHONE, "code": "12", "audience": "customer"}),
            None,
        )
        .await;

    // The database file: flush the WAL into it, then read the raw bytes.
    let db = store.db();
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "PRAGMA wal_checkpoint(TRUNCATE)",
    ))
    .await
    .unwrap();
    let path = app.db.url.trim_start_matches("sqlite://").to_string();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        !contains(PHONE),
        "the phone number is readable in the database file"
    );
    assert!(
        !contains(ADDRESS) && !contains("漕溪北路") && !contains(HOUSE),
        "the address is readable in the database file"
    );
    assert!(
        !contains("王小明"),
        "the contact name is readable in the database file"
    );

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("138****5678"),
        "the SMS log line shows the masked phone:\n{text}"
    );
    assert!(
        text.contains("request_id"),
        "log lines carry the request id"
    );
    assert!(
        !text.contains(PHONE),
        "a log line shows a phone number unmasked:\n{text}"
    );
    assert!(!text.contains("漕溪北路"), "a log line shows an address");
}
