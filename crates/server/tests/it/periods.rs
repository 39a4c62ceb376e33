//! Month-end close end to end, on each database: periods listed with their state and
//! totals; a close refused before the month is over, out of order, or while `ledger check`
//! finds a problem; the recorded trial balance (JSON and CSV); a late entry and a reversal
//! of a closed month's entry booked in the first open period with their own business
//! date; `ledger check` finding a closed period's postings changed; the reopening (its own
//! permission, a reason, only the latest closed period); and a close racing concurrent
//! postings, none of which lands in the closed period after its trial balance was taken.

use crate::common;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use common::*;
use daojia_domain::access::Role;
use daojia_domain::ledger::{Account, Clearing, Entry};
use daojia_domain::money::Money;
use daojia_domain::period::Period;
use daojia_store::entity::{audit_log, ledger_entry, ledger_posting};
use daojia_store::repo::{ledger, periods};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::sync::Arc;

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn demo_config() -> daojia_server::config::Config {
    let mut cfg = test_config();
    cfg.demo.seed = 11;
    cfg.demo.history_days = 5;
    cfg.demo.booked_per_day = 4;
    cfg
}

fn entry(fen: i64) -> Entry {
    Entry::transfer(
        Account::Clearing(Clearing::Offline),
        Account::RefundsPayable,
        Money::fen(fen),
    )
    .unwrap()
}

/// Posts a test entry with business time `at` in its own transaction.
async fn post_at(
    db: &sea_orm::DatabaseConnection,
    id: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    let tx = daojia_store::begin(db).await.unwrap();
    let source = ledger::Source {
        kind: "test",
        id: id.into(),
        order_id: None,
        memo: "测试",
    };
    assert!(
        ledger::post(&tx, source, &entry(100), at, now)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
}

async fn entry_period(db: &sea_orm::DatabaseConnection, id: &str) -> (String, DateTime<Utc>) {
    let e = ledger::entry_of(db, "test", id).await.unwrap().unwrap();
    let ps = ledger_posting::Entity::find()
        .filter(ledger_posting::Column::EntryId.eq(e.id))
        .all(db)
        .await
        .unwrap();
    assert!(ps.iter().all(|p| p.period == e.period));
    (e.period, e.at)
}

fn period<'a>(list: &'a Value, p: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|v| v["period"] == p)
        .unwrap_or_else(|| panic!("{p} in {list}"))
}

