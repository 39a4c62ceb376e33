//! Reconciliation of WeChat Pay's fund flow bill (资金账单) on every backend: orders are
//! paid and one refunded through the simulator in the server; the day's fund bill (payments
//! in, refunds out, the fees WeChat took and gave back) matches the postings to
//! `clearing:wechat` movement by movement, and the fees, which our books do not post, are
//! one difference; a payment their books leave out and one ours lack are each found once.
//! The runs and differences are kept as `wechat_fund`, apart from the trade bill's.

use crate::common;

use axum::http::StatusCode;
use common::pay::*;
use common::*;
use daojia_domain::access::Role;
use daojia_pay::sim::{Delivery, Plant, Vendor};
use daojia_pay::wechat::fund_bill::fee_on;
use serde_json::{Value, json};

const RUNS: &str = "/api/v1/admin/finance/reconciliation/runs";
const DIFFS: &str = "/api/v1/admin/finance/reconciliation/differences";

async fn paid(app: &TestApp, c: &Customer, order: &str) -> String {
    let sim = app.state.paysim.clone().unwrap();
    let (status, intent) = pay_with(app, c, order, "wechat_native").await;
    assert_eq!(status, StatusCode::CREATED, "{intent}");
    let no = intent["intent_no"].as_str().unwrap().to_string();
    sim.pay(&no, Delivery::Once, app.state.now()).unwrap();
    for cb in sim.take_callbacks() {
        let (status, text) = deliver(app, &cb, &cb.body).await;
        assert!(status.is_success(), "{status} {text}");
    }
    no
}

async fn run(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post(RUNS, body, Some(token)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

fn kinds(list: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["line_kind"].as_str().unwrap().to_string(),
                d["subject"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn the_fund_flow_bill_matches_the_clearing_account_and_its_differences_are_found() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().unwrap();
        let c = customer(&app).await;
        let finance = app.staff_token("cashier", Role::Finance).await;
        let today = daojia_app::finance::reconcile::china_today(app.state.now());
        let date = today.to_string();
        let (o1, _) = order(&app, &c, 1).await;
        let (o2, _) = order(&app, &c, 2).await;
        let (o3, _) = order(&app, &c, 3).await;
        let p1 = paid(&app, &c, &o1).await;
        let p2 = paid(&app, &c, &o2).await;
        // One refunded: cancelled, the refund confirmed by its callback.
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{o1}/cancel"),
                json!({"reason": "改天再约"}),
                Some(&c.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, o1.parse().unwrap())
            .await
            .unwrap();
        let rf = refunds[0].refund_no.clone();
        for cb in sim.callbacks_of(&rf) {
            deliver(&app, &cb, &cb.body).await;
        }

        // The bill: two payments and their fees, the refund and the fee given back.
        let lines = sim.fund_bill_lines(today);
        assert_eq!(lines.len(), 6, "{b:?}: {lines:?}");
        let amount = |no: &str| sim.trade(no).unwrap().amount;
        let refunded = sim
            .refunds()
            .into_iter()
            .find(|r| r.refund_no == rf)
            .unwrap()
            .amount;
        let fees = fee_on(amount(&p1)) + fee_on(amount(&p2)) - fee_on(refunded);
        let wx = run(
            &app,
            &finance,
            json!({"provider": "wechat_fund", "date": date}),
        )
        .await;
        assert_eq!(
            (
                wx["provider"].as_str(),
                wx["state"].as_str(),
                wx["bill_lines"].as_i64(),
                wx["matched"].as_i64(),
                wx["differences"].as_i64()
            ),
            (
                Some("wechat_fund"),
                Some("succeeded"),
                Some(6),
                Some(3),
                Some(1)
            ),
            "{b:?}: {wx}"
        );
        let list = app
            .get(&format!("{DIFFS}?provider=wechat_fund"), Some(&finance))
            .await;
        assert_eq!(
            kinds(&list.body),
            vec![("amount_mismatch".into(), "fee".into(), "fees".into())],
            "{b:?}: {}",
            list.text
        );
        let d = &list.body[0];
        assert_eq!(
            (d["ours_fen"].as_i64(), d["theirs_fen"].as_i64()),
            (Some(0), Some(fees.as_fen()))
        );
        // The trade bill of the day is its own: clean.
        let trade = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        assert_eq!(trade["differences"].as_i64(), Some(0), "{b:?}: {trade}");

        // Their books leave out a payment and hold one we never took.
        let p3 = paid(&app, &c, &o3).await;
        sim.plant(
            Vendor::Wechat,
            today,
            Plant::DropPayment {
                out_trade_no: p2.clone(),
            },
        );
        sim.plant(
            Vendor::Wechat,
            today,
            Plant::ExtraPayment {
                out_trade_no: "P20261206SIMEXTRA01".into(),
                amount_fen: 4_200,
            },
        );
        let wx = run(
            &app,
            &finance,
            json!({"provider": "wechat_fund", "date": date}),
        )
        .await;
        assert_eq!(wx["differences"].as_i64(), Some(3), "{b:?}: {wx}");
        let list = app
            .get(
                &format!("{DIFFS}?provider=wechat_fund&date={date}"),
                Some(&finance),
            )
            .await;
        assert_eq!(
            kinds(&list.body),
            vec![
                ("amount_mismatch".into(), "fee".into(), "fees".into()),
                (
                    "missing_ours".into(),
                    "payment".into(),
                    "P20261206SIMEXTRA01".into()
                ),
                ("missing_theirs".into(), "payment".into(), p2.clone()),
            ],
            "{b:?}: {}",
            list.text
        );
        let _ = (p1, p3);
        // A bad bill name is a 422 on `provider`.
        let r = app
            .post(
                RUNS,
                json!({"provider": "wechat_funds", "date": date}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    }
}
