//! Opening a payment intent for what an order owes now, and reading an order's intents.

use super::{QUERY_JOB, new_number, payments};
use crate::orders::{By, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::payment::{IntentState, PayChannel, Provider, owed_now};
use daojia_pay::channel::{Checkout, PayMethod, PaymentRequest};
use daojia_store::entity::payment_intent;
use daojia_store::repo::jobs::{self, NewJob};
use daojia_store::repo::payments::{self as repo, IntentUpdate, NewIntent};
use uuid::Uuid;

/// An intent as the payer's client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentView {
    /// Id.
    pub id: Uuid,
    /// Our number, the channel's `out_trade_no`.
    pub intent_no: String,
    /// The order; `None` for a wallet top-up.
    pub order_id: Option<Uuid>,
    /// Channel code.
    pub channel: String,
    /// State code.
    pub state: String,
    /// In fen.
    pub amount_fen: i64,
    /// The QR code's content (`wechat_native`, `alipay_precreate`).
    pub code_url: Option<String>,
    /// The page to send the browser to (`wechat_h5`, `alipay_wap`).
    pub pay_url: Option<String>,
    /// When it stops being payable.
    pub expires_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was paid.
    pub succeeded_at: Option<DateTime<Utc>>,
}

impl From<&payment_intent::Model> for IntentView {
    fn from(m: &payment_intent::Model) -> Self {
        let qr = PayChannel::parse(&m.channel).is_some_and(PayChannel::is_qr);
        let (code_url, pay_url) = match &m.checkout {
            Some(c) if qr => (Some(c.clone()), None),
            Some(c) => (None, Some(c.clone())),
            None => (None, None),
        };
        IntentView {
            id: m.id,
            intent_no: m.intent_no.clone(),
            order_id: m.order_id,
            channel: m.channel.clone(),
            state: m.state.clone(),
            amount_fen: m.amount_fen,
            code_url,
            pay_url,
            expires_at: m.expires_at,
            created_at: m.created_at,
            succeeded_at: m.succeeded_at,
        }
    }
}

/// What [`create_intent`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// A new intent, open at the channel.
    New(IntentView),
    /// The open intent asked for a moment ago (a double click): the same one.
    Existing(IntentView),
}

impl Created {
    /// The intent, new or not.
    pub fn view(&self) -> &IntentView {
        match self {
            Created::New(v) | Created::Existing(v) => v,
        }
    }
}

/// Opens an intent for what order `order_id` of customer `customer` owes now (the deposit or
/// full price before dispatch, the balance afterwards), through `channel`. An open intent
/// for the same channel and amount is returned again instead of a second one; open intents
/// through other channels are closed at their channel (the payer changed their mind). The
/// channel is called after the intent is written, so that an intent the channel knows
/// always exists here; a channel that refuses leaves the intent `failed`.
pub async fn create_intent(
    app: &App,
    customer: Uuid,
    order_id: Uuid,
    channel: PayChannel,
    payer_ip: &str,
    now: DateTime<Utc>,
) -> Result<Created> {
    let p = payments(app)?;
    let ch = p.channel(channel.provider())?.clone();
    let by = By::Customer {
        id: customer,
        request_id: None,
    };
    let (row, order) = visible(app, &by, order_id).await?;
    if row.bundle_id.is_some() {
        return Err(Error::conflict(
            "bundle_not_payable_online",
            "an order of several visits is paid at the counter for now",
        ));
    }
    let owed = owed_now(&order);
    if owed <= Money::ZERO {
        return Err(Error::conflict(
            "nothing_owed",
            "this order owes nothing now",
        ));
    }
    let existing = repo::intents_of_order(app.store.db(), order_id).await?;
    let open =
        |m: &&payment_intent::Model| IntentState::parse(&m.state).is_some_and(IntentState::is_open);
    if let Some(same) = existing.iter().filter(open).find(|m| {
        m.channel == channel.code()
            && m.amount_fen == owed.as_fen()
            && m.checkout.is_some()
            && m.expires_at > now + chrono::Duration::minutes(1)
    }) {
        return Ok(Created::Existing(same.into()));
    }
    for other in existing.iter().filter(open) {
        super::recover::close_at_channel(app, other, now).await;
    }
    let expires_at = now + p.settings.intent_lifetime;
    let written = write_intent(
        app,
        NewIntent {
            intent_no: new_number('P', now),
            order_id: Some(order_id),
            purpose: daojia_domain::wallet::PURPOSE_ORDER,
            customer_id: customer,
            channel: channel.code().into(),
            provider: channel.provider().code().into(),
            amount_fen: owed.as_fen(),
            expires_at,
            // With profit sharing on, every WeChat payment of an order is opened to be
            // shared: its partner is known only once a worker takes it, and settlement
            // shares or unfreezes it (see `super::sharing`).
            profit_sharing: p.sharing.is_some() && channel.provider() == Provider::Wechat,
        },
        now,
    )
    .await?;
    let back = p
        .settings
        .return_url
        .as_ref()
        .map(|u| return_url(u, order_id, written.id));
    let description = format!("到家服务 {}", row.order_no);
    let row = open_at_channel(
        &ch,
        channel,
        &written,
        description,
        back,
        payer_ip,
        app,
        now,
    )
    .await?;
    Ok(Created::New((&row).into()))
}