#[tokio::test]
async fn closing_a_month_books_late_entries_in_the_next_and_check_guards_the_snapshot() {
    for b in backends() {
        let app = TestApp::with_config(b, demo_config()).await;
        *app.now.lock().unwrap() = t("2026-12-02T02:10:00Z");
        daojia_server::demo::start(&app.state).await.unwrap();
        let db = app.state.store.db();
        let admin = app.staff_token("boss", Role::SuperAdmin).await;
        let fin = app.staff_token("fin", Role::Finance).await;
        let ops = app.staff_token("ops", Role::Dispatcher).await;

        let r = app.get("/api/v1/admin/finance/periods", Some(&fin)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let nov = period(&r.body, "2026-11");
        assert!(nov["entries"].as_i64().unwrap() > 0, "{b:?}: {nov}");
        assert_eq!(nov["state"], "open");
        let dec = period(&r.body, "2026-12");
        assert_eq!(dec["closable"], false, "{b:?}");
        let r = app.get("/api/v1/admin/finance/periods", Some(&ops)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Not over, not a month, out of order.
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-12/close",
                json!({}),
                Some(&fin),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "period_not_over");
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-13/close",
                json!({}),
                Some(&fin),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        // An entry of October: October must be closed before November.
        post_at(db, "october", t("2026-10-20T04:00:00Z"), app.state.now()).await;
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-11/close",
                json!({}),
                Some(&fin),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "earlier_period_open");
        assert!(r.text.contains("2026-10"), "{}", r.text);

        // A ledger that fails its check is not closed: an unbalanced entry of October.
        let bad = ledger::entry_of(db, "test", "october")
            .await
            .unwrap()
            .unwrap();
        let p = ledger_posting::Entity::find()
            .filter(ledger_posting::Column::EntryId.eq(bad.id))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let (pid, fen) = (p.id, p.amount_fen);
        let mut edit: ledger_posting::ActiveModel = p.into();
        edit.amount_fen = Set(fen + 1);
        edit.update(db).await.unwrap();
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-10/close",
                json!({}),
                Some(&fin),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "ledger_check_failed");
        assert!(r.text.contains(&bad.id.to_string()), "{}", r.text);
        let mut fix: ledger_posting::ActiveModel = ledger_posting::Entity::find_by_id(pid)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .into();
        fix.amount_fen = Set(fen);
        fix.update(db).await.unwrap();

        for p in ["2026-10", "2026-11"] {
            let r = app
                .post(
                    &format!("/api/v1/admin/finance/periods/{p}/close"),
                    json!({}),
                    Some(&fin),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {p}: {}", r.text);
            assert_eq!(r.body["state"], "closed");
            assert_eq!(r.body["closes"], 1);
        }
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-11/close",
                json!({}),
                Some(&fin),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "period_closed");

        // The trial balance: every closing balance of the books sums to zero, and what
        // was recorded is what the postings say.
        let r = app
            .get(
                "/api/v1/admin/finance/periods/2026-11/trial-balance",
                Some(&fin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["state"], "closed");
        let lines = r.body["lines"].as_array().unwrap();
        assert!(!lines.is_empty());
        let closing: i64 = lines
            .iter()
            .map(|l| l["closing_fen"].as_i64().unwrap())
            .sum();
        assert_eq!(closing, 0, "{b:?}");
        assert_eq!(
            r.body["total_debit_fen"], r.body["total_credit_fen"],
            "{b:?}"
        );
        let nov: Period = "2026-11".parse().unwrap();
        let live = periods::trial_balance(db, nov).await.unwrap();
        assert_eq!(periods::snapshot(db, nov).await.unwrap(), live);
        let offline = live
            .iter()
            .find(|l| l.account == "clearing:offline")
            .unwrap();
        assert_eq!(offline.opening, 100, "{b:?}: October's entry");
        let csv = app
            .get(
                "/api/v1/admin/finance/periods/2026-11/trial-balance.csv",
                Some(&fin),
            )
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type().starts_with("text/csv"));
        assert!(csv.text.starts_with("\u{feff}period,account,opening_yuan"));
        assert!(
            csv.text.contains("2026-11,clearing:offline,1.00,"),
            "{}",
            csv.text
        );
        assert!(
            csv.text
                .trim_end()
                .lines()
                .last()
                .unwrap()
                .starts_with("2026-11,total,")
        );

        // A late event of November (a refund, a callback) and the reversal of a November
        // entry: booked in December, their business date kept.
        post_at(db, "late", t("2026-11-20T04:00:00Z"), app.state.now()).await;
        assert_eq!(
            entry_period(db, "late").await,
            ("2026-12".into(), t("2026-11-20T04:00:00Z"))
        );
        let old = ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Period.eq("2026-11"))
            .filter(ledger_entry::Column::SourceType.eq(ledger::ORDER_PAYMENT))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let tx = daojia_store::begin(db).await.unwrap();
        assert_eq!(
            ledger::reverse(&tx, old.id, "冲正", app.state.now())
                .await
                .unwrap(),
            Some(true)
        );
        tx.commit().await.unwrap();
        let rev = ledger::entry_of(db, ledger::REVERSAL, &old.id.to_string())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rev.period, "2026-12", "{b:?}");
        let report = ledger::check(db).await.unwrap();
        let problems: Vec<&String> = report
            .problems
            .iter()
            .filter(|p| !p.contains("has no ledger entry") && !p.contains("moves"))
            .collect();
        assert!(problems.is_empty(), "{b:?}: {problems:?}");
        assert!(periods::check(db).await.unwrap().is_empty());

        // Something writes into the closed month behind the books' back: the check says so.
        let mut slip: ledger_entry::ActiveModel = rev.clone().into();
        slip.period = Set("2026-11".into());
        slip.update(db).await.unwrap();
        for p in ledger_posting::Entity::find()
            .filter(ledger_posting::Column::EntryId.eq(rev.id))
            .all(db)
            .await
            .unwrap()
        {
            let mut p: ledger_posting::ActiveModel = p.into();
            p.period = Set("2026-11".into());
            p.update(db).await.unwrap();
        }
        let found = periods::check(db).await.unwrap();
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("closed period 2026-11, account ")),
            "{b:?}: {found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.starts_with("closed period 2026-11: recorded ")),
            "{b:?}: {found:?}"
        );
        assert!(ledger::check(db).await.unwrap().problems.len() >= found.len());
        ledger_posting::Entity::delete_many()
            .filter(ledger_posting::Column::EntryId.eq(rev.id))
            .exec(db)
            .await
            .unwrap();
        ledger_entry::Entity::delete_by_id(rev.id)
            .exec(db)
            .await
            .unwrap();
        assert!(periods::check(db).await.unwrap().is_empty(), "{b:?}");

        // Reopening: its own permission, a reason, the latest closed period only.
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-11/reopen",
                json!({"reason": "补记"}),
                Some(&fin),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-11/reopen",
                json!({"reason": "  "}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-10/reopen",
                json!({"reason": "补记"}),
                Some(&admin),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "not_latest_closed");
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-11/reopen",
                json!({"reason": "银行流水补记"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["state"], "reopened");
        assert_eq!(r.body["reopen_reason"], "银行流水补记");
        assert!(periods::snapshot(db, nov).await.unwrap().is_empty());
        post_at(db, "reopened", t("2026-11-25T04:00:00Z"), app.state.now()).await;
        assert_eq!(entry_period(db, "reopened").await.0, "2026-11");
        // October stays closed.
        post_at(
            db,
            "october-late",
            t("2026-10-25T04:00:00Z"),
            app.state.now(),
        )
        .await;
        assert_eq!(entry_period(db, "october-late").await.0, "2026-11");
        let r = app
            .post(
                "/api/v1/admin/finance/periods/2026-11/close",
                json!({}),
                Some(&fin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["closes"], 2);
        assert!(periods::check(db).await.unwrap().is_empty(), "{b:?}");

        let actions: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::TargetType.eq("ledger_period"))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| format!("{} {}", a.action, a.target_id.unwrap_or_default()))
            .collect();
        assert_eq!(actions.len(), 4, "{b:?}: {actions:?}");
        assert!(actions.contains(&"ledger_period.reopen 2026-11".to_string()));
    }
}

