//! Opening a payment intent for what an order owes now, and reading an order's intents.

use super::{QUERY_JOB, new_number, payments};
use crate::orders::{By, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::payment::{IntentState, PayChannel, Provider, owed_now};
use daojia_pay::channel::{Checkout, PayMethod, PaymentRequest};
use daojia_pay::wechat::sign::JsapiPayParams;
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
    /// The page to send the browser to (`wechat_h5`, `alipay_wap`; for `wechat_jsapi`, the
    /// simulator's stand-in for WeChat's cashier, when the channel is the simulator).
    pub pay_url: Option<String>,
    /// What `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` takes (`wechat_jsapi`).
    pub jsapi: Option<JsapiPayParams>,
    /// When it stops being payable.
    pub expires_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was paid.
    pub succeeded_at: Option<DateTime<Utc>>,
}

impl From<&payment_intent::Model> for IntentView {
    fn from(m: &payment_intent::Model) -> Self {
        let channel = PayChannel::parse(&m.channel);
        let qr = channel.is_some_and(PayChannel::is_qr);
        let bridge = channel.is_some_and(PayChannel::needs_openid);
        let (code_url, pay_url, jsapi) = match &m.checkout {
            Some(c) if bridge => {
                let stored = serde_json::from_str::<StoredBridge>(c).ok();
                let page = stored.as_ref().and_then(|s| s.page_url.clone());
                (None, page, stored.map(|s| s.bridge))
            }
            Some(c) if qr => (Some(c.clone()), None, None),
            Some(c) => (None, Some(c.clone()), None),
            None => (None, None, None),
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
            jsapi,
            expires_at: m.expires_at,
            created_at: m.created_at,
            succeeded_at: m.succeeded_at,
        }
    }
}

/// A JSAPI intent's checkout as kept in `payment_intent.checkout`: the bridge's signed
/// parameters and, with the simulator, its cashier page for them.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct StoredBridge {
    bridge: JsapiPayParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page_url: Option<String>,
}

