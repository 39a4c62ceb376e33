//! The visit at the door from the worker app, on every backend (docs/visit.md): the worker
//! departs, checks in (inside the fence at once; outside it only with a reason and a photo,
//! flagged for operations), starts the service with the door check code the customer's app
//! shows (a wrong code is refused and entries are limited), and finishes. Another worker's
//! order is 404, an order offered but not accepted is 409, and every time is the server's.

use crate::common;
use common::visit::{self, Town, move_to, tomorrow};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::{Reply, TestApp, assert_problem, backends};
use daojia_app::orders::By;
use daojia_domain::access::Role;
use daojia_store::entity::{order_event, outbox};
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

async fn step(t: &TestApp, token: &str, order: Uuid, what: &str, body: Value) -> Reply {
    t.post(
        &format!("/api/v1/worker/jobs/{order}/{what}"),
        body,
        Some(token),
    )
    .await
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

/// A 16×16 JPEG.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    b
}

async fn upload_photo(app: &TestApp, token: &str) -> Uuid {
    let boundary = "daojia-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ncheck_in\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"door.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&jpeg());
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
    r.body["id"].as_str().unwrap().parse().unwrap()
}

async fn state_of(app: &TestApp, order: Uuid) -> String {
    daojia_store::repo::orders::get(app.state.store.db(), order)
        .await
        .unwrap()
        .unwrap()
        .state
}

#[tokio::test]
async fn only_the_assigned_worker_runs_the_visit() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let [w1, w2] = t.workers;
        let mine = place(&t, 10).await;
        assign(&t, mine, w1).await;
        let me = app.worker_token(w1).await;
        let other = app.worker_token(w2).await;

        // Another worker's order: 404 on every step, nothing changes.
        for (what, body) in [
            ("depart", json!({})),
            ("check-in", json!({"lat": 31.2, "lng": 121.4})),
            ("start", json!({"code": "123456"})),
            ("finish", json!({})),
        ] {
            let r = step(app, &other, mine, what, body).await;
            assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        }
        // An order nobody has, and an unknown one: 404 too.
        let open = place(&t, 14).await;
        let r = step(app, &me, open, "depart", json!({})).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = step(app, &me, Uuid::now_v7(), "depart", json!({})).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // Offered to the worker but not accepted: not theirs to visit yet.
        daojia_app::orders::offers::offer(&app.state.app, &By::System, open, w1, app.state.now())
            .await
            .unwrap();
        let r = step(app, &me, open, "depart", json!({})).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        assert_eq!(state_of(app, open).await, "pending_accept");

        // Not yet on the way: no check-in, no code for the customer.
        let (lat, lng) = address_of(app, mine).await;
        let r = step(app, &me, mine, "check-in", json!({"lat": lat, "lng": lng})).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        let code_url = format!("/api/v1/customer/orders/{mine}/door-code");
        let r = app.get(&code_url, Some(&t.customer)).await;
        assert_problem(&r, StatusCode::CONFLICT, "door_code_not_available");
        // A worker cannot read a customer's code.
        let r = app.get(&code_url, Some(&me)).await;
        assert_problem(&r, StatusCode::FORBIDDEN, "wrong_audience");
        assert_eq!(state_of(app, mine).await, "accepted", "{b:?}");
    }
}

