//! Order timers from the durable job queue: unpaid orders are cancelled, orders nobody was
//! sent to are cancelled (and refunded) when their window starts, finished orders complete
//! after the confirmation window; a timer for a window that was moved does nothing.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{TestApp, backends};
use daojia_domain::access::Role;
use serde_json::{Value, json};

struct Shop {
    token: String,
    address: uuid::Uuid,
}

async fn shop(app: &TestApp) -> Shop {
    let loaded = daojia_server::demo::load(&app.state.store, 9)
        .await
        .unwrap();
    let login = app
        .otp_login(&loaded.sample_customer_phone, "customer")
        .await;
    let token = login["access_token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/customer/me", Some(&token)).await;
    let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let address = daojia_store::repo::accounts::addresses(app.state.store.db(), cid)
        .await
        .unwrap()[0]
        .id;
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

async fn run_due(app: &TestApp) {
    daojia_server::jobs::tick(&app.state, "test-node")
        .await
        .unwrap();
}

#[tokio::test]
async fn timers_cancel_unpaid_and_undispatched_orders_and_complete_finished_ones() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let s = shop(&app).await;
        let finance = app.staff_token("fin", Role::Finance).await;
        let service = app.staff_token("cs", Role::CustomerService).await;

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
            json!({"worker_id": workers.body["items"][0]["id"]}),
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
                json!({"window_start": at_local(&app, 2, 11).to_rfc3339()}),
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

        // Past the original windows.
        app.advance(Duration::days(1) + Duration::hours(5));
        run_due(&app).await;
        assert_eq!(
            state_of(&app, &s, pid).await["state"],
            "pending_dispatch",
            "{b:?}: the old window's timer is void"
        );
        let f = state_of(&app, &s, fid).await;
        assert_eq!(f["state"], "completed", "{b:?}: {f}");

        // Past the new window with nobody sent: cancelled and refunded in full.
        app.advance(Duration::days(1));
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
