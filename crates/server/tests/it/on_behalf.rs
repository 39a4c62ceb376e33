//! Order on behalf (代客下单): an agent finds or creates the caller by phone, saves the
//! address they dictate, asks for windows and places the order with the app's prices; a
//! retry is one order, the agent is in the audit log, and the caller sees the order in the
//! app when they log in with that phone.

use crate::common;

use axum::http::StatusCode;
use common::{Reply, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_store::entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const CALLER: &str = "13700001234";

async fn place(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> Reply {
    app.post_keyed("/api/v1/admin/orders", token, key, body)
        .await
}

#[tokio::test]
async fn an_agent_places_an_order_for_a_caller() {
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 5)
            .await
            .unwrap();
        // A pin inside the demo city: one of its customers' addresses.
        let pin = daojia_store::entity::customer_address::Entity::find()
            .filter(daojia_store::entity::customer_address::Column::AreaCode.is_not_null())
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        let agent = app.staff_token("agent", Role::CustomerService).await;
        let finance = app.staff_token("money", Role::Finance).await;

        // Unknown caller; a bad number is a field error.
        let r = app
            .get(
                &format!("/api/v1/admin/callers?phone={CALLER}"),
                Some(&agent),
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app
            .get("/api/v1/admin/callers?phone=12345", Some(&agent))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "phone", "{}", r.text);

        // The dictated address is checked field by field, and nothing is created.
        let address = json!({
            "contact_name": "王阿姨",
            "contact_phone": CALLER,
            "address": "上海市徐汇区漕溪北路 1 号",
            "house_number": "3 号楼 502",
            "lat": pin.lat,
            "lng": pin.lng
        });
        let mut bad = address.clone();
        bad["contact_phone"] = json!("99");
        let r = app
            .post(
                "/api/v1/admin/callers",
                json!({ "phone": CALLER, "address": bad }),
                Some(&agent),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "address.contact_phone");
        let r = app
            .get(
                &format!("/api/v1/admin/callers?phone={CALLER}"),
                Some(&agent),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b:?}: {}", r.text);

        // Created with the address; found again by phone.
        let r = app
            .post(
                "/api/v1/admin/callers",
                json!({ "phone": CALLER, "address": address }),
                Some(&agent),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let customer = r.body["customer_id"].as_str().unwrap().to_string();
        let address_id = r.body["addresses"][0]["id"].as_str().unwrap().to_string();
        assert!(
            r.body["addresses"][0]["area_code"].is_string(),
            "{}",
            r.text
        );
        assert_eq!(r.body["phone_masked"], "137****1234");
        let again = app
            .get(
                &format!("/api/v1/admin/callers?phone={CALLER}"),
                Some(&agent),
            )
            .await;
        assert_eq!(again.body["customer_id"], customer.as_str());

        // Windows as the app would show them.
        let items = json!([{ "item": "window_cleaning" }]);
        let r = app
            .post(
                &format!("/api/v1/admin/callers/{customer}/slots"),
                json!({ "items": items, "address_id": address_id, "days": 3 }),
                Some(&agent),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let window = r.body["days"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["windows"].as_array().unwrap().iter())
            .find(|w| w["available"] == true)
            .expect("an open window")["start"]
            .clone();

        let body = json!({
            "customer_id": customer,
            "items": items,
            "address_id": address_id,
            "window_start": window,
            "notes": "电话下单"
        });
        let r = place(&app, &agent, None, &body).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "idempotency_key_required");
        let r = place(&app, &finance, Some("call-1"), &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let mut wrong = body.clone();
        wrong["customer_id"] = json!(uuid::Uuid::now_v7());
        let r = place(&app, &agent, Some("call-0"), &wrong).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "customer_id");

        let r = place(&app, &agent, Some("call-1"), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let id = r.body["id"].as_str().unwrap().to_string();
        assert_eq!(r.body["customer_id"], customer.as_str());
        let retry = place(&app, &agent, Some("call-1"), &body).await;
        assert_eq!(retry.body["id"], id.as_str(), "{}", retry.text);

        // The agent is on record; the caller sees the order in the app.
        let entries = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("order.place_on_behalf"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(entries.len(), 1, "{b:?}");
        assert_eq!(entries[0].target_id.as_deref(), Some(id.as_str()));
        let login = app.otp_login(CALLER, "customer").await;
        let token = login["access_token"].as_str().unwrap();
        let mine = app.get("/api/v1/customer/orders", Some(token)).await;
        let ids: Vec<&str> = mine
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [id.as_str()], "{b:?}: {}", mine.text);
    }
}
