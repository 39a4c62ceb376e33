//! Commissions, settlement and withdrawals on every backend (docs/ledger.md): a completed
//! order records its split by the most specific rule (with the partner's share) and posts
//! the revenue entry in the same transaction; settlement moves the worker's earning to
//! withdrawable after the dispute window, holds it while an after-sales case is open, and
//! runs idempotently; an after-sales refund takes back its part of the pending split; a
//! worker's withdrawal is approved and paid, rejected or failed (money returned), a
//! request above the balance is refused on `amount`, and 20 concurrent requests never
//! overdraw; `ledger check` is clean after each.

use crate::common;

use axum::http::StatusCode;
use chrono::Duration;
use common::finance::{Town, completed, town};
use common::{TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_domain::ids::{PartnerId, WorkerId};
use daojia_domain::ledger::Account;
use daojia_store::entity::{order_earning, order_line, partner, service_item, worker};
use daojia_store::repo::ledger;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

async fn earning(app: &TestApp, id: Uuid) -> order_earning::Model {
    order_earning::Entity::find_by_id(id)
        .one(app.state.store.db())
        .await
        .unwrap()
        .expect("the completion recorded the split")
}

async fn balance(app: &TestApp, a: Account) -> i64 {
    ledger::balance(app.state.store.db(), a)
        .await
        .unwrap()
        .as_fen()
}

async fn clean(app: &TestApp, b: daojia_store::testing::Backend) {
    let r = ledger::check(app.state.store.db()).await.unwrap();
    assert!(r.problems.is_empty(), "{b:?}: {:?}", r.problems);
}

async fn settle(app: &TestApp) -> daojia_app::finance::SettleRun {
    daojia_app::finance::settle_due(&app.state.app, app.state.now())
        .await
        .unwrap()
}

/// Puts the town's worker under a partner that takes 10% of what the platform leaves.
async fn partnered(t: &Town) -> Uuid {
    let p = Uuid::now_v7();
    partner::ActiveModel {
        id: Set(p),
        code: Set(format!("P{}", &p.simple().to_string()[..8])),
        name: Set("测试服务商".into()),
        active: Set(true),
        created_at: Set(t.app.state.now()),
    }
    .insert(t.app.state.store.db())
    .await
    .unwrap();
    let r = t
        .app
        .call(
            axum::http::Method::PUT,
            &format!("/api/v1/admin/partners/{p}/share"),
            Some(json!({"share_bp": 1000})),
            Some(&t.finance),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let w = worker::Entity::find_by_id(t.worker)
        .one(t.app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    let mut w: worker::ActiveModel = w.into();
    w.partner_id = Set(Some(p));
    w.update(t.app.state.store.db()).await.unwrap();
    p
}

#[tokio::test]
async fn a_completion_records_the_split_and_settlement_moves_it_after_the_window() {
    for b in backends() {
        let t = town(b).await;
        let db = t.app.state.store.db();
        let p = partnered(&t).await;
        // A rule for the item's category: 15%, at least ¥10.
        let line_item = service_item::Entity::find()
            .filter(service_item::Column::Code.eq("daily_cleaning"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let rule = json!({"name": "保洁 15%", "category_code": line_item.category_code,
            "share_kind": "percent", "share_value": 1500, "minimum_fen": 1000, "active": true});
        let r = t
            .app
            .post("/api/v1/admin/commission-rules", rule, Some(&t.finance))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let rule_id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
        // A share above 100% is refused on its field.
        let bad = json!({"name": "x", "share_kind": "percent", "share_value": 10001,
            "minimum_fen": 0, "active": true});
        let r = t
            .app
            .post("/api/v1/admin/commission-rules", bad, Some(&t.finance))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(r.text.contains("share_value"), "{}", r.text);

        let id = completed(&t, 10).await;
        let e = earning(&t.app, id).await;
        let total: i64 = order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(id))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|l| l.total_fen)
            .sum();
        assert_eq!(e.gross_fen, total, "{b:?}");
        assert_eq!(e.rule_id, Some(rule_id));
        assert_eq!(e.partner_id, Some(p));
        let platform = ((total * 1500 + 5000) / 10000).max(1000).min(total);
        let partner_fen = ((total - platform) * 1000 + 5000) / 10000;
        assert_eq!(
            (e.platform_fen, e.partner_fen, e.worker_fen),
            (platform, partner_fen, total - platform - partner_fen),
            "{b:?}"
        );
        let w = WorkerId(t.worker);
        assert_eq!(
            balance(&t.app, Account::WorkerPending(w)).await,
            -e.worker_fen
        );
        assert_eq!(
            balance(&t.app, Account::PartnerPending(PartnerId(p))).await,
            -partner_fen
        );
        let token = t.app.worker_token(t.worker).await;
        let s = t.app.get("/api/v1/worker/earnings", Some(&token)).await;
        assert_eq!(s.status, StatusCode::OK, "{}", s.text);
        assert_eq!(s.body["pending_fen"], e.worker_fen);
        assert_eq!(s.body["withdrawable_fen"], 0);
        clean(&t.app, b).await;

        // Within the window nothing settles; after it, once.
        assert_eq!(settle(&t.app).await.settled, 0);
        t.app.advance(Duration::hours(73));
        assert_eq!(settle(&t.app).await.settled, 1, "{b:?}");
        assert_eq!(settle(&t.app).await.settled, 0, "{b:?}: idempotent");
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -e.worker_fen
        );
        assert_eq!(balance(&t.app, Account::WorkerPending(w)).await, 0);
        assert_eq!(
            balance(&t.app, Account::PartnerWithdrawable(PartnerId(p))).await,
            -partner_fen
        );
        assert_eq!(earning(&t.app, id).await.state, "settled");
        clean(&t.app, b).await;
    }
}

#[tokio::test]
async fn an_open_after_sales_case_holds_settlement_and_its_refund_takes_back_the_split() {
    for b in backends() {
        let t = town(b).await;
        let id = completed(&t, 11).await;
        let before = earning(&t.app, id).await;
        let cs = t.cs.clone();
        let r = t
            .app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                json!({"decision": "open", "note": "客户反映没擦干净"}),
                Some(&cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        t.app.advance(Duration::hours(80));
        let run = settle(&t.app).await;
        assert_eq!((run.settled, run.held), (0, 1), "{b:?}");
        // Tokens expire with the clock moved.
        let cs = t.app.staff_token("cs2", Role::CustomerService).await;
        let r = t
            .app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                json!({"decision": "refund", "amount_fen": 2000, "note": "部分退款"}),
                Some(&cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let after = earning(&t.app, id).await;
        assert_eq!(after.gross_fen, before.gross_fen - 2000, "{b:?}");
        assert_eq!(
            after.platform_fen + after.partner_fen + after.worker_fen,
            after.gross_fen
        );
        assert!(after.worker_fen < before.worker_fen);
        let w = WorkerId(t.worker);
        assert_eq!(
            balance(&t.app, Account::WorkerPending(w)).await,
            -after.worker_fen
        );
        clean(&t.app, b).await;
        assert_eq!(settle(&t.app).await.settled, 1, "{b:?}");
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -after.worker_fen
        );
        clean(&t.app, b).await;
    }
}

/// A town whose worker has one settled earning; returns it and the worker's token.
async fn settled(b: daojia_store::testing::Backend) -> (Town, i64, String) {
    let t = town(b).await;
    let id = completed(&t, 10).await;
    // Settled as of three days on; the clock stays (the worker's token follows the wall
    // clock).
    let later = t.app.state.now() + Duration::hours(73);
    let run = daojia_app::finance::settle_due(&t.app.state.app, later)
        .await
        .unwrap();
    assert_eq!(run.settled, 1);
    let e = earning(&t.app, id).await;
    let token = t.app.worker_token(t.worker).await;
    let finance = t.app.staff_token("cashier2", Role::Finance).await;
    let disp = t.app.staff_token("disp2", Role::Dispatcher).await;
    (Town { finance, disp, ..t }, e.worker_fen, token)
}

#[tokio::test]
async fn withdrawals_are_approved_and_paid_rejected_or_failed_with_the_money_returned() {
    for b in backends() {
        let (t, earned, token) = settled(b).await;
        let w = WorkerId(t.worker);
        let ask = |amount: i64, key: &str| {
            let body = json!({"amount_fen": amount});
            let (app, token, key) = (&t.app, token.clone(), key.to_string());
            async move {
                app.post_keyed("/api/v1/worker/withdrawals", &token, Some(&key), &body)
                    .await
            }
        };
        // Above the balance: refused on `amount`, nothing moves.
        let r = ask(earned + 1, "k-over").await;
        assert_problem(&r, StatusCode::CONFLICT, "insufficient_balance");
        assert!(r.text.contains("\"amount\""), "{}", r.text);
        let r = ask(50, "k-small").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -earned
        );

        let a = earned / 4;
        let r = ask(a, "k1").await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let first = r.body["id"].as_str().unwrap().to_string();
        let fee = ((a * 60 + 5000) / 10000).max(10);
        assert_eq!(r.body["fee_fen"], fee);
        // The same key again is the same request.
        let again = ask(a, "k1").await;
        assert_eq!(again.body["id"], r.body["id"]);
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -(earned - a)
        );
        assert_eq!(balance(&t.app, Account::WithdrawalsInFlight).await, -a);

        let post = |path: String, body: serde_json::Value| {
            let (app, fin) = (&t.app, t.finance.clone());
            async move { app.post(&path, body, Some(&fin)).await }
        };
        let r = post(
            format!("/api/v1/admin/withdrawals/{first}/approve"),
            json!({}),
        )
        .await;
        assert_eq!(r.body["state"], "approved", "{b:?}: {}", r.text);
        let r = post(
            format!("/api/v1/admin/withdrawals/{first}/paid"),
            json!({"text": "工行流水 20261204-001"}),
        )
        .await;
        assert_eq!(r.body["state"], "paid", "{b:?}: {}", r.text);
        assert_eq!(balance(&t.app, Account::WithdrawalsInFlight).await, 0);
        assert_eq!(balance(&t.app, Account::WithdrawalFees).await, -fee);
        // Paid is final.
        let r = post(
            format!("/api/v1/admin/withdrawals/{first}/reject"),
            json!({"text": "晚了"}),
        )
        .await;
        assert_problem(&r, StatusCode::CONFLICT, "withdrawal_state");

        // Rejected: the amount returns.
        let r = ask(a, "k2").await;
        let second = r.body["id"].as_str().unwrap().to_string();
        let r = post(
            format!("/api/v1/admin/withdrawals/{second}/reject"),
            json!({"text": "账户信息不符"}),
        )
        .await;
        assert_eq!(r.body["state"], "rejected", "{b:?}: {}", r.text);
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -(earned - a)
        );
        // Approved, then the transfer fails: the amount returns.
        let r = ask(a, "k3").await;
        let third = r.body["id"].as_str().unwrap().to_string();
        post(
            format!("/api/v1/admin/withdrawals/{third}/approve"),
            json!({}),
        )
        .await;
        let r = post(
            format!("/api/v1/admin/withdrawals/{third}/failed"),
            json!({"text": "银行退回：户名不符"}),
        )
        .await;
        assert_eq!(r.body["state"], "failed", "{b:?}: {}", r.text);
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -(earned - a)
        );
        let list = t
            .app
            .get("/api/v1/admin/withdrawals?state=failed", Some(&t.finance))
            .await;
        assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.text);
        // A dispatcher has no finance permission.
        let r = t.app.get("/api/v1/admin/withdrawals", Some(&t.disp)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let mine = t.app.get("/api/v1/worker/withdrawals", Some(&token)).await;
        assert_eq!(mine.body.as_array().unwrap().len(), 3);
        let s = t.app.get("/api/v1/worker/earnings", Some(&token)).await;
        assert_eq!(s.body["withdrawable_fen"], earned - a);
        assert_eq!(s.body["withdrawn_fen"], a);
        clean(&t.app, b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_withdrawals_never_overdraw() {
    for b in backends() {
        let (t, earned, _) = settled(b).await;
        let amount = earned / 7;
        let fits = earned / amount;
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let app = t.app.state.app.clone();
            let (w, now) = (t.worker, t.app.state.now());
            set.spawn(async move {
                daojia_app::finance::withdrawals::request(&app, w, amount, "bank", now).await
            });
        }
        let mut ok = 0;
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Ok(_) => ok += 1,
                Err(daojia_app::Error::ConflictAt { code, field, .. }) => {
                    assert_eq!((code, field.as_str()), ("insufficient_balance", "amount"));
                }
                Err(e) => panic!("{b:?}: {e}"),
            }
        }
        assert_eq!(ok, fits, "{b:?}: as many as the balance holds");
        let w = WorkerId(t.worker);
        assert_eq!(
            balance(&t.app, Account::WorkerWithdrawable(w)).await,
            -(earned - fits * amount),
            "{b:?}"
        );
        clean(&t.app, b).await;
    }
}
