//! Finance's reports on every backend (docs/ledger.md, "Reports"): over the demo city's
//! history plus an order completed, settled and withdrawn here, the revenue report gives
//! the same totals grouped by day, area, category and channel, and those totals are what
//! the journal holds (computed here from the rows, kind by kind); commissions add up to the
//! recorded splits; the worker's line matches their ledger balances and payout; refunds
//! sum by channel and state; each CSV has its header, its lines and the total; bad ranges
//! and groupings are refused on their field, and only platform finance may read them.

use crate::common;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use common::finance::{completed, town};
use common::{TestApp, assert_problem, backends};
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger::Account;
use daojia_store::entity::{ledger_entry, ledger_posting, order_earning};
use daojia_store::repo::ledger;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

fn today(app: &TestApp) -> NaiveDate {
    (app.state.now() + Duration::hours(8)).date_naive()
}

/// What the journal says was paid, refunded and earned by orders in `[from, to]` (China
/// dates), from the rows, by the kinds of entry the ledger documents.
async fn journal(app: &TestApp, from: NaiveDate, to: NaiveDate) -> (i64, i64, i64, i64) {
    let db = app.state.store.db();
    let start = from.and_hms_opt(0, 0, 0).unwrap().and_utc() - Duration::hours(8);
    let end = (to + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        - Duration::hours(8);
    let entries: HashMap<Uuid, ledger_entry::Model> = ledger_entry::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let postings = ledger_posting::Entity::find()
        .filter(ledger_posting::Column::Account.is_in(["customer_prepaid", "platform_revenue"]))
        .all(db)
        .await
        .unwrap();
    let (mut paid, mut refunded, mut earned, mut commission) = (0, 0, 0, 0);
    for p in postings {
        let e = &entries[&p.entry_id];
        if e.order_id.is_none() || e.at < start || e.at >= end {
            continue;
        }
        let kind = match e.reverses {
            Some(r) => entries[&r].source_type.as_str(),
            None => e.source_type.as_str(),
        };
        match (kind, p.account.as_str()) {
            ("intent" | "order_payment", "customer_prepaid") => paid -= p.amount_fen,
            ("refund" | "offline_refund" | "backfill_refund", "customer_prepaid") => {
                refunded += p.amount_fen
            }
            ("earning" | "earning_adjustment", "customer_prepaid") => earned += p.amount_fen,
            ("earning" | "earning_adjustment", "platform_revenue") => commission -= p.amount_fen,
            _ => {}
        }
    }
    (paid, refunded, earned, commission)
}

fn total(r: &Value, field: &str) -> i64 {
    r["total"][field].as_i64().unwrap_or(0)
}

#[tokio::test]
async fn reports_add_up_to_the_journal_whatever_the_grouping() {
    for b in backends() {
        let t = town(b).await;
        let db = t.app.state.store.db();
        // An order completed today, settled three days on, a quarter withdrawn and paid.
        let id = completed(&t, 10).await;
        let later = t.app.state.now() + Duration::hours(73);
        let run = daojia_app::finance::settle_due(&t.app.state.app, later)
            .await
            .unwrap();
        assert!(run.settled >= 1, "{b:?}");
        let e = order_earning::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let token = t.app.worker_token(t.worker).await;
        let a = e.worker_fen / 4;
        let r = t
            .app
            .post_keyed(
                "/api/v1/worker/withdrawals",
                &token,
                Some("k-report"),
                &json!({"amount_fen": a}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let wid = r.body["id"].as_str().unwrap().to_string();
        let fee = r.body["fee_fen"].as_i64().unwrap();
        for step in ["approve", "paid"] {
            let r = t
                .app
                .post(
                    &format!("/api/v1/admin/withdrawals/{wid}/{step}"),
                    json!({"text": "银行流水 R-1"}),
                    Some(&t.finance),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {step}: {}", r.text);
        }

        let from = today(&t.app) - Duration::days(360);
        let to = today(&t.app) + Duration::days(5);
        let q = format!("from={from}&to={to}");
        let (paid, refunded, earned, commission) = journal(&t.app, from, to).await;
        assert!(paid > 0 && earned > 0, "{b:?}: the demo has history");

        let mut seen = vec![];
        for by in ["day", "area", "category", "channel"] {
            let r = t
                .app
                .get(
                    &format!("/api/v1/admin/finance/reports/revenue?{q}&by={by}"),
                    Some(&t.finance),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {by}: {}", r.text);
            let rows = r.body["rows"].as_array().unwrap();
            assert!(!rows.is_empty(), "{b:?} {by}");
            // The lines add up to the total line.
            for f in ["paid_fen", "refunded_fen", "net_fen", "payments"] {
                let s: i64 = rows.iter().map(|x| x[f].as_i64().unwrap()).sum();
                assert_eq!(s, total(&r.body, f), "{b:?} {by} {f}");
            }
            assert_eq!(total(&r.body, "paid_fen"), paid, "{b:?} {by}: paid");
            assert_eq!(total(&r.body, "refunded_fen"), refunded, "{b:?} {by}");
            assert_eq!(total(&r.body, "net_fen"), paid - refunded, "{b:?} {by}");
            if by == "channel" {
                assert!(r.body["total"]["earned_fen"].is_null(), "{b:?}");
            } else {
                assert_eq!(total(&r.body, "earned_fen"), earned, "{b:?} {by}");
                assert_eq!(total(&r.body, "commission_fen"), commission, "{b:?} {by}");
                // The split adds up to what was earned.
                assert_eq!(
                    total(&r.body, "commission_fen")
                        + total(&r.body, "partner_fen")
                        + total(&r.body, "worker_fen"),
                    earned,
                    "{b:?} {by}"
                );
            }
            seen.push((by, r.body.clone()));
        }
        // Days: every date of the range, in order, today's completion among them.
        let days = seen[0].1["rows"].as_array().unwrap();
        assert_eq!(days.len() as i64, (to - from).num_days() + 1, "{b:?}");
        assert_eq!(days[0]["key"], from.to_string());
        let mine = days
            .iter()
            .find(|d| d["key"] == today(&t.app).to_string())
            .unwrap();
        assert!(mine["completed"].as_i64().unwrap() >= 1, "{b:?}: {mine}");
        // Areas and categories carry names.
        let areas = seen[1].1["rows"].as_array().unwrap();
        assert!(areas.iter().any(|a| a["label"] != a["key"]), "{b:?}");

        // Commissions: the recorded splits of the range, per rule.
        let r = t
            .app
            .get(
                &format!("/api/v1/admin/finance/reports/commissions?{q}"),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let splits = order_earning::Entity::find().all(db).await.unwrap();
        let gross: i64 = splits.iter().map(|s| s.gross_fen).sum();
        let platform: i64 = splits.iter().map(|s| s.platform_fen).sum();
        assert_eq!(total(&r.body, "gross_fen"), gross, "{b:?}");
        assert_eq!(total(&r.body, "platform_fen"), platform, "{b:?}");
        assert_eq!(total(&r.body, "orders"), splits.len() as i64, "{b:?}");

        // The worker's line: their balances now, what settled, what was paid out.
        let r = t
            .app
            .get(
                &format!("/api/v1/admin/finance/reports/earnings?{q}"),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let line = r.body["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == t.worker.to_string())
            .unwrap()
            .clone();
        let w = WorkerId(t.worker);
        let bal = |a| {
            let db = t.app.state.store.db();
            async move { ledger::balance(db, a).await.unwrap().as_fen() }
        };
        assert_eq!(
            line["pending_now_fen"],
            -bal(Account::WorkerPending(w)).await
        );
        assert_eq!(
            line["withdrawable_now_fen"],
            -bal(Account::WorkerWithdrawable(w)).await
        );
        assert!(
            line["earned_fen"].as_i64().unwrap() >= e.worker_fen,
            "{line}"
        );
        assert!(
            line["settled_fen"].as_i64().unwrap() >= e.worker_fen,
            "{line}"
        );
        // The demo may have paid this worker before.
        assert!(
            line["withdrawn_fen"].as_i64().unwrap() >= a,
            "{b:?}: {line}"
        );
        assert!(line["paid_out_fen"].as_i64().unwrap() >= a, "{b:?}: {line}");
        assert!(line["fees_fen"].as_i64().unwrap() >= fee, "{b:?}: {line}");
        assert!(line["name"].is_null(), "workers' names stay out: {line}");

        // Refunds: the sums by channel and state cover the list.
        let r = t
            .app
            .get(
                &format!("/api/v1/admin/finance/reports/refunds?{q}"),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let rows = r.body["rows"].as_array().unwrap();
        let counted: i64 = r.body["summary"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["count"].as_i64().unwrap())
            .sum();
        assert_eq!(counted, rows.len() as i64, "{b:?}");
        assert!(rows.iter().all(|x| x["amount_fen"].as_i64().unwrap() > 0));

        // CSV: a byte-order mark, the header, a line per group and the total.
        let r = t
            .app
            .get(
                &format!("/api/v1/admin/finance/reports/revenue.csv?{q}&by=area"),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert!(r.content_type().starts_with("text/csv"), "{b:?}");
        let lines: Vec<&str> = r.text.trim_end().split("\r\n").collect();
        assert!(lines[0].starts_with("\u{feff}key,label,payments,paid_yuan"));
        assert_eq!(lines.len(), areas.len() + 2, "{b:?}");
        let paid_yuan = format!("{}.{:02}", paid / 100, paid % 100);
        assert!(
            lines.last().unwrap().starts_with("total,合计,")
                && lines.last().unwrap().contains(&paid_yuan),
            "{b:?}: {}",
            lines.last().unwrap()
        );
        for csv in ["commissions", "earnings", "refunds"] {
            let r = t
                .app
                .get(
                    &format!("/api/v1/admin/finance/reports/{csv}.csv?{q}"),
                    Some(&t.finance),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {csv}: {}", r.text);
            assert!(r.text.starts_with('\u{feff}'), "{b:?} {csv}");
        }
    }
}

#[tokio::test]
async fn bad_ranges_and_groupings_are_refused_and_only_platform_finance_reads() {
    let b = backends()[0];
    let t = town(b).await;
    let day = today(&t.app);
    let get = |q: String, token: String| {
        let app = &t.app;
        async move {
            app.get(&format!("/api/v1/admin/finance/reports/{q}"), Some(&token))
                .await
        }
    };
    let f = t.finance.clone();
    let r = get(
        format!("revenue?from={day}&to={}", day - Duration::days(1)),
        f.clone(),
    )
    .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(r.text.contains("\"to\""), "{}", r.text);
    let r = get(
        format!("revenue?from={day}&to={}", day + Duration::days(366)),
        f.clone(),
    )
    .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = get(format!("revenue?from={day}&to={day}&by=week"), f.clone()).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(r.text.contains("\"by\""), "{}", r.text);
    let r = get(
        format!("earnings?from={day}&to={day}&payee=boss"),
        f.clone(),
    )
    .await;
    assert!(r.text.contains("\"payee\""), "{}", r.text);
    let r = get(format!("refunds?from={day}&to={day}&limit=0"), f.clone()).await;
    assert!(r.text.contains("\"limit\""), "{}", r.text);
    let r = get("revenue?from=2026-13-01&to=2026-12-01".into(), f.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Staff without `finance.read`, and customers: refused.
    let r = get(format!("revenue?from={day}&to={day}"), t.disp.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = get(format!("revenue?from={day}&to={day}"), t.customer.clone()).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
        "{}",
        r.text
    );
    // A single day with no money: every line zero, one line.
    let far = day + Duration::days(200);
    let r = get(format!("revenue?from={far}&to={far}"), f).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["rows"].as_array().unwrap().len(), 1);
    assert_eq!(total(&r.body, "paid_fen"), 0);
}
