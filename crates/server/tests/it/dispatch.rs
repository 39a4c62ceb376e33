//! Automatic dispatch over HTTP on the demo city: a paid order is offered to the engine's
//! best worker; a rejection offers it to the next; a timeout (the offer timer, run by the
//! job runner) to the next; after `max_offers` it goes to the grab pool and the exceptions
//! queue; the explanation is stored and returned; a suspended worker and one at their
//! daily limit are never offered; the offer timer survives a restart.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::city::City;
use common::{TestApp, assert_problem, backends};
use daojia_dispatch::matching::{Engine, Policy};
use daojia_domain::access::Role;
use daojia_server::config::Config;
use daojia_store::entity::{order_event, service_order, worker};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub fn config() -> Config {
    common::city::auto_config(2)
}

async fn city(b: daojia_store::testing::Backend) -> City {
    common::city::auto_city(b, 2).await
}

/// Places tomorrow's 14:00 daily cleaning and pays it; the order id.
async fn place_paid(c: &City, key: &str) -> Uuid {
    let app = &c.app;
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let start = date
        .and_time(NaiveTime::from_hms_opt(14, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8);
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": c.address, "window_start": start.to_rfc3339()});
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {}", c.customer))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let placed = app.send(req).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
    let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
    let finance = app.staff_token(&format!("fin-{key}"), Role::Finance).await;
    let total = placed.body["total_fen"].as_i64().unwrap_or(15_900);
    let r = app
        .post(
            &format!("/api/v1/admin/orders/{id}/payments"),
            json!({"amount_fen": total, "method": "cash", "reference": format!("R-{key}")}),
            Some(&finance),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

/// Runs the relay until nothing is left.
async fn drain(relay: &daojia_app::outbox::relay::Relay, now: DateTime<Utc>) {
    for _ in 0..10 {
        if relay.tick(now).await.unwrap() == 0 {
            return;
        }
    }
}

/// The engine's ranking of the order now, best first.
async fn ranking(app: &TestApp, id: Uuid) -> Vec<Uuid> {
    let a = &app.state.app;
    let now = app.state.now();
    let loaded = daojia_app::dispatch::load::load(a, id, now)
        .await
        .unwrap()
        .unwrap();
    let code = loaded.area.code.clone();
    let engine = Engine {
        settings: a.settings.dispatch.engine(&code, a.settings.reach_m),
    };
    engine
        .decide(&loaded.pool, &loaded.order, a.travel.as_ref(), now)
        .ranked
        .iter()
        .map(|c| c.worker.0)
        .collect()
}

async fn order(app: &TestApp, id: Uuid) -> service_order::Model {
    daojia_store::repo::orders::get(app.state.store.db(), id)
        .await
        .unwrap()
        .unwrap()
}

async fn worker_token(c: &City, id: Uuid) -> String {
    let w = worker::Entity::find_by_id(id)
        .one(c.app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    let city = daojia_demo::city(c.seed);
    let phone = &city
        .workers
        .iter()
        .find(|x| x.code == w.code)
        .unwrap()
        .phone;
    let login = c.app.otp_login(phone, "worker").await;
    login["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn offers_go_to_the_best_then_the_next_then_the_grab_pool() {
    for b in backends() {
        let c = city(b).await;
        let app = &c.app;
        let id = place_paid(&c, "k1").await;
        let ranked = ranking(app, id).await;
        assert!(ranked.len() >= 4, "{b:?}: {} candidates", ranked.len());
        assert_eq!(order(app, id).await.state, "pending_dispatch");
        drain(&c.relay, app.state.now()).await;
        let o = order(app, id).await;
        assert_eq!(o.state, "pending_accept", "{b:?}");
        assert_eq!(
            o.worker_id,
            Some(ranked[0]),
            "{b:?}: the best is offered first"
        );

        // The explanation is stored and returned.
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let h = app
            .get(
                &format!("/api/v1/admin/orders/{id}/dispatch"),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(h.status, StatusCode::OK, "{}", h.text);
        let d = &h.body["decisions"][0];
        assert_eq!(d["outcome"], "offered");
        assert_eq!(d["worker_id"], json!(ranked[0]));
        let best = &d["explanation"]["ranked"][0];
        assert_eq!(best["worker"], json!(ranked[0]));
        assert!(!best["terms"].as_array().unwrap().is_empty());
        assert!(best["terms"][0]["kind"].is_string());
        assert_eq!(h.body["offers"][0]["status"], "open");

        // The offered worker sees it, masked, with its deadline; declines it.
        let w1 = worker_token(&c, ranked[0]).await;
        let mine = app.get("/api/v1/worker/offers", Some(&w1)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
        let offer1 = mine.body[0]["id"].as_str().unwrap().to_string();
        assert_eq!(mine.body[0]["order_id"], json!(id));
        assert!(mine.body[0]["address"].as_str().unwrap().contains('*'));
        assert!(mine.body[0]["expires_at"].is_string());
        // Offline, the worker cannot accept; nothing changes.
        let offline = app
            .call(
                axum::http::Method::PUT,
                "/api/v1/worker/me/presence",
                Some(json!({"online": false, "accepting": false})),
                Some(&w1),
            )
            .await;
        assert_eq!(offline.status, StatusCode::OK, "{}", offline.text);
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer1}/accept"),
                json!({}),
                Some(&w1),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "worker_offline");
        assert_eq!(order(app, id).await.state, "pending_accept");
        let online = app
            .call(
                axum::http::Method::PUT,
                "/api/v1/worker/me/presence",
                Some(json!({"online": true, "accepting": true})),
                Some(&w1),
            )
            .await;
        assert_eq!(online.status, StatusCode::OK, "{}", online.text);
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer1}/reject"),
                json!({"reason": ""}),
                Some(&w1),
            )
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer1}/reject"),
                json!({"reason": "太远了"}),
                Some(&w1),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["state"], "pending_dispatch");
        drain(&c.relay, app.state.now()).await;
        let o = order(app, id).await;
        assert_eq!(o.state, "pending_accept", "{b:?}");
        let second = o.worker_id.unwrap();
        assert_ne!(
            second, ranked[0],
            "{b:?}: a worker who declined is not asked again"
        );
        // Answering a closed offer changes nothing.
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer1}/accept"),
                json!({}),
                Some(&w1),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "offer_rejected");

        // The second worker lets it expire: the timer (job runner) expires it.
        let w2 = worker_token(&c, second).await;
        let mine = app.get("/api/v1/worker/offers", Some(&w2)).await;
        let offer2 = mine.body[0]["id"].as_str().unwrap().to_string();
        app.advance(Duration::seconds(180));
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer2}/accept"),
                json!({}),
                Some(&w2),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "offer_expired");
        assert_eq!(
            order(app, id).await.state,
            "pending_accept",
            "nothing changed"
        );
        daojia_server::jobs::tick(&app.state, "test").await.unwrap();
        assert_eq!(order(app, id).await.state, "pending_dispatch", "{b:?}");
        // Two offers made: the grab pool and the exceptions queue.
        drain(&c.relay, app.state.now()).await;
        let o = order(app, id).await;
        assert_eq!(o.state, "pending_dispatch", "{b:?}");
        let h = app
            .get(
                &format!("/api/v1/admin/orders/{id}/dispatch"),
                Some(&dispatcher),
            )
            .await;
        let decisions = h.body["decisions"].as_array().unwrap();
        assert_eq!(decisions.len(), 3, "{}", h.text);
        assert_eq!(decisions[2]["outcome"], "grab_pool_exception");
        let statuses: Vec<&str> = h.body["offers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["rejected", "expired"]);
        assert!(h.body["grab_pool_since"].is_string());
        let second_rejections = decisions[1]["explanation"]["rejected"].as_array().unwrap();
        assert!(
            second_rejections
                .iter()
                .any(|r| r["worker"] == json!(ranked[0]) && r["reason"]["code"] == "declined")
        );
        let ex = app.get("/api/v1/admin/exceptions", Some(&dispatcher)).await;
        assert!(
            ex.body
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "dispatch_failed" && e["order"]["id"] == json!(id)),
            "{}",
            ex.text
        );

        // The grab pool: a qualified worker nearby sees it and claims it; the next is late.
        let others: Vec<Uuid> = ranked
            .iter()
            .copied()
            .filter(|w| *w != ranked[0] && *w != second)
            .take(2)
            .collect();
        let w3 = worker_token(&c, others[0]).await;
        let pool = app.get("/api/v1/worker/grab-pool", Some(&w3)).await;
        assert_eq!(pool.status, StatusCode::OK, "{}", pool.text);
        assert!(
            pool.body
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["order_id"] == json!(id)),
            "{}",
            pool.text
        );
        let r = app
            .post(
                &format!("/api/v1/worker/grab-pool/{id}/claim"),
                json!({}),
                Some(&w3),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["state"], "accepted");
        let w4 = worker_token(&c, others[1]).await;
        let r = app
            .post(
                &format!("/api/v1/worker/grab-pool/{id}/claim"),
                json!({}),
                Some(&w4),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "order_taken");
        let o = order(app, id).await;
        assert_eq!(
            (o.state.as_str(), o.worker_id),
            ("accepted", Some(others[0]))
        );
        drain(&c.relay, app.state.now()).await;
        let h = app
            .get(
                &format!("/api/v1/admin/orders/{id}/dispatch"),
                Some(&dispatcher),
            )
            .await;
        assert!(h.body["grab_pool_since"].is_null(), "{}", h.text);
    }
}

