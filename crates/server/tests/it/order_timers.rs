//! Order timers from the durable job queue: unpaid orders are cancelled, orders nobody was
//! sent to are cancelled (and refunded) when their window starts, finished orders complete
//! after the confirmation window; a timer for a window that was moved does nothing.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{DemoCustomer, TestApp, backends};
use daojia_domain::access::Role;
use serde_json::{Value, json};

struct Shop {
    token: String,
    address: uuid::Uuid,
}

async fn shop(app: &TestApp) -> Shop {
    let DemoCustomer { token, address, .. } = app.demo_customer(9).await;
    Shop { token, address }
}

fn at_local(app: &TestApp, days: i64, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

async fn order(app: &TestApp, s: &Shop, start: DateTime<Utc>, key: &str) -> Value {
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": s.address, "window_start": start.to_rfc3339()});
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {}", s.token))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

/// The order as stored (access tokens expire while the test clock runs ahead).
async fn state_of(app: &TestApp, _s: &Shop, id: &str) -> Value {
    let db = app.state.store.db();
    let id: uuid::Uuid = id.parse().unwrap();
    let row = daojia_store::repo::orders::get(db, id)
        .await
        .unwrap()
        .unwrap();
    let events: Vec<Value> = daojia_store::repo::orders::events(db, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| json!({"action": e.action, "actor": e.actor_type}))
        .collect();
    json!({"state": row.state, "refunded_fen": row.refunded_fen, "events": events})
}

/// Moves the test clock forward to `t` (the windows are in local hours, so a fixed step
/// would land before or after them depending on the hour the test starts at).
fn advance_to(app: &TestApp, t: DateTime<Utc>) {
    let by = t - app.state.now();
    assert!(by >= Duration::zero(), "the clock only moves forward");
    app.advance(by);
}

/// Runs every due job, as the node's loop does tick after tick.
async fn run_due(app: &TestApp) {
    for _ in 0..20 {
        if daojia_server::jobs::tick(&app.state, "test-node")
            .await
            .unwrap()
            == 0
        {
            return;
        }
    }
}

#[tokio::test]
async fn timers_cancel_unpaid_and_undispatched_orders_and_complete_finished_ones() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let s = shop(&app).await;
        let finance = app.staff_token("fin", Role::Finance).await;
        let service = app.staff_token("cs", Role::CustomerService).await;

        // The day anchors are taken before the clock moves (a step can cross midnight).
        let new_window = at_local(&app, 2, 11);
        let after_old_windows = at_local(&app, 1, 13);

        // Unpaid for 30 minutes: cancelled by the platform.
        let unpaid = order(&app, &s, at_local(&app, 1, 10), "a").await;
        let paid = order(&app, &s, at_local(&app, 1, 11), "b").await;
        let finished = order(&app, &s, at_local(&app, 1, 12), "c").await;
        for o in [&paid, &finished] {
            let r = app
                .post(&format!("/api/v1/admin/orders/{}/payments", o["id"].as_str().unwrap()), json!({"amount_fen": 15_900, "method": "bank_transfer", "reference": format!("T-{}", o["order_no"].as_str().unwrap())}), Some(&finance))
                .await;
            assert_eq!(r.body["state"], "pending_dispatch", "{}", r.text);
        }
        // The finished order: staff assign and record the visit; it completes by itself a day later.
        let fid = finished["id"].as_str().unwrap();
        let workers = app.get("/api/v1/admin/workers", Some(&service)).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        app.post(
            &format!("/api/v1/admin/orders/{fid}/assign"),
            json!({"worker_id": workers.body["items"][0]["id"], "override_reason": "any worker will do here"}),
            Some(&dispatcher),
        )
        .await;
        for step in ["check_in", "finish"] {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{fid}/visit"),
                    json!({"step": step}),
                    Some(&service),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }

        // The paid order is moved to the day after; its first deadline must not fire.
        let pid = paid["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{pid}/reschedule"),
                json!({"window_start": new_window.to_rfc3339()}),
                Some(&s.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        app.advance(Duration::minutes(31));
        run_due(&app).await;
        let u = state_of(&app, &s, unpaid["id"].as_str().unwrap()).await;
        assert_eq!(u["state"], "cancelled", "{b:?}: {u}");
        assert_eq!(
            u["events"].as_array().unwrap().last().unwrap()["actor"],
            "system"
        );
        assert_eq!(
            state_of(&app, &s, paid["id"].as_str().unwrap()).await["state"],
            "pending_dispatch",
            "paid orders stay"
        );

        // Past the original windows (and the finished order's confirmation day), still
        // before the new one, whatever the hour the test starts at.
        advance_to(
            &app,
            (app.state.now() + Duration::days(1) + Duration::hours(5)).max(after_old_windows),
        );
        run_due(&app).await;
        assert_eq!(
            state_of(&app, &s, pid).await["state"],
            "pending_dispatch",
            "{b:?}: the old window's timer is void"
        );
        let f = state_of(&app, &s, fid).await;
        assert_eq!(f["state"], "completed", "{b:?}: {f}");

        // Past the new window with nobody sent: cancelled and refunded in full.
        advance_to(&app, new_window + Duration::hours(1));
        run_due(&app).await;
        let p = state_of(&app, &s, pid).await;
        assert_eq!(
            (p["state"].as_str(), p["refunded_fen"].as_i64()),
            (Some("cancelled"), Some(15_900)),
            "{b:?}: {p}"
        );

        // Running again does nothing more.
        app.advance(Duration::hours(1));
        run_due(&app).await;
        assert_eq!(
            state_of(&app, &s, pid).await["events"]
                .as_array()
                .unwrap()
                .len(),
            p["events"].as_array().unwrap().len()
        );
    }
}

/// A node takes the unpaid-timeout job and dies before finishing it (its lease stays in the
/// table); the restarted server (a new node name, the same database) must neither lose nor
/// double it: it waits out the lease, runs it once, and a second run or the dead node's
/// late completion changes nothing. The same when the dead node had already cancelled the
/// order but not marked the job done.
#[tokio::test]
async fn a_restart_during_a_job_neither_loses_nor_doubles_it() {
    use daojia_store::repo::jobs;
    for b in backends() {
        let app = TestApp::new(b).await;
        let s = shop(&app).await;
        let first = order(&app, &s, at_local(&app, 1, 10), "r1").await;
        let second = order(&app, &s, at_local(&app, 1, 15), "r2").await;
        app.advance(Duration::minutes(31));

        // The node that dies claims both due jobs and stops there.
        let db = app.state.store.db();
        let taken = jobs::claim(
            db,
            "dead-node",
            8,
            daojia_server::jobs::LEASE,
            app.state.now(),
        )
        .await
        .unwrap();
        assert_eq!(
            taken
                .iter()
                .filter(|j| j.kind == "order.unpaid_timeout")
                .count(),
            2,
            "{b:?}"
        );
        // It had got as far as cancelling the second order before it died.
        let sid: uuid::Uuid = second["id"].as_str().unwrap().parse().unwrap();
        daojia_store::repo::orders::apply(
            &app.state.store,
            sid,
            daojia_domain::order::machine::Actor::System,
            daojia_domain::order::machine::Action::Cancel {
                reason: "unpaid".into(),
            },
            app.state.now(),
            None,
        )
        .await
        .unwrap();

        // The restarted server finds the jobs leased: nothing runs yet, nothing is lost.
        run_due_as(&app, "restarted").await;
        let f = state_of(&app, &s, first["id"].as_str().unwrap()).await;
        assert_eq!(f["state"], "pending_payment", "{b:?}: {f}");

        // After the lease, it runs them, once.
        app.advance(daojia_server::jobs::LEASE + Duration::seconds(1));
        run_due_as(&app, "restarted").await;
        run_due_as(&app, "restarted").await;
        for o in [&first, &second] {
            let st = state_of(&app, &s, o["id"].as_str().unwrap()).await;
            assert_eq!(st["state"], "cancelled", "{b:?}: {st}");
            let cancels = st["events"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "cancel")
                .count();
            assert_eq!(cancels, 1, "{b:?}: {st}");
        }
        // The dead node's late word does not count.
        for j in taken {
            assert!(
                !jobs::complete(db, j.id, "dead-node", app.state.now())
                    .await
                    .unwrap(),
                "{b:?}: the lease moved on"
            );
            let row = jobs::get(db, j.id).await.unwrap().unwrap();
            assert!(row.done_at.is_some(), "{b:?}: done by the restarted node");
        }
    }
}

async fn run_due_as(app: &TestApp, node: &str) {
    for _ in 0..20 {
        if daojia_server::jobs::tick(&app.state, node).await.unwrap() == 0 {
            return;
        }
    }
}
