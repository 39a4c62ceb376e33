//! Committed route plans on every backend: plans are stored in the database, so a second
//! node over the same database reads and commits a plan the first one made; a plan left
//! solving by a node that stopped is marked interrupted; a commit assigns each waiting
//! order of a route to its worker once (twice changes nothing), skips orders changed since
//! the plan with the reason, supersedes the earlier plan of the day, is audited, and the
//! next plan of the day starts from the committed routes and keeps them.

use crate::common;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{Reply, TestApp, assert_problem, backends, send_to, test_config};
use daojia_domain::access::Role;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

const SEED: u64 = 5;

/// What the booked orders are, in turn.
const ITEMS: [&str; 5] = [
    "daily_cleaning",
    "ac_repair",
    "pet_bath",
    "manicure",
    "car_wash",
];

/// A request to `router` as `token`.
async fn call(
    router: &Router,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: &str,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    send_to(router, req.body(body).unwrap()).await
}

async fn poll(router: &Router, id: &str, token: &str) -> Value {
    for _ in 0..600 {
        let r = call(
            router,
            Method::GET,
            &format!("/api/v1/admin/plans/{id}"),
            None,
            token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if r.body["state"] != "running" {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("plan {id} did not finish in 30 s");
}

async fn start(router: &Router, area: &str, date: NaiveDate, seconds: f64, token: &str) -> String {
    let r = call(
        router,
        Method::POST,
        "/api/v1/admin/plans",
        Some(json!({"area": area, "date": date.to_string(), "seconds": seconds})),
        token,
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["status"], "solving");
    r.body["id"].as_str().unwrap().to_string()
}

/// (order, worker) of every order of the area on the plan's routes.
fn planned(plan: &Value) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for r in plan["routes"].as_array().unwrap() {
        for s in r["stops"].as_array().unwrap() {
            if s["kind"] == "order" && s["elsewhere"] == false {
                out.insert(
                    s["order_id"].as_str().unwrap().to_string(),
                    r["worker_id"].as_str().unwrap().to_string(),
                );
            }
        }
    }
    out
}

async fn order(app: &TestApp, id: &str, token: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/admin/orders/{id}"), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// A second node: its own state (and plan solver) and router over the same database, with
/// its own clock.
fn second_node(app: &TestApp, clock: DateTime<Utc>) -> (daojia_server::state::AppState, Router) {
    let state = daojia_server::build(
        app.state.config.clone(),
        app.db.store.clone(),
        daojia_server::BuildOptions {
            clock: Arc::new(move || clock),
            ..Default::default()
        },
    )
    .unwrap();
    let router = daojia_server::app(state.clone());
    (state, router)
}

async fn booked_day(
    b: daojia_store::testing::Backend,
    n: usize,
) -> (TestApp, String, NaiveDate, Vec<String>, String) {
    let (area, phones) = common::busiest_area(SEED);
    let mut cfg = test_config();
    cfg.booking.demo_autopay = Some(true);
    let app = TestApp::with_config(b, cfg).await;
    daojia_server::demo::load(&app.state.store, SEED)
        .await
        .unwrap();
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(2);
    let ids = common::book(&app, &phones, date, &ITEMS, n).await;
    assert!(ids.len() >= 5, "{b:?}: booked only {}", ids.len());
    let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
    (app, area, date, ids, dispatcher)
}

#[tokio::test]
async fn a_committed_plan_assigns_its_orders_once_and_the_next_plan_keeps_them() {
    for b in backends() {
        let (app, area, date, ids, disp) = booked_day(b, 8).await;
        let router = app.router.clone();
        let first = start(&router, &area, date, 1.0, &disp).await;
        let done = poll(&router, &first, &disp).await;
        assert_eq!(done["status"], "ready", "{b:?}: {done}");
        let routes = planned(&done["plan"]);
        assert!(!routes.is_empty(), "{b:?}: nothing planned: {done}");
        let commit = format!("/api/v1/admin/plans/{first}/commit");

        // The preview says what will change and changes nothing.
        let preview = call(
            &router,
            Method::POST,
            &commit,
            Some(json!({"dry_run": true})),
            &disp,
        )
        .await;
        assert_eq!(preview.status, StatusCode::OK, "{b:?}: {}", preview.text);
        assert_eq!(preview.body["dry_run"], true);
        assert_eq!(
            preview.body["assigned"].as_u64().unwrap() as usize,
            routes.len()
        );
        assert_eq!(preview.body["skipped"], json!([]));
        for id in routes.keys() {
            assert_eq!(order(&app, id, &disp).await["state"], "pending_dispatch");
        }
        let r = app
            .get(&format!("/api/v1/admin/plans/{first}"), Some(&disp))
            .await;
        assert_eq!(r.body["status"], "ready", "a preview commits nothing");

        // The commit gives every planned order to its route's worker.
        let r = call(&router, Method::POST, &commit, Some(json!({})), &disp).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["dry_run"], false);
        assert_eq!(r.body["already_committed"], false);
        assert_eq!(r.body["assigned"].as_u64().unwrap() as usize, routes.len());
        let mut versions = HashMap::new();
        for (id, worker) in &routes {
            let o = order(&app, id, &disp).await;
            assert_eq!(o["state"], "accepted", "{b:?}: {o}");
            assert_eq!(o["worker_id"].as_str(), Some(worker.as_str()), "{b:?}: {o}");
            versions.insert(id.clone(), o["events"].as_array().map_or(0, Vec::len));
        }
        let unplanned: Vec<&String> = ids.iter().filter(|i| !routes.contains_key(*i)).collect();
        for id in &unplanned {
            assert_eq!(order(&app, id, &disp).await["state"], "pending_dispatch");
        }
        let shown = app
            .get(&format!("/api/v1/admin/plans/{first}"), Some(&disp))
            .await;
        assert_eq!(shown.body["status"], "committed");
        assert_eq!(shown.body["state"], "done");
        assert!(shown.body["committed_at"].is_string());
        assert_eq!(shown.body["commit"]["assigned"], r.body["assigned"]);

        // Twice changes nothing and answers the first commit.
        let again = call(&router, Method::POST, &commit, Some(json!({})), &disp).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.body["already_committed"], true);
        assert_eq!(again.body["assigned"], r.body["assigned"]);
        assert_eq!(again.body["committed_at"], r.body["committed_at"]);
        for (id, n) in &versions {
            let o = order(&app, id, &disp).await;
            assert_eq!(
                o["events"].as_array().map_or(0, Vec::len),
                *n,
                "{b:?}: no new event on {id}"
            );
        }

        // Audited once, by the dispatcher.
        let admin = app.staff_token("boss", Role::SuperAdmin).await;
        let audit = app
            .get(
                &format!("/api/v1/admin/audit-log?action=plan.commit&target_id={first}"),
                Some(&admin),
            )
            .await;
        assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
        let entries = audit.body["items"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{b:?}: {}", audit.text);
        assert_eq!(entries[0]["after"]["assigned"], r.body["assigned"]);

        // The next plan of the day starts from the committed routes; with no time to search
        // it keeps every committed order with its worker.
        let second = start(&router, &area, date, 0.0, &disp).await;
        let next = poll(&router, &second, &disp).await;
        assert_eq!(next["status"], "ready", "{b:?}: {next}");
        assert_eq!(next["plan"]["from_committed"], true);
        let kept = planned(&next["plan"]);
        for (id, worker) in &routes {
            assert_eq!(
                kept.get(id),
                Some(worker),
                "{b:?}: order {id} moved: {next}"
            );
        }

        // Committing the second supersedes the first, which can no longer be committed.
        let r = call(
            &router,
            Method::POST,
            &format!("/api/v1/admin/plans/{second}/commit"),
            Some(json!({})),
            &disp,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["superseded"], 1);
        assert_eq!(
            r.body["kept"].as_u64().unwrap() as usize,
            routes.len(),
            "{}",
            r.text
        );
        let old = app
            .get(&format!("/api/v1/admin/plans/{first}"), Some(&disp))
            .await;
        assert_eq!(old.body["status"], "superseded");
        let r = call(&router, Method::POST, &commit, Some(json!({})), &disp).await;
        assert_problem(&r, StatusCode::CONFLICT, "plan_superseded");

        // The day's list, newest first.
        let list = app
            .get(
                &format!("/api/v1/admin/plans?area={area}&date={date}"),
                Some(&disp),
            )
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        let items = list.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], second.as_str());
        assert_eq!(items[0]["status"], "committed");
        assert_eq!(items[1]["status"], "superseded");
        assert!(items[0]["plan"].is_null(), "lists leave the routes out");
    }
}

