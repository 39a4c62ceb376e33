//! Safety at the door, on every backend (docs/visit.md "Customer not home", "SOS",
//! "Who has come"): the worker records a customer not home with evidence and the order is
//! cancelled with the no-show fee kept and the rest refunded through the cancellation's
//! refund path; an SOS from the worker or the customer during the visit reaches the
//! console's safety alerts once per raiser until resolved; the worker's photo at check-in
//! is shown to the order's customer only. Someone else's order is 404 everywhere.

use crate::common;
use common::visit::{self, Town, move_to, tomorrow};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::{Reply, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_store::entity::{audit_log, outbox, service_order, service_record};
use daojia_store::repo::ledger;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

async fn town(b: daojia_store::testing::Backend) -> Town {
    visit::town(b, |_| {}).await
}

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
            json!({"worker_id": worker, "override_reason": "test: safety"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn step(t: &TestApp, token: &str, order: Uuid, what: &str, body: Value) -> Reply {
    t.post(
        &format!("/api/v1/worker/jobs/{order}/{what}"),
        body,
        Some(token),
    )
    .await
}

async fn row(app: &TestApp, order: Uuid) -> service_order::Model {
    daojia_store::repo::orders::get(app.state.store.db(), order)
        .await
        .unwrap()
        .unwrap()
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

/// A 16×16 JPEG, a little different each time (`n`).
fn jpeg(n: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend_from_slice(&[0x12, 0x34, n, 0xFF, 0xD9]);
    b
}

/// Uploads a photo as the worker with `purpose`; its id and the SHA-256 of the file kept.
async fn upload(app: &TestApp, token: &str, purpose: &str, n: u8) -> (Uuid, String) {
    let boundary = "daojia-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&jpeg(n));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/worker/uploads")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().parse().unwrap();
    let kept = daojia_store::repo::uploads::get(app.state.store.db(), id)
        .await
        .unwrap()
        .unwrap();
    (id, kept.sha256)
}

async fn topics_of(app: &TestApp, order: Uuid) -> Vec<String> {
    outbox::Entity::find()
        .filter(outbox::Column::AggregateId.eq(order))
        .order_by_asc(outbox::Column::Position)
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.topic)
        .collect()
}

async fn record_entry(app: &TestApp, order: Uuid, kind: &str) -> Value {
    let e = service_record::Entity::find()
        .filter(service_record::Column::OrderId.eq(order))
        .filter(service_record::Column::Kind.eq(kind))
        .one(app.state.store.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("a {kind} entry"));
    serde_json::from_str(&e.body).unwrap()
}

/// An order of the customer's for tomorrow at 10:00, assigned to `w`, who set off and,
/// ten minutes before the window, checks in at the address (with a selfie when given).
async fn at_the_door(
    t: &mut Town,
    hour: u32,
    w: Uuid,
    selfie: bool,
) -> (Uuid, String, Option<String>) {
    let order = place(t, hour).await;
    assign(t, order, w).await;
    let me = t.app.worker_token(w).await;
    let r = step(&t.app, &me, order, "depart", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let at = tomorrow(&t.app, hour) - Duration::minutes(10);
    if at > t.app.state.now() {
        move_to(t, at).await;
    }
    let me = t.app.worker_token(w).await;
    let o = row(&t.app, order).await;
    let mut body = json!({"lat": o.lat, "lng": o.lng, "accuracy_m": 10.0});
    let mut sha = None;
    if selfie {
        let (id, s) = upload(&t.app, &me, "arrival_selfie", 7).await;
        body["selfie_upload_id"] = json!(id);
        sha = Some(s);
    }
    let r = step(&t.app, &me, order, "check-in", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "arrived");
    (order, me, sha)
}

#[tokio::test]
async fn a_customer_not_home_is_cancelled_with_the_no_show_fee_kept() {
    for b in backends() {
        let mut t = town(b).await;
        let [w1, w2] = t.workers;
        // A second order of the customer's, on the way only.
        let en_route = place(&t, 15).await;
        assign(&t, en_route, w1).await;
        let me = t.app.worker_token(w1).await;
        step(&t.app, &me, en_route, "depart", json!({})).await;
        let (order, me, _) = at_the_door(&mut t, 10, w1, false).await;
        let app = &t.app;
        let o = row(app, order).await;
        let url = format!("/api/v1/worker/jobs/{order}/no-show");
        let (photo, photo_sha) = upload(app, &me, "no_show", 1).await;
        let (check_in_photo, _) = upload(app, &me, "check_in", 2).await;
        let good = json!({"lat": o.lat + 0.0002, "lng": o.lng, "accuracy_m": 15.0,
                          "call_attempts": 2, "photo_upload_id": photo, "note": "敲门无人应"});

        // Another worker: 404. On the way, not at the door: 409.
        let other = app.worker_token(w2).await;
        let r = app.post(&url, good.clone(), Some(&other)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = step(app, &me, en_route, "no-show", good.clone()).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        // Missing evidence: one field error each.
        let r = app.post(&url, json!({}), Some(&me)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [
                ("lat".into(), "position_required".into()),
                ("call_attempts".into(), "calls_required".into()),
                ("photo_upload_id".into(), "photo_required".into()),
            ],
            "{b:?}"
        );
        let mut one_call = good.clone();
        one_call["call_attempts"] = json!(1);
        one_call["photo_upload_id"] = json!(check_in_photo);
        let r = app.post(&url, one_call, Some(&me)).await;
        assert_eq!(
            field_codes(&r),
            [
                ("call_attempts".into(), "not_enough_calls".into()),
                ("photo_upload_id".into(), "unknown_photo".into()),
            ],
            "{b:?}: {}",
            r.text
        );
        // Ten minutes before the window: the customer has their wait (15 min after the start).
        let r = app.post(&url, good.clone(), Some(&me)).await;
        assert_problem(&r, StatusCode::CONFLICT, "no_show_too_early");
        assert_eq!(row(app, order).await.state, "arrived");

        // 16 minutes into the window: cancelled, the fee kept, the rest refunded.
        app.advance(o.window_start + Duration::minutes(16) - app.state.now());
        let me = app.worker_token(w1).await;
        let r = app.post_keyed(&url, &me, Some("no-show-1"), &good).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "cancelled");
        let paid = o.paid_fen;
        assert!(paid > 0, "{b:?}: the demo paid the order");
        // The order's own policy: its late-cancellation percentage, capped.
        let policy: daojia_domain::order::policy::Policy = serde_json::from_str(&o.policy).unwrap();
        let fee = (o.total_fen * i64::from(policy.late_cancel_fee_percent) / 100)
            .min(policy.late_cancel_fee_cap.as_fen())
            .min(paid);
        assert!(fee > 0, "{b:?}: a fee to keep");
        assert_eq!(r.body["fee_fen"], fee, "{b:?}: {}", r.text);
        assert_eq!(r.body["refunded_fen"], paid - fee, "{b:?}");
        assert_eq!(r.body["call_attempts"], 2);
        let d = r.body["distance_m"].as_i64().unwrap();
        assert!((20..=25).contains(&d), "{d}");
        let after = row(app, order).await;
        assert_eq!(
            (after.state.as_str(), after.fee_fen, after.refunded_fen),
            ("cancelled", fee, paid - fee),
            "{b:?}"
        );
        // A resend with the key replays; a repeat without it answers the same no-show.
        let again = app.post_keyed(&url, &me, Some("no-show-1"), &good).await;
        assert_eq!(again.body["id"], r.body["id"], "{b:?}");
        let again = app.post(&url, good.clone(), Some(&me)).await;
        assert_eq!(again.status, StatusCode::OK, "{b:?}: {}", again.text);
        assert_eq!(again.body["id"], r.body["id"], "{b:?}");
        assert_eq!(row(app, order).await.refunded_fen, paid - fee);

        // The cancellation's event names the worker; the evidence is in the record, salted.
        let topics = topics_of(app, order).await;
        for topic in ["order.cancel", "visit.no_show"] {
            assert_eq!(
                topics.iter().filter(|t| *t == topic).count(),
                1,
                "{b:?}: {topic} in {topics:?}"
            );
        }
        let entry = record_entry(app, order, "no_show").await;
        assert_eq!(entry["photo_sha256"], photo_sha.as_str(), "{entry}");
        assert_eq!(entry["call_attempts"], 2);
        assert_eq!(entry["fee_fen"], fee);
        assert!(entry["position"].as_str().unwrap().starts_with("s256:"));
        assert!(entry["note"].as_str().unwrap().starts_with("s256:"));
        assert!(!entry.to_string().contains(&w1.to_string()));
        let report =
            daojia_app::records::verify(&app.state.app, daojia_app::records::Scope::Order(order))
                .await
                .unwrap();
        assert!(report.clean(), "{b:?}: {report:?}");

        // The money: the refund went through the cancellation's path, the ledger balances.
        let entries = ledger::entries_of_order(app.state.store.db(), order)
            .await
            .unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.source_id == format!("{order}#{}", after.version)),
            "{b:?}: the cancellation's refund entry in {entries:?}"
        );
        let check = ledger::check(app.state.store.db()).await.unwrap();
        assert!(check.problems.is_empty(), "{b:?}: {:?}", check.problems);

        // Operations see it; a partner's staff with no partner see nothing.
        let ops = app.staff_token("ops1", Role::CustomerService).await;
        let r = app
            .get("/api/v1/admin/check-ins/no-shows", Some(&ops))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let item = &r.body["items"][0];
        assert_eq!(item["order_id"], order.to_string());
        assert_eq!(item["fee_fen"], fee);
        assert_eq!(item["note"], "敲门无人应");
        let photo_url = item["photo_url"].as_str().unwrap().to_string();
        let r = app.get(&photo_url, Some(&ops)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: staff see the photo");
        let partner = app.staff_token("partner1", Role::Partner).await;
        let r = app
            .get("/api/v1/admin/check-ins/no-shows", Some(&partner))
            .await;
        assert_eq!(r.body["items"], json!([]), "{b:?}");
    }
}

#[tokio::test]
async fn sos_from_either_side_reaches_the_console_once_until_resolved() {
    for b in backends() {
        let mut t = town(b).await;
        let [w1, w2] = t.workers;
        // Before the worker sets off there is no visit to raise it on.
        let accepted = place(&t, 14).await;
        assign(&t, accepted, w1).await;
        let me = t.app.worker_token(w1).await;
        let r = step(&t.app, &me, accepted, "sos", json!({})).await;
        assert_problem(&r, StatusCode::CONFLICT, "sos_not_available");

        let (order, me, _) = at_the_door(&mut t, 10, w1, false).await;
        let app = &t.app;
        let o = row(app, order).await;
        // Someone else's order: 404 for a worker and for a customer.
        let other = app.worker_token(w2).await;
        let r = step(app, &other, order, "sos", json!({})).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let stranger = app.otp_login("13700002222", "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let curl = format!("/api/v1/customer/orders/{order}/sos");
        let r = app.post(&curl, json!({}), Some(&stranger)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // A half position is refused.
        let r = step(app, &me, order, "sos", json!({"lat": 31.2})).await;
        assert_eq!(field_codes(&r), [("lat".into(), "invalid_position".into())]);

        // The worker presses, with no position: their latest known one is used.
        let r = step(app, &me, order, "sos", json!({"note": "客户情绪激动"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        assert_eq!(r.body["position_source"], "last_known", "{b:?}");
        let alert = r.body["id"].as_str().unwrap().to_string();
        // Pressing again answers the open alert.
        let r = step(app, &me, order, "sos", json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["id"], alert.as_str());
        assert_eq!(r.body["new"], false);
        // The customer presses too, with where they are: their own alert.
        let r = app
            .post(
                &curl,
                json!({"lat": o.lat, "lng": o.lng, "accuracy_m": 8.0}),
                Some(&t.customer),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        assert_eq!(r.body["position_source"], "caller");
        let customer_alert = r.body["id"].as_str().unwrap().to_string();
        let topics = topics_of(app, order).await;
        assert_eq!(
            topics.iter().filter(|t| *t == "safety.sos").count(),
            2,
            "{b:?}: {topics:?}"
        );

        // The console lists both, newest first, with the order and the position.
        let ops = app.staff_token("ops1", Role::CustomerService).await;
        let r = app.get("/api/v1/admin/safety/alerts", Some(&ops)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{b:?}: {}", r.text);
        assert_eq!(items[0]["id"], customer_alert.as_str());
        assert_eq!(items[0]["raised_by_type"], "customer");
        assert_eq!(items[1]["raised_by_type"], "worker");
        assert_eq!(items[1]["order_no"], o.order_no.as_str());
        assert_eq!(items[1]["note"], "客户情绪激动");
        assert!(items[1]["position"]["lat"].is_number(), "{b:?}: {}", r.text);
        assert_eq!(items[0]["position"]["lat"], o.lat);
        // Operations were told in the exceptions queue too.
        let alarms = daojia_store::repo::alarms::open(app.state.store.db())
            .await
            .unwrap();
        assert!(
            alarms
                .iter()
                .any(|a| a.order_id == order && a.kind == "sos"),
            "{b:?}"
        );

        // Reading is not enough to act; a partner's staff do not see it.
        let reader = app.staff_token("fin1", Role::Finance).await;
        let ack = format!("/api/v1/admin/safety/alerts/{alert}/acknowledge");
        let resolve = format!("/api/v1/admin/safety/alerts/{alert}/resolve");
        let r = app.post(&ack, json!({}), Some(&reader)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b:?}: {}", r.text);
        let partner = app.staff_token("partner1", Role::Partner).await;
        let r = app.get("/api/v1/admin/safety/alerts", Some(&partner)).await;
        assert_eq!(r.body["items"], json!([]), "{b:?}");

        // Acknowledge, then resolve with a note (required), both audited.
        let r = app
            .post(&ack, json!({"note": "已致电师傅"}), Some(&ops))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["status"], "acknowledged");
        let r = app.post(&ack, json!({}), Some(&ops)).await;
        assert_problem(&r, StatusCode::CONFLICT, "alert_not_open");
        let r = app.post(&resolve, json!({}), Some(&ops)).await;
        assert_eq!(field_codes(&r), [("note".into(), "required".into())]);
        let r = app
            .post(&resolve, json!({"note": "误会，已平息"}), Some(&ops))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["status"], "resolved");
        let r = app.post(&resolve, json!({"note": "x"}), Some(&ops)).await;
        assert_problem(&r, StatusCode::CONFLICT, "alert_resolved");
        let mut audited: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::TargetId.eq(alert.as_str()))
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        audited.sort();
        assert_eq!(
            audited,
            ["sos_alert.acknowledge", "sos_alert.resolve"],
            "{b:?}"
        );
        // Open alerts only by default; all on request.
        let r = app.get("/api/v1/admin/safety/alerts", Some(&ops)).await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{b:?}");
        let r = app
            .get("/api/v1/admin/safety/alerts?status=all", Some(&ops))
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 2, "{b:?}");
        // Once resolved, the worker may raise a new one.
        let r = step(app, &me, order, "sos", json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        assert_ne!(r.body["id"], alert.as_str());
        // An unknown alert is 404.
        let r = app
            .post(
                &format!("/api/v1/admin/safety/alerts/{}/resolve", Uuid::now_v7()),
                json!({"note": "x"}),
                Some(&ops),
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn the_customer_checks_who_has_come_by_the_photo_taken_at_check_in() {
    for b in backends() {
        let mut t = town(b).await;
        let [w1, _] = t.workers;
        let (order, me, sha) = at_the_door(&mut t, 10, w1, true).await;
        let app = &t.app;
        let url = format!("/api/v1/customer/orders/{order}/arrival");
        let r = app.get(&url, Some(&t.customer)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "arrived");
        assert!(!r.body["worker_name"].as_str().unwrap().is_empty());
        let photo = r.body["photo_url"].as_str().unwrap().to_string();
        let img = app.get(&photo, Some(&t.customer)).await;
        assert_eq!(img.status, StatusCode::OK, "{b:?}");
        assert_eq!(img.content_type(), "image/jpeg");
        // Another customer: 404 for both.
        let stranger = app.otp_login("13700003333", "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        assert_problem(
            &app.get(&url, Some(&stranger)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        assert_problem(
            &app.get(&photo, Some(&stranger)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        // The photo's SHA-256 is in the check-in's record entry.
        let entry = record_entry(app, order, "check_in").await;
        assert_eq!(entry["selfie_sha256"], sha.unwrap().as_str(), "{entry}");
        // Someone else's upload (or one of another purpose) is refused at check-in.
        let other = place(&t, 14).await;
        assign(&t, other, w1).await;
        step(app, &me, other, "depart", json!({})).await;
        let (wrong, _) = upload(app, &me, "no_show", 9).await;
        let o = row(app, other).await;
        let r = step(
            app,
            &me,
            other,
            "check-in",
            json!({"lat": o.lat, "lng": o.lng, "selfie_upload_id": wrong}),
        )
        .await;
        assert_eq!(
            field_codes(&r),
            [("selfie_upload_id".into(), "unknown_photo".into())],
            "{b:?}: {}",
            r.text
        );
        // Before the worker is at the door there is nobody to check.
        let r = app
            .get(
                &format!("/api/v1/customer/orders/{other}/arrival"),
                Some(&t.customer),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "arrival_not_available");
    }
}
