//! Reconciliation of WeChat Pay's fund flow bill (资金账单) on every backend: orders are
//! paid and one refunded through the simulator in the server; before the day's trade bill
//! is reconciled its fees are one difference; reconciling the trade bill books the fees it
//! states (once: a second run books nothing, a bill with other fees books only the
//! difference, in the first open period when the day's month is closed), and then the fund
//! bill (payments in, refunds out, the fees WeChat took and gave back) matches the postings
//! to `clearing:wechat` movement by movement with no difference; a payment their books
//! leave out and one ours lack are each found once. The runs and differences are kept as
//! `wechat_fund`, apart from the trade bill's.

use crate::common;

use axum::http::StatusCode;
use chrono::Datelike;
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

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The `channel_fee` entries: source id, period, and what each moved to `fees`.
async fn fee_entries(db: &sea_orm::DatabaseConnection) -> Vec<(String, String, i64)> {
    use daojia_store::entity::{ledger_entry, ledger_posting};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SourceType.eq("channel_fee"))
        .order_by_asc(ledger_entry::Column::CreatedAt)
        .order_by_asc(ledger_entry::Column::Id)
        .all(db)
        .await
        .unwrap();
    let mut out = Vec::new();
    for e in entries {
        let fees: i64 = ledger_posting::Entity::find()
            .filter(ledger_posting::Column::EntryId.eq(e.id))
            .filter(ledger_posting::Column::Account.eq("fees"))
            .all(db)
            .await
            .unwrap()
            .iter()
            .map(|p| p.amount_fen)
            .sum();
        out.push((e.source_id, e.period, fees));
    }
    out
}

/// Closes the books through `period` (empty: reopens them), as a month-end close leaves
/// the books' row.
async fn set_closed_through(db: &sea_orm::DatabaseConnection, period: &str) {
    use daojia_store::entity::ledger_books;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    ledger_books::ActiveModel {
        id: Set(1),
        closed_through: Set(period.into()),
        ..Default::default()
    }
    .update(db)
    .await
    .unwrap();
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
        // The trade bill of the day is its own: clean. Reconciling it books the day's fees.
        let trade = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        assert_eq!(trade["differences"].as_i64(), Some(0), "{b:?}: {trade}");
        assert_eq!(trade["fees_fen"].as_i64(), Some(fees.as_fen()), "{b:?}");
        let db = app.state.store.db();
        assert_eq!(
            fee_entries(db).await,
            vec![(
                format!("wechat:{date}"),
                today.format("%Y-%m").to_string(),
                fees.as_fen()
            )]
        );
        // Now the fund bill agrees to the fen, fees included.
        let wx = run(
            &app,
            &finance,
            json!({"provider": "wechat_fund", "date": date}),
        )
        .await;
        assert_eq!(
            (wx["matched"].as_i64(), wx["differences"].as_i64()),
            (Some(6), Some(0)),
            "{b:?}: {wx}"
        );
        let report = daojia_store::repo::ledger::check(db).await.unwrap();
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
        assert_eq!(report.balances.get("fees"), Some(&fees.as_fen()));
        // The trade bill again: nothing booked again.
        let again = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        assert_eq!(again["fees_fen"].as_i64(), Some(fees.as_fen()));
        assert_eq!(fee_entries(db).await.len(), 1, "{b:?}");
        // The bill restated with one more fen of fees, after the month was closed: only
        // the difference is booked, as a correction in the next (first open) period, at
        // the bill day's time.
        set_closed_through(db, &today.format("%Y-%m").to_string()).await;
        let mut restated = sim.bill_lines(Vendor::Wechat, today);
        restated[0].fee = restated[0].fee + daojia_domain::money::Money::fen(1);
        let file = daojia_pay::wechat::bill::render_trade_bill(
            daojia_pay::wechat::bill::BillMerchant {
                appid: "wx0000000000000001",
                mchid: "1900000001",
            },
            &restated,
        );
        let up = run(
            &app,
            &finance,
            json!({"provider": "wechat", "date": date, "file_base64": b64(file.as_bytes())}),
        )
        .await;
        assert_eq!(
            (up["differences"].as_i64(), up["fees_fen"].as_i64()),
            (Some(0), Some(fees.as_fen() + 1)),
            "{b:?}: {up}"
        );
        let next = (today.with_day(1).unwrap() + chrono::Months::new(1))
            .format("%Y-%m")
            .to_string();
        assert_eq!(
            fee_entries(db).await,
            vec![
                (
                    format!("wechat:{date}"),
                    today.format("%Y-%m").to_string(),
                    fees.as_fen()
                ),
                (format!("wechat:{date}#1"), next, 1),
            ],
            "{b:?}"
        );
        // The fund bill now shows the fen WeChat did not take.
        let wx = run(
            &app,
            &finance,
            json!({"provider": "wechat_fund", "date": date}),
        )
        .await;
        assert_eq!(wx["differences"].as_i64(), Some(1), "{b:?}: {wx}");
        // Restated back: the correction is corrected the other way, never edited.
        let _ = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        let entries = fee_entries(db).await;
        assert_eq!(entries.len(), 3, "{b:?}");
        assert_eq!(entries[2].2, -1);
        set_closed_through(db, "").await;

        // Their books leave out a payment and hold one we never took.
        let p3 = paid(&app, &c, &o3).await;
        let trade = run(&app, &finance, json!({"provider": "wechat", "date": date})).await;
        assert_eq!(trade["differences"].as_i64(), Some(0), "{b:?}: {trade}");
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
        // (Nor does their fund bill take the dropped payment's fee, which we booked.)
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
