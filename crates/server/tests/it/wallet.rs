//! The customer wallet (余额) end to end against the channel simulator in the server: a
//! top-up through WeChat Pay credits the wallet once when its callback arrives (a
//! duplicate credits nothing more), bad amounts are refused on `amount_fen`, an order is
//! paid from the balance at once and refunded back into it when cancelled, a payment
//! larger than the balance is 409 `insufficient_balance`, concurrent payments from one
//! wallet never take it below zero, finance reads a customer's wallet, and `ledger check`
//! stays clean — on SQLite, PostgreSQL and MariaDB.

use crate::common;

use axum::http::StatusCode;
use common::pay::*;
use common::*;
use daojia_domain::ids::CustomerId;
use daojia_domain::ledger::Account;
use daojia_domain::money::Money;
use daojia_pay::sim::Delivery;
use daojia_store::repo::ledger;
use serde_json::{Value, json};

async fn me(app: &TestApp, c: &Customer) -> uuid::Uuid {
    let me = app.get("/api/v1/customer/me", Some(&c.token)).await;
    me.body["id"].as_str().unwrap().parse().unwrap()
}

async fn wallet(app: &TestApp, c: &Customer) -> Value {
    let r = app.get("/api/v1/wallet", Some(&c.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

async fn clean(app: &TestApp, b: daojia_store::testing::Backend) {
    let report = ledger::check(app.state.store.db()).await.unwrap();
    assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
}

/// Tops `c`'s wallet up by `fen` through the simulator's WeChat page and delivers the
/// callback (twice when `twice`). Returns the top-up as the API shows it afterwards.
async fn top_up(app: &TestApp, c: &Customer, fen: i64, twice: bool) -> Value {
    let sim = app
        .state
        .paysim
        .clone()
        .expect("the simulator runs in the server");
    let r = app
        .post(
            "/api/v1/wallet/top-ups",
            json!({"amount_fen": fen, "channel": "wechat_native"}),
            Some(&c.token),
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
    app.get(&format!("/api/v1/wallet/top-ups/{id}"), Some(&c.token))
        .await
        .body
}

#[tokio::test]
async fn a_top_up_credits_the_wallet_once_and_bad_amounts_are_refused() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = customer(&app).await;
        let start = wallet(&app, &c).await["balance_fen"].as_i64().unwrap();

        for (fen, code) in [
            (50, "below_minimum"),
            (500_001, "above_maximum"),
            (0, "below_minimum"),
        ] {
            let r = app
                .post(
                    "/api/v1/wallet/top-ups",
                    json!({"amount_fen": fen, "channel": "wechat_h5"}),
                    Some(&c.token),
                )
                .await;
            assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], "amount_fen", "{}", r.text);
            assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
        }
        let r = app
            .post(
                "/api/v1/wallet/top-ups",
                json!({"amount_fen": 1000, "channel": "bitcoin"}),
                Some(&c.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

        // Paid once, the callback delivered twice: credited once.
        let t = top_up(&app, &c, 20_000, true).await;
        assert_eq!(t["state"], "succeeded", "{b:?}: {t}");
        let w = wallet(&app, &c).await;
        assert_eq!(
            w["balance_fen"].as_i64().unwrap(),
            start + 20_000,
            "{b:?}: {w}"
        );
        assert_eq!(w["movements"][0]["kind"], "top_up");
        assert_eq!(w["movements"][0]["amount_fen"], 20_000);
        let list = app.get("/api/v1/wallet/top-ups", Some(&c.token)).await;
        assert_eq!(list.body[0]["id"], t["id"]);

        // Another customer cannot read this top-up.
        let other = app.otp_login("13700001111", "customer").await;
        let token = other["access_token"].as_str().unwrap();
        let id = t["id"].as_str().unwrap();
        let r = app
            .get(&format!("/api/v1/wallet/top-ups/{id}"), Some(token))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/wallet", Some(token)).await.body["balance_fen"],
            0
        );
        clean(&app, b).await;
    }
}

#[tokio::test]
async fn an_order_is_paid_from_the_wallet_and_its_refund_goes_back_into_it() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = customer(&app).await;
        let cid = me(&app, &c).await;
        let (id, total) = order(&app, &c, 2).await;
        let start = wallet(&app, &c).await["balance_fen"].as_i64().unwrap();

        // Less than owed: refused, nothing moves.
        if start < total {
            let (status, body) = pay_with(&app, &c, &id, "wallet").await;
            assert_eq!(status, StatusCode::CONFLICT, "{body}");
            assert_eq!(body["code"], "insufficient_balance");
        }
        top_up(&app, &c, total, false).await;
        let before = wallet(&app, &c).await["balance_fen"].as_i64().unwrap();

        let (status, paid) = pay_with(&app, &c, &id, "wallet").await;
        assert_eq!(status, StatusCode::CREATED, "{b:?}: {paid}");
        assert_eq!(
            (
                paid["state"].as_str(),
                paid["channel"].as_str(),
                paid["amount_fen"].as_i64()
            ),
            (Some("succeeded"), Some("wallet"), Some(total))
        );
        let o = app
            .get(&format!("/api/v1/customer/orders/{id}"), Some(&c.token))
            .await
            .body;
        assert_eq!(
            (o["state"].as_str(), o["paid_fen"].as_i64()),
            (Some("pending_dispatch"), Some(total))
        );
        let w = wallet(&app, &c).await;
        assert_eq!(w["balance_fen"].as_i64().unwrap(), before - total);
        assert_eq!(w["movements"][0]["kind"], "payment");
        assert_eq!(w["movements"][0]["amount_fen"], -total);
        // Nothing owed any more.
        let (status, body) = pay_with(&app, &c, &id, "wallet").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("nothing_owed"))
        );

        // Cancelled (free, no worker yet): the refund goes back into the wallet at once.
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "改天再约"}),
                Some(&c.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1, "{b:?}");
        assert_eq!(
            (refunds[0].amount_fen, refunds[0].state.as_str()),
            (total, "succeeded")
        );
        let w = wallet(&app, &c).await;
        assert_eq!(w["balance_fen"].as_i64().unwrap(), before, "{b:?}: {w}");
        assert_eq!(w["movements"][0]["kind"], "refund");
        let db = app.state.store.db();
        assert_eq!(
            -ledger::balance(db, Account::CustomerWallet(CustomerId(cid)))
                .await
                .unwrap(),
            Money::fen(before)
        );

        // Finance sees it; a dispatcher (no finance.read) does not.
        let fin = app
            .staff_token("fin", daojia_domain::access::Role::Finance)
            .await;
        let r = app
            .get(&format!("/api/v1/admin/customers/{cid}/wallet"), Some(&fin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["balance_fen"].as_i64().unwrap(), before);
        assert!(r.body["movements"].as_array().unwrap().len() >= 3);
        let disp = app
            .staff_token("disp", daojia_domain::access::Role::Dispatcher)
            .await;
        let r = app
            .get(
                &format!("/api/v1/admin/customers/{cid}/wallet"),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        clean(&app, b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_payments_from_one_wallet_never_take_it_below_zero() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = customer(&app).await;
        let cid = me(&app, &c).await;
        let mut orders = vec![];
        for day in 1..=6 {
            orders.push(order(&app, &c, day).await);
        }
        let total = orders[0].1;
        assert!(orders.iter().all(|(_, t)| *t == total));
        let start = wallet(&app, &c).await["balance_fen"].as_i64().unwrap();
        // Enough for two and a half of them.
        let want = 2 * total + total / 2;
        if start < want {
            top_up(&app, &c, want - start, false).await;
        }
        let held = wallet(&app, &c).await["balance_fen"].as_i64().unwrap();
        let fits = held / total;
        let mut set = tokio::task::JoinSet::new();
        for (id, _) in &orders {
            let app = app.state.app.clone();
            let (id, now) = (id.parse().unwrap(), app_now(&app));
            set.spawn(async move { daojia_app::wallet::pay_order(&app, cid, id, now).await });
        }
        let mut ok = 0;
        while let Some(r) = set.join_next().await {
            match r.unwrap() {
                Ok(v) => {
                    assert_eq!(v.state, "succeeded");
                    ok += 1;
                }
                Err(daojia_app::Error::Conflict { code, .. }) => {
                    assert_eq!(code, "insufficient_balance", "{b:?}");
                }
                Err(e) => panic!("{b:?}: {e}"),
            }
        }
        assert_eq!(ok, fits, "{b:?}: as many as the balance holds");
        let left = wallet(&app, &c).await["balance_fen"].as_i64().unwrap();
        assert_eq!(left, held - fits * total, "{b:?}");
        assert!(left >= 0);
        let db = app.state.store.db();
        assert_eq!(
            -ledger::balance(db, Account::CustomerWallet(CustomerId(cid)))
                .await
                .unwrap(),
            Money::fen(left)
        );
        clean(&app, b).await;
    }
}

fn app_now(_: &daojia_app::App) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