#[tokio::test]
async fn suspended_and_full_workers_are_never_offered() {
    for b in backends() {
        let c = city(b).await;
        let app = &c.app;
        let db = app.state.store.db();
        let id = place_paid(&c, "k2").await;
        let ranked = ranking(app, id).await;
        assert!(ranked.len() >= 4, "{b:?}");
        // The two best: one suspended, one at their daily limit.
        worker::Entity::update_many()
            .col_expr(worker::Column::Status, Expr::value("suspended"))
            .filter(worker::Column::Id.eq(ranked[0]))
            .exec(db)
            .await
            .unwrap();
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap();
        worker::Entity::update_many()
            .col_expr(worker::Column::DailyJobLimit, Expr::value(Some(0)))
            .filter(worker::Column::Id.eq(ranked[1]))
            .exec(db)
            .await
            .unwrap();
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap();
        drain(&c.relay, app.state.now()).await;
        let o = order(app, id).await;
        assert_eq!(o.state, "pending_accept", "{b:?}");
        assert_eq!(o.worker_id, Some(ranked[2]), "{b:?}");
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let h = app
            .get(
                &format!("/api/v1/admin/orders/{id}/dispatch"),
                Some(&dispatcher),
            )
            .await;
        let rejected = h.body["decisions"][0]["explanation"]["rejected"]
            .as_array()
            .unwrap()
            .clone();
        let code_of = |w: Uuid| {
            rejected
                .iter()
                .find(|r| r["worker"] == json!(w))
                .map(|r| r["reason"]["code"].as_str().unwrap().to_string())
        };
        assert_eq!(
            code_of(ranked[0]).as_deref(),
            Some("suspended"),
            "{}",
            h.text
        );
        assert_eq!(
            code_of(ranked[1]).as_deref(),
            Some("daily_limit_reached"),
            "{}",
            h.text
        );
        // A dispatcher gives it to someone else: the offer is withdrawn, and accepting it
        // is refused without changing anything.
        let offered = worker_token(&c, ranked[2]).await;
        let mine = app.get("/api/v1/worker/offers", Some(&offered)).await;
        let offer = mine.body[0]["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/assign"),
                json!({"worker_id": ranked[3]}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/worker/offers/{offer}/accept"),
                json!({}),
                Some(&offered),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "offer_withdrawn");
        assert_eq!(order(app, id).await.worker_id, Some(ranked[3]));
        drain(&c.relay, app.state.now()).await;
        let h = app
            .get(
                &format!("/api/v1/admin/orders/{id}/dispatch"),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(h.body["offers"][0]["status"], "withdrawn", "{}", h.text);
    }
}

#[tokio::test]
async fn the_offer_timer_survives_a_restart() {
    for b in backends() {
        let c = city(b).await;
        let app = &c.app;
        let id = place_paid(&c, "k3").await;
        drain(&c.relay, app.state.now()).await;
        let first = order(app, id).await.worker_id.unwrap();
        // A new node over the same database, its clock past the deadline.
        let later = Arc::new(Mutex::new(app.state.now() + Duration::seconds(150)));
        let clock = later.clone();
        let cfg = config();
        let shared = daojia_server::connect_shared(&cfg).await.unwrap();
        let opts = daojia_server::BuildOptions {
            clock: Arc::new(move || *clock.lock().unwrap()),
            shared: Some(shared),
            ..Default::default()
        };
        let node = daojia_server::build(cfg, app.state.store.clone(), opts).unwrap();
        assert!(daojia_server::jobs::tick(&node, "node-2").await.unwrap() >= 1);
        assert_eq!(order(app, id).await.state, "pending_dispatch", "{b:?}");
        let relay = daojia_server::relay(&node);
        drain(&relay, node.now()).await;
        let o = order(app, id).await;
        assert_eq!(o.state, "pending_accept", "{b:?}");
        assert_ne!(o.worker_id, Some(first), "{b:?}");
        let expired = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(id))
            .filter(order_event::Column::Action.eq("offer_expired"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(expired.len(), 1);
    }
}

#[tokio::test]
async fn the_demo_city_dispatches_its_waiting_orders() {
    for b in backends() {
        let mut cfg = config();
        cfg.demo.seed = 11;
        cfg.demo.history_days = 0;
        cfg.demo.booked_per_day = 40;
        let app = TestApp::with_config(b, cfg).await;
        *app.now.lock().unwrap() = "2026-12-02T02:10:00Z".parse().unwrap();
        let started = daojia_server::demo::start(&app.state).await.unwrap();
        let db = app.state.store.db();
        // The demo's offered orders are open offers with a deadline; its workers are online.
        let offered: usize = started.days.iter().map(|d| d.offered).sum();
        let open = daojia_store::entity::dispatch_offer::Entity::find()
            .all(db)
            .await
            .unwrap();
        assert_eq!(open.len(), offered, "{b:?}");
        assert!(open.iter().all(|o| o.status == "open"));
        let online = worker::Entity::find()
            .filter(worker::Column::Online.eq(true))
            .all(db)
            .await
            .unwrap();
        assert!(!online.is_empty());
        // The start's sweep offers the orders still waiting for a worker.
        let waiting = |rows: &[service_order::Model]| {
            rows.iter()
                .filter(|o| o.state == "pending_dispatch" && o.window_start > app.state.now())
                .count()
        };
        let before = waiting(&service_order::Entity::find().all(db).await.unwrap());
        assert!(before > 0, "{b:?}: the demo leaves some orders waiting");
        let n = daojia_app::dispatch::auto::sweep(&app.state.app, app.state.now())
            .await
            .unwrap();
        assert!(n > 0, "{b:?}");
        let after = waiting(&service_order::Entity::find().all(db).await.unwrap());
        assert!(after < before, "{b:?}: {before} → {after}");
    }
}
