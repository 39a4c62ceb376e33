//! Route planning from the console on every backend: with the demo loaded and orders
//! booked and paid in one area, a dispatcher asks for the day's plan, polls it to done, and
//! gets every booked order either on a route or left out with a reason; the routes pass the
//! solver's independent checker against the day as the database holds it. Bad input is
//! named, reading needs dispatch.read, and the planner refuses more work than it may run.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, assert_problem, backends, test_config};
use daojia_dispatch::day::DayProblem;
use daojia_dispatch::vrp::{Activity, Route, Solution, Stop, Unassigned, UnassignedReason, check};
use daojia_domain::access::Role;
use daojia_store::entity::worker;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::HashSet;

const SEED: u64 = 5;

/// What the booked orders are, in turn.
const ITEMS: [&str; 6] = [
    "ac_repair",
    "daily_cleaning",
    "pet_bath",
    "manicure",
    "car_wash",
    "washer_repair",
];

async fn poll(app: &TestApp, id: &str, token: &str) -> Value {
    for _ in 0..600 {
        let r = app
            .get(&format!("/api/v1/admin/plans/{id}"), Some(token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let p = r.body["progress"].as_u64().unwrap();
        assert!(p <= 100);
        if r.body["state"] != "running" {
            return r.body;
        }
        assert!(p < 100, "a running plan is not at 100%");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("plan {id} did not finish in 30 s");
}

fn secs(v: &Value, midnight: i64) -> f64 {
    let t: DateTime<Utc> = v.as_str().unwrap().parse().unwrap();
    (t.timestamp() - midnight) as f64
}

/// The API's plan as a solver solution for the day's problem, for the checker.
fn as_solution(day: &DayProblem, plan: &Value) -> Solution {
    let mut routes = vec![];
    for r in plan["routes"].as_array().unwrap() {
        let w = day
            .worker_index(r["worker_id"].as_str().unwrap().parse().unwrap())
            .expect("a worker of the day");
        let stops: Vec<Stop> = r["stops"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| Stop {
                activity: if s["kind"] == "break" {
                    Activity::Break(0)
                } else {
                    Activity::Job(
                        day.order_index(s["order_id"].as_str().unwrap().parse().unwrap())
                            .expect("an order of the day"),
                    )
                },
                arrival: secs(&s["arrival"], day.midnight),
                start: secs(&s["start"], day.midnight),
            })
            .collect();
        // The problem's route ends when the last stop does (the way home is not timed).
        let end = secs(
            &r["stops"].as_array().unwrap().last().unwrap()["finish"],
            day.midnight,
        );
        // `departure` is when the worker leaves home: after a break taken at home first.
        let departure = secs(&r["departure"], day.midnight).min(stops[0].arrival);
        routes.push(Route {
            worker: w,
            departure,
            stops,
            end,
        });
    }
    let unassigned = plan["unassigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| Unassigned {
            job: day
                .order_index(u["order_id"].as_str().unwrap().parse().unwrap())
                .expect("an order of the day"),
            reason: UnassignedReason::FleetFull,
        })
        .collect();
    Solution { routes, unassigned }
}

#[tokio::test]
async fn a_dispatcher_plans_a_booked_day_and_every_order_is_placed_or_explained() {
    let (area, phones) = common::busiest_area(SEED);
    for b in backends() {
        let mut cfg = test_config();
        cfg.booking.demo_autopay = Some(true);
        let app = TestApp::with_config(b, cfg).await;
        daojia_server::demo::load(&app.state.store, SEED)
            .await
            .unwrap();
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(2);
        let ids = common::book(&app, &phones, date, &ITEMS, 8).await;
        assert!(ids.len() >= 6, "{b:?}: booked only {}", ids.len());
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        // One order is assigned by hand, so there is a current assignment to compare with:
        // to the first repairer the assignment finds no conflict for (on shift that day, in
        // the area), whatever weekday the test runs on.
        let repairers: Vec<worker::Model> = worker::Entity::find()
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .filter(|w| w.skills.contains("\"appliance_repair\""))
            .collect();
        let mut assigned = false;
        for w in &repairers {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{}/assign", ids[0]),
                    json!({"worker_id": w.id}),
                    Some(&dispatcher),
                )
                .await;
            if r.status == StatusCode::OK {
                assigned = true;
                break;
            }
            assert_eq!(r.status, StatusCode::CONFLICT, "{b:?}: {}", r.text);
        }
        assert!(
            assigned,
            "{b:?}: no repairer of {} could take the order",
            repairers.len()
        );

        let r = app
            .post(
                "/api/v1/admin/plans",
                json!({"area": area, "date": date.to_string(), "seconds": 1}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{b:?}: {}", r.text);
        assert_eq!(r.body["area"], area.as_str());
        let id = r.body["id"].as_str().unwrap().to_string();
        let done = poll(&app, &id, &dispatcher).await;
        assert_eq!(done["state"], "done", "{b:?}: {done}");
        assert_eq!(done["progress"], 100);
        let plan = &done["plan"];
        assert_eq!(plan["orders"].as_u64().unwrap() as usize, ids.len());
        assert!(plan["workers_on_shift"].as_u64().unwrap() >= 20, "{plan}");

        // Every booked order is on a route or left out with a reason.
        let mut seen = HashSet::new();
        for r in plan["routes"].as_array().unwrap() {
            assert!(r["km"].as_f64().unwrap() >= 0.0 && r["hours"].as_f64().unwrap() > 0.0);
            for s in r["stops"].as_array().unwrap() {
                if s["kind"] == "order" {
                    assert!(s["at"]["lat"].as_f64().unwrap() > 30.0);
                    assert!(s["order_no"].as_str().is_some());
                    seen.insert(s["order_id"].as_str().unwrap().to_string());
                }
            }
        }
        let reasons = [
            "no_worker_with_skills",
            "capacity",
            "window_unreachable",
            "shift_too_short",
            "max_jobs",
            "fleet_full",
        ];
        for u in plan["unassigned"].as_array().unwrap() {
            assert!(reasons.contains(&u["reason"].as_str().unwrap()), "{u}");
            assert!(!u["message"].as_str().unwrap().is_empty());
            seen.insert(u["order_id"].as_str().unwrap().to_string());
        }
        assert_eq!(seen, ids.iter().cloned().collect::<HashSet<_>>(), "{b:?}");
        assert!(plan["totals"]["orders"].as_u64().unwrap() >= 1);
        assert_eq!(plan["current"]["orders"], 1, "one order assigned by hand");
        assert!(
            plan["workers"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["current_orders"] == 1),
            "{}",
            plan["workers"]
        );

        // The routes respect windows, shifts, breaks and skills: the solver's checker on the
        // day as the database holds it.
        let planner = daojia_app::App::new(app.state.store.clone(), app.state.travel.clone());
        let loaded = daojia_app::planning::load(&planner, &area, date, app.state.now())
            .await
            .unwrap()
            .unwrap();
        let day = DayProblem::build(&loaded.input, &app.state.config.travel).unwrap();
        let solution = as_solution(&day, plan);
        assert_eq!(check(&day.problem, &solution), vec![], "{b:?}: {plan}");

        // A plan with no time still gives a plan.
        let r = app
            .post(
                "/api/v1/admin/plans",
                json!({"area": area, "date": date.to_string(), "seconds": 0}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let zero = poll(&app, r.body["id"].as_str().unwrap(), &dispatcher).await;
        assert_eq!(zero["state"], "done");
        let placed = zero["plan"]["totals"]["orders"].as_u64().unwrap() as usize
            + zero["plan"]["unassigned"].as_array().unwrap().len();
        assert_eq!(placed, ids.len());

        // Two plans search at a time; a third waits its turn.
        let body = json!({"area": area, "date": date.to_string(), "seconds": 3});
        let mut started = vec![];
        for _ in 0..2 {
            let r = app
                .post("/api/v1/admin/plans", body.clone(), Some(&dispatcher))
                .await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
            started.push(r.body["id"].as_str().unwrap().to_string());
        }
        let r = app
            .post("/api/v1/admin/plans", body.clone(), Some(&dispatcher))
            .await;
        assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(r.headers.get("retry-after").is_some());
        for id in &started {
            let _ = poll(&app, id, &dispatcher).await;
        }
        let r = app
            .post("/api/v1/admin/plans", body, Some(&dispatcher))
            .await;
        assert_eq!(
            r.status,
            StatusCode::ACCEPTED,
            "after the others: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn bad_requests_are_named_and_reading_needs_dispatch_read() {
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, SEED)
            .await
            .unwrap();
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let finance = app.staff_token("fin", Role::Finance).await;
        let post = |body: Value| {
            let (app, token) = (&app, dispatcher.clone());
            async move { app.post("/api/v1/admin/plans", body, Some(&token)).await }
        };
        let r = post(json!({"area": "sh-xuhui", "date": "2026-13-40"})).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "date");
        let r = post(json!({"area": "sh-xuhui", "date": "2026-12-02", "seconds": 600})).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "seconds");
        let r = post(json!({"area": "sh-nowhere", "date": "2026-12-02"})).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "area");
        assert_eq!(r.body["errors"][0]["code"], "unknown_area");
        let r = post(json!({"area": "sh-xuhui", "date": "2026-12-02", "colour": "red"})).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let unknown = uuid::Uuid::now_v7();
        let r = app
            .get(&format!("/api/v1/admin/plans/{unknown}"), Some(&dispatcher))
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app
            .get(&format!("/api/v1/admin/plans/{unknown}"), Some(&finance))
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
    }
}
