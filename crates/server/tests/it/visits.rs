//! Orders needing several trades over HTTP, on the demo city (where nobody both cleans and
//! repairs appliances): such an order is placed as linked visits, one per trade, each
//! dispatched to its own worker; the customer sees one order with its visits; one payment
//! is shared out over them; a rejected offer re-dispatches only its visit; reschedule and
//! cancel move or cancel every visit together. An order one worker can serve whole stays
//! one visit; a trade nobody can serve is a 409 naming its item, and nothing is written.
//! A completed order of two trades is reviewed once, and the review counts for both workers.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::city::City;
use common::{TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_store::entity::{review, service_order, worker, worker_shift};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

async fn city(b: daojia_store::testing::Backend) -> City {
    common::city::auto_city(b, 3).await
}

/// `hour`:00 tomorrow in Shanghai.
fn tomorrow(app: &TestApp, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

async fn place(c: &City, items: &[&str], hour: u32) -> common::Reply {
    let items: Vec<Value> = items.iter().map(|i| json!({ "item": i })).collect();
    let body = json!({"items": items, "address_id": c.address,
                      "window_start": tomorrow(&c.app, hour).to_rfc3339()});
    c.app
        .post_keyed(
            "/api/v1/customer/orders",
            &c.customer,
            Some(&Uuid::now_v7().to_string()),
            &body,
        )
        .await
}

/// The visits of the order `id`.
async fn rows(c: &City, id: Uuid) -> Vec<service_order::Model> {
    service_order::Entity::find()
        .filter(service_order::Column::BundleId.eq(id))
        .order_by_asc(service_order::Column::Id)
        .all(c.app.state.store.db())
        .await
        .unwrap()
}

/// How many orders the customer has (the demo gave them some).
async fn count(c: &City) -> u64 {
    service_order::Entity::find()
        .filter(service_order::Column::CustomerId.eq(c.customer_id))
        .count(c.app.state.store.db())
        .await
        .unwrap()
}

async fn visit(c: &City, id: Uuid) -> service_order::Model {
    daojia_store::repo::orders::get(c.app.state.store.db(), id)
        .await
        .unwrap()
        .unwrap()
}

async fn drain(c: &City) {
    for _ in 0..10 {
        if c.relay.tick(c.app.state.now()).await.unwrap() == 0 {
            return;
        }
    }
}

async fn skills_of(c: &City, w: Uuid) -> Vec<String> {
    let w = worker::Entity::find_by_id(w)
        .one(c.app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    serde_json::from_str(&w.skills).unwrap()
}

/// The id of the worker's open offer of the order `id` (the demo's orders may have
/// offered them others).
async fn offer_of(c: &City, token: &str, id: Uuid) -> String {
    let offers = c.app.get("/api/v1/worker/offers", Some(token)).await;
    assert_eq!(offers.status, StatusCode::OK, "{}", offers.text);
    let mine = offers.body.as_array().unwrap().iter();
    let offer = mine
        .filter(|o| o["order_id"] == json!(id))
        .map(|o| o["id"].as_str().unwrap().to_string())
        .next();
    offer.expect("an offer of the visit")
}

/// The repairers of the demo city (nobody among them cleans).
async fn repairers(c: &City) -> Vec<Uuid> {
    worker::Entity::find()
        .filter(worker::Column::Skills.contains("appliance_repair"))
        .all(c.app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect()
}

#[tokio::test]
async fn an_order_of_two_trades_is_two_visits_each_with_its_own_worker() {
    for b in backends() {
        let c = city(b).await;
        let app = &c.app;
        let placed = place(&c, &["daily_cleaning", "ac_repair"], 14).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
        let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
        let visits = placed.body["visits"].as_array().unwrap();
        assert_eq!(visits.len(), 2, "{b:?}: {}", placed.text);
        assert_eq!(visits[0]["id"], json!(id), "the first visit is the order");
        assert_eq!(visits[0]["skills"], json!(["cleaning"]));
        assert_eq!(visits[1]["skills"], json!(["appliance_repair"]));
        assert_eq!(placed.body["lines"].as_array().unwrap().len(), 2);
        let stored = rows(&c, id).await;
        assert_eq!(stored.len(), 2, "{b:?}");
        assert!(stored.iter().all(|r| r.bundle_id == Some(id)));
        let total: i64 = stored.iter().map(|r| r.total_fen).sum();
        assert_eq!(placed.body["total_fen"], json!(total));
        let linked = stored[1].id;

        // One payment for the whole order, shared out over the visits.
        if placed.body["state"] == "pending_payment" {
            let finance = app.staff_token("fin", Role::Finance).await;
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{id}/payments"),
                    json!({"amount_fen": total, "method": "cash", "reference": "R-1"}),
                    Some(&finance),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
            // The same payment again changes nothing.
            let again = app
                .post(
                    &format!("/api/v1/admin/orders/{id}/payments"),
                    json!({"amount_fen": total, "method": "cash", "reference": "R-1"}),
                    Some(&finance),
                )
                .await;
            assert_eq!(again.status, StatusCode::OK, "{b:?}: {}", again.text);
        }
        for r in rows(&c, id).await {
            assert_eq!(
                r.paid_fen, r.total_fen,
                "{b:?}: each visit records its share"
            );
            assert_eq!(r.state, "pending_dispatch", "{b:?}");
        }

        // Each visit is offered on its own, to a worker of its trade.
        drain(&c).await;
        let (first, second) = (visit(&c, id).await, visit(&c, linked).await);
        assert_eq!(first.state, "pending_accept", "{b:?}");
        assert_eq!(second.state, "pending_accept", "{b:?}");
        let (w1, w2) = (first.worker_id.unwrap(), second.worker_id.unwrap());
        assert_ne!(w1, w2, "{b:?}");
        assert!(skills_of(&c, w1).await.contains(&"cleaning".to_string()));
        assert!(
            skills_of(&c, w2)
                .await
                .contains(&"appliance_repair".to_string())
        );

        // The customer sees one order with its two visits.
        let mine = app.get("/api/v1/customer/orders", Some(&c.customer)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
        let listed = mine.body.as_array().unwrap();
        assert!(
            !listed.iter().any(|o| o["id"] == json!(linked)),
            "{b:?}: linked visits are not orders of their own"
        );
        let ours: Vec<&Value> = listed.iter().filter(|o| o["id"] == json!(id)).collect();
        assert_eq!(ours.len(), 1, "{b:?}");
        assert_eq!(ours[0]["visits"].as_array().unwrap().len(), 2);
        assert_eq!(ours[0]["total_fen"], json!(total));
        let one = app
            .get(&format!("/api/v1/customer/orders/{id}"), Some(&c.customer))
            .await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text);
        assert_eq!(one.body["visits"][1]["state"], "pending_accept");
        let name = one.body["visits"][1]["worker"].as_str().unwrap();
        assert!(
            name.contains('*'),
            "{b:?}: the worker's name is masked: {name}"
        );

        // The console shows each visit with links to the others.
        let staff = app.staff_token("disp", Role::Dispatcher).await;
        let seen = app
            .get(&format!("/api/v1/admin/orders/{linked}"), Some(&staff))
            .await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
        assert_eq!(seen.body["bundle_id"], json!(id));
        assert_eq!(seen.body["visits"][0]["id"], json!(id));
        assert_eq!(seen.body["visits"][1]["id"], json!(linked));
        assert_eq!(
            seen.body["lines"].as_array().unwrap().len(),
            1,
            "its own trade only"
        );

        // The repairer declines: only the repair visit goes back to dispatch.
        let w2_token = app.worker_token(w2).await;
        let offer = offer_of(&c, &w2_token, linked).await;
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer}/reject"),
                json!({"reason": "太远了"}),
                Some(&w2_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        drain(&c).await;
        let (first, second) = (visit(&c, id).await, visit(&c, linked).await);
        assert_eq!(
            first.worker_id,
            Some(w1),
            "{b:?}: the cleaning visit is untouched"
        );
        assert_eq!(first.state, "pending_accept");
        assert_eq!(second.state, "pending_accept", "{b:?}");
        assert_ne!(
            second.worker_id,
            Some(w2),
            "{b:?}: offered to another repairer"
        );
        assert!(repairers(&c).await.contains(&second.worker_id.unwrap()));

        // Rescheduling moves both visits.
        let moved = app
            .post(
                &format!("/api/v1/customer/orders/{id}/reschedule"),
                json!({"window_start": tomorrow(app, 15).to_rfc3339()}),
                Some(&c.customer),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{b:?}: {}", moved.text);
        for r in rows(&c, id).await {
            assert_eq!(r.window_start, tomorrow(app, 15), "{b:?}");
        }

        // Cancelling cancels both, and refunds the whole payment (free this far ahead).
        let cancelled = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "计划有变"}),
                Some(&c.customer),
            )
            .await;
        assert_eq!(
            cancelled.status,
            StatusCode::OK,
            "{b:?}: {}",
            cancelled.text
        );
        assert_eq!(cancelled.body["state"], "cancelled");
        assert_eq!(cancelled.body["refunded_fen"], json!(total));
        assert_eq!(cancelled.body["fee_fen"], json!(0));
        for r in rows(&c, id).await {
            assert_eq!(r.state, "cancelled", "{b:?}");
        }
    }
}

#[tokio::test]
async fn an_order_one_worker_can_serve_whole_stays_one_visit() {
    for b in backends() {
        let c = city(b).await;
        // Some cleaners also clean air conditioners.
        let placed = place(&c, &["daily_cleaning", "ac_cleaning"], 14).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
        assert_eq!(placed.body["visits"], json!([]), "{b:?}");
        let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
        assert!(rows(&c, id).await.is_empty(), "{b:?}");
        let stored = visit(&c, id).await;
        assert_eq!(stored.bundle_id, None);
        let skills: Vec<String> = serde_json::from_str(stored.skills.as_deref().unwrap()).unwrap();
        assert_eq!(skills, ["cleaning", "appliance_cleaning"]);
    }
}

#[tokio::test]
async fn a_trade_that_cannot_be_served_is_a_conflict_on_its_item_and_nothing_is_written() {
    for b in backends() {
        let c = city(b).await;
        let db = c.app.state.store.db();
        let repairers = repairers(&c).await;
        assert!(!repairers.is_empty());
        let before = count(&c).await;

        // The repairers have no shift tomorrow: the cleaning visit alone could be placed,
        // but the order is all or nothing.
        worker_shift::Entity::delete_many()
            .filter(worker_shift::Column::WorkerId.is_in(repairers.clone()))
            .exec(db)
            .await
            .unwrap();
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap();
        let r = place(&c, &["daily_cleaning", "ac_repair"], 14).await;
        assert_problem(&r, StatusCode::CONFLICT, "slot_unavailable");
        assert_eq!(
            r.body["errors"][0]["field"], "items[1]",
            "{b:?}: {}",
            r.text
        );
        assert_eq!(count(&c).await, before, "{b:?}: no half-written order");

        // Nobody repairs any more: the item is named before any window is looked at.
        worker::Entity::update_many()
            .col_expr(worker::Column::Active, Expr::value(false))
            .filter(worker::Column::Id.is_in(repairers))
            .exec(db)
            .await
            .unwrap();
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap();
        let r = place(&c, &["ac_repair", "daily_cleaning"], 14).await;
        assert_problem(&r, StatusCode::CONFLICT, "slot_unavailable");
        assert_eq!(
            r.body["errors"][0]["field"], "items[0]",
            "{b:?}: {}",
            r.text
        );
        assert_eq!(count(&c).await, before, "{b:?}");
    }
}

/// Pays the order `id` in full in one payment when the demo has not (autopay off).
async fn pay(c: &City, id: Uuid, placed: &Value, total: i64) {
    if placed["state"] == "pending_payment" {
        let name = format!("fin-{}", &id.simple().to_string()[24..]);
        let finance = c.app.staff_token(&name, Role::Finance).await;
        let r = c
            .app
            .post(
                &format!("/api/v1/admin/orders/{id}/payments"),
                json!({"amount_fen": total, "method": "bank_transfer", "reference": "T-1"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

#[tokio::test]
async fn each_visit_is_served_on_its_own_and_the_order_completes_when_every_visit_has() {
    for b in backends() {
        let c = city(b).await;
        let app = &c.app;
        let placed = place(&c, &["daily_cleaning", "washer_repair"], 10).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
        let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
        let total = placed.body["total_fen"].as_i64().unwrap();
        pay(&c, id, &placed.body, total).await;
        drain(&c).await;
        let visits = rows(&c, id).await;
        assert_eq!(visits.len(), 2, "{b:?}");

        // Each worker accepts their own offer.
        for v in &visits {
            let token = app.worker_token(v.worker_id.unwrap()).await;
            let offer = offer_of(&c, &token, v.id).await;
            let r = app
                .post(
                    &format!("/api/v1/worker/offers/{offer}/accept"),
                    json!({}),
                    Some(&token),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        }
        let ops = app.staff_token("ops", Role::Dispatcher).await;
        let step = |v: Uuid, s: &'static str| {
            let ops = ops.clone();
            async move {
                let r = app
                    .post(
                        &format!("/api/v1/admin/orders/{v}/visit"),
                        json!({ "step": s }),
                        Some(&ops),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.text);
            }
        };
        // The cleaning is done; the repair has not started.
        for s in ["depart", "check_in", "finish"] {
            step(id, s).await;
        }
        let seen = app
            .get(&format!("/api/v1/customer/orders/{id}"), Some(&c.customer))
            .await;
        assert_eq!(
            seen.body["state"], "accepted",
            "{b:?}: the least advanced visit"
        );
        assert_eq!(seen.body["visits"][0]["state"], "pending_settlement");
        let early = app
            .post(
                &format!("/api/v1/customer/orders/{id}/confirm"),
                json!({}),
                Some(&c.customer),
            )
            .await;
        assert_problem(&early, StatusCode::CONFLICT, "invalid_state");
        assert_eq!(
            visit(&c, id).await.state,
            "pending_settlement",
            "{b:?}: all or none"
        );

        for s in ["depart", "check_in", "finish"] {
            step(visits[1].id, s).await;
        }
        let done = app
            .post(
                &format!("/api/v1/customer/orders/{id}/confirm"),
                json!({}),
                Some(&c.customer),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{b:?}: {}", done.text);
        assert_eq!(done.body["state"], "completed");
        for r in rows(&c, id).await {
            assert_eq!(r.state, "completed", "{b:?}");
        }

        // One review of the order the customer sees, counted for each visit's worker
        // (docs/reviews.md); the order's other visit is the same order: reviewed already.
        let review = json!({"rating": 4, "tags": ["tidy"], "text": "两位师傅都不错"});
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/review"),
                review.clone(),
                Some(&c.customer),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let written = review::Entity::find()
            .filter(review::Column::OrderId.is_in(visits.iter().map(|v| v.id)))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(written.len(), 2, "{b:?}: one row per visit");
        let rules = daojia_domain::review::ReviewRules::default();
        for v in &visits {
            let w = v.worker_id.unwrap();
            assert!(
                written
                    .iter()
                    .any(|r| r.worker_id == w && r.order_id == v.id)
            );
            let token = app.worker_token(w).await;
            let mine = app.get("/api/v1/worker/reviews", Some(&token)).await;
            assert_eq!(
                mine.body["items"][0]["text"], "两位师傅都不错",
                "{}",
                mine.text
            );
            let stars: Vec<i16> = review::Entity::find()
                .filter(review::Column::WorkerId.eq(w))
                .all(app.state.store.db())
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.rating)
                .collect();
            let rating = worker::Entity::find_by_id(w)
                .one(app.state.store.db())
                .await
                .unwrap()
                .unwrap()
                .rating_tenths;
            assert_eq!(rating, rules.rating_tenths(stars), "{b:?}");
        }
        let again = app
            .post(
                &format!("/api/v1/customer/orders/{}/review", visits[1].id),
                review,
                Some(&c.customer),
            )
            .await;
        assert_problem(&again, StatusCode::CONFLICT, "review_exists");
    }
}

/// Runs every due job, as a node's loop does tick after tick.
async fn run_due(c: &City) {
    for _ in 0..200 {
        let n = daojia_server::jobs::tick(&c.app.state, "test-node")
            .await
            .unwrap();
        drain(c).await;
        if n == 0 {
            return;
        }
    }
}

#[tokio::test]
async fn a_visit_nobody_took_by_the_window_cancels_the_order_unless_another_is_under_way() {
    for b in backends() {
        let c = city(b).await;
        let app = &c.app;
        // Nobody accepts either visit of the first order; the cleaner of the second
        // accepts, its repairer never does.
        let mut ids = vec![];
        for hour in [10, 14] {
            let placed = place(&c, &["daily_cleaning", "washer_repair"], hour).await;
            assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
            let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
            let total = placed.body["total_fen"].as_i64().unwrap();
            pay(&c, id, &placed.body, total).await;
            ids.push(id);
        }
        drain(&c).await;
        let (first, second) = (ids[0], ids[1]);
        let cleaning = visit(&c, second).await;
        let token = app.worker_token(cleaning.worker_id.unwrap()).await;
        let offer = offer_of(&c, &token, second).await;
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer}/accept"),
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);

        let by = tomorrow(app, 14) + Duration::minutes(1) - app.state.now();
        app.advance(by);
        run_due(&c).await;

        // The first order: both visits cancelled, everything paid refunded.
        for v in rows(&c, first).await {
            assert_eq!(v.state, "cancelled", "{b:?}: {}", v.order_no);
            assert_eq!(v.refunded_fen, v.paid_fen, "{b:?}: a full refund");
        }
        // The second: the repair cancelled, the cleaning stands, and the dispatchers are
        // told to call the customer.
        let visits = rows(&c, second).await;
        assert_eq!(visits[0].state, "accepted", "{b:?}");
        assert_eq!(visits[1].state, "cancelled", "{b:?}");
        let ops = app.staff_token("ops-queue", Role::Dispatcher).await;
        let queue = app.get("/api/v1/admin/exceptions", Some(&ops)).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
        let alarmed: Vec<&Value> = queue
            .body
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "visit_cancelled")
            .collect();
        assert_eq!(alarmed.len(), 1, "{b:?}: {}", queue.text);
        assert_eq!(alarmed[0]["order"]["id"], json!(second), "{b:?}");
        assert!(
            alarmed[0]["detail"]
                .as_str()
                .unwrap()
                .contains(&visits[0].order_no),
            "{b:?}: the visit that stands is named"
        );
    }
}
