//! The dispatch board and manual assignment with its conflict check, on every backend.
//! With the demo loaded and orders booked and paid in one area, a dispatcher reads the
//! area's day (workers with state, shift and jobs; the waiting orders), previews putting an
//! order on a worker (a dry run changes nothing), assigns one that fits, sees it on that
//! worker's row with its travel leg and expected times, is refused (409, every conflict
//! listed, nothing changed) putting an order on a worker who cannot take it, and assigns it
//! anyway with a reason that lands in the order's event and the audit log. An accepted
//! order moves to another worker (改派). Bad input and permissions are checked too.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, assert_problem, backends, test_config};
use daojia_domain::access::Role;
use daojia_store::entity::{audit_log, order_event, worker};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const SEED: u64 = 5;

fn worker_of<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["workers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .unwrap_or_else(|| panic!("worker {id} on the board"))
}

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_dispatcher_reads_the_board_previews_assigns_and_overrides_with_a_reason() {
    let (area, phones) = common::busiest_area(SEED);
    for b in backends() {
        let mut cfg = test_config();
        cfg.booking.demo_autopay = Some(true);
        let app = TestApp::with_config(b, cfg).await;
        daojia_server::demo::load(&app.state.store, SEED)
            .await
            .unwrap();
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(2);
        let ids = common::book(&app, &phones, date, &["daily_cleaning"], 6).await;
        assert!(ids.len() >= 4, "{b:?}: booked only {}", ids.len());
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let board_url = format!("/api/v1/admin/board?area={area}&date={date}");

        // The board: the area's workers, every booked order waiting.
        let r = app.get(&board_url, Some(&disp)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let board = r.body;
        assert_eq!(board["area"], area.as_str());
        assert_eq!(board["date"], date.to_string());
        assert_eq!(board["truncated"], false);
        let workers = board["workers"].as_array().unwrap();
        assert!(!workers.is_empty(), "{b:?}: no workers on the board");
        for w in workers {
            let state = w["state"].as_str().unwrap();
            assert!(
                ["offline", "idle", "on_the_way", "in_service", "resting"].contains(&state),
                "{state}"
            );
        }
        let waiting: Vec<&str> = board["unassigned"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["order_id"].as_str().unwrap())
            .collect();
        for id in &ids {
            assert!(waiting.contains(&id.as_str()), "{b:?}: {id} not waiting");
        }
        assert!(
            board["skills"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "cleaning")
        );

        // A dry run for each worker with a shift: nothing changes, conflicts are listed.
        let order = &ids[0];
        let assign = format!("/api/v1/admin/orders/{order}/assign");
        let mut fits = None;
        let mut misfit = None;
        for w in workers {
            let id = w["id"].as_str().unwrap();
            let r = app
                .post(
                    &assign,
                    json!({"worker_id": id, "dry_run": true}),
                    Some(&disp),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
            assert_eq!(r.body["assigned"], false);
            assert_eq!(
                r.body["state"], "pending_dispatch",
                "a dry run changes nothing"
            );
            let found = codes(&r.body["conflicts"]);
            if found.is_empty() && fits.is_none() && !w["shift"].is_null() {
                assert!(r.body["expected_start"].is_string(), "{}", r.text);
                fits = Some(id.to_string());
            }
            if found.contains(&"qualification".to_string()) && misfit.is_none() {
                misfit = Some(id.to_string());
            }
        }
        let fits = fits.unwrap_or_else(|| panic!("{b:?}: no worker fits {order}"));

        // Assigning one who fits needs no reason; the order is on their row with travel.
        let r = app
            .post(&assign, json!({"worker_id": fits}), Some(&disp))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["assigned"], true);
        assert_eq!(r.body["state"], "accepted");
        let board = app.get(&board_url, Some(&disp)).await.body;
        let row = worker_of(&board, &fits);
        let job = row["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["order_id"] == order.as_str())
            .unwrap_or_else(|| panic!("{b:?}: {order} on the worker's row: {row}"));
        let leg = &job["travel"];
        assert!(leg["seconds"].as_i64().unwrap() >= 0, "{job}");
        let arrive: DateTime<Utc> = leg["arrive"].as_str().unwrap().parse().unwrap();
        let start: DateTime<Utc> = job["start"].as_str().unwrap().parse().unwrap();
        let window: DateTime<Utc> = job["window_start"].as_str().unwrap().parse().unwrap();
        assert!(start >= arrive && start >= window, "{job}");
        assert!(
            !board["unassigned"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["order_id"] == order.as_str()),
            "{b:?}: an assigned order no longer waits"
        );

        // A worker without a shift and without the skill: refused with every conflict,
        // nothing changed; then assigned with a reason, which is recorded.
        let stranger = app.enrol_worker("13700007777").await;
        worker::Entity::update_many()
            .col_expr(worker::Column::Skills, Expr::value(r#"["manicure"]"#))
            .filter(worker::Column::Id.eq(stranger))
            .exec(app.state.store.db())
            .await
            .unwrap();
        daojia_store::repo::versions::bump(
            app.state.store.db(),
            daojia_store::repo::versions::STAFF,
        )
        .await
        .unwrap();
        let stranger = stranger.to_string();
        let second = &ids[1];
        let assign2 = format!("/api/v1/admin/orders/{second}/assign");
        let r = app
            .post(&assign2, json!({"worker_id": stranger}), Some(&disp))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "assign_conflicts");
        let listed: Vec<&str> = r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert!(listed.contains(&"no_shift"), "{b:?}: {}", r.text);
        assert!(listed.contains(&"qualification"), "{b:?}: {}", r.text);
        let detail = app
            .get(&format!("/api/v1/admin/orders/{second}"), Some(&disp))
            .await;
        assert_eq!(detail.body["state"], "pending_dispatch", "nothing changed");
        assert!(detail.body["worker_id"].is_null());
        let r = app
            .post(
                &assign2,
                json!({"worker_id": stranger, "override_reason": "  "}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "assign_conflicts");
        let r = app
            .post(
                &assign2,
                json!({"worker_id": stranger, "override_reason": "x".repeat(201)}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            r.body["errors"][0]["field"], "override_reason",
            "{}",
            r.text
        );
        let r = app
            .post(
                &assign2,
                json!({"worker_id": stranger, "override_reason": "customer asked for her"}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["assigned"], true);
        assert_eq!(r.body["worker_id"], stranger.as_str());
        assert!(codes(&r.body["conflicts"]).contains(&"no_shift".to_string()));
        let db = app.state.store.db();
        let oid: uuid::Uuid = second.parse().unwrap();
        let last = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(oid))
            .order_by_desc(order_event::Column::Seq)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.action, "assign");
        let detail: Value = serde_json::from_str(&last.detail).unwrap();
        assert_eq!(detail["reason"], "customer asked for her", "{detail}");
        let audit = audit_log::Entity::find()
            .filter(audit_log::Column::TargetId.eq(second.as_str()))
            .filter(audit_log::Column::Action.eq("order.assign"))
            .one(db)
            .await
            .unwrap()
            .expect("an audit entry");
        let after: Value = serde_json::from_str(audit.after_json.as_deref().unwrap()).unwrap();
        assert_eq!(after["reason"], "customer asked for her");

        // 改派: the accepted order moves from the stranger to the worker who fits.
        let r = app
            .post(
                &assign2,
                json!({"worker_id": fits, "override_reason": "back to the regular"}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["worker_id"], fits.as_str());
        assert_eq!(r.body["state"], "accepted");

        // A worker lacking the order's skill is told apart from one who fits.
        if let Some(m) = misfit {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{}/assign", ids[2]),
                    json!({"worker_id": m}),
                    Some(&disp),
                )
                .await;
            assert_problem(&r, StatusCode::CONFLICT, "assign_conflicts");
        }

        // The skill filter keeps only workers with the skill and orders needing it.
        let r = app
            .get(&format!("{board_url}&skill=manicure"), Some(&disp))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        for w in r.body["workers"].as_array().unwrap() {
            assert!(
                w["skills"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s == "manicure"),
                "{w}"
            );
        }
        assert!(
            r.body["unassigned"].as_array().unwrap().is_empty(),
            "{}",
            r.text
        );

        // Bad input and permissions.
        let r = app
            .get("/api/v1/admin/board?area=nowhere", Some(&disp))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "area");
        let r = app
            .get(
                &format!("/api/v1/admin/board?area={area}&date=tomorrow"),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = app.get(&board_url, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let finance = app.staff_token("fin", Role::Finance).await;
        let r = app.get(&board_url, Some(&finance)).await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{}/assign", ids[2]),
                json!({"worker_id": fits, "dry_run": true}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
}
