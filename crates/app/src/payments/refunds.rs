//! Refunds through the channel the money came from. A refund the order books (a
//! cancellation's, an after-sales decision's) is shared over the order's paid intents,
//! the latest first (the balance before the deposit), each never above what that intent
//! collected and has not yet given back; what no intent can cover was paid offline and is
//! alerted for finance to return by hand.

use super::apply;
use super::recover::schedule_refund;
use crate::{App, Result};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::order::machine::Outcome;
use daojia_domain::payment::{Intent, IntentState, Provider, Refund, RefundState};
use daojia_pay::channel::RefundRequest;
use daojia_store::entity::refund;
use daojia_store::repo::payments::{self as repo, NewRefund};
use uuid::Uuid;

/// After an order transition: when it booked a refund, sends that money back through the
/// channels (see [`refund_booked`]). Nothing happens without configured channels (money
/// paid offline goes back offline). Failures are logged and alerted, never undo the
/// transition.
pub async fn after_transition(app: &App, order_id: Uuid, outcome: &Outcome, now: DateTime<Utc>) {
    let Outcome::Applied(event) = outcome else {
        return;
    };
    if app.payments.is_none() || event.money.refunded <= Money::ZERO {
        return;
    }
    let origin = match event.action.name() {
        "cancel" => "cancellation",
        "resolve_after_sales" => "after_sales",
        _ => "order",
    };
    if let Err(e) = refund_booked(app, order_id, event.money.refunded, origin, now).await {
        tracing::error!(order = %order_id, error = %e, "a booked refund was not sent to the channel");
    }
}

/// Sends `amount` of order `order_id` back through its paid intents (latest first) and
/// returns how much went to the channels; the rest is alerted as an offline refund.
pub async fn refund_booked(
    app: &App,
    order_id: Uuid,
    amount: Money,
    origin: &str,
    now: DateTime<Utc>,
) -> Result<Money> {
    let tx = daojia_store::begin(app.store.db()).await?;
    let mut intents = repo::intents_of_order(&tx, order_id).await?;
    intents.reverse();
    let mut left = amount;
    let mut written = Vec::new();
    for i in intents
        .iter()
        .filter(|i| i.state == IntentState::Succeeded.code())
    {
        if left <= Money::ZERO {
            break;
        }
        let committed = repo::refunds_of_intent(&tx, i.id)
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
            &tx,
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
            },
            now,
        )
        .await?;
        schedule_refund(&tx, &r.refund_no, 0, now).await?;
        left = left - take;
        written.push(r);
    }
    if left > Money::ZERO {
        let detail = serde_json::json!({
            "order_id": order_id, "amount_fen": left.as_fen(), "origin": origin,
            "reason": "paid offline or not through a channel: return it by hand",
        });
        super::write_alert(app, &tx, "offline_refund_needed", None, detail, now).await?;
    }
    tx.commit().await?;
    app.wake_relay();
    for r in &written {
        submit(app, r, now).await;
    }
    Ok(amount - left)
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
