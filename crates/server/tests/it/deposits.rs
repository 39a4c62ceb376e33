//! Worker deposits (保证金) end to end against the channel simulator in the server: a
//! lodging through WeChat Pay credits the deposit once even when its callback is
//! delivered twice; the tiers gate the grab pool, claims and manual assignment with the
//! reason `deposit_too_low`; finance fines a deposit (never above its balance, also under
//! concurrent fines) and an upheld complaint may fine it; a worker who leaves has it held
//! and paid back into the withdrawable balance by the job after the hold, not while an
//! after-sales case is open; `ledger check` stays clean — on SQLite, PostgreSQL and
//! MariaDB.

use crate::common;

use axum::http::StatusCode;
use chrono::Duration;
use common::grab::{GrabCity, city, eligible, pooled_order};
use common::pay::deliver;
use common::*;
use daojia_domain::access::Role;
use daojia_domain::deposit::Tier;
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger::Account;
use daojia_domain::money::Money;
use daojia_pay::sim::Delivery;
use daojia_store::repo::ledger;
use serde_json::{Value, json};
use uuid::Uuid;

/// The grab city's configuration with the simulator and two tiers: ¥100 for orders up to
/// ¥1,000, ¥500 for any order and the nursing category. A 24-hour hold.
fn config() -> daojia_server::config::Config {
    let mut cfg = common::grab::config();
    cfg.pay.simulator = true;
    cfg.pay.notify_base_url = Some("http://127.0.0.1:9".into());
    cfg.deposit.tiers = vec![
        Tier {
            code: "basic".into(),
            name: "基础".into(),
            required_fen: 10_000,
            max_order_fen: Some(100_000),
            categories: vec![],
        },
        Tier {
            code: "senior".into(),
            name: "高级".into(),
            required_fen: 50_000,
            max_order_fen: None,
            categories: vec!["nursing".into()],
        },
    ];
    cfg.deposit.hold_hours = 24;
    cfg
}

async fn clean(app: &TestApp, b: daojia_store::testing::Backend) {
    let report = ledger::check(app.state.store.db()).await.unwrap();
    assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
}

