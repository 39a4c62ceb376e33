//! Refunds through the channel the money came from. A refund the order books (a
//! cancellation's, an after-sales decision's) is shared over the order's paid intents,
//! the latest first (the balance before the deposit), each never above what that intent
//! collected and has not yet given back; what no intent can cover was paid offline: it is
//! posted to the ledger as owed (应付退款) and alerted for finance to return by hand.
//!
//! **Nothing is lost between the transition and its refund.** The transition's outbox
//! event is written in the transition's own transaction, and the `payments.refunds`
//! consumer ([`super::consumer`]) books the refund from it, so a crash after the
//! transition commits leaves the event for the relay to deliver after the restart. The
//! use case books it at once too (after its commit), so the payer does not wait for the
//! relay. Booking is idempotent by transition: each refund row records the transition
//! (`<order id>#<seq>`, unique per intent) and the ledger entry of the offline part is
//! unique by it, so a second booking of the same transition writes nothing. The two may
//! run at once: each takes the order's row lock before it reads anything, so the second
//! waits for the first to commit and then finds its refunds (without the lock it could
//! read "nothing booked" before the first committed and "nothing left to refund" after,
//! and post the whole amount as owed by hand).

use super::apply;
use super::recover::{close_at_channel, schedule_refund};
use crate::{App, Result};
use chrono::{DateTime, Utc};
use daojia_domain::ledger as journal;
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::Outcome;
use daojia_domain::payment::{Intent, IntentState, Provider, Refund, RefundState};
use daojia_pay::channel::RefundRequest;
use daojia_store::entity::refund;
use daojia_store::repo::ledger;
use daojia_store::repo::payments::{self as repo, NewRefund};
use uuid::Uuid;

/// After an order transition committed: books the refund it booked on the order (see
/// [`book`]) and, when it cancelled the order, closes the order's open intents. Failures
/// are logged; the outbox consumer does the same from the transition's event.
pub async fn after_transition(app: &App, order_id: Uuid, outcome: &Outcome, now: DateTime<Utc>) {
    let Outcome::Applied(event) = outcome else {
        return;
    };
    let cancelled = event.to == OrderState::Cancelled && event.from != OrderState::Cancelled;
    let done = follow_transition(
        app,
        order_id,
        event.seq,
        event.action.name(),
        event.money.refunded,
        cancelled,
        now,
    )
    .await;
    if let Err(e) = done {
        tracing::error!(order = %order_id, error = %e, "a booked refund was not written; the outbox consumer books it");
    }
}

/// What follows transition `seq` of order `order_id` (action `action`, which booked
/// `refunded` on the order and perhaps cancelled it): its refund booked, and the open
/// intents of a cancelled order closed at their channels (one paid meanwhile is refunded
/// when its success arrives: the order no longer takes it). Idempotent.
pub async fn follow_transition(
    app: &App,
    order_id: Uuid,
    seq: u32,
    action: &str,
    refunded: Money,
    cancelled: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    if refunded > Money::ZERO {
        let origin = match action {
            "cancel" => "cancellation",
            "resolve_after_sales" => "after_sales",
            _ => "order",
        };
        book(app, order_id, seq, refunded, origin, now).await?;
    }
    if cancelled && app.payments.is_some() {
        for i in repo::intents_of_order(app.store.db(), order_id).await? {
            if IntentState::parse(&i.state).is_some_and(IntentState::is_open) {
                close_at_channel(app, &i, now).await;
            }
        }
    }
    Ok(())
}

/// What [`book`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booked {
    /// Written now: this much through the channels, this much back into the wallet (the
    /// rest is owed by hand).
    Now {
        /// Sent back through the channels.
        through_channels: Money,
        /// Back in the customer's wallet (payments made from it), done at once.
        to_wallet: Money,
        /// Owed by hand (paid offline).
        by_hand: Money,
    },
    /// The transition's refund was booked before (a redelivered event, a retry).
    Already,
}

