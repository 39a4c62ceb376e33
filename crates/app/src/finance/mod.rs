//! Commissions, settlement and withdrawals (issue 12): the settlement job that moves
//! earnings from pending to withdrawable after the dispute window, a worker's earnings and
//! withdrawal requests, finance's decisions and the payout channels, and the commission
//! rules finance edits. The split itself is recorded by the order's completion (in the
//! store's transition, same transaction); see `docs/ledger.md`.

pub mod demo;
pub mod fees;
pub mod fund_matching;
pub mod invoices;
pub mod matching;
pub mod payout;
pub mod periods;
pub mod reconcile;
pub mod reports;
pub mod rules;
pub mod transfers;
pub mod withdrawals;

use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::money::Money;
use daojia_store::entity::order_earning;
use daojia_store::repo::earnings::{self, Settled};
use serde::Serialize;
use uuid::Uuid;

/// The job kind of the hourly settlement run.
pub const SETTLE_JOB: &str = "finance.settle";

/// Finance's settings (`[finance]`).
#[derive(Debug, Clone, Copy)]
pub struct FinanceSettings {
    /// How long after completion an earning stays pending (the dispute window).
    pub dispute_window_hours: u32,
    /// Withdrawal limits and fee.
    pub withdrawals: daojia_domain::withdrawal::Limits,
    /// The zone whose days the daily limit counts, hours east of UTC.
    pub day_offset_hours: i64,
}

impl Default for FinanceSettings {
    fn default() -> Self {
        FinanceSettings {
            dispute_window_hours: 72,
            withdrawals: Default::default(),
            day_offset_hours: 8,
        }
    }
}

/// What a settlement run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SettleRun {
    /// Earnings moved to withdrawable.
    pub settled: usize,
    /// Earnings held by an open after-sales case.
    pub held: usize,
}

/// Settles every earning whose dispute window ended by `now` (each in its own
/// transaction); idempotent: a settled earning is not settled again, and a run cut short
/// leaves the rest for the next.
pub async fn settle_due(app: &App, now: DateTime<Utc>) -> Result<SettleRun> {
    let window = Duration::hours(i64::from(app.settings.finance.dispute_window_hours));
    let mut run = SettleRun::default();
    let mut seen = std::collections::HashSet::new();
    loop {
        let due = earnings::due(app.store.db(), now - window, 200).await?;
        let fresh: Vec<_> = due
            .into_iter()
            .filter(|e| seen.insert(e.order_id))
            .collect();
        if fresh.is_empty() {
            // Sharings whose outcome a lost job or callback left open are asked about.
            if let Err(e) = crate::payments::sharing::follow_open(app, now).await {
                tracing::warn!(error = %e, "open sharings not followed");
            }
            return Ok(run);
        }
        for e in fresh {
            let tx = daojia_store::begin(app.store.db()).await?;
            match earnings::settle(&tx, e.order_id, now).await {
                Ok(s) => {
                    // A settled order's WeChat payments are shared at the channel (分账)
                    // in the same transaction: planned once, sent by their jobs.
                    if s == Settled::Now
                        && let Err(err) =
                            crate::payments::sharing::plan(app, &tx, e.order_id, now).await
                    {
                        let _ = tx.rollback().await;
                        return Err(err);
                    }
                    tx.commit().await?;
                    match s {
                        Settled::Now => run.settled += 1,
                        Settled::Held => run.held += 1,
                        Settled::Skipped => {}
                    }
                }
                Err(err) => {
                    let _ = tx.rollback().await;
                    return Err(err.into());
                }
            }
        }
    }
}

/// One earning as the worker sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EarningView {
    /// The order.
    pub order_id: Uuid,
    /// What the customer paid and kept paid, in fen.
    pub gross_fen: i64,
    /// The platform's commission.
    pub platform_fen: i64,
    /// The partner's share.
    pub partner_fen: i64,
    /// The worker's earning.
    pub worker_fen: i64,
    /// `pending` or `settled`.
    pub state: String,
    /// When the order completed.
    pub earned_at: DateTime<Utc>,
    /// When it becomes withdrawable (the end of the dispute window), while pending.
    pub settles_after: Option<DateTime<Utc>>,
    /// When it was settled.
    pub settled_at: Option<DateTime<Utc>>,
}

/// A worker's earnings summary (我的收入).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// Pending (in the dispute window), in fen.
    pub pending_fen: i64,
    /// Withdrawable now.
    pub withdrawable_fen: i64,
    /// Requested or approved withdrawals not yet paid.
    pub in_flight_fen: i64,
    /// Paid out so far.
    pub withdrawn_fen: i64,
    /// The latest earnings, newest first.
    pub earnings: Vec<EarningView>,
}

fn view(app: &App, e: &order_earning::Model) -> EarningView {
    let window = Duration::hours(i64::from(app.settings.finance.dispute_window_hours));
    EarningView {
        order_id: e.order_id,
        gross_fen: e.gross_fen,
        platform_fen: e.platform_fen,
        partner_fen: e.partner_fen,
        worker_fen: e.worker_fen,
        state: e.state.clone(),
        earned_at: e.earned_at,
        settles_after: (e.state == "pending").then(|| e.earned_at + window),
        settled_at: e.settled_at,
    }
}

/// A worker's earnings summary, from the ledger (pending) and the kept balance.
pub async fn summary(app: &App, worker: Uuid) -> Result<Summary> {
    use daojia_domain::ids::WorkerId;
    use daojia_domain::ledger::Account;
    use daojia_store::repo::ledger::balance;
    let db = app.store.db();
    let pending = -balance(db, Account::WorkerPending(WorkerId(worker))).await?;
    let withdrawable = earnings::withdrawable(db, worker).await?;
    let list = daojia_store::repo::withdrawals::list(db, Some(worker), None, None, 1000).await?;
    let sum = |states: &[&str]| -> i64 {
        list.iter()
            .filter(|w| states.contains(&w.state.as_str()))
            .map(|w| w.amount_fen)
            .sum()
    };
    let latest = earnings::of_worker(db, worker, 50).await?;
    Ok(Summary {
        pending_fen: pending.as_fen(),
        withdrawable_fen: withdrawable.as_fen(),
        in_flight_fen: sum(&["requested", "approved"]),
        withdrawn_fen: sum(&["paid"]),
        earnings: latest.iter().map(|e| view(app, e)).collect(),
    })
}

/// Money as yuan text for messages (`¥12.34`).
pub(crate) fn yuan(m: Money) -> String {
    format!("¥{}.{:02}", m.as_fen() / 100, (m.as_fen() % 100).abs())
}