async fn my_deposit(app: &TestApp, token: &str) -> Value {
    let r = app.get("/api/v1/worker/deposit", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// Worker `token` lodges `fen` through the simulator's WeChat page; the callback is
/// delivered (twice when `twice`). The lodging as the API shows it afterwards.
async fn lodge(app: &TestApp, token: &str, fen: i64, twice: bool) -> Value {
    let sim = app.state.paysim.clone().expect("the simulator runs");
    let r = app
        .post(
            "/api/v1/worker/deposit/lodgings",
            json!({"amount_fen": fen, "channel": "wechat_native"}),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["state"], "pending");
    let no = r.body["intent_no"].as_str().unwrap().to_string();
    sim.pay(&no, Delivery::Once, app.state.now()).unwrap();
    let cb = sim.take_callbacks().remove(0);
    assert_eq!(deliver(app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
    if twice {
        assert_eq!(deliver(app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
    }
    let id = r.body["id"].as_str().unwrap();
    app.get(
        &format!("/api/v1/worker/deposit/lodgings/{id}"),
        Some(token),
    )
    .await
    .body
}

async fn ledger_deposit(app: &TestApp, w: Uuid) -> i64 {
    -ledger::balance(app.state.store.db(), Account::WorkerDeposit(WorkerId(w)))
        .await
        .unwrap()
        .as_fen()
}

#[tokio::test]
async fn a_lodging_credits_the_deposit_once_and_unlocks_its_tier() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c: GrabCity = city(&app, 0).await;
        let w = c.workers[0];
        let token = app.worker_token(w).await;
        let d = my_deposit(&app, &token).await;
        assert_eq!(d["deposit"]["balance_fen"], 0);
        assert_eq!(d["deposit"]["unlocks_nothing"], true, "{d}");
        assert_eq!(d["rules"]["tiers"][0]["code"], "basic");

        for (fen, code) in [(50, "below_minimum"), (1_000_001, "above_maximum")] {
            let r = app
                .post(
                    "/api/v1/worker/deposit/lodgings",
                    json!({"amount_fen": fen, "channel": "wechat_h5"}),
                    Some(&token),
                )
                .await;
            assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], "amount_fen", "{}", r.text);
            assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
        }

        // Paid once, the callback delivered twice: credited once.
        let l = lodge(&app, &token, 10_000, true).await;
        assert_eq!(l["state"], "succeeded", "{b:?}: {l}");
        let d = my_deposit(&app, &token).await;
        assert_eq!(d["deposit"]["balance_fen"], 10_000, "{b:?}: {d}");
        assert_eq!(d["deposit"]["tier"]["code"], "basic");
        assert_eq!(d["deposit"]["max_order_fen"], 100_000);
        assert_eq!(ledger_deposit(&app, w).await, 10_000);
        let m = app
            .get("/api/v1/worker/deposit/movements", Some(&token))
            .await;
        assert_eq!(m.body["movements"][0]["kind"], "lodging", "{}", m.text);
        assert_eq!(m.body["movements"][0]["amount_fen"], 10_000);
        assert_eq!(m.body["movements"].as_array().unwrap().len(), 1);

        // The scheduled query finding the same payment changes nothing either.
        let l2 = lodge(&app, &token, 40_000, false).await;
        let no = l2["intent_no"].as_str().unwrap();
        daojia_app::payments::recover::run_query(
            &app.state.app,
            &json!({"intent_no": no, "attempt": 0}),
            app.state.now(),
        )
        .await
        .unwrap();
        let d = my_deposit(&app, &token).await;
        assert_eq!(d["deposit"]["balance_fen"], 50_000, "{b:?}: {d}");
        assert_eq!(d["deposit"]["tier"]["code"], "senior");
        assert_eq!(ledger_deposit(&app, w).await, 50_000);

        // On the channel's page, the worker is sent back to the deposit page, which follows
        // the lodging.
        let r = app
            .post(
                "/api/v1/worker/deposit/lodgings",
                json!({"amount_fen": 10_000, "channel": "wechat_h5"}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let back = format!(
            "redirect_url=http%3A%2F%2F127.0.0.1%3A9%2Fworker%2Fdeposit%3Flodging%3D{}",
            r.body["id"].as_str().unwrap()
        );
        let pay_url = r.body["pay_url"].as_str().unwrap();
        assert!(pay_url.contains(&back), "{b:?}: {pay_url}");

        // Another worker cannot read this lodging.
        let other = app.worker_token(c.workers[1]).await;
        let id = l["id"].as_str().unwrap();
        let r = app
            .get(
                &format!("/api/v1/worker/deposit/lodgings/{id}"),
                Some(&other),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        clean(&app, b).await;
    }
}

#[tokio::test]
async fn workers_below_the_orders_tier_are_not_offered_it_nor_may_claim_or_be_assigned_it() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = city(&app, 0).await;
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = common::at(date, 10);
        let order = pooled_order(&app, &c, start, "deposit-gate-1").await;
        // Nobody has a deposit: nobody may take it.
        assert!(eligible(&app, order).await.is_empty(), "{b:?}");
        let (rich, poor) = (c.workers[0], c.workers[1]);
        let rich_token = app.worker_token(rich).await;
        lodge(&app, &rich_token, 10_000, false).await;
        assert_eq!(eligible(&app, order).await, vec![rich], "{b:?}");

        // The one without a deposit sees a clear refusal.
        let poor_token = app.worker_token(poor).await;
        let r = app
            .post(
                &format!("/api/v1/worker/grab-pool/{order}/claim"),
                json!({}),
                Some(&poor_token),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "deposit_too_low");
        // A dispatcher cannot give it to them either, not even with a reason.
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{order}/assign"),
                json!({"worker_id": poor, "dry_run": true}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let codes: Vec<&str> = r.body["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&"deposit_too_low"), "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{order}/assign"),
                json!({"worker_id": poor, "override_reason": "客户指定"}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "deposit_too_low");

        // The worker with the deposit claims it.
        let r = app
            .post(
                &format!("/api/v1/worker/grab-pool/{order}/claim"),
                json!({}),
                Some(&rich_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        clean(&app, b).await;
    }
}

async fn fine(app: &TestApp, staff: &str, w: Uuid, fen: i64) -> common::Reply {
    app.post(
        &format!("/api/v1/admin/workers/{w}/deposit/fines"),
        json!({"amount_fen": fen, "reason": "服务中损坏物品"}),
        Some(staff),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fines_never_take_a_deposit_below_zero() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = city(&app, 0).await;
        let w = c.workers[0];
        let token = app.worker_token(w).await;
        lodge(&app, &token, 10_000, false).await;
        let fin = app.staff_token("fin", Role::Finance).await;

        let r = fine(&app, &fin, w, 10_001).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["code"], "above_balance", "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{w}/deposit/fines"),
                json!({"amount_fen": 100}),
                Some(&fin),
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "reason", "{}", r.text);
        // A dispatcher may not fine.
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        assert_eq!(
            fine(&app, &disp, w, 100).await.status,
            StatusCode::FORBIDDEN
        );

        // Six concurrent fines of ¥30 on ¥100: three pass, the rest are refused.
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let a = app.state.app.clone();
            let actor = daojia_app::workers::Actor {
                staff_id: Uuid::now_v7(),
                name: "fin".into(),
                scope: daojia_app::workers::Scope::All,
                sees_pii: false,
                request_id: None,
                ip: None,
            };
            let now = app.state.now();
            set.spawn(async move {
                daojia_app::deposits::fines::fine(
                    &a,
                    &actor,
                    w,
                    daojia_app::deposits::NewFine {
                        amount: Money::fen(3_000),
                        reason: Some("并发罚扣".into()),
                        order_id: None,
                    },
                    now,
                )
                .await
            });
        }
        let mut passed = 0;
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Ok(_) => passed += 1,
                Err(daojia_app::Error::Field { code, .. }) => assert_eq!(code, "above_balance"),
                Err(e) => panic!("{b:?}: {e}"),
            }
        }
        assert_eq!(passed, 3, "{b:?}");
        let r = app
            .get(&format!("/api/v1/admin/workers/{w}/deposit"), Some(&fin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["deposit"]["balance_fen"], 1_000, "{b:?}: {}", r.text);
        assert_eq!(r.body["deposit"]["fined_fen"], 9_000);
        assert_eq!(r.body["fines"].as_array().unwrap().len(), 3);
        assert_eq!(r.body["movements"][0]["kind"], "fine");
        assert_eq!(ledger_deposit(&app, w).await, 1_000);
        let fines = ledger::balance(app.state.store.db(), Account::DepositFines)
            .await
            .unwrap();
        assert_eq!(fines, Money::fen(-9_000));
        let list = app.get("/api/v1/admin/deposits", Some(&fin)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.text);
        assert_eq!(list.body["items"][0]["worker_id"], w.to_string());
        clean(&app, b).await;
    }
}

#[tokio::test]
async fn an_upheld_complaint_may_fine_the_deposit_with_it() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = city(&app, 0).await;
        let w = c.workers[0];
        let token = app.worker_token(w).await;
        lodge(&app, &token, 20_000, false).await;
        let admin = app.staff_token("boss", Role::SuperAdmin).await;
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{w}/credit"),
                json!({"kind": "adjustment", "delta": -5, "reason": "x", "deposit_fine_fen": 100}),
                Some(&admin),
            )
            .await;
        assert_eq!(
            r.body["errors"][0]["code"], "only_with_upheld_complaint",
            "{}",
            r.text
        );
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{w}/credit"),
                json!({"kind": "upheld_complaint", "reason": "客户投诉成立", "deposit_fine_fen": 30_000}),
                Some(&admin),
            )
            .await;
        assert_eq!(
            r.body["errors"][0]["field"], "deposit_fine_fen",
            "{}",
            r.text
        );
        assert_eq!(r.body["errors"][0]["code"], "above_balance", "{}", r.text);
        // Nothing was recorded: the credit event went with the refused fine.
        let credit = app
            .get(&format!("/api/v1/admin/workers/{w}/credit"), Some(&admin))
            .await;
        assert!(
            credit.body["events"].as_array().unwrap().is_empty(),
            "{}",
            credit.text
        );
        // A dispatcher records complaints but may not fine.
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{w}/credit"),
                json!({"kind": "upheld_complaint", "reason": "客户投诉成立", "deposit_fine_fen": 5_000}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{w}/credit"),
                json!({"kind": "upheld_complaint", "reason": "客户投诉成立", "deposit_fine_fen": 5_000}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let event = r.body["events"][0]["id"].as_str().unwrap().to_string();
        let d = app
            .get(&format!("/api/v1/admin/workers/{w}/deposit"), Some(&admin))
            .await;
        assert_eq!(d.body["deposit"]["balance_fen"], 15_000, "{}", d.text);
        assert_eq!(d.body["fines"][0]["credit_event_id"], event);
        assert_eq!(d.body["fines"][0]["reason"], "客户投诉成立");
        clean(&app, b).await;
    }
}

#[tokio::test]
async fn a_deposit_is_refunded_after_the_hold_unless_a_case_is_open() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = city(&app, 0).await;
        let db = app.state.store.db();
        let (leaver, asker) = (c.workers[0], c.workers[1]);
        let leaver_token = app.worker_token(leaver).await;
        let asker_token = app.worker_token(asker).await;
        lodge(&app, &leaver_token, 20_000, false).await;
        lodge(&app, &asker_token, 30_000, false).await;

        // The worker asks: held; asking twice keeps the hold.
        let r = app
            .post(
                "/api/v1/worker/deposit/refund",
                json!({}),
                Some(&asker_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["state"], "held");
        assert_eq!(r.body["usable_fen"], 0);
        let until = r.body["hold_until"].clone();
        let r = app
            .post(
                "/api/v1/worker/deposit/refund",
                json!({}),
                Some(&asker_token),
            )
            .await;
        assert_eq!(r.body["hold_until"], until);
        // No lodging while held.
        let r = app
            .post(
                "/api/v1/worker/deposit/lodgings",
                json!({"amount_fen": 10_000, "channel": "wechat_native"}),
                Some(&asker_token),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "deposit_held");

        // The other leaves (staff set the status): held too.
        let admin = app.staff_token("boss", Role::SuperAdmin).await;
        let r = app
            .call(
                axum::http::Method::PUT,
                &format!("/api/v1/admin/workers/{leaver}/status"),
                Some(json!({"status": "left", "reason": "离职"})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let d = app
            .get(
                &format!("/api/v1/admin/workers/{leaver}/deposit"),
                Some(&admin),
            )
            .await;
        assert_eq!(d.body["deposit"]["state"], "held", "{}", d.text);

        // An after-sales case on the leaver's orders is open.
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = common::at(date, 10);
        let order = pooled_order(&app, &c, start, "deposit-refund-1").await;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let row = daojia_store::repo::orders::get(db, order)
            .await
            .unwrap()
            .unwrap();
        let mut a = row.into_active_model();
        a.worker_id = Set(Some(leaver));
        a.state = Set("after_sales".into());
        a.update(db).await.unwrap();

        // Before the hold ends nothing is refunded; a fine during the hold lowers it.
        let fin = app.staff_token("fin", Role::Finance).await;
        assert_eq!(
            fine(&app, &fin, asker, 2_000).await.status,
            StatusCode::CREATED
        );
        let run = daojia_app::deposits::refunds::refund_due(&app.state.app, app.state.now())
            .await
            .unwrap();
        assert_eq!(run.refunded + run.waiting, 0, "{b:?}");
        app.advance(Duration::hours(25));
        let run = daojia_app::deposits::refunds::refund_due(&app.state.app, app.state.now())
            .await
            .unwrap();
        assert_eq!((run.refunded, run.waiting), (1, 1), "{b:?}");
        // Run again (another node, a retry): nothing more.
        let again = daojia_app::deposits::refunds::refund_due(&app.state.app, app.state.now())
            .await
            .unwrap();
        assert_eq!((again.refunded, again.waiting), (0, 1), "{b:?}");
        // A day on, the worker logs in again.
        let asker_token = app.worker_token(asker).await;
        let d = my_deposit(&app, &asker_token).await;
        assert_eq!(d["deposit"]["state"], "refunded", "{d}");
        assert_eq!(d["deposit"]["refunded_fen"], 28_000);
        assert_eq!(ledger_deposit(&app, asker).await, 0);
        let withdrawable = daojia_store::repo::earnings::withdrawable(db, asker)
            .await
            .unwrap();
        assert_eq!(withdrawable, Money::fen(28_000), "{b:?}");
        let m = app
            .get("/api/v1/worker/deposit/movements", Some(&asker_token))
            .await;
        assert_eq!(m.body["movements"][0]["kind"], "refund", "{}", m.text);

        // The case closes: the leaver's deposit goes back at the next run.
        let row = daojia_store::repo::orders::get(db, order)
            .await
            .unwrap()
            .unwrap();
        let mut a = row.into_active_model();
        a.state = Set("completed".into());
        a.update(db).await.unwrap();
        let run = daojia_app::deposits::refunds::refund_due(&app.state.app, app.state.now())
            .await
            .unwrap();
        assert_eq!((run.refunded, run.waiting), (1, 0), "{b:?}");
        assert_eq!(ledger_deposit(&app, leaver).await, 0);
        clean(&app, b).await;
    }
}
