//! The outbox wired into the server: an order assigned from the console reaches the
//! worker as a text message through the node's relay, once.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{DemoCustomer, TestApp, backends};
use daojia_domain::access::Role;
use daojia_store::entity::sms_outbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

#[tokio::test]
async fn a_worker_assigned_in_the_console_gets_one_text_through_the_relay() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let relay = daojia_server::relay(&app.state);
        relay.register(app.state.now()).await.unwrap();
        let DemoCustomer { token, address, .. } = app.demo_customer(8).await;
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = date
            .and_time(NaiveTime::from_hms_opt(14, 0, 0).unwrap())
            .and_utc()
            - Duration::hours(8);
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address, "window_start": start.to_rfc3339()});
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/customer/orders")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "k1")
            .body(Body::from(body.to_string()))
            .unwrap();
        let placed = app.send(req).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        let id = placed.body["id"].as_str().unwrap().to_string();
        let finance = app.staff_token("fin", Role::Finance).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/payments"),
                json!({"amount_fen": 15_900, "method": "cash", "reference": "R-1"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let worker = app.enrol_worker("13700005555").await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/assign"),
                json!({"worker_id": worker, "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.body["state"], "accepted", "{}", r.text);
        let texts = || async {
            sms_outbox::Entity::find()
                .filter(sms_outbox::Column::Template.eq("worker_order"))
                .all(app.state.store.db())
                .await
                .unwrap()
        };
        assert!(texts().await.is_empty(), "nothing before the relay runs");
        // Place, payment, assignment: the SMS consumer wants only the last, the
        // notifications the payment (one settling a balance completes the order) and the
        // assignment (the worker's offer, the customer's "accepted"), the realtime feed all
        // three.
        assert_eq!(relay.tick(app.state.now()).await.unwrap(), 6, "{b:?}");
        relay.tick(app.state.now()).await.unwrap();
        let sent = texts().await;
        assert_eq!(sent.len(), 1, "{b:?}");
        assert_eq!(sent[0].phone_masked, "137****5555");
        assert_eq!(sent[0].status, "sent");
    }
}
