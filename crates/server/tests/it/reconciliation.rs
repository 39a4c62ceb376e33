//! Reconciliation finds each difference planted in a simulator bill: orders are paid and
//! refunded through the channel simulator running in the server; a clean day has no
//! differences; then a payment missing on their side, one missing on ours, an amount
//! mismatch, a refund amount mismatch and a payment we still hold as pending are each
//! found exactly once. Finance resolves one with a note (audited), a re-run keeps it
//! resolved, the CSV lists them, and an uploaded bill reconciles like a downloaded one.

use crate::common;

use axum::http::StatusCode;
use base64::Engine;
use common::pay::*;
use common::*;
use daojia_domain::access::Role;
use daojia_pay::sim::{Delivery, Plant, Vendor};
use serde_json::{Value, json};

const RUNS: &str = "/api/v1/admin/finance/reconciliation/runs";
const DIFFS: &str = "/api/v1/admin/finance/reconciliation/differences";

/// Pays `order` through `channel` on the simulator; returns the intent's number.
async fn paid(
    app: &TestApp,
    c: &Customer,
    order: &str,
    channel: &str,
    delivery: Delivery,
) -> String {
    let sim = app.state.paysim.clone().unwrap();
    let (status, intent) = pay_with(app, c, order, channel).await;
    assert_eq!(status, StatusCode::CREATED, "{intent}");
    let no = intent["intent_no"].as_str().unwrap().to_string();
    sim.pay(&no, delivery, app.state.now()).unwrap();
    for cb in sim.take_callbacks() {
        let (status, text) = deliver(app, &cb, &cb.body).await;
        assert!(status.is_success(), "{status} {text}");
    }
    no
}

