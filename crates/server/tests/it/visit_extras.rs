//! Extra items (加项) and steps sent later with the phone's time, on every backend
//! (docs/visit.md): the worker proposes items at the door priced by the server (a tampered
//! price, an unknown item, a bad quantity, the wrong state refused), the customer confirms
//! one (a new line, the total grows, once) and declines another; each is appended to the
//! service record. A step with `Device-Time` records it beside the server's time, within
//! the tolerance only; an `Idempotency-Key` replays the first answer.

use crate::common;
use common::visit::{self, Town, move_to, tomorrow};

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{Reply, TestApp, assert_problem, backends};
use daojia_store::entity::{order_event, outbox, service_record};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

async fn town(b: daojia_store::testing::Backend) -> Town {
    visit::town(b, |c| c.visit.door.max_attempts = 3).await
}

/// A paid order of the customer's for tomorrow at `hour`:00, waiting for a worker.
async fn place(t: &Town, hour: u32) -> Uuid {
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": t.address,
                      "window_start": tomorrow(&t.app, hour).to_rfc3339()});
    let r = t
        .app
        .post_keyed(
            "/api/v1/customer/orders",
            &t.customer,
            Some(&Uuid::now_v7().to_string()),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().parse().unwrap()
}

async fn assign(t: &Town, order: Uuid, worker: Uuid) {
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/orders/{order}/assign"),
            json!({"worker_id": worker, "override_reason": "test: the visit"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "accepted");
}

/// The order's address (WGS-84).
async fn address_of(app: &TestApp, order: Uuid) -> (f64, f64) {
    let row = daojia_store::repo::orders::get(app.state.store.db(), order)
        .await
        .unwrap()
        .unwrap();
    (row.lat, row.lng)
}

fn field_codes(r: &Reply) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn step_at(
    app: &TestApp,
    token: &str,
    order: Uuid,
    what: &str,
    body: Value,
    device: &str,
    key: Option<&str>,
) -> Reply {
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri(format!("/api/v1/worker/jobs/{order}/{what}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("device-time", device);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    app.send(req.body(axum::body::Body::from(body.to_string())).unwrap())
        .await
}

async fn state_of(app: &TestApp, order: Uuid) -> String {
    daojia_store::repo::orders::get(app.state.store.db(), order)
        .await
        .unwrap()
        .unwrap()
        .state
}

async fn total_of(app: &TestApp, order: Uuid) -> i64 {
    daojia_store::repo::orders::get(app.state.store.db(), order)
        .await
        .unwrap()
        .unwrap()
        .total_fen
}

#[tokio::test]
async fn a_step_sent_later_records_the_phones_time_within_the_tolerance() {
    for b in backends() {
        let mut t = town(b).await;
        let order = place(&t, 10).await;
        assign(&t, order, t.workers[0]).await;
        let at = tomorrow(&t.app, 10) - Duration::minutes(10);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(t.workers[0]).await;
        let now = app.state.now();

        // Malformed, too far ahead, too old: refused on `device_time`, nothing changes.
        let r = step_at(app, &me, order, "depart", json!({}), "yesterday", None).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [("device_time".to_string(), "invalid_time".to_string())]
        );
        let ahead = (now + Duration::minutes(10)).to_rfc3339();
        let r = step_at(app, &me, order, "depart", json!({}), &ahead, None).await;
        assert_eq!(
            field_codes(&r),
            [("device_time".to_string(), "device_time_ahead".to_string())]
        );
        let old = (now - Duration::minutes(361)).to_rfc3339();
        let r = step_at(app, &me, order, "depart", json!({}), &old, None).await;
        assert_eq!(
            field_codes(&r),
            [("device_time".to_string(), "device_time_too_old".to_string())]
        );
        assert_eq!(state_of(app, order).await, "accepted");

        // Taken 40 minutes ago offline, sent now: the event's time is the server's, the
        // phone's is beside it.
        let taken = now - Duration::minutes(40);
        let key = Uuid::now_v7().to_string();
        let r = step_at(
            app,
            &me,
            order,
            "depart",
            json!({}),
            &taken.to_rfc3339(),
            Some(&key),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // The same key again: the first answer, replayed; nothing appended.
        let again = step_at(
            app,
            &me,
            order,
            "depart",
            json!({}),
            &taken.to_rfc3339(),
            Some(&key),
        )
        .await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(again.body, r.body);
        let events = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(order))
            .filter(order_event::Column::Action.eq("depart"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].at, now);
        let detail: Value = serde_json::from_str(&events[0].detail).unwrap();
        let recorded: DateTime<Utc> = serde_json::from_value(detail["device_at"].clone()).unwrap();
        assert_eq!(recorded, taken);
        let view = app
            .get(
                &format!("/api/v1/customer/orders/{order}"),
                Some(&t.customer),
            )
            .await;
        let depart = view.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "depart")
            .unwrap()
            .clone();
        let shown: DateTime<Utc> = serde_json::from_value(depart["device_at"].clone()).unwrap();
        assert_eq!(shown, taken);

        // The check-in too (its position judged as ever).
        let (lat, lng) = address_of(app, order).await;
        let r = step_at(
            app,
            &me,
            order,
            "check-in",
            json!({"lat": lat, "lng": lng}),
            &(now - Duration::minutes(1)).to_rfc3339(),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let ev = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(order))
            .filter(order_event::Column::Action.eq("check_in"))
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert!(ev.detail.contains("device_at"), "{}", ev.detail);
    }
}

#[tokio::test]
async fn the_customer_confirms_or_declines_extras_the_worker_proposes() {
    for b in backends() {
        let mut t = town(b).await;
        let order = place(&t, 10).await;
        assign(&t, order, t.workers[0]).await;
        let at = tomorrow(&t.app, 10) - Duration::minutes(10);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(t.workers[0]).await;
        let other = app.worker_token(t.workers[1]).await;
        let url = format!("/api/v1/worker/jobs/{order}/extras");

        // Not at the door yet: nothing to propose.
        let r = app
            .post(
                &url,
                json!({"item": "daily_cleaning", "quantity": 1}),
                Some(&me),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "extra_not_allowed");
        let r = app
            .post(
                &format!("/api/v1/worker/jobs/{order}/depart"),
                json!({}),
                Some(&me),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let (lat, lng) = address_of(app, order).await;
        let r = app
            .post(
                &format!("/api/v1/worker/jobs/{order}/check-in"),
                json!({"lat": lat, "lng": lng}),
                Some(&me),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        // What may be proposed, at the area's prices; another worker sees nothing.
        let r = app.get(&url, Some(&other)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app.get(&url, Some(&me)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = r.body["items"].as_array().unwrap().clone();
        let offer = items
            .iter()
            .find(|i| i["item_code"] == "daily_cleaning")
            .expect("cleaning on offer")
            .clone();
        let price = offer["unit_price_fen"].as_i64().unwrap();
        assert!(price > 0);

        // Refused: a tampered price, an unknown item, no units, someone else's job.
        let r = app
            .post(
                &url,
                json!({"item": "daily_cleaning", "quantity": 1, "unit_price_fen": 1}),
                Some(&me),
            )
            .await;
        assert_eq!(
            field_codes(&r),
            [("unit_price_fen".to_string(), "price_mismatch".to_string())]
        );
        let r = app
            .post(
                &url,
                json!({"item": "no_such_item", "quantity": 1}),
                Some(&me),
            )
            .await;
        assert_eq!(
            field_codes(&r),
            [("item".to_string(), "unknown_item".to_string())]
        );
        let r = app
            .post(
                &url,
                json!({"item": "daily_cleaning", "quantity": 0}),
                Some(&me),
            )
            .await;
        assert_eq!(
            field_codes(&r),
            [("quantity".to_string(), "out_of_range".to_string())]
        );
        let r = app
            .post(
                &url,
                json!({"item": "daily_cleaning", "quantity": 1}),
                Some(&other),
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");

        let before = total_of(app, order).await;
        let r = app
            .post(
                &url,
                json!({"item": "daily_cleaning", "quantity": 2, "unit_price_fen": price}),
                Some(&me),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["status"], "proposed");
        assert_eq!(r.body["total_fen"].as_i64().unwrap(), 2 * price);
        let kept: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
        let r = app
            .post(
                &url,
                json!({"item": "daily_cleaning", "quantity": 1}),
                Some(&me),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let dropped: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            total_of(app, order).await,
            before,
            "nothing on the bill before the customer says so"
        );

        // The customer's side.
        let list = app
            .get(
                &format!("/api/v1/customer/orders/{order}/extras"),
                Some(&t.customer),
            )
            .await;
        assert_eq!(list.body.as_array().unwrap().len(), 2);
        let decide = |id: Uuid, d: &str| {
            let path = format!("/api/v1/customer/orders/{order}/extras/{id}/decision");
            let body = json!({"decision": d});
            let token = t.customer.clone();
            async move { app.post(&path, body, Some(&token)).await }
        };
        let r = decide(kept, "confirm").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["status"], "confirmed");
        assert_eq!(total_of(app, order).await, before + 2 * price);
        let r = decide(kept, "confirm").await;
        assert_eq!(r.status, StatusCode::OK, "the same answer again");
        assert_eq!(
            total_of(app, order).await,
            before + 2 * price,
            "counted once"
        );
        let r = decide(kept, "decline").await;
        assert_problem(&r, StatusCode::CONFLICT, "extra_decided");
        let r = decide(dropped, "decline").await;
        assert_eq!(r.body["status"], "declined");
        assert_eq!(total_of(app, order).await, before + 2 * price);
        let view = app
            .get(
                &format!("/api/v1/customer/orders/{order}"),
                Some(&t.customer),
            )
            .await;
        let lines = view.body["lines"].as_array().unwrap();
        assert_eq!(lines.last().unwrap()["quantity"], 2);
        assert_eq!(view.body["total_fen"].as_i64().unwrap(), before + 2 * price);

        // Staff see what was proposed and decided; the worker's token is no staff's.
        let staff = app
            .get(
                &format!("/api/v1/admin/orders/{order}/extras"),
                Some(&t.disp),
            )
            .await;
        assert_eq!(staff.status, StatusCode::OK, "{}", staff.text);
        let statuses: Vec<(&str, i64)> = staff
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["status"].as_str().unwrap(),
                    e["total_fen"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(statuses.len(), 2, "{}", staff.text);
        assert!(statuses.contains(&("confirmed", 2 * price)), "{statuses:?}");
        assert!(statuses.iter().any(|s| s.0 == "declined"), "{statuses:?}");
        let r = app
            .get(&format!("/api/v1/admin/orders/{order}/extras"), Some(&me))
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "wrong_audience");
        let r = app
            .get(
                &format!("/api/v1/admin/orders/{}/extras", Uuid::now_v7()),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

        // Published as the order's changes, and in its service record.
        let topics: Vec<String> = outbox::Entity::find()
            .filter(outbox::Column::AggregateId.eq(order))
            .order_by_asc(outbox::Column::Id)
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.topic)
            .filter(|t| t.starts_with("order.extra"))
            .collect();
        assert_eq!(
            topics,
            [
                "order.extra_proposed",
                "order.extra_proposed",
                "order.extra_confirmed",
                "order.extra_declined"
            ]
        );
        let entries = service_record::Entity::find()
            .filter(service_record::Column::OrderId.eq(order))
            .filter(service_record::Column::Kind.eq("extra"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(entries.len(), 4);
        let report =
            daojia_app::records::verify(&app.state.app, daojia_app::records::Scope::Order(order))
                .await
                .unwrap();
        assert!(report.clean(), "the chain verifies: {:?}", report.problems);
        assert!(report.entries >= 4);
    }
}