#[tokio::test]
async fn a_close_racing_postings_lets_none_into_the_closed_month() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let store = Arc::new(app.state.store.clone());
        let now = t("2026-12-01T02:00:00Z");
        let nov_day = t("2026-11-29T04:00:00Z");
        post_at(store.db(), "first", nov_day, now).await;
        let mut posters = vec![];
        for w in 0..6 {
            let store = store.clone();
            posters.push(tokio::spawn(async move {
                for i in 0..15 {
                    let tx = daojia_store::begin(store.db()).await.unwrap();
                    let source = ledger::Source {
                        kind: "test",
                        id: format!("{w}-{i}"),
                        order_id: None,
                        memo: "并发",
                    };
                    ledger::post(&tx, source, &entry(100 + i), nov_day, now)
                        .await
                        .unwrap();
                    // Hold the transaction open a moment: the close must wait for it.
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    tx.commit().await.unwrap();
                }
            }));
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        let tx = daojia_store::begin(store.db()).await.unwrap();
        let closed = periods::close(&tx, "2026-11".parse().unwrap(), uuid::Uuid::now_v7(), now)
            .await
            .unwrap();
        assert!(closed.is_ok(), "{b:?}: {closed:?}");
        tx.commit().await.unwrap();
        for p in posters {
            p.await.unwrap();
        }
        let db = store.db();
        // The recorded trial balance is still what November's postings say: nothing was
        // booked in November after it was taken.
        assert_eq!(
            periods::check(db).await.unwrap(),
            Vec::<String>::new(),
            "{b:?}"
        );
        let all = ledger_entry::Entity::find().all(db).await.unwrap();
        let in_nov = all.iter().filter(|e| e.period == "2026-11").count();
        let in_dec = all.iter().filter(|e| e.period == "2026-12").count();
        assert_eq!(in_nov + in_dec, 91, "{b:?}");
        assert!(
            in_nov >= 1 && in_dec >= 1,
            "{b:?}: {in_nov} in November, {in_dec} in December"
        );
        let rec = periods::record(db, "2026-11".parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rec.entries as usize, in_nov, "{b:?}");
        assert!(all.iter().all(|e| e.at == nov_day));
    }
}