/// Cancels `order` and confirms its refund; returns the refund's number.
async fn refunded(app: &TestApp, c: &Customer, order: &str) -> String {
    let sim = app.state.paysim.clone().unwrap();
    let r = app
        .post(
            &format!("/api/v1/customer/orders/{order}/cancel"),
            json!({"reason": "改天再约"}),
            Some(&c.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let refunds = daojia_app::payments::refunds::of_order(&app.state.app, order.parse().unwrap())
        .await
        .unwrap();
    let no = refunds[0].refund_no.clone();
    for cb in sim.callbacks_of(&no) {
        deliver(app, &cb, &cb.body).await;
    }
    let refunds = daojia_app::payments::refunds::of_order(&app.state.app, order.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(refunds[0].state, "succeeded");
    no
}

async fn run(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app.post(RUNS, body, Some(token)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

fn found(list: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_string(),
                d["intent_no"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn reconciliation_finds_each_difference_planted_in_a_simulator_bill() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().unwrap();
        let c = customer(&app).await;
        let finance = app.staff_token("cashier", Role::Finance).await;
        let today = daojia_app::finance::reconcile::china_today(app.state.now());
        let mut orders = vec![];
        for day in 1..=5 {
            orders.push(order(&app, &c, day).await);
        }
        let w1 = paid(&app, &c, &orders[0].0, "wechat_native", Delivery::Once).await;
        let w2 = paid(&app, &c, &orders[1].0, "wechat_h5", Delivery::Twice).await;
        let w3 = paid(&app, &c, &orders[2].0, "wechat_native", Delivery::Once).await;
        let a1 = paid(&app, &c, &orders[3].0, "alipay_precreate", Delivery::Once).await;
        let r1 = refunded(&app, &c, &orders[0].0).await;
        let ra = refunded(&app, &c, &orders[3].0).await;

        // A clean day: every line matches, nothing differs.
        let date = today.to_string();
        let wx = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        assert_eq!(
            (
                wx["state"].as_str(),
                wx["bill_lines"].as_i64(),
                wx["matched"].as_i64(),
                wx["differences"].as_i64()
            ),
            (Some("succeeded"), Some(4), Some(4), Some(0)),
            "{b:?}: {wx}"
        );
        assert_eq!(wx["bill_sha1"].as_str().unwrap().len(), 40);
        let al = run(&app, &finance, json!({"provider": "alipay", "date": date})).await;
        assert_eq!(
            (al["bill_lines"].as_i64(), al["differences"].as_i64()),
            (Some(2), Some(0)),
            "{b:?}: {al}"
        );
        let none = app.get(DIFFS, Some(&finance)).await;
        assert_eq!(none.body, json!([]), "{b:?}");

        // Planted: each kind once.
        let total = |i: usize| orders[i].1;
        let w5 = paid(&app, &c, &orders[4].0, "wechat_native", Delivery::Lost).await;
        sim.plant(
            Vendor::Wechat,
            today,
            Plant::DropPayment {
                out_trade_no: w2.clone(),
            },
        );
        sim.plant(
            Vendor::Wechat,
            today,
            Plant::ExtraPayment {
                out_trade_no: "P20261204SIMEXTRA01".into(),
                amount_fen: 4_200,
            },
        );
        sim.plant(
            Vendor::Wechat,
            today,
            Plant::PaymentAmount {
                out_trade_no: w3.clone(),
                amount_fen: total(2) - 1,
            },
        );
        sim.plant(
            Vendor::Wechat,
            today,
            Plant::RefundAmount {
                refund_no: r1.clone(),
                amount_fen: total(0) - 100,
            },
        );
        let wx = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        assert_eq!(wx["differences"].as_i64(), Some(5), "{b:?}: {wx}");
        let list = app
            .get(
                &format!("{DIFFS}?date={date}&provider=wechat"),
                Some(&finance),
            )
            .await;
        // One of each kind (the refund's amount names its intent, w1); nothing else.
        let mut expected: Vec<(String, String)> = vec![
            ("amount_mismatch".into(), w1.clone()),
            ("amount_mismatch".into(), w3.clone()),
            ("missing_ours".into(), "P20261204SIMEXTRA01".into()),
            ("missing_theirs".into(), w2.clone()),
            ("status_mismatch".into(), w5.clone()),
        ];
        expected.sort();
        assert_eq!(found(&list.body), expected, "{b:?}: {}", list.text);
        let diffs = list.body.as_array().unwrap();
        let refund = diffs.iter().find(|d| d["line_kind"] == "refund").unwrap();
        assert_eq!(
            (
                refund["refund_no"].as_str(),
                refund["ours_fen"].as_i64(),
                refund["theirs_fen"].as_i64()
            ),
            (Some(r1.as_str()), Some(total(0)), Some(total(0) - 100))
        );
        let amount = diffs
            .iter()
            .find(|d| d["intent_no"] == w3.as_str())
            .unwrap();
        assert_eq!(
            (amount["ours_fen"].as_i64(), amount["theirs_fen"].as_i64()),
            (Some(total(2)), Some(total(2) - 1))
        );
        let pending = diffs
            .iter()
            .find(|d| d["kind"] == "status_mismatch")
            .unwrap();
        assert_eq!(pending["our_state"], "pending");
        // Alipay's day stays clean.
        let al = run(&app, &finance, json!({"provider": "alipay", "date": date})).await;
        assert_eq!(al["differences"].as_i64(), Some(0), "{b:?}: {al}");

        // Finance resolves one with a note (audited); not twice, not without a note.
        let id = diffs.iter().find(|d| d["kind"] == "missing_ours").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = format!("{DIFFS}/{id}/resolve");
        let empty = app.post(&path, json!({"note": "  "}), Some(&finance)).await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            empty.text
        );
        let ok = app
            .post(
                &path,
                json!({"note": "微信测试单，已与渠道核实"}),
                Some(&finance),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        assert_eq!(
            (ok.body["state"].as_str(), ok.body["note"].as_str()),
            (Some("resolved"), Some("微信测试单，已与渠道核实"))
        );
        let again = app
            .post(&path, json!({"note": "again"}), Some(&finance))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let denied = app
            .post(&path, json!({"note": "x"}), Some(&dispatcher))
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        // A re-run replaces the open ones and keeps the resolved one.
        run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        let open = app
            .get(&format!("{DIFFS}?state=open"), Some(&finance))
            .await;
        assert_eq!(
            open.body.as_array().unwrap().len(),
            4,
            "{b:?}: {}",
            open.text
        );
        let resolved = app
            .get(&format!("{DIFFS}?state=resolved"), Some(&finance))
            .await;
        assert_eq!(
            found(&resolved.body),
            vec![("missing_ours".into(), "P20261204SIMEXTRA01".into())]
        );
        let bad = app
            .get(&format!("{DIFFS}?kind=nonsense"), Some(&finance))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        // The CSV lists all five.
        let csv = app
            .get(&format!("{DIFFS}.csv?date={date}"), Some(&finance))
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.text.lines().count(), 6, "{}", csv.text);
        assert!(csv.text.contains("微信测试单，已与渠道核实"));

        // An uploaded bill (the channel's own file) reconciles the same way; a file that
        // is not a bill is refused and recorded as a failed run.
        let lines = sim.bill_lines(Vendor::Alipay, today);
        let zip = daojia_pay::alipay::bill::render_trade_bill(
            "2088000000000001",
            today,
            &lines,
            today.and_hms_opt(9, 30, 0).unwrap(),
        )
        .unwrap();
        let file = base64::engine::general_purpose::STANDARD.encode(&zip);
        let up = run(
            &app,
            &finance,
            json!({"provider": "alipay", "date": date, "file_base64": file}),
        )
        .await;
        assert_eq!(
            (
                up["source"].as_str(),
                up["matched"].as_i64(),
                up["differences"].as_i64()
            ),
            (Some("upload"), Some(2), Some(0))
        );
        let junk = base64::engine::general_purpose::STANDARD.encode(b"not a bill");
        let r = app
            .post(
                RUNS,
                json!({"provider": "alipay", "date": date, "file_base64": junk}),
                Some(&finance),
            )
            .await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::CONFLICT, Some("bill_unreadable"))
        );
        let runs = app
            .get(&format!("{RUNS}?date={date}"), Some(&finance))
            .await;
        let states: Vec<&str> = runs
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["state"].as_str().unwrap())
            .collect();
        assert_eq!(
            states.iter().filter(|s| **s == "failed").count(),
            1,
            "{b:?}: {states:?}"
        );
        assert_eq!(states.len(), 7);
        let _ = (a1, ra);

        use sea_orm::EntityTrait;
        let actions: Vec<String> = daojia_store::entity::audit_log::Entity::find()
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        assert!(actions.contains(&"reconciliation.resolve".to_string()));
        assert!(actions.contains(&"reconciliation.run".to_string()));
    }
}
