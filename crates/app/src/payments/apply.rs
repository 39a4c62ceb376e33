//! Applying what a channel says about a payment or a refund: a verified notification (once
//! per notification id) or the answer to a scheduled query.

use super::{alert, payments, write_alert};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::ledger::{self as journal, Clearing};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, PaymentMethod};
use daojia_domain::payment::{Change, Intent, IntentState, Provider, Refund, RefundState};
use daojia_pay::channel::{Notice, PaymentState, PaymentStatus, RefundStatus};
use daojia_store::entity::{payment_intent, refund};
use daojia_store::repo::ledger;
use daojia_store::repo::orders::{self, OrderError};
use daojia_store::repo::payments::{self as repo, IntentUpdate, NewRefund};
use sea_orm::DatabaseTransaction;

/// What applying a notification did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The intent or refund changed.
    Changed,
    /// Nothing to change: a duplicate notification, or news already known.
    Unchanged,
}

/// Why a notification was not applied: the channel is told to send it again (`Retry`) or
/// it was refused for good and alerted (`Rejected`); both answer the channel with failure.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Refused (forged, foreign, another amount, unknown intent); alerted.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Not applied now (database); the channel will redeliver.
    #[error("try again: {0}")]
    Retry(#[from] Error),
}

/// Verifies and applies one notification from `provider` (its headers and raw body as
/// received). The same notification twice changes nothing the second time; one that does
/// not verify, names another merchant, or reports another amount than the intent's is
/// rejected and alerted.
pub async fn apply_notification(
    app: &App,
    provider: Provider,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> Result<Applied, NotifyError> {
    let result = verify_and_apply(app, provider, headers, body, now).await;
    let outcome = match &result {
        Ok(Applied::Changed) => "applied",
        Ok(Applied::Unchanged) => "duplicate",
        Err(NotifyError::Rejected(_)) => "rejected",
        Err(NotifyError::Retry(_)) => "retry",
    };
    metrics::counter!("payment_callbacks_total", "channel" => provider.code(), "outcome" => outcome)
        .increment(1);
    result
}

async fn verify_and_apply(
    app: &App,
    provider: Provider,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> Result<Applied, NotifyError> {
    let channel = payments(app)?.channel(provider)?.clone();
    let mut verified = channel.verify_notification(headers, body, now);
    // Signed with a platform certificate this node does not trust yet (WeChat rotated it):
    // the kept set may have it; otherwise a download is asked for and this is refused
    // (WeChat sends it again).
    if let Err(daojia_pay::Error::UnknownSerial(serial)) = &verified
        && provider == Provider::Wechat
        && super::certificates::on_unknown_serial(app, serial, now).await?
    {
        verified = channel.verify_notification(headers, body, now);
    }
    let n = match verified {
        Ok(n) => n,
        Err(e) => {
            let kind = match &e {
                daojia_pay::Error::Mismatch { .. } => "merchant_mismatch",
                _ => "notification_refused",
            };
            let detail = serde_json::json!({ "provider": provider.code(), "error": e.to_string() });
            alert(app, kind, None, detail, now).await?;
            return Err(NotifyError::Rejected(e.to_string()));
        }
    };
    match &n.notice {
        Notice::Payment(status) => payment(app, provider, status, Some(&n.id), now).await,
        Notice::Refund(status) => refund_news(app, provider, status, Some(&n.id), now).await,
    }
}

/// Applies a payment's `status` as the channel reported it (in notification `id`, or in
/// the answer to a query when `None`).
pub(crate) async fn payment(
    app: &App,
    provider: Provider,
    status: &PaymentStatus,
    id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Applied, NotifyError> {
    let reject = |kind: &'static str, why: String, intent: Option<&payment_intent::Model>| {
        let detail = serde_json::json!({
            "provider": provider.code(), "notification_id": id, "intent_no": status.intent,
            "reported_fen": status.amount.map(Money::as_fen),
            "intent_fen": intent.map(|i| i.amount_fen), "reason": why,
        });
        (kind, detail, intent.map(|i| i.id), why)
    };
    let tx = daojia_store::begin(app.store.db())
        .await
        .map_err(Error::from)?;
    if let Some(id) = id
        && !repo::record_notification(&tx, provider.code(), id, "payment", &status.intent, now)
            .await
            .map_err(Error::from)?
    {
        let _ = tx.rollback().await;
        return Ok(Applied::Unchanged);
    }
    let row = repo::intent_by_no(&tx, &status.intent)
        .await
        .map_err(Error::from)?;
    let refusal = match &row {
        None => Some(reject(
            "unknown_intent",
            "no such payment intent".into(),
            None,
        )),
        Some(r) if r.provider != provider.code() => Some(reject(
            "channel_mismatch",
            format!("the intent is {}'s", r.provider),
            Some(r),
        )),
        _ => None,
    };
    if let Some((kind, detail, subject, why)) = refusal {
        let _ = tx.rollback().await;
        alert(app, kind, subject, detail, now).await?;
        return Err(NotifyError::Rejected(why));
    }
    let row = row.expect("checked above");
    let mut intent = Intent {
        state: IntentState::parse(&row.state)
            .ok_or_else(|| Error::internal(format!("intent state `{}`", row.state)))?,
        amount: Money::fen(row.amount_fen),
    };
    let from = row.state.clone();
    let (step, to) = match status.state {
        PaymentState::Succeeded => (
            intent.succeed(status.amount.unwrap_or(Money::fen(-1))),
            "succeeded",
        ),
        PaymentState::Failed => (intent.fail(), "failed"),
        // Alipay closes a trade it refunded in full: for a paid intent that is no news.
        PaymentState::Closed if intent.state == IntentState::Succeeded => {
            (Ok(Change::Unchanged), "succeeded")
        }
        PaymentState::Closed => (intent.close(), "closed"),
        PaymentState::Pending | PaymentState::NotFound => (Ok(Change::Unchanged), "pending"),
    };
    let change = match step {
        Ok(c) => c,
        Err(refused) => {
            let (kind, detail, subject, why) = reject(
                if refused.action == "succeed" {
                    "amount_mismatch"
                } else {
                    "refused"
                },
                refused.to_string(),
                Some(&row),
            );
            let _ = tx.rollback().await;
            alert(app, kind, subject, detail, now).await?;
            return Err(NotifyError::Rejected(why));
        }
    };
    if change == Change::Unchanged {
        tx.commit().await.map_err(Error::from)?;
        return Ok(Applied::Unchanged);
    }
    let update = IntentUpdate {
        channel_trade_no: status.channel_trade_no.as_deref(),
        ..Default::default()
    };
    if !repo::set_intent_state(&tx, row.id, &[from.as_str()], to, update, now)
        .await
        .map_err(Error::from)?
    {
        // Another node applied news about it meanwhile; the channel will redeliver or
        // the query will run again, and then this one is a no-op.
        let _ = tx.rollback().await;
        return Err(NotifyError::Retry(Error::conflict(
            "payment_busy",
            "the payment changed meanwhile",
        )));
    }
    let mut unowed = None;
    if to == "succeeded" {
        match row.order_id {
            // A top-up: the wallet takes it, whenever it arrives (even after the intent
            // was closed here: the channel holds the money, and it is the customer's);
            // a worker's deposit lodging likewise credits the deposit.
            None => super::purpose::credit(&tx, &row, provider, now).await?,
            Some(order_id) => {
                // The money is at the channel whether or not the order takes it.
                post(
                    &tx,
                    ledger::INTENT,
                    row.id,
                    Some(order_id),
                    "渠道收款",
                    journal::payment_received(
                        Clearing::Channel(provider),
                        Money::fen(row.amount_fen),
                    ),
                    now,
                )
                .await?;
                unowed = credit_order(app, &tx, &row, order_id, provider, status, now).await?;
            }
        }
    }
    tx.commit().await.map_err(Error::from)?;
    app.wake_relay();
    if let Some(r) = unowed {
        super::refunds::submit(app, &r, now).await;
    }
    Ok(Applied::Changed)
}

/// Marks the order paid by the intent `row`, in the intent's transaction. When the order
/// cannot take the money (cancelled meanwhile, or already paid through another intent),
/// the whole amount goes back: a refund is written and alerted, and returned for the
/// caller to submit after the commit.
async fn credit_order(
    app: &App,
    tx: &DatabaseTransaction,
    row: &payment_intent::Model,
    order_id: uuid::Uuid,
    provider: Provider,
    status: &PaymentStatus,
    now: DateTime<Utc>,
) -> Result<Option<refund::Model>, NotifyError> {
    let action = Action::RecordPayment {
        amount: Money::fen(row.amount_fen),
        method: PaymentMethod::Channel {
            channel: provider.code().into(),
        },
        reference: status
            .channel_trade_no
            .clone()
            .unwrap_or_else(|| row.intent_no.clone()),
    };
    match orders::apply_tx(tx, &app.store, order_id, Actor::System, action, now, None).await {
        Ok(_) => Ok(None),
        Err(OrderError::Transition(why)) => {
            let r = repo::insert_refund(
                tx,
                NewRefund {
                    refund_no: super::new_number('R', now),
                    intent_id: row.id,
                    order_id,
                    amount_fen: row.amount_fen,
                    origin: "unowed".into(),
                    reason: Some("订单无需此笔付款，原路退回".into()),
                    source: None,
                },
                now,
            )
            .await
            .map_err(Error::from)?;
            let detail = serde_json::json!({
                "intent_no": row.intent_no, "order_id": order_id,
                "amount_fen": row.amount_fen, "refund_no": r.refund_no, "reason": why.to_string(),
            });
            write_alert(
                app,
                tx,
                "unowed_payment_refunded",
                Some(row.id),
                detail,
                now,
            )
            .await?;
            super::recover::schedule_refund(tx, &r.refund_no, 0, now).await?;
            Ok(Some(r))
        }
        Err(e) => Err(NotifyError::Retry(e.into())),
    }
}

/// Applies a refund's `status` as the channel reported it.
pub(crate) async fn refund_news(
    app: &App,
    provider: Provider,
    status: &RefundStatus,
    id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Applied, NotifyError> {
    let tx = daojia_store::begin(app.store.db())
        .await
        .map_err(Error::from)?;
    if let Some(id) = id
        && !repo::record_notification(&tx, provider.code(), id, "refund", &status.refund, now)
            .await
            .map_err(Error::from)?
    {
        let _ = tx.rollback().await;
        return Ok(Applied::Unchanged);
    }
    let Some(row) = repo::refund_by_no(&tx, &status.refund)
        .await
        .map_err(Error::from)?
    else {
        let _ = tx.rollback().await;
        let detail = serde_json::json!({ "provider": provider.code(), "refund_no": status.refund });
        alert(app, "unknown_refund", None, detail, now).await?;
        return Err(NotifyError::Rejected("no such refund".into()));
    };
    let mut r = Refund {
        state: RefundState::parse(&row.state)
            .ok_or_else(|| Error::internal(format!("refund state `{}`", row.state)))?,
        amount: Money::fen(row.amount_fen),
    };
    if let Some(reported) = status.amount
        && reported != r.amount
    {
        let _ = tx.rollback().await;
        let detail = serde_json::json!({ "refund_no": row.refund_no, "reported_fen": reported.as_fen(), "refund_fen": row.amount_fen });
        alert(
            app,
            "refund_amount_mismatch",
            Some(row.intent_id),
            detail,
            now,
        )
        .await?;
        return Err(NotifyError::Rejected(
            "the refunded amount is not ours".into(),
        ));
    }
    let from = row.state.clone();
    let (step, to) = match status.state {
        daojia_pay::channel::RefundState::Processing => (r.submit(), "processing"),
        daojia_pay::channel::RefundState::Succeeded => (r.succeed(), "succeeded"),
        daojia_pay::channel::RefundState::Failed => (r.fail(), "failed"),
    };
    let change = match step {
        Ok(c) => c,
        Err(refused) => {
            let _ = tx.rollback().await;
            let detail =
                serde_json::json!({ "refund_no": row.refund_no, "reason": refused.to_string() });
            alert(app, "refund_refused", Some(row.intent_id), detail, now).await?;
            return Err(NotifyError::Rejected(refused.to_string()));
        }
    };
    if change == Change::Changed {
        let failure = (to == "failed").then_some("the channel refused or closed the refund");
        repo::set_refund_state(&tx, row.id, &[from.as_str()], to, failure, now)
            .await
            .map_err(Error::from)?;
        if to == "succeeded" {
            post(
                &tx,
                ledger::REFUND,
                row.id,
                Some(row.order_id),
                "渠道退款",
                journal::refund_paid(Clearing::Channel(provider), Money::fen(row.amount_fen)),
                now,
            )
            .await?;
        }
        if to == "failed" {
            let detail =
                serde_json::json!({ "refund_no": row.refund_no, "amount_fen": row.amount_fen });
            write_alert(app, &tx, "refund_failed", Some(row.intent_id), detail, now).await?;
        }
    }
    tx.commit().await.map_err(Error::from)?;
    app.wake_relay();
    Ok(if change == Change::Changed {
        Applied::Changed
    } else {
        Applied::Unchanged
    })
}

/// Posts the ledger entry of `kind` `id` in the state change's transaction `tx` (once: a
/// source with its entry already posts nothing).
pub(crate) async fn post(
    tx: &DatabaseTransaction,
    kind: &'static str,
    id: uuid::Uuid,
    order_id: Option<uuid::Uuid>,
    memo: &str,
    entry: Result<journal::Entry, journal::Invalid>,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    let entry = entry.map_err(Error::internal)?;
    let source = ledger::Source {
        kind,
        id: id.to_string(),
        order_id,
        memo,
    };
    ledger::post(tx, source, &entry, now, now)
        .await
        .map_err(Error::from)?;
    Ok(())
}
