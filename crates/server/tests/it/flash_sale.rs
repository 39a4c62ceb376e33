//! The flash sale (秒杀, issue 14): 10,000 customers race through the real router for a
//! promotion of 100 places on windows with room for all of them, on every database the run
//! tests. Exactly 100 orders hold the promotion at its price, the sold count is 100, no
//! customer holds two, and every other customer is told `promotion_sold_out` (409) and
//! nothing else. The latency of the answers is printed, not asserted.
//!
//! `DAOJIA_FLASH_CUSTOMERS` sets the number of customers (default 10,000).
//!
//! `promotion_rules`: the rest of a promotion's life on a few customers (the answers before
//! it opens, the per-customer limit, a cancelled order giving its place back, stopping it,
//! the console's checks).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use common::{Reply, TestApp, assert_problem, at, backends, grab, send_to};
use daojia_domain::access::{Audience, Role};
use daojia_store::entity::{auth_session, order_line, promotion, promotion_claim};
use daojia_store::testing::Backend;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use uuid::Uuid;

/// Places in the promotion.
const QUOTA: i64 = 100;
/// Requests in flight at once.
const CONCURRENCY: usize = 64;
/// The promotional price of the test item (list price 159 yuan).
const PRICE_FEN: i64 = 9_900;

fn racers_wanted() -> usize {
    std::env::var("DAOJIA_FLASH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// A customer of the race: their token and saved address.
struct Racer {
    id: Uuid,
    token: String,
    address: Uuid,
}

/// `n` customers written straight into the store (no SMS), each with the demo's sample
/// customer's first address and a live session, and their access tokens.
async fn customers(app: &TestApp, n: usize, tag: u32) -> Vec<Racer> {
    let store = &app.state.store;
    let db = store.db();
    let now = app.state.now();
    let sample = daojia_demo::city(8).customers[0].addresses[0].clone();
    let list: Vec<daojia_demo::Customer> = (0..n)
        .map(|k| daojia_demo::Customer {
            phone: format!("19{tag}{k:08}"),
            nickname: format!("抢购{k}"),
            addresses: vec![sample.clone()],
        })
        .collect();
    let ids = daojia_app::demo_city::write_customers(db, store, &list, now)
        .await
        .unwrap();
    let sessions: Vec<auth_session::ActiveModel> = ids
        .iter()
        .map(|(id, _)| auth_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            audience: Set(Audience::Customer.as_str().into()),
            subject_id: Set(*id),
            created_at: Set(now),
            last_used_at: Set(now),
            expires_at: Set(now + Duration::days(1)),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            user_agent: Set(None),
            ip: Set(None),
        })
        .collect();
    let sids: Vec<Uuid> = sessions.iter().map(|s| *s.id.as_ref()).collect();
    daojia_app::demo_city::insert_batched(db, sessions)
        .await
        .unwrap();
    ids.into_iter()
        .zip(sids)
        .map(|((id, addresses), sid)| Racer {
            id,
            token: app.state.tokens.sign(&daojia_server::token::Claims {
                sid,
                sub: id,
                aud: Audience::Customer,
                iat: now.timestamp(),
                exp: now.timestamp() + 24 * 3600,
            }),
            address: addresses[0],
        })
        .collect()
}

/// Creates the promotion of [`grab::ITEM`] through the console; its id.
async fn create_promotion(app: &TestApp, marketing: &str, body: Value) -> Uuid {
    let r = app
        .post("/api/v1/admin/promotions", body, Some(marketing))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().parse().unwrap()
}

fn terms(app: &TestApp, quota: i64) -> Value {
    let now = app.state.now();
    json!({
        "item_code": grab::ITEM, "name": "日常保洁 秒杀", "price_fen": PRICE_FEN, "quota": quota,
        "starts_at": (now - Duration::minutes(1)).to_rfc3339(),
        "ends_at": (now + Duration::days(1)).to_rfc3339(),
    })
}

/// The day after tomorrow (Shanghai), the first of the days the race books.
fn first_day(app: &TestApp) -> chrono::NaiveDate {
    (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(2)
}

/// A booking of the promoted item by `c` at window `start`, with a fresh key.
fn booking(c: &Racer, promotion: Uuid, start: DateTime<Utc>) -> Request<Body> {
    let body = json!({"items": [{"item": grab::ITEM}], "address_id": c.address,
        "window_start": start.to_rfc3339(), "promotion_id": promotion});
    Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {}", c.token))
        .header("content-type", "application/json")
        .header("idempotency-key", Uuid::now_v7().to_string())
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Customer `k`'s window: 27 windows over three days, 08:00 to 16:00, so that 100
/// bookings spread over room for many more.
fn window_of(day: chrono::NaiveDate, k: usize) -> DateTime<Utc> {
    at(
        day + Duration::days((k % 3) as i64),
        8 + ((k / 3) % 9) as u32,
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_customers_race_for_a_hundred_places_and_none_is_oversold() {
    for b in backends() {
        race(b, racers_wanted()).await;
    }
}

async fn race(b: Backend, n: usize) {
    let app = TestApp::new(b).await;
    // 100 workers able to do the item, on shift 07:00–21:00 every day.
    grab::city(&app, 100).await;
    let marketing = app.staff_token("flash-marketing", Role::Marketing).await;
    let setup = Instant::now();
    let racers = Arc::new(customers(&app, n, 1).await);
    let promotion = create_promotion(&app, &marketing, terms(&app, QUOTA)).await;
    let day = first_day(&app);
    eprintln!(
        "{b:?}: {n} customers and their sessions written in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (router, racers, next) = (app.router.clone(), racers.clone(), next.clone());
            tokio::spawn(async move {
                let mut answers = vec![];
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = racers.get(k) else { break };
                    let t = Instant::now();
                    let r: Reply = send_to(&router, booking(c, promotion, window_of(day, k))).await;
                    answers.push((k, r, t.elapsed().as_secs_f64() * 1000.0));
                }
                answers
            })
        })
        .collect();
    let mut answers = vec![];
    for t in tasks {
        answers.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(answers.len(), n);

    // Every answer is a booking or a clear "sold out", nothing else.
    let mut won: HashMap<Uuid, usize> = HashMap::new();
    let mut sold_out = 0;
    let mut other: Vec<String> = vec![];
    for (k, r, _) in &answers {
        match (r.status, r.body["code"].as_str()) {
            (StatusCode::CREATED, _) => {
                assert_eq!(r.body["total_fen"], PRICE_FEN, "{b:?}: {}", r.text);
                let id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
                assert!(
                    won.insert(id, *k).is_none(),
                    "{b:?}: order {id} answered twice"
                );
            }
            (StatusCode::CONFLICT, Some("promotion_sold_out")) => {
                assert_eq!(r.body["errors"][0]["field"], "promotion_id", "{}", r.text);
                sold_out += 1;
            }
            _ => other.push(format!("{} {}", r.status, r.text)),
        }
    }
    let mut ms: Vec<f64> = answers.iter().map(|(_, _, t)| *t).collect();
    ms.sort_by(f64::total_cmp);
    eprintln!(
        "{b:?}: {n} customers, {CONCURRENCY} at a time: {} booked, {sold_out} sold out, {} other in {elapsed:.1} s ({:.0} answers/s); latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        won.len(),
        other.len(),
        n as f64 / elapsed,
        percentile(&ms, 0.50),
        percentile(&ms, 0.99),
        ms[ms.len() - 1],
    );
    for (what, status) in [
        ("bookings", StatusCode::CREATED),
        ("sold out", StatusCode::CONFLICT),
    ] {
        let mut ms: Vec<f64> = answers
            .iter()
            .filter(|(_, r, _)| r.status == status)
            .map(|(_, _, t)| *t)
            .collect();
        ms.sort_by(f64::total_cmp);
        if !ms.is_empty() {
            eprintln!(
                "{b:?}:   {what}: p50 {:.1} ms, p99 {:.1} ms",
                percentile(&ms, 0.50),
                percentile(&ms, 0.99)
            );
        }
    }
    assert!(other.is_empty(), "{b:?}: unexpected answers: {other:#?}");
    assert_eq!(
        won.len() as i64,
        QUOTA,
        "{b:?}: exactly the quota is booked"
    );
    assert_eq!(
        sold_out,
        n - QUOTA as usize,
        "{b:?}: every other customer was told"
    );

    // The store agrees: sold == quota, one live claim per winning order, one per customer,
    // each order's promoted line at the promotional price.
    let db = app.state.store.db();
    let p = promotion::Entity::find_by_id(promotion)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((p.sold, p.quota), (QUOTA, QUOTA), "{b:?}");
    let claims = promotion_claim::Entity::find()
        .filter(promotion_claim::Column::PromotionId.eq(promotion))
        .all(db)
        .await
        .unwrap();
    assert_eq!(claims.len() as i64, QUOTA, "{b:?}: one claim per booking");
    let orders: HashSet<Uuid> = claims.iter().map(|c| c.order_id).collect();
    assert_eq!(orders, won.keys().copied().collect(), "{b:?}");
    let buyers: HashSet<Uuid> = claims.iter().map(|c| c.customer_id).collect();
    assert_eq!(buyers.len() as i64, QUOTA, "{b:?}: no customer holds two");
    for (order, k) in &won {
        let c = claims.iter().find(|c| c.order_id == *order).unwrap();
        assert_eq!(
            c.customer_id, racers[*k].id,
            "{b:?}: the winner's own claim"
        );
        assert_eq!((c.seat, c.price_fen), (Some(1), PRICE_FEN));
    }
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(orders.iter().copied()))
        .all(db)
        .await
        .unwrap();
    assert_eq!(lines.len() as i64, QUOTA);
    assert!(lines.iter().all(|l| l.unit_price_fen == PRICE_FEN));

    // Customers see it sold out.
    let r = app.get("/api/v1/public/promotions", None).await;
    let shown = r.body.as_array().unwrap();
    let ours = shown
        .iter()
        .find(|x| x["id"] == json!(promotion))
        .unwrap_or_else(|| panic!("{b:?}: not listed: {}", r.text));
    assert_eq!(
        (&ours["remaining"], &ours["standing"]),
        (&json!(0), &json!("sold_out"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promotion_rules() {
    for b in backends() {
        rules(b).await;
    }
}

async fn rules(b: Backend) {
    let app = TestApp::new(b).await;
    grab::city(&app, 40).await;
    let marketing = app.staff_token("rules-marketing", Role::Marketing).await;
    let cs = app.staff_token("rules-cs", Role::CustomerService).await;
    let c = customers(&app, 4, 2).await;
    let day = first_day(&app);
    let now = app.state.now();
    let book =
        |c: &Racer, p: Uuid, k: usize| send_to(&app.router, booking(c, p, window_of(day, k)));

    // The console refuses what makes no sense, every field at once, and needs marketing.write.
    let bad = json!({"item_code": grab::ITEM, "name": "", "price_fen": 15_900, "quota": 0,
        "per_customer": 1, "areas": ["nowhere"], "starts_at": now.to_rfc3339(), "ends_at": now.to_rfc3339()});
    let r = app
        .post("/api/v1/admin/promotions", bad, Some(&marketing))
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["name", "price_fen", "quota", "ends_at", "areas[0]"] {
        assert!(fields.contains(&f), "{b:?}: {f} in {}", r.text);
    }
    let r = app
        .post("/api/v1/admin/promotions", terms(&app, 2), Some(&cs))
        .await;
    assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");

    // Before it opens: promotion_not_started, and the customer's app shows it coming.
    let mut later = terms(&app, 2);
    later["starts_at"] = json!((now + Duration::hours(1)).to_rfc3339());
    let soon = create_promotion(&app, &marketing, later).await;
    let r = book(&c[0], soon, 0).await;
    assert_problem(&r, StatusCode::CONFLICT, "promotion_not_started");
    assert_eq!(r.body["errors"][0]["field"], "promotion_id");

    // Quota 2, one each: c0 and c1 book; c0 again is over the limit; c2 finds it sold out.
    let p = create_promotion(&app, &marketing, terms(&app, 2)).await;
    let first = book(&c[0], p, 0).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["total_fen"], PRICE_FEN);
    assert_eq!(first.body["promotion"]["id"], json!(p), "{}", first.text);
    assert_eq!(
        (
            &first.body["promotion"]["unit_price_fen"],
            &first.body["promotion"]["released"]
        ),
        (&json!(PRICE_FEN), &json!(false))
    );
    let r = book(&c[0], p, 1).await;
    assert_problem(&r, StatusCode::CONFLICT, "promotion_limit_reached");
    let r = book(&c[1], p, 2).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = book(&c[2], p, 3).await;
    assert_problem(&r, StatusCode::CONFLICT, "promotion_sold_out");
    // Without the item, or with two units of it, the promotion does not apply.
    let mut req = json!({"items": [{"item": "deep_cleaning"}], "address_id": c[3].address,
        "window_start": window_of(day, 4).to_rfc3339(), "promotion_id": soon});
    let r = app
        .post_keyed("/api/v1/customer/orders", &c[3].token, Some("k1"), &req)
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "promotion_not_started");
    let open = create_promotion(&app, &marketing, terms(&app, 5)).await;
    req["promotion_id"] = json!(open);
    let r = app
        .post_keyed("/api/v1/customer/orders", &c[3].token, Some("k2"), &req)
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["errors"][0]["code"], "promotion_item_missing",
        "{}",
        r.text
    );
    req["items"] = json!([{"item": grab::ITEM, "quantity": 2}]);
    let r = app
        .post_keyed("/api/v1/customer/orders", &c[3].token, Some("k3"), &req)
        .await;
    assert_eq!(
        r.body["errors"][0]["field"], "items[0].quantity",
        "{}",
        r.text
    );

    // Cancelling before the service gives the place back, to anyone, c0 included.
    let id = first.body["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/customer/orders/{id}/cancel"),
            json!({"reason": "改主意了"}),
            Some(&c[0].token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let sold = |list: &Reply, id: Uuid| {
        let row = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == json!(id))
            .unwrap()
            .clone();
        (
            row["sold"].as_i64().unwrap(),
            row["remaining"].as_i64().unwrap(),
        )
    };
    let list = app.get("/api/v1/admin/promotions", Some(&marketing)).await;
    assert_eq!(sold(&list, p), (1, 1), "{b:?}: {}", list.text);
    let claim = daojia_store::repo::promotions::claim_of(app.state.store.db(), id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(
        claim.released_at.is_some() && claim.seat.is_none(),
        "{claim:?}"
    );
    // The order still shows the promotion it was booked at, its place given back.
    let r = app
        .get(&format!("/api/v1/customer/orders/{id}"), Some(&c[0].token))
        .await;
    assert_eq!(
        (
            &r.body["promotion"]["name"],
            &r.body["promotion"]["released"]
        ),
        (&json!("日常保洁 秒杀"), &json!(true)),
        "{b:?}: {}",
        r.text
    );
    // And so does the console's order detail.
    let disp = app.staff_token("disp-promo", Role::Dispatcher).await;
    let r = app
        .get(&format!("/api/v1/admin/orders/{id}"), Some(&disp))
        .await;
    assert_eq!(
        (&r.body["promotion"]["id"], &r.body["promotion"]["released"]),
        (&json!(p), &json!(true)),
        "{b:?}: {}",
        r.text
    );
    let r = book(&c[0], p, 5).await;
    assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
    let list = app.get("/api/v1/admin/promotions", Some(&marketing)).await;
    assert_eq!(sold(&list, p), (2, 0));
    // A second cancel of the same order gives nothing back twice.
    let r = app
        .post(
            &format!("/api/v1/customer/orders/{id}/cancel"),
            json!({"reason": "再取消"}),
            Some(&c[0].token),
        )
        .await;
    assert!(
        r.status.is_success() || r.status == StatusCode::CONFLICT,
        "{}",
        r.text
    );
    let list = app.get("/api/v1/admin/promotions", Some(&marketing)).await;
    assert_eq!(sold(&list, p), (2, 0));

    // Stopped: promotion_ended, gone from the customers' list, audited.
    let r = app
        .post(
            &format!("/api/v1/admin/promotions/{open}/stop"),
            json!({}),
            Some(&marketing),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "stopped");
    req["items"] = json!([{"item": grab::ITEM}]);
    let r = app
        .post_keyed("/api/v1/customer/orders", &c[3].token, Some("k4"), &req)
        .await;
    assert_problem(&r, StatusCode::CONFLICT, "promotion_ended");
    let shown = app.get("/api/v1/public/promotions", None).await;
    let ids: Vec<&str> = shown
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&open.to_string().as_str()), "{}", shown.text);
    assert!(ids.contains(&soon.to_string().as_str()));
    let audit = daojia_store::entity::audit_log::Entity::find()
        .filter(
            daojia_store::entity::audit_log::Column::Action
                .is_in(["promotion.create", "promotion.stop"]),
        )
        .all(app.state.store.db())
        .await
        .unwrap();
    assert_eq!(audit.len(), 4, "{b:?}: three created, one stopped");
}
