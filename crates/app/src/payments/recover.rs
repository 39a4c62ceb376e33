//! The scheduled queries that find what a lost notification would have said: each new
//! intent gets a `payment.query` job, run again with a growing delay while the intent is
//! open and once more after it expires (then it is closed at the channel); each refund a
//! `payment.refund` job that submits it again (the refund number makes that idempotent at
//! both channels) or asks for its state until the channel says the last word.

use super::apply::{self, NotifyError};
use super::payments;
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::payment::{IntentState, Provider, RefundState};
use daojia_pay::channel::PaymentState;
use daojia_store::entity::payment_intent;
use daojia_store::repo::jobs::{self, NewJob};
use daojia_store::repo::payments::{self as repo, IntentUpdate};
use sea_orm::ConnectionTrait;

/// Job kind: ask the channel for an open intent's state.
pub const QUERY_JOB: &str = "payment.query";
/// Job kind: submit a requested refund again, or ask for a processing one's state.
pub const REFUND_JOB: &str = "payment.refund";
/// Queries of one intent before it is left to operations.
const MAX_QUERIES: u32 = 20;
/// Refund steps before a stuck refund is alerted and left to operations.
const MAX_REFUND_STEPS: u32 = 12;

fn payload(p: &serde_json::Value, key: &str) -> Result<(String, u32)> {
    let no = p[key]
        .as_str()
        .ok_or_else(|| Error::internal(format!("payload lacks {key}")))?;
    let attempt = p["attempt"].as_u64().unwrap_or(0) as u32;
    Ok((no.to_owned(), attempt))
}

fn provider_of(row: &payment_intent::Model) -> Result<Provider> {
    Provider::parse(&row.provider)
        .ok_or_else(|| Error::internal(format!("provider `{}`", row.provider)))
}

fn notify_error(e: NotifyError) -> Error {
    match e {
        NotifyError::Retry(e) => e,
        // Rejected news was alerted; asking again will not change it.
        NotifyError::Rejected(_) => Error::conflict("payment_rejected", e.to_string()),
    }
}

/// Runs a `payment.query` job: asks the channel, applies the answer; schedules the next
/// query while the intent stays open, and closes it once it has expired unpaid.
pub async fn run_query(app: &App, p: &serde_json::Value, now: DateTime<Utc>) -> Result<()> {
    let (intent_no, attempt) = payload(p, "intent_no")?;
    let Some(row) = repo::intent_by_no(app.store.db(), &intent_no).await? else {
        return Ok(());
    };
    if !IntentState::parse(&row.state).is_some_and(IntentState::is_open) {
        return Ok(());
    }
    let provider = provider_of(&row)?;
    let channel = payments(app)?.channel(provider)?.clone();
    let asked = channel.query(&intent_no, now).await;
    let state = match &asked {
        Ok(status) => {
            match apply::payment(app, provider, status, None, now).await {
                Ok(_) | Err(NotifyError::Rejected(_)) => {}
                Err(e) => return Err(notify_error(e)),
            }
            Some(status.state)
        }
        Err(e) => {
            tracing::warn!(intent = %intent_no, error = %e, "payment query failed");
            None
        }
    };
    let still_open = matches!(
        state,
        None | Some(PaymentState::Pending) | Some(PaymentState::NotFound)
    );
    if !still_open {
        return Ok(());
    }
    if now >= row.expires_at && state.is_some() {
        close_at_channel(app, &row, now).await;
        return Ok(());
    }
    if attempt + 1 >= MAX_QUERIES {
        let detail = serde_json::json!({ "intent_no": intent_no, "queries": attempt + 1 });
        return super::alert(app, "query_gave_up", Some(row.id), detail, now).await;
    }
    let first = payments(app)?.settings.first_query_after;
    let mut next = now + first * 2i32.pow(attempt.min(10));
    if now < row.expires_at && next > row.expires_at {
        // One last look just after it stops being payable.
        next = row.expires_at + Duration::seconds(5);
    }
    schedule_query(app.store.db(), &intent_no, attempt + 1, next, now).await
}