#[tokio::test]
async fn check_in_inside_the_fence_then_the_door_code_starts_the_service() {
    for b in backends() {
        let mut t = town(b).await;
        let app = &t.app;
        let [w1, _] = t.workers;
        let order = place(&t, 10).await;
        assign(&t, order, w1).await;
        let me = app.worker_token(w1).await;

        let r = step(app, &me, order, "depart", json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "en_route");
        // Departing again changes nothing.
        let r = step(app, &me, order, "depart", json!({})).await;
        assert_eq!(r.body["state"], "en_route", "{b:?}: {}", r.text);

        // The customer's app shows the code while the worker is on the way.
        let code_url = format!("/api/v1/customer/orders/{order}/door-code");
        let r = app.get(&code_url, Some(&t.customer)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let code = r.body["code"].as_str().unwrap().to_string();
        assert_eq!(code.len(), 6, "{code}");
        assert!(code.chars().all(|c| c.is_ascii_digit()), "{code}");
        assert_eq!(r.body["state"], "en_route");
        assert_eq!(r.body["attempts_left"], 3);
        // The same code every time; never in the worker's day.
        let again = app.get(&code_url, Some(&t.customer)).await;
        assert_eq!(again.body["code"], code.as_str());
        let day = app
            .get(
                &format!(
                    "/api/v1/worker/jobs?date={}",
                    (tomorrow(app, 10) + Duration::hours(8)).date_naive()
                ),
                Some(&me),
            )
            .await;
        assert_eq!(day.status, StatusCode::OK, "{b:?}: {}", day.text);
        assert!(!day.text.contains(&code), "the code leaked to the worker");
        assert_eq!(day.body["check_in_radius_m"], 300);
        // Stored encrypted.
        let stored = daojia_store::entity::order_door_code::Entity::find_by_id(order)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert!(!stored.code_enc.contains(&code));

        // At the door 80 m north of the address, ten minutes before the window.
        let at = tomorrow(&t.app, 10) - Duration::minutes(10);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(w1).await;
        let (lat, lng) = address_of(app, order).await;
        let r = step(
            app,
            &me,
            order,
            "check-in",
            json!({"lat": lat + 80.0 / 111_195.0, "lng": lng, "accuracy_m": 12.0}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "arrived");
        let c = &r.body["check_in"];
        assert_eq!(c["flagged"], false, "{c}");
        assert_eq!(c["inside_radius"], true);
        assert_eq!(c["on_time"], true);
        let d = c["distance_m"].as_i64().unwrap();
        assert!((78..=82).contains(&d), "{d}");
        assert_eq!(
            c["at"].as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
            app.state.now()
        );
        // The customer still sees the code with the worker at the door.
        let r = app.get(&code_url, Some(&t.customer)).await;
        assert_eq!(r.body["state"], "arrived", "{b:?}: {}", r.text);

        // Finishing before starting is refused; a malformed code counts nothing.
        let r = step(app, &me, order, "finish", json!({})).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        let r = step(app, &me, order, "start", json!({"code": "12"})).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [("code".into(), "invalid_door_code".into())]
        );
        // A wrong code: refused on the field, with the tries left.
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let r = step(app, &me, order, "start", json!({"code": wrong})).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(field_codes(&r), [("code".into(), "wrong_door_code".into())]);
        assert!(
            r.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("2 more"),
            "{}",
            r.text
        );
        assert_eq!(state_of(app, order).await, "arrived");

        // The right code (typed with a space) starts the service at the server's time.
        app.advance(Duration::minutes(3));
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        let r = step(app, &me, order, "start", json!({"code": spaced})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "in_service");
        let started = app.state.now();
        // A retry answers as it is, counting nothing.
        let r = step(app, &me, order, "start", json!({"code": wrong})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "in_service");
        // The code is no longer shown.
        let r = app.get(&code_url, Some(&t.customer)).await;
        assert_problem(&r, StatusCode::CONFLICT, "door_code_not_available");

        app.advance(Duration::minutes(95));
        let r = step(app, &me, order, "finish", json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "pending_settlement");
        let finished = app.state.now();

        // The events carry the server's times and the worker as actor.
        let events = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(order))
            .order_by_asc(order_event::Column::Seq)
            .all(app.state.store.db())
            .await
            .unwrap();
        let at = |action: &str| {
            events
                .iter()
                .find(|e| e.action == action)
                .unwrap_or_else(|| panic!("{action} in {events:?}"))
                .at
        };
        assert_eq!(at("start_service"), started);
        assert_eq!(at("finish_service"), finished);
        let check_in = events.iter().find(|e| e.action == "check_in").unwrap();
        assert_eq!(
            (check_in.from_state.as_deref(), check_in.to_state.as_str()),
            (Some("en_route"), "arrived")
        );
        // The check-in's own outbox event, beside the order's.
        let topics: Vec<String> = outbox::Entity::find()
            .filter(outbox::Column::AggregateId.eq(order))
            .order_by_asc(outbox::Column::Position)
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.topic)
            .collect();
        for topic in [
            "order.depart",
            "order.check_in",
            "visit.check_in",
            "order.start_service",
            "order.finish_service",
        ] {
            assert!(
                topics.iter().any(|t| t == topic),
                "{b:?}: {topic} in {topics:?}"
            );
        }
    }
}

