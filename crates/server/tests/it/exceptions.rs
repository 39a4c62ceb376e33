//! The exceptions queue and the timers that feed it: an unpaid order shows after ten
//! minutes; the customer is texted two hours before the visit; an order nobody was sent to
//! raises an alarm an hour before its window; a visit not started after its window raises
//! another. Staff resolve an alarm once; the order's own state keeps showing while it lasts.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{DemoCustomer, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use serde_json::{Value, json};

fn at_local(app: &TestApp, days: i64, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
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

fn kinds(v: &Value, id: &str) -> Vec<(String, bool)> {
    v.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["order"]["id"] == id)
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                !e["alarm_id"].is_null(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_queue_shows_unpaid_unassigned_and_late_orders_and_alarms_resolve_once() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let DemoCustomer { token, address, .. } = app.demo_customer(9).await;
        let place = |start: DateTime<Utc>, key: &'static str| {
            let app = &app;
            let token = token.clone();
            async move {
                let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address, "window_start": start.to_rfc3339()});
                let req = Request::builder()
                    .method("POST")
                    .uri("/api/v1/customer/orders")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .header("idempotency-key", key)
                    .body(Body::from(body.to_string()))
                    .unwrap();
                let r = app.send(req).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
                r.body
            }
        };
        let ten = at_local(&app, 1, 10);
        let two_pm = at_local(&app, 1, 14);
        let staff_no = std::cell::Cell::new(0);
        // Access tokens expire while the test clock runs ahead: a fresh one each time.
        let fresh = |role: Role| {
            staff_no.set(staff_no.get() + 1);
            let name = format!("staff{}", staff_no.get());
            let app = &app;
            async move { app.staff_token(&name, role).await }
        };
        let unpaid = place(ten, "e1").await;
        let waiting = place(ten, "e2").await;
        let visit = place(two_pm, "e3").await;
        let finance = fresh(Role::Finance).await;
        let ops = fresh(Role::CustomerService).await;
        let dispatcher = fresh(Role::Dispatcher).await;
        for o in [&waiting, &visit] {
            let r = app
                .post(&format!("/api/v1/admin/orders/{}/payments", o["id"].as_str().unwrap()), json!({"amount_fen": o["total_fen"], "method": "cash", "reference": format!("R-{}", o["order_no"].as_str().unwrap())}), Some(&finance))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let workers = app.get("/api/v1/admin/workers", Some(&ops)).await;
        let vid = visit["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{vid}/assign"),
                json!({"worker_id": workers.body["items"][0]["id"], "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        // Ten minutes on, the unpaid order shows.
        app.advance(Duration::minutes(11));
        let q = app.get("/api/v1/admin/exceptions", Some(&ops)).await;
        assert_eq!(q.status, StatusCode::OK, "{}", q.text);
        let uid = unpaid["id"].as_str().unwrap();
        assert_eq!(
            kinds(&q.body, uid),
            [("unpaid".to_string(), false)],
            "{b:?}: {}",
            q.text
        );

        // Two hours before 10:00 the paid order's contact is texted (the unpaid one was
        // cancelled by then and is not).
        *app.now.lock().unwrap() = ten - Duration::hours(2) + Duration::minutes(1);
        run_due(&app).await;
        let admin = fresh(Role::SuperAdmin).await;
        let outbox = app.get("/api/v1/admin/sms-outbox", Some(&admin)).await;
        let reminders: Vec<&Value> = outbox.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["template"] == "visit_reminder")
            .collect();
        assert_eq!(reminders.len(), 1, "{b:?}: {}", outbox.text);

        // An hour before, nobody sent to the paid 10:00 order: an alarm.
        app.advance(Duration::hours(1));
        run_due(&app).await;
        let ops = fresh(Role::CustomerService).await;
        let q = app.get("/api/v1/admin/exceptions", Some(&ops)).await;
        let wid = waiting["id"].as_str().unwrap();
        assert_eq!(
            kinds(&q.body, wid),
            [("unassigned_near_start".to_string(), true)],
            "{b:?}: {}",
            q.text
        );
        let alarm = q
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["order"]["id"] == wid)
            .unwrap()["alarm_id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app
            .post(
                &format!("/api/v1/admin/alarms/{alarm}/resolve"),
                json!({}),
                Some(&ops),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/alarms/{alarm}/resolve"),
                json!({}),
                Some(&ops),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "already_resolved");
        // The order still has nobody: it stays in the queue, without the resolved alarm.
        let q = app.get("/api/v1/admin/exceptions", Some(&ops)).await;
        assert_eq!(
            kinds(&q.body, wid),
            [("unassigned_near_start".to_string(), false)]
        );

        // The 14:00 visit has a worker who never starts: late after 15:15.
        *app.now.lock().unwrap() = two_pm + Duration::hours(1) + Duration::minutes(16);
        run_due(&app).await;
        let ops = fresh(Role::CustomerService).await;
        let q = app.get("/api/v1/admin/exceptions", Some(&ops)).await;
        assert_eq!(
            kinds(&q.body, vid),
            [("late".to_string(), true)],
            "{b:?}: {}",
            q.text
        );
    }
}
