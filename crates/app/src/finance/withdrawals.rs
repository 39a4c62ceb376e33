//! A worker's withdrawal requests and finance's decisions (audited, permission-gated and
//! partner-scoped by the caller).

use super::payout::{self, Sent};
use crate::workers::{Actor, Scope};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::withdrawal::{Refused, State};
use daojia_store::entity::withdrawal;
use daojia_store::repo::withdrawals::{self as repo, Decision, WithdrawalError};
use serde::Serialize;
use uuid::Uuid;

/// A withdrawal as the apps show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WithdrawalView {
    /// Its id.
    pub id: Uuid,
    /// Its number.
    pub withdrawal_no: String,
    /// The worker.
    pub worker_id: Uuid,
    /// Asked for, in fen.
    pub amount_fen: i64,
    /// The fee withheld, in fen.
    pub fee_fen: i64,
    /// What the worker receives.
    pub net_fen: i64,
    /// `requested`, `approved`, `paid`, `rejected` or `failed`.
    pub state: String,
    /// `bank` or `wechat`.
    pub channel: String,
    /// WeChat: the transfer bill's last state (`WAIT_USER_CONFIRM` while it waits for the
    /// payee to confirm, then `SUCCESS`, `FAIL` or `CANCELLED`).
    pub transfer_state: Option<String>,
    /// The payout's reference, once paid.
    pub reference: Option<String>,
    /// Why it was rejected or failed.
    pub reason: Option<String>,
    /// When asked.
    pub requested_at: DateTime<Utc>,
    /// Who decided.
    pub decided_by: Option<Uuid>,
    /// When decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// When paid, rejected or failed.
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<withdrawal::Model> for WithdrawalView {
    fn from(w: withdrawal::Model) -> Self {
        WithdrawalView {
            id: w.id,
            withdrawal_no: w.withdrawal_no,
            worker_id: w.worker_id,
            amount_fen: w.amount_fen,
            fee_fen: w.fee_fen,
            net_fen: w.amount_fen - w.fee_fen,
            state: w.state,
            channel: w.channel,
            transfer_state: w.transfer_state,
            reference: w.reference,
            reason: w.reason,
            requested_at: w.requested_at,
            decided_by: w.decided_by,
            decided_at: w.decided_at,
            finished_at: w.finished_at,
        }
    }
}

fn refused(e: WithdrawalError) -> Error {
    match e {
        WithdrawalError::Refused(Refused::OverBalance(have)) => Error::ConflictAt {
            code: "insufficient_balance",
            field: "amount".into(),
            message: format!("more than the withdrawable balance ({})", super::yuan(have)),
        },
        WithdrawalError::Refused(r @ Refused::BelowMinimum(_)) => {
            Error::field("amount", "below_minimum", r.to_string())
        }
        WithdrawalError::Refused(r @ Refused::DailyLimit { .. }) => {
            Error::field("amount", "daily_limit", r.to_string())
        }
        WithdrawalError::Refused(r @ Refused::FeeTakesAll(_)) => {
            Error::field("amount", "fee_takes_all", r.to_string())
        }
        WithdrawalError::NotFound => Error::NotFound("withdrawal"),
        WithdrawalError::State(s) => Error::conflict(
            "withdrawal_state",
            format!("this step does not apply: the withdrawal is {s}"),
        ),
        WithdrawalError::Db(e) => e.into(),
    }
}

/// Worker `worker` asks for `amount_fen` through `channel`.
pub async fn request(
    app: &App,
    worker: Uuid,
    amount_fen: i64,
    channel: &str,
    now: DateTime<Utc>,
) -> Result<WithdrawalView> {
    if !payout::CHANNELS.contains(&channel) {
        return Err(Error::field(
            "channel",
            "unknown_channel",
            format!("payout channels: {}", payout::CHANNELS.join(", ")),
        ));
    }
    let payee = match channel {
        "wechat" => Some(super::transfers::payee_for_request(app, worker, amount_fen).await?),
        _ => None,
    };
    let payee = payee.as_ref().map(|(openid, name)| repo::Payee {
        openid,
        name: name.as_deref(),
    });
    let f = app.settings.finance;
    let day = repo::day_start(now, f.day_offset_hours);
    let w = repo::request(
        &app.store,
        worker,
        Money::fen(amount_fen),
        channel,
        payee,
        &f.withdrawals,
        day,
        now,
    )
    .await
    .map_err(refused)?;
    Ok(w.into())
}

/// A worker's withdrawals, newest first.
pub async fn of_worker(app: &App, worker: Uuid) -> Result<Vec<WithdrawalView>> {
    let list = repo::list(app.store.db(), Some(worker), None, None, 200).await?;
    Ok(list.into_iter().map(Into::into).collect())
}

/// Withdrawals for finance, newest first, within `scope`.
pub async fn list(
    app: &App,
    scope: Scope,
    state: Option<&str>,
    limit: u64,
) -> Result<Vec<WithdrawalView>> {
    let state = match state {
        None => None,
        Some(s) => Some(State::parse(s).ok_or_else(|| {
            Error::field(
                "state",
                "invalid",
                "one of requested, approved, paid, rejected, failed",
            )
        })?),
    };
    let partner = match scope {
        Scope::All => None,
        Scope::Partner(None) => return Ok(vec![]),
        Scope::Partner(Some(p)) => Some(p),
    };
    let list = repo::list(app.store.db(), None, partner, state, limit.clamp(1, 500)).await?;
    Ok(list.into_iter().map(Into::into).collect())
}