/// How `customer` pays through `channel`: by openid (JSAPI; 409 `openid_required` while
/// none is bound), a browser page from `payer_ip`, or a QR code. Asked before an intent is
/// written, so that a payer who must authorise first leaves no failed intent behind.
pub(crate) async fn pay_method(
    app: &App,
    channel: PayChannel,
    customer: Uuid,
    payer_ip: &str,
) -> Result<PayMethod> {
    Ok(if channel.needs_openid() {
        PayMethod::Jsapi {
            openid: super::jsapi::payer_openid(app, customer).await?,
        }
    } else if channel.is_qr() {
        PayMethod::Qr
    } else {
        PayMethod::H5 {
            payer_client_ip: payer_ip.to_owned(),
        }
    })
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
    let method = pay_method(app, channel, customer, payer_ip).await?;
    let existing = repo::intents_of_order(app.store.db(), order_id).await?;
    let open =
        |m: &&payment_intent::Model| IntentState::parse(&m.state).is_some_and(IntentState::is_open);
    let description = format!("到家服务 {}", row.order_no);
    if let Some(same) = existing.iter().filter(open).find(|m| {
        m.channel == channel.code()
            && m.amount_fen == owed.as_fen()
            && m.checkout.is_some()
            && m.expires_at > now + chrono::Duration::minutes(1)
    }) {
        if channel.needs_openid() {
            // The bridge's parameters are signed with a time the cashier checks: the same
            // trade is asked again (WeChat answers the same prepay_id) and signed anew.
            let back = p
                .settings
                .return_url
                .as_ref()
                .map(|u| return_url(u, order_id, same.id));
            let row = open_at_channel(
                &ch,
                channel,
                same,
                Opening {
                    description,
                    return_url: back,
                    method,
                    customer,
                },
                app,
                now,
            )
            .await?;
            return Ok(Created::Existing((&row).into()));
        }
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
    let row = open_at_channel(
        &ch,
        channel,
        &written,
        Opening {
            description,
            return_url: back,
            method,
            customer,
        },
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

/// What the channel is asked to open for an intent.
pub(crate) struct Opening {
    /// Shown to the payer.
    pub description: String,
    /// Where the browser returns after paying.
    pub return_url: Option<String>,
    /// How the payer pays ([`pay_method`]).
    pub method: PayMethod,
    /// The payer.
    pub customer: Uuid,
}

/// Asks `ch` to open the written intent `written` through `channel` (called after the
/// intent is written, so an intent the channel knows always exists here): `pending` with
/// the QR code, page or bridge parameters when it accepts, `failed` (and 503
/// `channel_refused`) when not. An open JSAPI intent is asked again to sign its parameters
/// anew; WeChat refusing the payer's openid forgets it (409 `openid_required`).
pub(crate) async fn open_at_channel(
    ch: &std::sync::Arc<dyn daojia_pay::channel::Channel>,
    channel: PayChannel,
    written: &payment_intent::Model,
    opening: Opening,
    app: &App,
    now: DateTime<Utc>,
) -> Result<payment_intent::Model> {
    let request = PaymentRequest {
        intent: written.intent_no.clone(),
        amount: Money::fen(written.amount_fen),
        description: opening.description,
        method: opening.method,
        return_url: opening.return_url.clone(),
        expires_at: Some(written.expires_at),
        profit_sharing: written.profit_sharing,
    };
    match ch.create(&request, now).await {
        Ok(checkout) => {
            let target = match checkout {
                Checkout::QrCode(url) | Checkout::Redirect(url) if !channel.needs_openid() => url,
                Checkout::Jsapi(bridge) if channel.needs_openid() => {
                    let page_url = super::jsapi::configured(app)?
                        .cashier_url
                        .as_ref()
                        .map(|c| cashier_page(c, &bridge, opening.return_url.as_deref()));
                    serde_json::to_string(&StoredBridge { bridge, page_url })
                        .map_err(Error::internal)?
                }
                _ => {
                    return Err(Error::internal(
                        "the channel answered another kind of checkout than asked",
                    ));
                }
            };
            let update = IntentUpdate {
                checkout: Some(&target),
                ..Default::default()
            };
            repo::set_intent_state(
                app.store.db(),
                written.id,
                &["created", "pending"],
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
            if channel.needs_openid() && refuses_openid(&e) {
                super::jsapi::forget(app, opening.customer).await?;
                return Err(Error::ConflictAt {
                    code: "openid_required",
                    field: "channel".into(),
                    message: "WeChat does not take the WeChat account kept for you: authorise \
                              again (POST /api/v1/customer/wechat/authorize)"
                        .into(),
                });
            }
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

/// WeChat's refusal of a JSAPI payer (`PARAM_ERROR` "appid和openid不匹配": the openid is not
/// a user of the paying app).
fn refuses_openid(e: &daojia_pay::Error) -> bool {
    matches!(e, daojia_pay::Error::Channel { code, message }
        if code == "PARAM_ERROR" && message.contains("openid"))
}

/// The simulator's cashier for `bridge`: the bridge's parameters and `return_url` as a
/// query, as the page would hand them to `WeixinJSBridge`.
fn cashier_page(cashier: &str, bridge: &JsapiPayParams, back: Option<&str>) -> String {
    use daojia_pay::http::percent_encode as enc;
    let mut url = format!(
        "{cashier}?appId={}&timeStamp={}&nonceStr={}&package={}&signType={}&paySign={}",
        enc(&bridge.app_id),
        enc(&bridge.time_stamp),
        enc(&bridge.nonce_str),
        enc(&bridge.package),
        enc(&bridge.sign_type),
        enc(&bridge.pay_sign),
    );
    if let Some(back) = back {
        url.push_str("&return_url=");
        url.push_str(&enc(back));
    }
    url
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