#[tokio::test]
async fn outside_the_fence_needs_a_reason_and_a_photo_and_is_flagged() {
    for b in backends() {
        let mut t = town(b).await;
        let app = &t.app;
        let [w1, w2] = t.workers;
        let order = place(&t, 10).await;
        assign(&t, order, w1).await;
        let me = app.worker_token(w1).await;
        let r = step(app, &me, order, "depart", json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        // Two hours early, at the address: too early is outside the fence too.
        let at = tomorrow(&t.app, 8);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(w1).await;
        let (lat, lng) = address_of(app, order).await;
        let r = step(app, &me, order, "check-in", json!({"lat": lat, "lng": lng})).await;
        assert_eq!(
            field_codes(&r)[0].1,
            "outside_fence_reason_required",
            "{}",
            r.text
        );
        assert!(r.text.contains("before check-in opens"), "{}", r.text);
        // At the window, 1.2 km away.
        let at = app.state.now() + Duration::hours(2);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(w1).await;
        let far = json!({"lat": lat + 1_200.0 / 111_195.0, "lng": lng});

        // Nothing given: both fields named, with the distance.
        let r = step(app, &me, order, "check-in", far.clone()).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [
                ("reason".into(), "outside_fence_reason_required".into()),
                (
                    "photo_upload_id".into(),
                    "outside_fence_photo_required".into()
                )
            ]
        );
        assert!(r.text.contains("1200 m"), "{}", r.text);
        // A reason without a photo; someone else's photo.
        let mut body = far.clone();
        body["reason"] = json!("小区封闭，只能在北门打卡");
        let r = step(app, &me, order, "check-in", body.clone()).await;
        assert_eq!(
            field_codes(&r),
            [(
                "photo_upload_id".into(),
                "outside_fence_photo_required".into()
            )]
        );
        let theirs = upload_photo(app, &app.worker_token(w2).await).await;
        body["photo_upload_id"] = json!(theirs);
        let r = step(app, &me, order, "check-in", body.clone()).await;
        assert_eq!(
            field_codes(&r),
            [("photo_upload_id".into(), "unknown_photo".into())]
        );
        // A position that is nowhere.
        let r = step(
            app,
            &me,
            order,
            "check-in",
            json!({"lat": 123.0, "lng": lng}),
        )
        .await;
        assert_eq!(field_codes(&r), [("lat".into(), "invalid_position".into())]);
        assert_eq!(
            state_of(app, order).await,
            "en_route",
            "{b:?}: nothing recorded"
        );

        // With both: accepted and flagged.
        let photo = upload_photo(app, &me).await;
        body["photo_upload_id"] = json!(photo);
        let r = step(app, &me, order, "check-in", body).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "arrived");
        let c = &r.body["check_in"];
        assert_eq!(c["flagged"], true);
        assert_eq!(c["inside_radius"], false);
        assert_eq!(c["outside"], json!(["too_far"]));
        // A retry records nothing new and answers the same check-in.
        let r2 = step(app, &me, order, "check-in", json!({"lat": lat, "lng": lng})).await;
        assert_eq!(r2.status, StatusCode::OK, "{}", r2.text);
        assert_eq!(r2.body["check_in"]["id"], c["id"]);

        // Operations see it, with the photo; the worker's position decrypts.
        let r = app
            .get("/api/v1/admin/check-ins/flagged", Some(&t.disp))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", r.text);
        let f = &items[0];
        assert_eq!(f["order_id"], json!(order));
        assert_eq!(f["reason"], "小区封闭，只能在北门打卡");
        assert!(
            (f["position"]["lat"].as_f64().unwrap() - (lat + 1_200.0 / 111_195.0)).abs() < 1e-9
        );
        let photo_url = f["photo_url"].as_str().unwrap();
        let pic = app.get(photo_url, Some(&t.disp)).await;
        assert_eq!(pic.status, StatusCode::OK, "{}", pic.text);

        // The service record has the check-in: the photo's hash, the words only salted.
        let r = app
            .get(
                &format!("/api/v1/admin/orders/{order}/record"),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["verified"], true, "{}", r.text);
        let entries = r.body["entries"].as_array().unwrap();
        let ci = entries.iter().find(|e| e["kind"] == "check_in").unwrap();
        let sha = daojia_store::repo::uploads::get(app.state.store.db(), photo)
            .await
            .unwrap()
            .unwrap()
            .sha256;
        assert_eq!(ci["content"]["photo_sha256"], json!(sha));
        assert!(
            ci["content"]["reason"]
                .as_str()
                .unwrap()
                .starts_with("s256:")
        );
        assert!(!r.text.contains("北门") && !r.text.contains(&w1.to_string()));
    }
}