/// Books `amount` refunded by transition `seq` of order `order_id`: refund rows over its
/// paid intents (latest first) and, for what no intent covers, a ledger entry of the
/// refund owed by hand and an alert, all in one transaction; then submits the refunds to
/// their channels. A transition booked before books nothing again.
pub async fn book(
    app: &App,
    order_id: Uuid,
    seq: u32,
    amount: Money,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Booked> {
    let source = ledger::transition_source(order_id, seq);
    let tx = daojia_store::begin(app.store.db()).await?;
    let (written, to_wallet) =
        match write_booking(app, &tx, order_id, &source, amount, origin, now).await {
            Ok(Some(w)) => w,
            Ok(None) => {
                tx.rollback().await?;
                return Ok(Booked::Already);
            }
            // Booked by a concurrent delivery of the same transition.
            Err(crate::Error::Db(e)) if daojia_store::is_unique_violation(&e) => {
                let _ = tx.rollback().await;
                return Ok(Booked::Already);
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        };
    match tx.commit().await {
        Ok(()) => {}
        Err(e) if daojia_store::is_unique_violation(&e) => return Ok(Booked::Already),
        Err(e) => return Err(e.into()),
    }
    app.wake_relay();
    let through_channels: Money = written.iter().map(|r| Money::fen(r.amount_fen)).sum();
    if app.payments.is_some() {
        for r in &written {
            submit(app, r, now).await;
        }
    }
    Ok(Booked::Now {
        through_channels,
        to_wallet,
        by_hand: amount - through_channels - to_wallet,
    })
}

/// The body of [`book`] in its transaction: the channel refunds to submit and what went
/// back into the wallet (a payment from the wallet is refunded into it at once, in this
/// transaction); `None` when the transition was booked before.
async fn write_booking(
    app: &App,
    tx: &sea_orm::DatabaseTransaction,
    order_id: Uuid,
    source: &str,
    amount: Money,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Vec<refund::Model>, Money)>> {
    // First, before anything is read: a concurrent booking of this transition waits here
    // for the other to commit, then finds its refunds below.
    repo::lock_order(tx, order_id).await?;
    if !repo::refunds_of_source(tx, source).await?.is_empty()
        || ledger::entry_of(tx, ledger::OFFLINE_REFUND, source)
            .await?
            .is_some()
    {
        return Ok(None);
    }
    let mut intents = repo::intents_of_order(tx, order_id).await?;
    intents.reverse();
    let mut left = amount;
    let mut written = Vec::new();
    let mut to_wallet = Money::ZERO;
    for i in intents
        .iter()
        .filter(|i| i.state == IntentState::Succeeded.code())
    {
        if left <= Money::ZERO {
            break;
        }
        let committed = repo::refunds_of_intent(tx, i.id)
            .await?
            .iter()
            .filter(|r| r.state != RefundState::Failed.code())
            .fold(Money::ZERO, |a, r| a + Money::fen(r.amount_fen));
        let intent = Intent {
            state: IntentState::Succeeded,
            amount: Money::fen(i.amount_fen),
        };
        let take = left.min(intent.refundable(committed));
        if take <= Money::ZERO {
            continue;
        }
        // The domain rule: never more than was paid and not yet refunded.
        let Refund { amount: take, .. } = intent
            .refund(take, committed)
            .map_err(crate::Error::internal)?;
        let r = repo::insert_refund(
            tx,
            NewRefund {
                refund_no: super::new_number('R', now),
                intent_id: i.id,
                order_id,
                amount_fen: take.as_fen(),
                origin: origin.into(),
                reason: Some(match origin {
                    "cancellation" => "订单取消退款".into(),
                    "after_sales" => "售后退款".into(),
                    _ => "订单退款".into(),
                }),
                source: Some(source.into()),
            },
            now,
        )
        .await?;
        left = left - take;
        if i.provider == daojia_domain::wallet::CHANNEL {
            crate::wallet::refund_to_wallet(tx, i, &r, now).await?;
            to_wallet = to_wallet + take;
            continue;
        }
        schedule_refund(tx, &r.refund_no, 0, now).await?;
        written.push(r);
    }
    if left > Money::ZERO {
        let entry = journal::refund_owed(left).map_err(crate::Error::internal)?;
        let posted = ledger::post(
            tx,
            ledger::Source {
                kind: ledger::OFFLINE_REFUND,
                id: source.into(),
                order_id: Some(order_id),
                memo: "应退款（线下付款，人工退回）",
            },
            &entry,
            now,
            now,
        )
        .await?;
        if !posted {
            return Ok(None);
        }
        let detail = serde_json::json!({
            "order_id": order_id, "amount_fen": left.as_fen(), "origin": origin,
            "transition": source,
            "reason": "paid offline or not through a channel: return it by hand",
        });
        super::write_alert(app, tx, "offline_refund_needed", None, detail, now).await?;
    }
    Ok(Some((written, to_wallet)))
}

/// Submits refund `r` to its channel and applies the answer. A failure to reach the
/// channel leaves it `requested` for the `payment.refund` job to submit again.
pub(crate) async fn submit(app: &App, r: &refund::Model, now: DateTime<Utc>) {
    let run = async {
        let intent = repo::intent(app.store.db(), r.intent_id)
            .await?
            .ok_or_else(|| crate::Error::internal("a refund without its intent"))?;
        let provider = Provider::parse(&intent.provider)
            .ok_or_else(|| crate::Error::internal("unknown provider"))?;
        let channel = super::payments(app)?.channel(provider)?.clone();
        // A share the partner received at the channel comes back before the refund.
        if provider == Provider::Wechat {
            super::sharing::before_refund(app, &intent, now).await?;
        }
        let request = RefundRequest {
            intent: intent.intent_no.clone(),
            refund: r.refund_no.clone(),
            amount: Money::fen(r.amount_fen),
            paid: Money::fen(intent.amount_fen),
            reason: r.reason.clone(),
        };
        let status = channel
            .refund(&request, now)
            .await
            .map_err(crate::Error::internal)?;
        apply::refund_news(app, provider, &status, None, now)
            .await
            .map_err(crate::Error::internal)?;
        Ok::<_, crate::Error>(())
    };
    if let Err(e) = run.await {
        tracing::warn!(refund = %r.refund_no, error = %e, "refund not submitted; the refund job retries");
    }
}

/// The refunds of order `order_id`, oldest first.
pub async fn of_order(app: &App, order_id: Uuid) -> Result<Vec<refund::Model>> {
    Ok(repo::refunds_of_order(app.store.db(), order_id).await?)
}