/// Writes intent `new` (state `created`) with its first scheduled query, in one
/// transaction: from then on the query job finds what the channel did with it.
pub(crate) async fn write_intent(
    app: &App,
    new: NewIntent,
    now: DateTime<Utc>,
) -> Result<payment_intent::Model> {
    let p = payments(app)?;
    let intent_no = new.intent_no.clone();
    let tx = daojia_store::begin(app.store.db()).await?;
    let written = repo::insert_intent(&tx, new, now).await?;
    jobs::enqueue(
        &tx,
        NewJob {
            kind: QUERY_JOB.into(),
            payload: serde_json::json!({ "intent_no": intent_no, "attempt": 0 }),
            run_at: now + p.settings.first_query_after,
            dedupe_key: Some(format!("{QUERY_JOB}:{intent_no}:0")),
            max_attempts: 5,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// Asks `ch` to open the written intent `written` through `channel` (called after the
/// intent is written, so an intent the channel knows always exists here): `pending` with
/// the QR code or page when it accepts, `failed` (and 503 `channel_refused`) when not.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn open_at_channel(
    ch: &std::sync::Arc<dyn daojia_pay::channel::Channel>,
    channel: PayChannel,
    written: &payment_intent::Model,
    description: String,
    return_url: Option<String>,
    payer_ip: &str,
    app: &App,
    now: DateTime<Utc>,
) -> Result<payment_intent::Model> {
    let method = if channel.is_qr() {
        PayMethod::Qr
    } else {
        PayMethod::H5 {
            payer_client_ip: payer_ip.to_owned(),
        }
    };
    let request = PaymentRequest {
        intent: written.intent_no.clone(),
        amount: Money::fen(written.amount_fen),
        description,
        method,
        return_url,
        expires_at: Some(written.expires_at),
        profit_sharing: written.profit_sharing,
    };
    match ch.create(&request, now).await {
        Ok(checkout) => {
            let target = match checkout {
                Checkout::QrCode(url) | Checkout::Redirect(url) => url,
                Checkout::Jsapi(_) => {
                    return Err(Error::internal("a JSAPI checkout for a QR or H5 channel"));
                }
            };
            let update = IntentUpdate {
                checkout: Some(&target),
                ..Default::default()
            };
            repo::set_intent_state(
                app.store.db(),
                written.id,
                &["created"],
                "pending",
                update,
                now,
            )
            .await?;
        }
        Err(e) => {
            let why = e.to_string();
            let update = IntentUpdate {
                failure: Some(&why),
                ..Default::default()
            };
            repo::set_intent_state(
                app.store.db(),
                written.id,
                &["created"],
                "failed",
                update,
                now,
            )
            .await?;
            tracing::warn!(intent = %written.intent_no, error = %why, "the channel refused a payment");
            return Err(Error::Unavailable {
                code: "channel_refused",
                message: format!("the payment channel did not accept the payment: {why}"),
                retry_after_secs: 5,
            });
        }
    }
    repo::intent(app.store.db(), written.id)
        .await?
        .ok_or(Error::NotFound("payment"))
}

/// The return URL of `template` for a payment `payment` of order `order`: `{order}` and
/// `{payment}` replaced by their ids, so that the page the payer comes back to knows what
/// to follow.
pub fn return_url(template: &str, order: Uuid, payment: Uuid) -> String {
    template
        .replace("{order}", &order.to_string())
        .replace("{payment}", &payment.to_string())
}

/// The intents of order `order_id` as `by` may see them, oldest first.
pub async fn intents_of(app: &App, by: &By, order_id: Uuid) -> Result<Vec<IntentView>> {
    visible(app, by, order_id).await?;
    Ok(repo::intents_of_order(app.store.db(), order_id)
        .await?
        .iter()
        .map(IntentView::from)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_return_url_names_the_order_and_the_payment() {
        let order = Uuid::from_u128(1);
        let payment = Uuid::from_u128(2);
        assert_eq!(
            return_url(
                "https://h5.example.com/orders/{order}?payment={payment}",
                order,
                payment
            ),
            format!("https://h5.example.com/orders/{order}?payment={payment}")
        );
        assert_eq!(
            return_url("https://h5.example.com/orders/{order}", order, payment),
            format!("https://h5.example.com/orders/{order}")
        );
    }
}