/// One withdrawal within `scope` (a partner's staff see their workers' only).
pub async fn get(app: &App, scope: Scope, id: Uuid) -> Result<withdrawal::Model> {
    let w = repo::get(app.store.db(), id)
        .await?
        .ok_or(Error::NotFound("withdrawal"))?;
    match scope {
        Scope::All => Ok(w),
        Scope::Partner(p) if p.is_some() && w.partner_id == p => Ok(w),
        Scope::Partner(_) => Err(Error::NotFound("withdrawal")),
    }
}

/// Finance's decision.
#[derive(Debug, Clone)]
pub enum Decide {
    /// Approve and pay out through the withdrawal's channel.
    Approve,
    /// Reject with a reason.
    Reject(String),
    /// Record a bank transfer made by hand, with its reference.
    MarkPaid(String),
    /// Record that the transfer failed, with the reason.
    MarkFailed(String),
}

fn view_json(w: &withdrawal::Model) -> serde_json::Value {
    serde_json::json!({
        "worker_id": w.worker_id,
        "amount_fen": w.amount_fen,
        "fee_fen": w.fee_fen,
        "state": w.state,
        "channel": w.channel,
        "reference": w.reference,
        "reason": w.reason,
    })
}

/// One step by `actor` (none: the platform, after a payout's answer), audited in its
/// transaction as `withdrawal.<step>`.
pub(crate) async fn step(
    app: &App,
    id: Uuid,
    step: Decision,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<withdrawal::Model> {
    let name = match &step {
        Decision::Approve => "withdrawal.approve",
        Decision::Reject(_) => "withdrawal.reject",
        Decision::Paid(_) => "withdrawal.paid",
        Decision::Fail(_) => "withdrawal.fail",
    };
    let tx = daojia_store::begin(app.store.db()).await?;
    let before = repo::get(&tx, id).await?;
    let result = repo::decide_in(&tx, id, step, actor.map(|a| a.staff_id), now).await;
    let after = match result {
        Ok(a) => a,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(refused(e));
        }
    };
    if let (Some(a), Some(b)) = (actor, &before)
        && b.state != after.state
        && let Err(e) = a
            .audit(
                app,
                &tx,
                name,
                id,
                (Some(view_json(b)), Some(view_json(&after))),
                now,
            )
            .await
    {
        let _ = tx.rollback().await;
        return Err(e);
    }
    tx.commit().await?;
    Ok(after)
}

/// Applies finance's `decision` by `actor` to withdrawal `id` (within the actor's
/// scope); an approval pays out through the withdrawal's channel at once (a bank transfer
/// waits for finance to record it).
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: Uuid,
    decision: Decide,
    now: DateTime<Utc>,
) -> Result<WithdrawalView> {
    let current = get(app, actor.scope, id).await?;
    let text = |s: &str, field: &'static str| -> Result<String> {
        let t = s.trim();
        if t.is_empty() || t.chars().count() > 200 {
            return Err(Error::field(field, "invalid", "1 to 200 characters"));
        }
        Ok(t.to_string())
    };
    let first = match &decision {
        Decide::Approve => Decision::Approve,
        Decide::Reject(r) => Decision::Reject(text(r, "reason")?),
        Decide::MarkPaid(r) => Decision::Paid(text(r, "reference")?),
        Decide::MarkFailed(r) => Decision::Fail(text(r, "reason")?),
    };
    // A WeChat transfer's outcome is WeChat's to tell (its callback, or the query job):
    // recorded by hand, a failure would give the money back while the payee can still
    // confirm the bill and be paid, and a payment could be recorded that never came.
    if current.channel == "wechat"
        && matches!(decision, Decide::MarkPaid(_) | Decide::MarkFailed(_))
    {
        return Err(Error::conflict(
            "outcome_from_channel",
            "WeChat reports the outcome of this transfer; it cannot be recorded by hand",
        ));
    }
    // The channel must be there before the approval is: an approved withdrawal nobody
    // can pay would only wait.
    let channel = payout::of(app, &current.channel);
    if matches!(decision, Decide::Approve) && channel.is_none() {
        return Err(Error::conflict(
            "channel_unavailable",
            format!(
                "payouts through `{}` are not configured on this server",
                current.channel
            ),
        ));
    }
    let mut after = step(app, id, first, Some(actor), now).await?;
    if let (Decide::Approve, Some(channel)) = (&decision, channel)
        && after.state == State::Approved.code()
    {
        let next = match channel.send(&after, now).await {
            Ok(Sent::Paid(r)) => Some(Decision::Paid(r)),
            Ok(Sent::Failed(r)) => Some(Decision::Fail(r)),
            Ok(Sent::Pending) => None,
            // Unknown outcome: it stays approved; the transfer query sends it again.
            Err(e) => {
                tracing::warn!(withdrawal = %after.withdrawal_no, error = %e, "payout not sent");
                None
            }
        };
        after = match next {
            Some(n) => step(app, id, n, None, now).await?,
            None => repo::get(app.store.db(), id).await?.unwrap_or(after),
        };
    }
    Ok(after.into())
}
