//! The booking lock of a pool's day (ADR 0012) under real concurrency: two customers
//! racing for the last place in a window, round after round (on days whose lock row the
//! race itself makes, then on days that have one), get one order and one
//! `slot_unavailable` every time, on every backend; and while a transaction holds one
//! day's lock, placements on the days either side of it go through at once and a
//! placement on that day waits for it (PostgreSQL and MariaDB: SQLite serialises every
//! writer anyway).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveDate, NaiveTime};
use common::door::{Customer, two_customers};
use common::{Reply, TestApp, assert_problem, backends, send_to};
use daojia_store::entity::{worker, worker_shift};
use daojia_store::testing::Backend;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration as StdDuration;

/// How long a placement that must not wait may take before the test calls it stuck.
const STUCK: StdDuration = StdDuration::from_secs(30);

/// A three-hour cleaning: one fits the cleaner's 09:00–13:00, two do not.
fn item() -> Value {
    json!([{"item": "daily_cleaning", "options": [{"option": "hours", "choice": "3h"}]}])
}

/// 09:00 in Shanghai on `date`, as RFC 3339.
fn nine(date: NaiveDate) -> String {
    let local = date.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    (local.and_utc() - Duration::hours(8)).to_rfc3339()
}

/// The demo city of seed 5 with one cleaner left, at the sample customer's door, working
/// 09:00–13:00 every day; the sample customer and a second customer at the same spot; and
/// the pool of their area.
pub(crate) async fn city(app: &TestApp) -> (Customer, Customer, Vec<String>) {
    let (a, c) = two_customers(app).await;
    let list = app.get("/api/v1/customer/addresses", Some(&a.token)).await;
    let first = list.body[0].clone();

    let db = app.state.store.db();
    let bump = || async {
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap()
    };
    let keep = worker::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .find(|w| w.skills.contains("\"cleaning\""))
        .unwrap()
        .id;
    worker::Entity::update_many()
        .col_expr(worker::Column::Active, Expr::value(false))
        .filter(worker::Column::Id.ne(keep))
        .exec(db)
        .await
        .unwrap();
    bump().await;
    worker::Entity::update_many()
        .col_expr(worker::Column::HomeLat, Expr::value(first["lat"].as_f64()))
        .col_expr(worker::Column::HomeLng, Expr::value(first["lng"].as_f64()))
        .filter(worker::Column::Id.eq(keep))
        .exec(db)
        .await
        .unwrap();
    bump().await;
    worker_shift::Entity::delete_many()
        .filter(worker_shift::Column::WorkerId.eq(keep))
        .exec(db)
        .await
        .unwrap();
    bump().await;
    for weekday in 0..7 {
        worker_shift::Entity::insert(worker_shift::ActiveModel {
            id: sea_orm::ActiveValue::Set(uuid::Uuid::now_v7()),
            worker_id: sea_orm::ActiveValue::Set(keep),
            weekday: sea_orm::ActiveValue::Set(weekday),
            start_minute: sea_orm::ActiveValue::Set(9 * 60),
            end_minute: sea_orm::ActiveValue::Set(13 * 60),
            break_start_minute: sea_orm::ActiveValue::Set(None),
            break_end_minute: sea_orm::ActiveValue::Set(None),
        })
        .exec(db)
        .await
        .unwrap();
        bump().await;
    }
    let areas = daojia_store::repo::catalog::areas(db).await.unwrap();
    let area = areas
        .iter()
        .find(|x| Some(x.code.as_str()) == first["area_code"].as_str())
        .unwrap();
    let pool = daojia_store::repo::slots::pool_of(&areas, area);
    (a, c, pool)
}

