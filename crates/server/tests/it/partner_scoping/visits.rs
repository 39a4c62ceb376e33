//! Partner scoping of an order of several trades (docs/adr/0008): its cleaning visit goes to
//! partner A's worker and its repair visit to partner B's (and then the other way round, so
//! that A holds the customer's order once and a linked visit once). A's staff read and act
//! on A's visit only: B's visit is not found on every endpoint that reads or acts on one
//! visit, a change to the whole order (cancel, reschedule, a payment) is 403
//! `visits_outside_scope` on A's visit, no answer to A names B's visit or worker, and
//! neither visit changes when A is refused.

use super::world::{id, ok, staff_id};
use crate::common::city::{City, auto_city};
use crate::common::{Reply, assert_problem, backends};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use daojia_domain::access::Role;
use daojia_store::entity::{dispatch_offer, order_event, order_payment, service_order};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

/// `hour`:00 tomorrow in Shanghai.
fn tomorrow(c: &City, hour: u32) -> DateTime<Utc> {
    let date = (c.app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

/// A cleaning and an air-conditioner repair tomorrow at 14:00 (nobody in the demo city does
/// both), paid, each visit offered to and accepted by a worker of its trade. Returns the
/// visits, the customer's order (the first) first.
async fn two_trades(c: &City, admin: &str) -> Vec<service_order::Model> {
    let app = &c.app;
    let body = json!({"items": [{"item": "daily_cleaning"}, {"item": "ac_repair"}],
                      "address_id": c.address, "window_start": tomorrow(c, 14).to_rfc3339()});
    let key = Uuid::now_v7().to_string();
    let placed = app
        .post_keyed("/api/v1/customer/orders", &c.customer, Some(&key), &body)
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
    let order = id(&placed.body["id"]);
    if placed.body["state"] == "pending_payment" {
        let pay = json!({"amount_fen": placed.body["total_fen"], "method": "cash",
                         "reference": "SCOPE-1"});
        let path = format!("/api/v1/admin/orders/{order}/payments");
        ok(app, Method::POST, &path, pay, admin).await;
    }
    for _ in 0..10 {
        if c.relay.tick(app.state.now()).await.unwrap() == 0 {
            break;
        }
    }
    let visits = bundle(c, order.parse().unwrap()).await;
    assert_eq!(visits.len(), 2, "two visits: {visits:?}");
    for v in &visits {
        let worker = v.worker_id.expect("each visit is offered to a worker");
        let token = app.worker_token(worker).await;
        let offers = app.get("/api/v1/worker/offers", Some(&token)).await;
        let offer = offers.body.as_array().unwrap().iter();
        let offer = offer
            .filter(|o| o["order_id"] == json!(v.id))
            .map(|o| id(&o["id"]))
            .next()
            .expect("an offer of the visit");
        let path = format!("/api/v1/worker/offers/{offer}/accept");
        ok(app, Method::POST, &path, json!({}), &token).await;
    }
    let visits = bundle(c, order.parse().unwrap()).await;
    assert!(visits.iter().all(|v| v.state == "accepted"), "{visits:?}");
    visits
}

/// The visits of the order `id`, first visit first.
async fn bundle(c: &City, id: Uuid) -> Vec<service_order::Model> {
    service_order::Entity::find()
        .filter(service_order::Column::BundleId.eq(id))
        .order_by_asc(service_order::Column::Id)
        .all(c.app.state.store.db())
        .await
        .unwrap()
}

/// A visit's row with its timeline, offers and payments, printed, to compare before and
/// after.
async fn snapshot(c: &City, visit: Uuid) -> String {
    let db = c.app.state.store.db();
    let row = service_order::Entity::find_by_id(visit).one(db).await;
    let events = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(visit))
        .order_by_asc(order_event::Column::Seq)
        .all(db)
        .await;
    let offers = dispatch_offer::Entity::find()
        .filter(dispatch_offer::Column::OrderId.eq(visit))
        .order_by_asc(dispatch_offer::Column::Id)
        .all(db)
        .await;
    let payments = order_payment::Entity::find()
        .filter(order_payment::Column::OrderId.eq(visit))
        .order_by_asc(order_payment::Column::Id)
        .all(db)
        .await;
    format!("{row:?}\n{events:?}\n{offers:?}\n{payments:?}")
}

/// Staff of `role` attached to `partner`; returns their token.
async fn partner_staff(c: &City, admin: &str, name: &str, role: Role, partner: &str) -> String {
    let token = c.app.staff_token(name, role).await;
    let s = staff_id(&c.app, &token).await;
    let path = format!("/api/v1/admin/staff/{s}/partner");
    ok(
        &c.app,
        Method::PUT,
        &path,
        json!({"partner_id": partner}),
        admin,
    )
    .await;
    token
}

/// Asserts that `r` names nothing of `theirs` (the visit, its number, its worker).
fn assert_no_leak(r: &Reply, what: &str, theirs: &service_order::Model) {
    let worker = theirs.worker_id.unwrap().to_string();
    for v in [theirs.id.to_string(), theirs.order_no.clone(), worker] {
        assert!(!r.text.contains(&v), "{what} names {v} of B: {}", r.text);
    }
}

#[tokio::test]
async fn partner_staff_read_and_act_on_their_own_visit_of_an_order_of_two_trades_only() {
    for b in backends() {
        let c = auto_city(b, 3).await;
        let app = &c.app;
        let admin = app.staff_token("scope-admin", Role::SuperAdmin).await;
        let visits = two_trades(&c, &admin).await;
        let mut partners = vec![];
        for (code, name) in [("jiajie", "佳洁家政"), ("anxin", "安心维修")] {
            let body = json!({"code": code, "name": name});
            let p = ok(app, Method::POST, "/api/v1/admin/partners", body, &admin).await;
            partners.push(id(&p["id"]));
        }
        let (a, pb_id) = (&partners[0], &partners[1]);
        // A's staff: the partner role (reads, dispatch), and a dispatcher and a cashier
        // attached to A (order and finance writes, within A's scope).
        let pa = partner_staff(&c, &admin, "pa", Role::Partner, a).await;
        let pa_ops = partner_staff(&c, &admin, "pa-ops", Role::Dispatcher, a).await;
        let pa_fin = partner_staff(&c, &admin, "pa-fin", Role::Finance, a).await;
        let pb = partner_staff(&c, &admin, "pb", Role::Partner, pb_id).await;

        // A holds the customer's order (the first visit), then a linked visit.
        for (mine, theirs) in [(&visits[0], &visits[1]), (&visits[1], &visits[0])] {
            let case = format!("{b:?}, A holds {}", mine.order_no);
            for (v, p) in [(mine, a), (theirs, pb_id)] {
                let path = format!("/api/v1/admin/workers/{}", v.worker_id.unwrap());
                ok(app, Method::PATCH, &path, json!({"partner_id": p}), &admin).await;
            }
            let db = app.state.store.db();
            let now = |v: &service_order::Model| service_order::Entity::find_by_id(v.id).one(db);
            let (mine, theirs) = (
                &now(mine).await.unwrap().unwrap(),
                &now(theirs).await.unwrap().unwrap(),
            );
            let before = (snapshot(&c, mine.id).await, snapshot(&c, theirs.id).await);
            let (m, t) = (mine.id, theirs.id);

            // B's visit is not found to A, read or acted on.
            for path in [
                format!("/api/v1/admin/orders/{t}"),
                format!("/api/v1/admin/orders/{t}/dispatch"),
                format!("/api/v1/admin/orders/{t}/slots"),
            ] {
                for token in [&pa, &pa_ops] {
                    let r = app.get(&path, Some(token)).await;
                    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
                    assert_no_leak(&r, &format!("{case}: GET {path}"), theirs);
                }
            }
            let window = tomorrow(&c, 16).to_rfc3339();
            let mine_worker = mine.worker_id.unwrap();
            let acts = [
                (
                    "assign",
                    json!({"worker_id": mine_worker, "override_reason": "改派"}),
                    &pa,
                ),
                (
                    "assign",
                    json!({"worker_id": mine_worker, "dry_run": true}),
                    &pa_ops,
                ),
                ("visit", json!({"step": "depart"}), &pa_ops),
                ("cancel", json!({"reason": "客户改主意"}), &pa_ops),
                (
                    "reschedule",
                    json!({"window_start": window, "force": true}),
                    &pa_ops,
                ),
                (
                    "payments",
                    json!({"amount_fen": 100, "method": "cash", "reference": "A-1"}),
                    &pa_fin,
                ),
            ];
            for (act, body, token) in &acts {
                let path = format!("/api/v1/admin/orders/{t}/{act}");
                let r = app.post(&path, body.clone(), Some(token)).await;
                assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
                assert_no_leak(&r, &format!("{case}: POST {path}"), theirs);
            }

            // A's own visit: A reads it, with only the visits A sees listed...
            for token in [&pa, &pa_ops] {
                let path = format!("/api/v1/admin/orders/{m}");
                let r = app.get(&path, Some(token)).await;
                assert_eq!(r.status, StatusCode::OK, "{case}: {}", r.text);
                let listed: Vec<&Value> = r.body["visits"].as_array().unwrap().iter().collect();
                assert_eq!(listed.len(), 1, "{case}: {}", r.text);
                assert_eq!(listed[0]["id"], json!(m), "{case}");
                assert_no_leak(&r, &format!("{case}: GET {path}"), theirs);
                for path in [
                    "/api/v1/admin/orders".to_string(),
                    format!("/api/v1/admin/orders/{m}/dispatch"),
                    format!("/api/v1/admin/orders/{m}/slots"),
                ] {
                    let r = app.get(&path, Some(token)).await;
                    assert_eq!(r.status, StatusCode::OK, "{case}: GET {path}: {}", r.text);
                    assert_no_leak(&r, &format!("{case}: GET {path}"), theirs);
                }
            }
            // ...but cannot change the whole order, which B's visit is part of.
            let whole = [
                ("cancel", json!({"reason": "客户改主意"}), &pa_ops),
                (
                    "reschedule",
                    json!({"window_start": window, "force": true}),
                    &pa_ops,
                ),
                (
                    "payments",
                    json!({"amount_fen": 100, "method": "cash", "reference": "A-2"}),
                    &pa_fin,
                ),
            ];
            for (act, body, token) in &whole {
                let path = format!("/api/v1/admin/orders/{m}/{act}");
                let r = app.post(&path, body.clone(), Some(token)).await;
                assert_problem(&r, StatusCode::FORBIDDEN, "visits_outside_scope");
                assert_no_leak(&r, &format!("{case}: POST {path}"), theirs);
            }
            assert_eq!(
                (snapshot(&c, m).await, snapshot(&c, t).await),
                before,
                "{case}: A's refused calls changed a visit"
            );

            // B's staff see B's visit, and only it.
            let r = app
                .get(&format!("/api/v1/admin/orders/{t}"), Some(&pb))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{case}: {}", r.text);
            assert_eq!(
                r.body["visits"],
                json!([{"id": t, "order_no": theirs.order_no,
                "state": theirs.state, "worker_id": theirs.worker_id}]),
                "{case}"
            );
            // A checks its visit's dispatch (a dry run of its own worker) and records its
            // worker's departure: one visit's steps are A's to take; B's visit is as it was.
            let path = format!("/api/v1/admin/orders/{m}/assign");
            let r = app
                .post(
                    &path,
                    json!({"worker_id": mine_worker, "dry_run": true}),
                    Some(&pa),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{case}: {}", r.text);
            assert_no_leak(&r, &format!("{case}: POST {path}"), theirs);
            let path = format!("/api/v1/admin/orders/{m}/visit");
            let r = app
                .post(&path, json!({"step": "depart"}), Some(&pa_ops))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{case}: {}", r.text);
            assert_eq!(r.body["state"], "en_route", "{case}");
            assert_no_leak(&r, &format!("{case}: POST {path}"), theirs);
            assert_eq!(snapshot(&c, t).await, before.1, "{case}: B's visit changed");
        }
    }
}
