//! Month-end close (期末结账): the accounting periods with their state and totals, the
//! close of a period (audited, refused while an earlier one is open or `ledger check`
//! finds a problem), its trial balance (as recorded when closed, or live while open, and
//! as CSV), and the reopening of the latest closed period with a reason. The rules of the
//! close live in `daojia_store::repo::periods`; see `docs/ledger.md`, "Month-end close".

use crate::workers::{Actor, settle, text};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::period::Period;
use daojia_store::entity::ledger_period;
use daojia_store::repo::periods::{self as repo, Line, Refusal};
use serde::Serialize;
use std::collections::BTreeSet;
use uuid::Uuid;

/// A period as the console lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    /// `YYYY-MM` (a China-time month).
    pub period: String,
    /// `open`, `closed`, or `reopened` (closed once, open again).
    pub state: String,
    /// Entries booked in it.
    pub entries: i64,
    /// The sum of their debits, in fen (what moved).
    pub debits_fen: i64,
    /// Whether it can be closed now: it is over and every earlier period is closed.
    pub closable: bool,
    /// Whether it is the latest closed period (the only one that can be reopened).
    pub reopenable: bool,
    /// How many times it was closed.
    pub closes: i32,
    /// When it was last closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it last.
    pub closed_by: Option<Uuid>,
    /// When it was last reopened.
    pub reopened_at: Option<DateTime<Utc>>,
    /// Why.
    pub reopen_reason: Option<String>,
}

/// One account's line of a trial balance (试算平衡表), in fen; debit balances are
/// positive, credit balances negative.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrialLine {
    /// The account's code (`clearing:wechat`, `worker_pending:<id>`...).
    pub account: String,
    /// Debits minus credits before the period.
    pub opening_fen: i64,
    /// Debits in the period.
    pub debit_fen: i64,
    /// Credits in the period (positive).
    pub credit_fen: i64,
    /// `opening + debit - credit`.
    pub closing_fen: i64,
}

/// A period's trial balance.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrialBalance {
    /// `YYYY-MM`.
    pub period: String,
    /// `closed`: the balances recorded by the close; otherwise computed from the postings
    /// now (and still changing while the period is open).
    pub state: String,
    /// Per account.
    pub lines: Vec<TrialLine>,
    /// Sums of the columns (the closing balances sum to zero).
    pub total_debit_fen: i64,
    /// The period's credits.
    pub total_credit_fen: i64,
}

fn parse(period: &str) -> Result<Period> {
    period
        .parse()
        .map_err(|e: daojia_domain::period::BadPeriod| {
            Error::field("period", "invalid", e.to_string())
        })
}

/// Every period with entries, every period ever closed, and the current month, oldest
/// first.
pub async fn list(app: &App, now: DateTime<Utc>) -> Result<Vec<PeriodView>> {
    let db = app.store.db();
    let closed = repo::closed_through(db).await?;
    let totals = repo::totals(db).await?;
    let records = repo::records(db).await?;
    let mut periods: BTreeSet<Period> = BTreeSet::new();
    periods.insert(Period::of(now));
    for p in totals.keys().chain(records.iter().map(|r| &r.period)) {
        if let Ok(p) = p.parse() {
            periods.insert(p);
        }
    }
    // The first period that can be closed: the one after the closed ones, or (nothing
    // closed yet) the earliest with entries.
    let next = match closed {
        Some(c) => Some(c.next()),
        None => periods.iter().next().copied(),
    };
    Ok(periods
        .into_iter()
        .map(|p| {
            let rec = records.iter().find(|r| r.period == p.to_string());
            let is_closed = closed.is_some_and(|c| p <= c);
            let (entries, debits) = totals.get(&p.to_string()).copied().unwrap_or((0, 0));
            PeriodView {
                period: p.to_string(),
                state: if is_closed {
                    "closed".into()
                } else if rec.is_some() {
                    "reopened".into()
                } else {
                    "open".into()
                },
                entries,
                debits_fen: debits,
                closable: !is_closed && Some(p) == next && p.is_over(now),
                reopenable: closed == Some(p),
                closes: rec.map_or(0, |r| r.closes),
                closed_at: rec.and_then(|r| r.closed_at),
                closed_by: rec.and_then(|r| r.closed_by),
                reopened_at: rec.and_then(|r| r.reopened_at),
                reopen_reason: rec.and_then(|r| r.reopen_reason.clone()),
            }
        })
        .collect())
}

fn refused(p: Period, r: Refusal) -> Error {
    match r {
        Refusal::NotOver => Error::conflict(
            "period_not_over",
            format!("{p} is not over yet (China time): only a month that has ended can be closed"),
        ),
        Refusal::Closed => Error::conflict("period_closed", format!("{p} is closed already")),
        Refusal::EarlierOpen(e) => Error::conflict(
            "earlier_period_open",
            format!("{e} is still open: close the periods in order"),
        ),
        Refusal::Check(problems) => {
            let n = problems.len();
            let shown: Vec<String> = problems.into_iter().take(10).collect();
            Error::conflict(
                "ledger_check_failed",
                format!(
                    "the ledger check lists {n} problem(s); fix them first: {}",
                    shown.join("; ")
                ),
            )
        }
        Refusal::NotLatest(c) => Error::conflict(
            "not_latest_closed",
            match c {
                Some(c) => format!("only the latest closed period ({c}) can be reopened"),
                None => "no period is closed".to_string(),
            },
        ),
    }
}

