//! Operations walk an order through every step from the console: offline payment, manual
//! assignment, the visit, completion and after-sales, each in the timeline and the audit log.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{DemoCustomer, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use serde_json::json;

#[tokio::test]
async fn staff_take_an_order_from_payment_to_after_sales() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let DemoCustomer {
            loaded,
            token,
            address,
            ..
        } = app.demo_customer(8).await;
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = date
            .and_time(NaiveTime::from_hms_opt(14, 0, 0).unwrap())
            .and_utc()
            - Duration::hours(8);
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address, "window_start": start.to_rfc3339()});
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/customer/orders")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "k1")
            .body(Body::from(body.to_string()))
            .unwrap();
        let placed = app.send(req).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        let id = placed.body["id"].as_str().unwrap().to_string();
        let url = |tail: &str| format!("/api/v1/admin/orders/{id}{tail}");

        let finance = app.staff_token("fin", Role::Finance).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let service = app.staff_token("cs", Role::CustomerService).await;

        let r = app
            .post(
                &url("/payments"),
                json!({"amount_fen": 15_900, "method": "cash", "reference": "R-0001"}),
                Some(&finance),
            )
            .await;
        assert_eq!(
            (r.status, r.body["state"].as_str()),
            (StatusCode::OK, Some("pending_dispatch")),
            "{b:?}: {}",
            r.text
        );
        let r = app
            .post(
                &url("/payments"),
                json!({"amount_fen": 15_900, "method": "cash", "reference": "R-0001"}),
                Some(&finance),
            )
            .await;
        assert_eq!(
            (r.status, r.body["paid_fen"].as_i64()),
            (StatusCode::OK, Some(15_900)),
            "the same receipt counts once: {}",
            r.text
        );
        let r = app
            .post(
                &url("/payments"),
                json!({"amount_fen": 100, "method": "cheque", "reference": "X"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "method");

        let r = app
            .post(
                &url("/assign"),
                json!({"worker_id": uuid::Uuid::now_v7(), "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "worker_id", "{}", r.text);
        let workers = app.get("/api/v1/admin/workers", Some(&dispatcher)).await;
        let worker = workers.body["items"][0]["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &url("/assign"),
                json!({"worker_id": worker, "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.body["state"], "accepted", "{}", r.text);
        for (step, state) in [
            ("check_in", "in_service"),
            ("finish", "pending_settlement"),
            ("complete", "completed"),
        ] {
            let r = app
                .post(&url("/visit"), json!({"step": step}), Some(&service))
                .await;
            assert_eq!(r.body["state"], state, "{step}: {}", r.text);
        }
        let r = app
            .post(
                &url("/cancel"),
                json!({"reason": "too late"}),
                Some(&service),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");

        let r = app
            .post(
                &url("/after-sales"),
                json!({"decision": "open", "note": "客户反映厨房未清洁干净"}),
                Some(&service),
            )
            .await;
        assert_eq!(r.body["state"], "after_sales", "{}", r.text);
        let r = app
            .post(
                &url("/after-sales"),
                json!({"decision": "refund", "note": "部分退款"}),
                Some(&service),
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "amount_fen");
        let r = app
            .post(
                &url("/after-sales"),
                json!({"decision": "refund", "amount_fen": 5_000, "note": "部分退款"}),
                Some(&service),
            )
            .await;
        assert_eq!(
            (r.body["state"].as_str(), r.body["refunded_fen"].as_i64()),
            (Some("completed"), Some(5_000)),
            "{}",
            r.text
        );

        let detail = app.get(&url(""), Some(&service)).await;
        let actions: Vec<&str> = detail.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "place",
                "record_payment",
                "assign",
                "check_in",
                "start_service",
                "finish_service",
                "complete",
                "open_after_sales",
                "resolve_after_sales"
            ]
        );
        assert_eq!(detail.body["payments"].as_array().unwrap().len(), 1);
        assert!(
            detail.body["contact_phone"]
                .as_str()
                .unwrap()
                .contains("****"),
            "staff see the phone masked"
        );

        // The list filters.
        let r = app
            .get("/api/v1/admin/orders?state=completed", Some(&service))
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
        let r = app
            .get(
                "/api/v1/admin/orders?state=pending_dispatch,pending_accept",
                Some(&service),
            )
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 0);
        let r = app
            .get(&format!("/api/v1/admin/orders?date={date}"), Some(&service))
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
        let r = app
            .get(
                &format!(
                    "/api/v1/admin/orders?customer_phone={}",
                    loaded.sample_customer_phone
                ),
                Some(&service),
            )
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        let r = app
            .get("/api/v1/admin/orders?state=lost", Some(&service))
            .await;
        assert_eq!(r.body["errors"][0]["field"], "state");
        let r = app
            .get("/api/v1/admin/orders?date=tomorrow", Some(&service))
            .await;
        assert_eq!(r.body["errors"][0]["field"], "date");

        // Every step by staff is in the audit log, with before and after.
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let log = app
            .get("/api/v1/admin/audit-log?target_type=order", Some(&admin))
            .await;
        let audited: Vec<&str> = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(audited.len(), 8, "{b:?}: {audited:?}");
        assert!(
            audited.contains(&"order.record_payment")
                && audited.contains(&"order.resolve_after_sales")
                && audited.contains(&"order.start_service")
        );
    }
}