#[tokio::test]
async fn too_many_wrong_codes_lock_the_door_code() {
    for b in backends() {
        let mut t = town(b).await;
        let app = &t.app;
        let [w1, _] = t.workers;
        let order = place(&t, 10).await;
        assign(&t, order, w1).await;
        let me = app.worker_token(w1).await;
        step(app, &me, order, "depart", json!({})).await;
        let at = tomorrow(&t.app, 10);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(w1).await;
        let (lat, lng) = address_of(app, order).await;
        let r = step(app, &me, order, "check-in", json!({"lat": lat, "lng": lng})).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let code_url = format!("/api/v1/customer/orders/{order}/door-code");
        let code = app.get(&code_url, Some(&t.customer)).await.body["code"]
            .as_str()
            .unwrap()
            .to_string();
        let wrong = if code == "999999" { "888888" } else { "999999" };
        // Three entries (the test's limit): two wrong with tries left, the third locks.
        for left in [2, 1] {
            let r = step(app, &me, order, "start", json!({"code": wrong})).await;
            assert_eq!(
                field_codes(&r),
                [("code".into(), "wrong_door_code".into())],
                "{}",
                r.text
            );
            assert!(r.text.contains(&format!("{left} more")), "{}", r.text);
        }
        let r = step(app, &me, order, "start", json!({"code": wrong})).await;
        assert_problem(&r, StatusCode::CONFLICT, "door_code_locked");
        assert_eq!(field_codes(&r)[0].0, "code");
        // Even the right code no longer starts it.
        let r = step(app, &me, order, "start", json!({"code": code})).await;
        assert_problem(&r, StatusCode::CONFLICT, "door_code_locked");
        assert_eq!(state_of(app, order).await, "arrived");
        assert_eq!(
            app.get(&code_url, Some(&t.customer)).await.body["attempts_left"],
            0
        );
        let locked = outbox::Entity::find()
            .filter(outbox::Column::AggregateId.eq(order))
            .filter(outbox::Column::Topic.eq("visit.door_code_locked"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(locked.len(), 1, "{b:?}");
        // Operations start the visit from the console.
        let cs = app.staff_token("cs", Role::CustomerService).await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{order}/visit"),
                json!({"step": "start"}),
                Some(&cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "in_service");
    }
}

#[tokio::test]
async fn staff_still_record_the_steps_for_the_worker() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let cs = app.staff_token("cs", Role::CustomerService).await;
        let visit = |order: Uuid, s: &'static str| {
            let cs = cs.clone();
            async move {
                app.post(
                    &format!("/api/v1/admin/orders/{order}/visit"),
                    json!({"step": s}),
                    Some(&cs),
                )
                .await
            }
        };
        // Arrival alone, then the start.
        let one = place(&t, 10).await;
        assign(&t, one, t.workers[0]).await;
        let r = visit(one, "arrive").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "arrived");
        let r = visit(one, "start").await;
        assert_eq!(r.body["state"], "in_service", "{}", r.text);
        // `check_in` as before: arrived and started at once.
        let two = place(&t, 14).await;
        assign(&t, two, t.workers[1]).await;
        let r = visit(two, "check_in").await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "in_service");
        let r = visit(two, "teleport").await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
}