fn audit_view(r: &ledger_period::Model) -> serde_json::Value {
    serde_json::json!({
        "state": r.state,
        "entries": r.entries,
        "debits_fen": r.debits_fen,
        "closes": r.closes,
        "reopen_reason": r.reopen_reason,
    })
}

/// Closes `period` (audited `ledger_period.close`, in the close's transaction).
pub async fn close(
    app: &App,
    actor: &Actor,
    period: &str,
    now: DateTime<Utc>,
) -> Result<PeriodView> {
    actor.scope.require_platform()?;
    let p = parse(period)?;
    let tx = daojia_store::begin(app.store.db()).await?;
    let result = async {
        let before = repo::record(&tx, p).await?;
        let saved = repo::close(&tx, p, actor.staff_id, now)
            .await?
            .map_err(|r| refused(p, r))?;
        actor
            .audit(
                app,
                &tx,
                "ledger_period.close",
                p,
                (before.as_ref().map(audit_view), Some(audit_view(&saved))),
                now,
            )
            .await?;
        Ok(())
    }
    .await;
    settle(tx, result).await?;
    one(app, p, now).await
}

/// Reopens `period`, the latest closed one, with a reason (audited
/// `ledger_period.reopen`).
pub async fn reopen(
    app: &App,
    actor: &Actor,
    period: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<PeriodView> {
    actor.scope.require_platform()?;
    let p = parse(period)?;
    let reason = text("reason", Some(reason), true, 500)?.unwrap_or_default();
    let tx = daojia_store::begin(app.store.db()).await?;
    let result = async {
        let before = repo::record(&tx, p).await?;
        let saved = repo::reopen(&tx, p, &reason, actor.staff_id, now)
            .await?
            .map_err(|r| refused(p, r))?;
        actor
            .audit(
                app,
                &tx,
                "ledger_period.reopen",
                p,
                (before.as_ref().map(audit_view), Some(audit_view(&saved))),
                now,
            )
            .await?;
        Ok(())
    }
    .await;
    settle(tx, result).await?;
    one(app, p, now).await
}

async fn one(app: &App, p: Period, now: DateTime<Utc>) -> Result<PeriodView> {
    list(app, now)
        .await?
        .into_iter()
        .find(|v| v.period == p.to_string())
        .ok_or(Error::NotFound("period"))
}

/// The trial balance of `period`: as recorded when it was closed, or from the postings
/// now while it is open.
pub async fn trial_balance(app: &App, period: &str) -> Result<TrialBalance> {
    let p = parse(period)?;
    let db = app.store.db();
    let closed = repo::closed_through(db).await?.is_some_and(|c| p <= c);
    let lines = if closed {
        repo::snapshot(db, p).await?
    } else {
        repo::trial_balance(db, p).await?
    };
    let lines: Vec<TrialLine> = lines
        .into_iter()
        .map(|l: Line| TrialLine {
            account: l.account,
            opening_fen: l.opening,
            debit_fen: l.debit,
            credit_fen: l.credit,
            closing_fen: l.closing,
        })
        .collect();
    Ok(TrialBalance {
        period: p.to_string(),
        state: if closed { "closed" } else { "open" }.into(),
        total_debit_fen: lines.iter().map(|l| l.debit_fen).sum(),
        total_credit_fen: lines.iter().map(|l| l.credit_fen).sum(),
        lines,
    })
}

/// A trial balance as CSV (UTF-8 with a byte-order mark; amounts in yuan, debit balances
/// positive), with a total line.
pub fn trial_balance_csv(tb: &TrialBalance) -> String {
    let yuan =
        |f: i64| daojia_pay::alipay::amount::to_signed_yuan(daojia_domain::money::Money::fen(f));
    let mut out =
        String::from("\u{feff}period,account,opening_yuan,debit_yuan,credit_yuan,closing_yuan\r\n");
    for l in &tb.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{}\r\n",
            tb.period,
            l.account,
            yuan(l.opening_fen),
            yuan(l.debit_fen),
            yuan(l.credit_fen),
            yuan(l.closing_fen)
        ));
    }
    let opening: i64 = tb.lines.iter().map(|l| l.opening_fen).sum();
    let closing: i64 = tb.lines.iter().map(|l| l.closing_fen).sum();
    out.push_str(&format!(
        "{},total,{},{},{},{}\r\n",
        tb.period,
        yuan(opening),
        yuan(tb.total_debit_fen),
        yuan(tb.total_credit_fen),
        yuan(closing)
    ));
    out
}
