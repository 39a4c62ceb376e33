//! Slots through the API and slot capacity under real concurrency: a deep clean longer
//! than half a shift has windows and books; two customers racing for the last place get
//! one order and one `slot_unavailable`; a doubled cancel is one
//! cancellation; a placement retried at the same moment is one order. On every backend.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Datelike, Duration, NaiveTime};
use common::door::two_customers;
use common::{Reply, TestApp, assert_problem, backends};
use daojia_store::entity::{worker, worker_shift};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

pub(crate) async fn place(app: &TestApp, token: &str, key: &str, body: &Value) -> Reply {
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

/// The local date `days` from the test clock's today, and its 09:00 as RFC 3339.
pub(crate) fn nine_am(app: &TestApp, days: i64) -> (chrono::NaiveDate, String) {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    let local = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    (date, (local.and_utc() - Duration::hours(8)).to_rfc3339())
}

#[tokio::test]
async fn slots_are_offered_where_someone_can_come_and_taken_ones_disappear() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (a, _) = two_customers(&app).await;
        let r = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": [{"item": "daily_cleaning"}], "address_id": a.address, "days": 3}),
                Some(&a.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["window_minutes"], 60);
        let days = r.body["days"].as_array().unwrap();
        assert_eq!(days.len(), 3);
        let tomorrow = &days[1]["windows"];
        let open: Vec<&Value> = tomorrow
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["available"] == true)
            .collect();
        assert!(open.len() >= 5, "{b:?}: a demo day has room: {tomorrow}");
        // Placing in an offered window works.
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": a.address, "window_start": open[0]["start"]});
        let r = place(&app, &a.token, "s-1", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        // Bad input is named.
        let r = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": [{"item": "daily_cleaning"}], "address_id": a.address, "days": 40}),
                Some(&a.token),
            )
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "days");
        // The order's own reschedule view.
        let id = place(&app, &a.token, "s-1", &body).await.body["id"].clone();
        let r = app
            .get(
                &format!(
                    "/api/v1/customer/orders/{}/slots?days=2",
                    id.as_str().unwrap()
                ),
                Some(&a.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["days"].as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn a_deep_clean_of_435_minutes_has_windows_on_a_normal_demo_day_and_books() {
    // Longer than a demo morning before the break's latest start and than an afternoon:
    // bookable because a long visit holds the worker's break (ADR 0007).
    for b in backends() {
        let app = TestApp::new(b).await;
        let (a, _) = two_customers(&app).await;
        let items = json!([
            {"item": "deep_cleaning", "options": [{"option": "area", "choice": "60_90"}]},
            {"item": "window_cleaning"}
        ]);
        let r = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": items, "address_id": a.address, "days": 3}),
                Some(&a.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["duration_min"], 435, "{}", r.text);
        // Tomorrow and the day after, demo days with nothing booked yet.
        for day in &r.body["days"].as_array().unwrap()[1..] {
            let open: Vec<&Value> = day["windows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|w| w["available"] == true)
                .collect();
            assert!(!open.is_empty(), "{b:?}: no window for a deep clean: {day}");
        }
        let tomorrow = &r.body["days"][1]["windows"];
        let first = tomorrow
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["available"] == true)
            .unwrap();
        let body = json!({"items": items, "address_id": a.address, "window_start": first["start"]});
        let r = place(&app, &a.token, "deep-1", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let minutes: i64 = r.body["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["duration_min"].as_i64().unwrap())
            .sum();
        assert!(minutes >= 7 * 60, "{}", r.text);
    }
}

/// Leaves one cleaner in the city, at the customers' door, working 09:00–13:00 on `date`.
pub(crate) async fn one_cleaner(app: &TestApp, date: chrono::NaiveDate, lat: f64, lng: f64) {
    let db = app.state.store.db();
    let workers = worker::Entity::find().all(db).await.unwrap();
    let keep = workers
        .iter()
        .find(|w| w.skills.contains("\"cleaning\""))
        .unwrap()
        .id;
    worker::Entity::update_many()
        .col_expr(worker::Column::Active, Expr::value(false))
        .filter(worker::Column::Id.ne(keep))
        .exec(db)
        .await
        .unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    worker::Entity::update_many()
        .col_expr(worker::Column::HomeLat, Expr::value(lat))
        .col_expr(worker::Column::HomeLng, Expr::value(lng))
        .filter(worker::Column::Id.eq(keep))
        .exec(db)
        .await
        .unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    only_nine_to_one(app, keep, date).await;
}

/// Gives `worker` one shift, 09:00-13:00 on `date`'s weekday, and counts the change as a
/// console write would.
pub(crate) async fn only_nine_to_one(app: &TestApp, worker: uuid::Uuid, date: chrono::NaiveDate) {
    let db = app.state.store.db();
    worker_shift::Entity::delete_many()
        .filter(worker_shift::Column::WorkerId.eq(worker))
        .exec(db)
        .await
        .unwrap();
    worker_shift::Entity::insert(worker_shift::ActiveModel {
        id: sea_orm::ActiveValue::Set(uuid::Uuid::now_v7()),
        worker_id: sea_orm::ActiveValue::Set(worker),
        weekday: sea_orm::ActiveValue::Set(date.weekday().num_days_from_monday() as i16),
        start_minute: sea_orm::ActiveValue::Set(9 * 60),
        end_minute: sea_orm::ActiveValue::Set(13 * 60),
        break_start_minute: sea_orm::ActiveValue::Set(None),
        break_end_minute: sea_orm::ActiveValue::Set(None),
    })
    .exec(db)
    .await
    .unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_customers_racing_for_the_last_place_get_one_order_and_one_clear_refusal() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (a, c) = two_customers(&app).await;
        let list = app.get("/api/v1/customer/addresses", Some(&a.token)).await;
        let (lat, lng) = (
            list.body[0]["lat"].as_f64().unwrap(),
            list.body[0]["lng"].as_f64().unwrap(),
        );
        let (date, nine) = nine_am(&app, 2);
        one_cleaner(&app, date, lat, lng).await;
        // A three-hour cleaning: one fits between 09:00 and 13:00, two do not.
        let item =
            json!([{"item": "daily_cleaning", "options": [{"option": "hours", "choice": "3h"}]}]);
        let slots = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": item, "address_id": a.address, "from": date, "days": 1}),
                Some(&a.token),
            )
            .await;
        assert_eq!(slots.status, StatusCode::OK, "{}", slots.text);
        let nine_open = |v: &Value| {
            v["days"][0]["windows"].as_array().unwrap().iter().any(|w| {
                w["start"].as_str().unwrap().starts_with(&nine[..16]) && w["available"] == true
            })
        };
        assert!(nine_open(&slots.body), "{b:?}: {}", slots.text);

        let body_a = json!({"items": item, "address_id": a.address, "window_start": nine});
        let body_c = json!({"items": item, "address_id": c.address, "window_start": nine});
        let (ra, rc) = tokio::join!(
            place(&app, &a.token, "race-a", &body_a),
            place(&app, &c.token, "race-c", &body_c)
        );
        let mut statuses = [ra.status, rc.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{b:?}: {} / {}",
            ra.text,
            rc.text
        );
        let lost = if ra.status == StatusCode::CONFLICT {
            &ra
        } else {
            &rc
        };
        assert_problem(lost, StatusCode::CONFLICT, "slot_unavailable");
        assert_eq!(lost.body["errors"][0]["field"], "window_start");

        // The window is gone for everyone now.
        let slots = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": item, "address_id": c.address, "from": date, "days": 1}),
                Some(&c.token),
            )
            .await;
        assert!(!nine_open(&slots.body), "{b:?}: {}", slots.text);

        // The winner cancels twice at once: one cancellation, one event.
        let winner = if ra.status == StatusCode::CREATED {
            (&ra, &a)
        } else {
            (&rc, &c)
        };
        let id = winner.0.body["id"].as_str().unwrap().to_string();
        let cancel = |t: String, id: String| {
            let app = &app;
            async move {
                app.post(
                    &format!("/api/v1/customer/orders/{id}/cancel"),
                    json!({"reason": "计划有变"}),
                    Some(&t),
                )
                .await
            }
        };
        let (x, y) = tokio::join!(
            cancel(winner.1.token.clone(), id.clone()),
            cancel(winner.1.token.clone(), id.clone())
        );
        assert_eq!(
            (x.status, y.status),
            (StatusCode::OK, StatusCode::OK),
            "{} / {}",
            x.text,
            y.text
        );
        let events = daojia_store::repo::orders::events(app.state.store.db(), id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(
            events.iter().filter(|e| e.action == "cancel").count(),
            1,
            "{b:?}"
        );
        // And the place is free again.
        let slots = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": item, "address_id": c.address, "from": date, "days": 1}),
                Some(&c.token),
            )
            .await;
        assert!(nine_open(&slots.body), "{b:?}: {}", slots.text);

        // The same placement sent twice at the same moment is one order.
        let (p, q) = tokio::join!(
            place(&app, &c.token, "twice", &body_c),
            place(&app, &c.token, "twice", &body_c)
        );
        let ok: Vec<&Reply> = [&p, &q]
            .into_iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .collect();
        assert!(!ok.is_empty(), "{b:?}: {} / {}", p.text, q.text);
        for r in [&p, &q] {
            assert!(
                r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT,
                "{b:?}: {}",
                r.text
            );
            if r.status == StatusCode::CREATED {
                assert_eq!(r.body["id"], ok[0].body["id"]);
            }
        }
        // The same reschedule sent twice at once moves the order once: one event, one
        // reschedule counted against the policy.
        let oid = ok[0].body["id"].as_str().unwrap().to_string();
        // Half an hour later the same day: the only cleaner still has room (3.5 h from
        // 09:30 ends at 13:00, the end of the shift).
        let later = (chrono::DateTime::parse_from_rfc3339(&nine).unwrap() + Duration::minutes(30))
            .to_rfc3339();
        let move_it = |t: String, id: String, w: String| {
            let app = &app;
            async move {
                app.post(
                    &format!("/api/v1/customer/orders/{id}/reschedule"),
                    json!({"window_start": w}),
                    Some(&t),
                )
                .await
            }
        };
        let (x, y) = tokio::join!(
            move_it(c.token.clone(), oid.clone(), later.clone()),
            move_it(c.token.clone(), oid.clone(), later.clone())
        );
        for r in [&x, &y] {
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::CONFLICT,
                "{b:?}: {}",
                r.text
            );
        }
        assert!(
            x.status == StatusCode::OK || y.status == StatusCode::OK,
            "{b:?}: {} / {}",
            x.text,
            y.text
        );
        let row = daojia_store::repo::orders::get(app.state.store.db(), oid.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            row.window_start.to_rfc3339(),
            chrono::DateTime::parse_from_rfc3339(&later)
                .unwrap()
                .to_rfc3339()
        );
        let events = daojia_store::repo::orders::events(app.state.store.db(), row.id)
            .await
            .unwrap();
        let moves = events.iter().filter(|e| e.action == "reschedule").count();
        assert_eq!(moves, 1, "{b:?}: a doubled reschedule is one move");
        assert_eq!(row.customer_reschedules, 1);

        let mine = app.get("/api/v1/customer/orders", Some(&c.token)).await;
        let live = mine
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["state"] != "cancelled")
            .count();
        assert_eq!(live, 1, "{b:?}: {}", mine.text);
    }
}
