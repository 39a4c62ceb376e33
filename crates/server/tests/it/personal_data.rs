//! Personal information: unreadable in the database file without the key, still found by
//! phone through the blind index, and never printed unmasked in the logs.

use crate::common;

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

/// What one staff role is expected to see of an order's contact details.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Sees {
    Everything,
    Address,
    Masked,
    /// Reads orders, but not this one: a partner's staff see only their workers' orders
    /// (`partner_scoping.rs` checks what they see of those).
    NotTheirs,
    Nothing,
}

fn expected(role: Role, open: bool) -> Sees {
    match role {
        Role::SuperAdmin | Role::CustomerService => Sees::Everything,
        Role::Dispatcher if open => Sees::Address,
        Role::Dispatcher | Role::Finance => Sees::Masked,
        Role::Partner => Sees::NotTheirs,
        Role::Marketing => Sees::Nothing,
    }
}

#[tokio::test]
async fn each_staff_role_sees_contact_details_exactly_as_its_permissions_allow() {
    use chrono::{Duration, NaiveTime};
    use daojia_domain::privacy::{mask_address, mask_name};
    use daojia_store::repo::accounts::address_context as ctx;
    for b in common::backends() {
        let app = TestApp::new(b).await;
        let store = &app.state.store;
        let loaded = daojia_server::demo::load(store, 8).await.unwrap();
        let phone = loaded.sample_customer_phone.clone();
        let login = app.otp_login(&phone, "customer").await;
        let token = login["access_token"].as_str().unwrap().to_string();
        let me = app.get("/api/v1/customer/me", Some(&token)).await;
        let nickname = me.body["nickname"].as_str().unwrap().to_string();
        let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let address = accounts::addresses(store.db(), cid).await.unwrap()[0].clone();
        let v = store.vault();
        let name = v
            .decrypt(ctx::CONTACT_NAME, &address.contact_name_enc)
            .unwrap();
        let street = v.decrypt(ctx::ADDRESS, &address.address_enc).unwrap();
        let house = v
            .decrypt(ctx::HOUSE_NUMBER, &address.house_number_enc)
            .unwrap();
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = date
            .and_time(NaiveTime::from_hms_opt(14, 0, 0).unwrap())
            .and_utc()
            - Duration::hours(8);
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address.id,
            "window_start": start.to_rfc3339(), "notes": "门禁 1201#"});
        let req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/customer/orders")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", uuid::Uuid::now_v7().to_string())
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        let placed = app.send(req).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        assert_eq!(
            placed.body["notes"], "门禁 1201#",
            "the customer sees their notes"
        );
        let id = placed.body["id"].as_str().unwrap().to_string();

        let mut tokens = vec![];
        for role in Role::ALL {
            let username = format!("t-{}", role.as_str().replace('_', "-"));
            tokens.push((*role, app.staff_token(&username, *role).await));
        }
        for open in [true, false] {
            if !open {
                let cancelled = app
                    .post(
                        &format!("/api/v1/admin/orders/{id}/cancel"),
                        json!({"reason": "客户来电取消"}),
                        Some(&tokens[0].1),
                    )
                    .await;
                assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
            }
            for (role, t) in &tokens {
                let detail = app
                    .get(&format!("/api/v1/admin/orders/{id}"), Some(t))
                    .await;
                let list = app.get("/api/v1/admin/orders?limit=200", Some(t)).await;
                let sees = expected(*role, open);
                if sees == Sees::Nothing {
                    assert_eq!(detail.status, StatusCode::FORBIDDEN, "{role}");
                    assert_eq!(list.status, StatusCode::FORBIDDEN, "{role}");
                    continue;
                }
                if sees == Sees::NotTheirs {
                    assert_eq!(detail.status, StatusCode::NOT_FOUND, "{role}");
                    assert_eq!(list.status, StatusCode::OK, "{role}");
                    assert!(!list.text.contains(id.as_str()), "{role}: {}", list.text);
                    continue;
                }
                assert_eq!(detail.status, StatusCode::OK, "{role}: {}", detail.text);
                let in_list = list.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["id"] == id.as_str())
                    .expect("the order is listed")
                    .clone();
                for o in [&detail.body, &in_list] {
                    let at = format!("{b:?} {role} open={open}");
                    let shown_phone = o["contact_phone"].as_str().unwrap();
                    assert!(shown_phone.contains("****"), "{at}: phone {shown_phone}");
                    match sees {
                        Sees::Everything => {
                            assert_eq!(o["contact_name"], name.as_str(), "{at}");
                            assert_eq!(o["address"], format!("{street} {house}"), "{at}");
                            assert_eq!(o["house_number"], house.as_str(), "{at}");
                            assert_eq!(o["notes"], "门禁 1201#", "{at}");
                            assert_eq!(o["lat"], address.lat, "{at}");
                        }
                        Sees::Address => {
                            assert_eq!(o["contact_name"], mask_name(&name), "{at}");
                            assert_eq!(o["address"], format!("{street} {house}"), "{at}");
                            assert_eq!(o["house_number"], house.as_str(), "{at}");
                            assert_eq!(o["notes"], "[hidden]", "{at}");
                        }
                        Sees::Masked => {
                            assert_eq!(o["contact_name"], mask_name(&name), "{at}");
                            assert_eq!(o["address"], mask_address(&street), "{at}");
                            assert!(o["address"].as_str().unwrap().ends_with("***"), "{at}");
                            assert_eq!(o["house_number"], "***", "{at}");
                            assert_eq!(o["notes"], "[hidden]", "{at}");
                            assert_ne!(o["lat"], address.lat, "{at}: coordinate rounded");
                        }
                        Sees::NotTheirs | Sees::Nothing => unreachable!(),
                    }
                    let text = o.to_string();
                    if sees != Sees::Everything {
                        assert!(!text.contains("1201#"), "{at}: the door code leaked");
                        assert!(!text.contains(&name), "{at}: the name leaked");
                    }
                    if sees == Sees::Masked {
                        assert!(!text.contains(&house), "{at}: the house number leaked");
                    }
                }
            }
        }
        // Customer lookups: the nickname is masked without pii.read.
        for (role, t) in &tokens {
            let r = app
                .get(&format!("/api/v1/admin/customers?phone={phone}"), Some(t))
                .await;
            if matches!(role, Role::Finance | Role::Partner) {
                assert_eq!(r.status, StatusCode::FORBIDDEN);
                continue;
            }
            let shown = r.body["items"][0]["nickname"].as_str().unwrap().to_string();
            if matches!(role, Role::SuperAdmin | Role::CustomerService) {
                assert_eq!(shown, nickname, "{role}");
            } else {
                assert_eq!(shown, mask_name(&nickname), "{role}");
            }
        }
        // The audit log names the acting staff member (decrypted for its readers).
        let audit = app
            .get(
                "/api/v1/admin/audit-log?action=order.cancel",
                Some(&tokens[0].1),
            )
            .await;
        assert_eq!(audit.body["items"][0]["actor_name"], "t-super-admin name");

        // In the database: no clear notes, names or nicknames in the encrypted columns.
        let db = store.db();
        for (table, col) in [
            ("worker", "name_enc"),
            ("staff", "name_enc"),
            ("customer", "nickname_enc"),
            ("audit_log", "actor_name_enc"),
            ("service_order", "notes_enc"),
        ] {
            let rows = db
                .query_all_raw(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT {col} AS v FROM {table}"),
                ))
                .await
                .unwrap();
            assert!(!rows.is_empty(), "{b:?}: {table} has rows");
            for r in rows {
                let Some(v) = r.try_get::<Option<String>>("", "v").unwrap() else {
                    continue;
                };
                assert!(
                    v.starts_with("v1:"),
                    "{b:?}: {table}.{col} holds clear text: {v}"
                );
                for clear in ["1201#", "t-super-admin name", nickname.as_str()] {
                    assert!(!v.contains(clear), "{b:?}: {table}.{col} shows {clear}");
                }
            }
        }
    }
}