/// The days from tomorrow on (within the booking horizon) whose 09:00 window is open for
/// the item: the demo's own orders may have taken the cleaner's morning on some.
pub(crate) async fn open_days(app: &TestApp, who: &Customer) -> Vec<NaiveDate> {
    let from = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let slots = app
        .post(
            "/api/v1/customer/slots",
            json!({"items": item(), "address_id": who.address, "from": from, "days": 13}),
            Some(&who.token),
        )
        .await;
    assert_eq!(slots.status, StatusCode::OK, "{}", slots.text);
    let mut open = vec![];
    for day in slots.body["days"].as_array().unwrap() {
        let date: NaiveDate = day["date"].as_str().unwrap().parse().unwrap();
        let at = nine(date);
        if day["windows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["start"].as_str().unwrap().starts_with(&at[..16]) && w["available"] == true)
        {
            open.push(date);
        }
    }
    open
}

pub(crate) fn placement(who: &Customer, key: &str, date: NaiveDate) -> Request<Body> {
    let body = json!({"items": item(), "address_id": who.address, "window_start": nine(date)});
    Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {}", who.token))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_customers_racing_for_the_last_place_get_exactly_one_order_every_round() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (a, c, _) = city(&app).await;
        let days = open_days(&app, &a).await;
        assert!(days.len() >= 5, "{b:?}: open days {days:?}");
        let days = &days[..5];
        let (a, c) = (Arc::new(a), Arc::new(c));
        // Rounds 0–4 race on days without a lock row (the race makes it), the rest on
        // days that have one; each round's winner cancels, so the place is the last again.
        for round in 0..20 {
            let date = days[round % days.len()];
            let barrier = Arc::new(tokio::sync::Barrier::new(2));
            let tasks: Vec<_> = [a.clone(), c.clone()]
                .into_iter()
                .enumerate()
                .map(|(k, who)| {
                    let (router, barrier) = (app.router.clone(), barrier.clone());
                    tokio::spawn(async move {
                        let req = placement(&who, &format!("race-{round}-{k}"), date);
                        barrier.wait().await;
                        (k, send_to(&router, req).await)
                    })
                })
                .collect();
            let mut replies: Vec<(usize, Reply)> = vec![];
            for t in tasks {
                replies.push(t.await.unwrap());
            }
            let won: Vec<&(usize, Reply)> = replies
                .iter()
                .filter(|(_, r)| r.status == StatusCode::CREATED)
                .collect();
            assert_eq!(
                won.len(),
                1,
                "{b:?} round {round} on {date}: {} / {}",
                replies[0].1.text,
                replies[1].1.text
            );
            let (winner, placed) = won[0];
            let (_, lost) = &replies[1 - winner];
            assert_problem(lost, StatusCode::CONFLICT, "slot_unavailable");
            let who = if *winner == 0 { &a } else { &c };
            let id = placed.body["id"].as_str().unwrap();
            let r = app
                .post(
                    &format!("/api/v1/customer/orders/{id}/cancel"),
                    json!({"reason": "计划有变"}),
                    Some(&who.token),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_held_day_lock_stops_that_day_only() {
    for b in backends() {
        if b == Backend::Sqlite {
            // One writer at a time: a held transaction stops every other placement.
            continue;
        }
        let app = TestApp::new(b).await;
        let (a, c, pool) = city(&app).await;
        let days = open_days(&app, &a).await;
        // Three days in a row: the held one in the middle, so the others' rows sort on
        // both sides of its row (no gap lock of MariaDB's may stand in their way).
        let mid = days
            .windows(3)
            .find(|w| w[1] == w[0] + Duration::days(1) && w[2] == w[1] + Duration::days(1))
            .map(|w| w[1])
            .unwrap_or_else(|| panic!("{b:?}: three open days in a row in {days:?}"));
        let db = app.state.store.db();
        // The middle day's row exists before it is held (the update path of the lock).
        let tx = db.begin().await.unwrap();
        daojia_store::repo::slots::lock_day(&tx, &pool, mid)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let held = db.begin().await.unwrap();
        daojia_store::repo::slots::lock_day(&held, &pool, mid)
            .await
            .unwrap();
        for (k, date) in [mid - Duration::days(1), mid + Duration::days(1)]
            .into_iter()
            .enumerate()
        {
            let r = tokio::time::timeout(
                STUCK,
                send_to(&app.router, placement(&a, &format!("other-{k}"), date)),
            )
            .await
            .unwrap_or_else(|_| panic!("{b:?}: a placement on {date} waited for {mid}'s lock"));
            assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        }
        // The held day's placement waits for the lock, then goes through.
        let router = app.router.clone();
        let req = placement(&c, "same-day", mid);
        let waiting = tokio::spawn(async move { send_to(&router, req).await });
        tokio::time::sleep(StdDuration::from_secs(1)).await;
        assert!(
            !waiting.is_finished(),
            "{b:?}: a placement on {mid} did not wait for its day's lock"
        );
        held.rollback().await.unwrap();
        let r = tokio::time::timeout(STUCK, waiting)
            .await
            .unwrap_or_else(|_| panic!("{b:?}: the placement on {mid} still waits"))
            .unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
    }
}