#[tokio::test]
async fn a_stale_plan_commits_the_unchanged_orders_and_names_the_others() {
    for b in backends() {
        let (app, area, date, _ids, disp) = booked_day(b, 8).await;
        let id = start(&app.router, &area, date, 1.0, &disp).await;
        let done = poll(&app.router, &id, &disp).await;
        let routes = planned(&done["plan"]);
        assert!(routes.len() >= 2, "{b:?}: {done}");
        let mut planned_ids: Vec<&String> = routes.keys().collect();
        planned_ids.sort();
        // After the plan: one order is cancelled, another assigned by hand elsewhere.
        let cancelled = planned_ids[0].clone();
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{cancelled}/cancel"),
                json!({"reason": "客户取消"}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let by_hand = planned_ids[1].clone();
        let other = daojia_store::entity::worker::Entity::find()
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|w| w.id.to_string())
            .find(|w| *w != routes[&by_hand])
            .unwrap();
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{by_hand}/assign"),
                json!({"worker_id": other, "override_reason": "any worker will do here"}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        let r = app
            .post(
                &format!("/api/v1/admin/plans/{id}/commit"),
                json!({"dry_run": true}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let skipped: HashMap<String, String> = r.body["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["order_id"].as_str().unwrap().to_string(),
                    s["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let expected: HashMap<String, String> = [
            (cancelled.clone(), "changed".to_string()),
            (by_hand.clone(), "changed".to_string()),
        ]
        .into();
        assert_eq!(skipped, expected, "{b:?}: {}", r.text);

        let r = app
            .post(
                &format!("/api/v1/admin/plans/{id}/commit"),
                json!({"reassign": true}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            r.body["assigned"].as_u64().unwrap() as usize,
            routes.len() - 2,
            "{}",
            r.text
        );
        assert_eq!(r.body["skipped"].as_array().unwrap().len(), 2);
        assert_eq!(order(&app, &cancelled, &disp).await["state"], "cancelled");
        let o = order(&app, &by_hand, &disp).await;
        assert_eq!(
            o["worker_id"].as_str(),
            Some(other.as_str()),
            "a changed order keeps its hand-made assignment even with reassign"
        );
        let untouched: HashSet<&String> = [&cancelled, &by_hand].into();
        for (oid, worker) in routes.iter().filter(|(o, _)| !untouched.contains(o)) {
            let o = order(&app, oid, &disp).await;
            assert_eq!(o["worker_id"].as_str(), Some(worker.as_str()));
        }
    }
}

#[tokio::test]
async fn a_plan_made_on_one_node_is_read_and_committed_on_another() {
    for b in backends() {
        let (app, area, date, _ids, disp) = booked_day(b, 6).await;
        let id = start(&app.router, &area, date, 1.0, &disp).await;
        let (_, node_b) = second_node(&app, app.state.now());
        // While it runs and once done, the other node answers for it.
        let r = call(
            &node_b,
            Method::GET,
            &format!("/api/v1/admin/plans/{id}"),
            None,
            &disp,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["id"], id.as_str());
        let on_b = poll(&node_b, &id, &disp).await;
        assert_eq!(on_b["status"], "ready", "{b:?}: {on_b}");
        let on_a = poll(&app.router, &id, &disp).await;
        assert_eq!(
            on_b["plan"]["routes"], on_a["plan"]["routes"],
            "the same plan, names included"
        );
        assert!(
            !on_b["plan"]["routes"][0]["worker_name"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert!(
            on_b["plan"]["routes"][0]["stops"][0]["at"]["lat"]
                .as_f64()
                .unwrap()
                > 30.0
        );
        // Stored without personal data: names, homes and positions are read when shown.
        let row = daojia_store::repo::route_plans::get(app.state.store.db(), id.parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        let stored: Value = serde_json::from_str(row.result.as_deref().unwrap()).unwrap();
        for r in stored["routes"].as_array().unwrap() {
            assert_eq!(r["worker_name"], "", "{b:?}");
            assert_eq!(r["home"], json!({"lat": 0.0, "lng": 0.0}));
            assert!(
                r["stops"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|s| s["at"].is_null())
            );
        }
        let list = call(
            &node_b,
            Method::GET,
            &format!("/api/v1/admin/plans?area={area}"),
            None,
            &disp,
        )
        .await;
        assert_eq!(list.body["items"][0]["id"], id.as_str(), "{}", list.text);
        let r = call(
            &node_b,
            Method::POST,
            &format!("/api/v1/admin/plans/{id}/commit"),
            Some(json!({})),
            &disp,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.body["assigned"].as_u64().unwrap() >= 1);
        let r = app
            .get(&format!("/api/v1/admin/plans/{id}"), Some(&disp))
            .await;
        assert_eq!(r.body["status"], "committed");
    }
}

#[tokio::test]
async fn a_plan_left_solving_by_a_stopped_node_is_marked_interrupted() {
    for b in backends() {
        let (app, area, date, _ids, disp) = booked_day(b, 5).await;
        let id = start(&app.router, &area, date, 30.0, &disp).await;
        // Unfinished: it cannot be committed yet.
        let r = app
            .post(
                &format!("/api/v1/admin/plans/{id}/commit"),
                json!({}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "plan_not_ready");
        // A node that starts two minutes later finds it without a sign of life: the node that
        // was solving it is gone (here: its clock stands still, so its heartbeat is old).
        let later = app.state.now() + Duration::minutes(2);
        let (b_state, node_b) = second_node(&app, later);
        let planner = daojia_app::App::new(b_state.store.clone(), b_state.travel.clone());
        assert_eq!(
            daojia_app::planning::sweep(&planner, later).await.unwrap(),
            1,
            "{b:?}"
        );
        let r = call(
            &node_b,
            Method::GET,
            &format!("/api/v1/admin/plans/{id}"),
            None,
            &disp,
        )
        .await;
        assert_eq!(r.body["state"], "failed", "{b:?}: {}", r.text);
        assert!(
            r.body["error"].as_str().unwrap().starts_with("interrupted"),
            "{}",
            r.text
        );
        // The search that was declared lost stops, and its result is not stored over it.
        for _ in 0..100 {
            if app.state.plans.running() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(app.state.plans.running(), 0, "{b:?}: the search stopped");
        let r = app
            .get(&format!("/api/v1/admin/plans/{id}"), Some(&disp))
            .await;
        assert_eq!(r.body["status"], "failed", "{}", r.text);
        assert!(r.body["plan"].is_null());
        let r = app
            .post(
                &format!("/api/v1/admin/plans/{id}/commit"),
                json!({}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "plan_failed");
    }
}

#[tokio::test]
async fn committing_needs_dispatch_write_and_an_existing_plan() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let cs = app.staff_token("cs", Role::CustomerService).await;
        let unknown = uuid::Uuid::now_v7();
        let r = app
            .post(
                &format!("/api/v1/admin/plans/{unknown}/commit"),
                json!({}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app
            .post(
                &format!("/api/v1/admin/plans/{unknown}/commit"),
                json!({}),
                Some(&cs),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        let r = app
            .post(
                &format!("/api/v1/admin/plans/{unknown}/commit"),
                json!({"force": true}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let r = app
            .get("/api/v1/admin/plans?date=2026-02-30", Some(&disp))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let r = app.get("/api/v1/admin/plans?limit=0", Some(&disp)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let r = app.get("/api/v1/admin/plans", Some(&disp)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["items"], json!([]));
    }
}