async fn schedule_query(
    db: &impl ConnectionTrait,
    intent_no: &str,
    attempt: u32,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<()> {
    jobs::enqueue(
        db,
        NewJob {
            kind: QUERY_JOB.into(),
            payload: serde_json::json!({ "intent_no": intent_no, "attempt": attempt }),
            run_at,
            dedupe_key: Some(format!("{QUERY_JOB}:{intent_no}:{attempt}")),
            max_attempts: 5,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Closes an open intent at its channel and here. When the channel will not close it (it
/// was paid meanwhile), its state is asked and applied instead. Failures are logged: the
/// scheduled query comes back to it.
pub(crate) async fn close_at_channel(app: &App, row: &payment_intent::Model, now: DateTime<Utc>) {
    let Ok(provider) = provider_of(row) else {
        return;
    };
    let Ok(channel) = payments(app).and_then(|p| p.channel(provider).cloned()) else {
        return;
    };
    let closed = match channel.close(&row.intent_no, now).await {
        Ok(()) => true,
        Err(e) => match channel.query(&row.intent_no, now).await {
            // Never opened at the channel (an Alipay page nobody visited): nothing to close.
            Ok(s) if s.state == PaymentState::NotFound => true,
            Ok(s) => {
                if let Err(e) = apply::payment(app, provider, &s, None, now).await {
                    tracing::warn!(intent = %row.intent_no, error = %e, "applying a queried payment failed");
                }
                false
            }
            Err(_) => {
                tracing::warn!(intent = %row.intent_no, error = %e, "closing a payment failed");
                false
            }
        },
    };
    if closed
        && let Err(e) = repo::set_intent_state(
            app.store.db(),
            row.id,
            &["created", "pending"],
            "closed",
            IntentUpdate::default(),
            now,
        )
        .await
    {
        tracing::warn!(intent = %row.intent_no, error = %e, "marking a payment closed failed");
    }
}

/// Schedules refund step `attempt` of refund `refund_no` (in the caller's transaction).
pub(crate) async fn schedule_refund(
    db: &impl ConnectionTrait,
    refund_no: &str,
    attempt: u32,
    now: DateTime<Utc>,
) -> Result<()> {
    let delay = Duration::seconds(30) * 2i32.pow(attempt.min(7));
    jobs::enqueue(
        db,
        NewJob {
            kind: REFUND_JOB.into(),
            payload: serde_json::json!({ "refund_no": refund_no, "attempt": attempt }),
            run_at: now + delay,
            dedupe_key: Some(format!("{REFUND_JOB}:{refund_no}:{attempt}")),
            max_attempts: 5,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Runs a `payment.refund` job: a refund still `requested` is submitted again, one
/// `processing` is asked about; while it stays open the next step is scheduled.
pub async fn run_refund(app: &App, p: &serde_json::Value, now: DateTime<Utc>) -> Result<()> {
    let (refund_no, attempt) = payload(p, "refund_no")?;
    let Some(r) = repo::refund_by_no(app.store.db(), &refund_no).await? else {
        return Ok(());
    };
    match RefundState::parse(&r.state) {
        Some(RefundState::Requested) => super::refunds::submit(app, &r, now).await,
        Some(RefundState::Processing) => {
            let Some(intent) = repo::intent(app.store.db(), r.intent_id).await? else {
                return Err(Error::internal("a refund without its intent"));
            };
            let provider = provider_of(&intent)?;
            let channel = payments(app)?.channel(provider)?.clone();
            match channel
                .query_refund(&intent.intent_no, &refund_no, now)
                .await
            {
                Ok(status) => match apply::refund_news(app, provider, &status, None, now).await {
                    Ok(_) | Err(NotifyError::Rejected(_)) => {}
                    Err(e) => return Err(notify_error(e)),
                },
                Err(e) => tracing::warn!(refund = %refund_no, error = %e, "refund query failed"),
            }
        }
        _ => return Ok(()),
    }
    let still_open = repo::refund_by_no(app.store.db(), &refund_no)
        .await?
        .and_then(|r| RefundState::parse(&r.state))
        .is_some_and(RefundState::is_open);
    if !still_open {
        return Ok(());
    }
    if attempt + 1 >= MAX_REFUND_STEPS {
        let detail = serde_json::json!({ "refund_no": refund_no, "steps": attempt + 1 });
        return super::alert(app, "refund_stuck", Some(r.intent_id), detail, now).await;
    }
    schedule_refund(app.store.db(), &refund_no, attempt + 1, now).await
}
