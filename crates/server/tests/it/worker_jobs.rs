//! The worker's own day (`GET /api/v1/worker/jobs`) on every backend: with the demo loaded
//! and a day booked and paid in one area, a dispatcher gives orders to two workers; each
//! worker reads their day and finds their jobs, and only theirs, in the route order of
//! their row on the dispatch board, with a travel leg before each, the times in order,
//! the window, the service and the full address. An order only offered to them is not in
//! their day. No date means their area's today; a bad date is a 422 naming the field.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, assert_problem, backends, test_config};
use daojia_app::orders::By;
use daojia_domain::access::Role;
use serde_json::{Value, json};
use uuid::Uuid;

const SEED: u64 = 5;

/// A worker's access token, by their employee code in the demo city.
async fn worker_token(app: &TestApp, code: &str) -> String {
    let city = daojia_demo::city(SEED);
    let phone = &city
        .workers
        .iter()
        .find(|w| w.code == code)
        .unwrap_or_else(|| panic!("demo worker {code}"))
        .phone;
    let login = app.otp_login(phone, "worker").await;
    login["access_token"].as_str().unwrap().to_string()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .unwrap_or_else(|| panic!("a time: {v}"))
        .parse()
        .unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|j| j["order_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_worker_reads_their_own_day_in_route_order() {
    let (area, phones) = common::busiest_area(SEED);
    for b in backends() {
        let mut cfg = test_config();
        cfg.booking.demo_autopay = Some(true);
        let app = TestApp::with_config(b, cfg).await;
        daojia_server::demo::load(&app.state.store, SEED)
            .await
            .unwrap();
        let today = (app.state.now() + Duration::hours(8)).date_naive();
        let date = today + Duration::days(2);
        let booked = common::book(&app, &phones, date, &["daily_cleaning"], 6).await;
        assert!(booked.len() >= 5, "{b:?}: booked only {}", booked.len());
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let board_url = format!("/api/v1/admin/board?area={area}&date={date}");
        let board = app.get(&board_url, Some(&disp)).await;
        assert_eq!(board.status, StatusCode::OK, "{b:?}: {}", board.text);
        let workers: Vec<&Value> = board.body["workers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| !w["shift"].is_null())
            .collect();
        assert!(workers.len() >= 2, "{b:?}: two workers with a shift");
        let (first, second) = (workers[0], workers[1]);
        let first_id = first["id"].as_str().unwrap();
        let second_id = second["id"].as_str().unwrap();

        // Three orders to the first worker (in reverse booking order, so route order is
        // not assignment order), one to the second; one more only offered to the first.
        let mine: Vec<&String> = booked[..3].iter().rev().collect();
        for id in &mine {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{id}/assign"),
                    json!({"worker_id": first_id, "override_reason": "test: this worker's day"}),
                    Some(&disp),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
            assert_eq!(r.body["state"], "accepted");
        }
        let theirs = &booked[3];
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{theirs}/assign"),
                json!({"worker_id": second_id, "override_reason": "test: another worker"}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let offered: Uuid = booked[4].parse().unwrap();
        daojia_app::orders::offers::offer(
            &app.state.app,
            &By::System,
            offered,
            first_id.parse().unwrap(),
            app.state.now(),
        )
        .await
        .unwrap();

        // The first worker's day: their three jobs, in the board's route order.
        let token = worker_token(&app, first["code"].as_str().unwrap()).await;
        let r = app
            .get(&format!("/api/v1/worker/jobs?date={date}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let day = r.body;
        assert_eq!(day["date"], date.to_string());
        assert_eq!(day["timezone"], "Asia/Shanghai");
        assert!(!day["shift"].is_null(), "{day}");
        let got = ids(&day["jobs"]);
        let mut want: Vec<String> = mine.iter().map(|s| s.to_string()).collect();
        let mut sorted = got.clone();
        sorted.sort();
        want.sort();
        assert_eq!(sorted, want, "{b:?}: exactly their accepted jobs");
        assert!(!got.contains(theirs), "another worker's job is not shown");
        assert!(
            !got.contains(&offered.to_string()),
            "an offer is not a job yet"
        );
        let board = app.get(&board_url, Some(&disp)).await.body;
        let row = board["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"] == first_id)
            .unwrap();
        let on_board: Vec<String> = ids(&row["jobs"])
            .into_iter()
            .filter(|id| id != &offered.to_string())
            .collect();
        assert_eq!(got, on_board, "{b:?}: the route order of the board's row");

        // Each job: travel before it, times in order, the window kept, what and where.
        let jobs = day["jobs"].as_array().unwrap();
        let mut previous_finish: Option<DateTime<Utc>> = None;
        for j in jobs {
            assert_eq!(j["state"], "accepted", "{j}");
            assert_eq!(j["items"][0], "日常保洁", "{j}");
            assert!(j["duration_min"].as_i64().unwrap() > 0, "{j}");
            assert!(j["amount_fen"].as_i64().unwrap() > 0, "{j}");
            let leg = &j["travel"];
            let (depart, arrive) = (time(&leg["depart"]), time(&leg["arrive"]));
            assert_eq!(
                (arrive - depart).num_seconds(),
                leg["seconds"].as_i64().unwrap(),
                "{j}"
            );
            let (start, finish) = (time(&j["start"]), time(&j["finish"]));
            assert!(time(&j["arrival"]) == arrive && start >= arrive, "{j}");
            assert!(start >= time(&j["window_start"]), "{j}");
            assert!(finish > start, "{j}");
            if let Some(f) = previous_finish {
                assert!(depart >= f, "{b:?}: leaves after the previous job: {j}");
            }
            previous_finish = Some(finish);
            // The address in full, as a dispatcher reads it.
            let id = j["order_id"].as_str().unwrap();
            let detail = app
                .get(&format!("/api/v1/admin/orders/{id}"), Some(&disp))
                .await;
            assert_eq!(
                j["address"].as_str(),
                detail.body["address"].as_str().map(str::trim),
                "{b:?}: {j}"
            );
            assert!(!j["address"].as_str().unwrap().contains("***"), "{j}");
        }

        // The second worker sees their one job only.
        let other = worker_token(&app, second["code"].as_str().unwrap()).await;
        let r = app
            .get(&format!("/api/v1/worker/jobs?date={date}"), Some(&other))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(ids(&r.body["jobs"]), vec![theirs.clone()]);

        // No date: the worker's area's today.
        let r = app.get("/api/v1/worker/jobs", Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["date"], today.to_string());

        // Bad dates and parameters name the field.
        for (query, field, code) in [
            ("date=tomorrow", "date", "invalid"),
            ("date=2026-02-30", "date", "invalid"),
            ("date=1899-12-31", "date", "out_of_range"),
            ("day=2026-01-01", "day", "invalid"),
        ] {
            let r = app
                .get(&format!("/api/v1/worker/jobs?{query}"), Some(&token))
                .await;
            assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], field, "{query}: {}", r.text);
            assert_eq!(r.body["errors"][0]["code"], code, "{query}: {}", r.text);
        }

        // Only a worker has a day.
        let r = app.get("/api/v1/worker/jobs", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
        let r = app.get("/api/v1/worker/jobs", Some(&disp)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
}
