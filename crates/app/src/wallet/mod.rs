//! The customer wallet (余额, issue 12): a prepaid balance topped up through a payment
//! channel and spent on orders, every fen in the ledger.
//!
//! - **Top-up**: a payment intent of purpose `top_up` (no order), opened through the same
//!   channel code as an order's payment, so the callbacks, the scheduled query, duplicate
//!   and forged callback handling and reconciliation serve it unchanged (a
//!   [`crate::payments::purpose`] intent, like a worker's deposit lodging). Its success
//!   credits the wallet in the intent's transaction ([`crate::payments::purpose::credit`]):
//!   Dr `clearing:<provider>` / Cr `customer_wallet:<id>`, and the kept balance.
//! - **Paying from the wallet**: one transaction takes what the order owes now off the
//!   kept balance (a guarded update: never below zero, also under concurrent payments),
//!   writes a `succeeded` intent of channel `wallet`, posts Dr `customer_wallet:<id>` / Cr
//!   `customer_prepaid` and credits the order through `RecordPayment`, as a channel's
//!   success does ([`pay_order`]).
//! - **Refunds** of such a payment go back into the wallet at once, in the booking's
//!   transaction ([`refund_to_wallet`]): Dr `customer_prepaid` / Cr `customer_wallet:<id>`.
//!
//! Top-ups are not refunded to the customer's channel in this pass (finance would do it at
//! the channel's console, and there is no ledger entry for it yet).

pub mod demo;

use crate::orders::{By, visible};
use crate::payments::intents::IntentView;
use crate::payments::purpose::{self, Purpose};
use crate::payments::{new_number, payments};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::ids::CustomerId;
use daojia_domain::ledger as journal;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, PaymentMethod};
use daojia_domain::payment::{IntentState, PayChannel, owed_now};
use daojia_domain::wallet::{self as rules, CHANNEL, PURPOSE_ORDER, Refused};
use daojia_store::entity::{payment_intent, refund};
use daojia_store::repo::ledger;
use daojia_store::repo::orders::{self, OrderError};
use daojia_store::repo::payments::{self as repo, IntentUpdate, NewIntent};
use daojia_store::repo::wallet as store;
use daojia_store::repo::{Page, PageRequest};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

/// A top-up as the customer's client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopUpView {
    /// Id.
    pub id: Uuid,
    /// Our number, the channel's `out_trade_no`.
    pub intent_no: String,
    /// Channel code.
    pub channel: String,
    /// `created`, `pending`, `succeeded`, `failed` or `closed`.
    pub state: String,
    /// In fen.
    pub amount_fen: i64,
    /// The QR code's content (`wechat_native`, `alipay_precreate`).
    pub code_url: Option<String>,
    /// The page to send the browser to (`wechat_h5`, `alipay_wap`; the simulator's cashier
    /// for `wechat_jsapi`).
    pub pay_url: Option<String>,
    /// What `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` takes (`wechat_jsapi`).
    pub jsapi: Option<daojia_pay::wechat::sign::JsapiPayParams>,
    /// When it stops being payable.
    pub expires_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was paid (and the wallet credited).
    pub succeeded_at: Option<DateTime<Utc>>,
}

impl From<&payment_intent::Model> for TopUpView {
    fn from(m: &payment_intent::Model) -> Self {
        let v = IntentView::from(m);
        TopUpView {
            id: v.id,
            intent_no: v.intent_no,
            channel: v.channel,
            state: v.state,
            amount_fen: v.amount_fen,
            code_url: v.code_url,
            pay_url: v.pay_url,
            jsapi: v.jsapi,
            expires_at: v.expires_at,
            created_at: v.created_at,
            succeeded_at: v.succeeded_at,
        }
    }
}

/// A wallet: its balance and a page of its movements, newest first.
#[derive(Debug, Clone)]
pub struct WalletView {
    /// The balance, in fen.
    pub balance_fen: i64,
    /// The movements of this page.
    pub movements: Vec<store::Movement>,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
}

fn refused(r: Refused) -> Error {
    let code = match r {
        Refused::BelowMinimum(_) => "below_minimum",
        Refused::AboveMaximum(_) => "above_maximum",
        Refused::OverMaxBalance { .. } => "over_max_balance",
    };
    Error::field("amount_fen", code, r.to_string())
}

/// Opens a top-up of `amount` into customer `customer`'s wallet through `channel`: an
/// intent of purpose `top_up`, asked of the channel like an order's payment. Refused on
/// `amount_fen` below the least or above the most one top-up may be, or when the wallet
/// would hold more than it may.
pub async fn top_up(
    app: &App,
    customer: Uuid,
    amount: Money,
    channel: PayChannel,
    payer_ip: &str,
    now: DateTime<Utc>,
) -> Result<TopUpView> {
    let balance = store::balance(app.store.db(), customer).await?;
    app.settings
        .wallet
        .check(amount, balance)
        .map_err(refused)?;
    let template = payments(app)?.settings.wallet_return_url.clone();
    let row = purpose::open(
        app,
        Purpose::TopUp,
        customer,
        amount,
        channel,
        payer_ip,
        |id| template.map(|u| u.replace("{top_up}", &id.to_string())),
        now,
    )
    .await?;
    Ok((&row).into())
}

/// Customer `customer`'s top-up `id` (to follow its state after the channel's page).
pub async fn top_up_of(app: &App, customer: Uuid, id: Uuid) -> Result<TopUpView> {
    Ok((&purpose::of_owner(app, Purpose::TopUp, customer, id).await?).into())
}

/// Customer `customer`'s latest top-ups, newest first.
pub async fn top_ups(app: &App, customer: Uuid, limit: u64) -> Result<Vec<TopUpView>> {
    Ok(repo::top_ups_of(app.store.db(), customer, limit)
        .await?
        .iter()
        .map(TopUpView::from)
        .collect())
}

/// The wallet of `customer`: the kept balance and a page of movements from the ledger.
pub async fn wallet(app: &App, customer: Uuid, page: PageRequest) -> Result<WalletView> {
    let db = app.store.db();
    let balance = store::balance(db, customer).await?;
    let Page { items, next_cursor } = store::movements(db, customer, page).await?;
    Ok(WalletView {
        balance_fen: balance.as_fen(),
        movements: items,
        next_cursor,
    })
}

/// Pays what order `order_id` owes now from customer `customer`'s wallet, at once: one
/// transaction takes it off the balance, writes a `succeeded` intent of channel `wallet`,
/// posts its entry and credits the order through `RecordPayment`. 409
/// `insufficient_balance` when the wallet holds less, `nothing_owed` when the order owes
/// nothing now.
pub async fn pay_order(
    app: &App,
    customer: Uuid,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<IntentView> {
    let by = By::Customer {
        id: customer,
        request_id: None,
    };
    let (row, _) = visible(app, &by, order_id).await?;
    if row.bundle_id.is_some() {
        return Err(Error::conflict(
            "bundle_not_payable_online",
            "an order of several visits is paid at the counter for now",
        ));
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        let tx = daojia_store::begin(app.store.db()).await?;
        let result = pay_in(app, &tx, customer, order_id, now).await;
        let result = match result {
            Ok(m) => tx.commit().await.map(|_| m).map_err(Error::from),
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        };
        match result {
            // A deadlock, a busy snapshot or the order changed meanwhile: nothing was
            // written; read it again.
            Err(Error::Db(e)) if daojia_store::is_retryable(&e) && attempts < 6 => {}
            Err(Error::Conflict {
                code: "order_busy", ..
            }) if attempts < 6 => {}
            Err(e) => return Err(e),
            Ok(m) => {
                app.wake_relay();
                return Ok((&m).into());
            }
        }
        tokio::task::yield_now().await;
    }
}

async fn pay_in(
    app: &App,
    tx: &DatabaseTransaction,
    customer: Uuid,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<payment_intent::Model> {
    let row = orders::get(tx, order_id)
        .await?
        .ok_or(Error::NotFound("order"))?;
    let owed = owed_now(&orders::to_domain(&row)?);
    if owed <= Money::ZERO {
        return Err(Error::conflict(
            "nothing_owed",
            "this order owes nothing now",
        ));
    }
    if !store::take(tx, customer, owed, now).await? {
        let balance = store::balance(tx, customer).await?;
        return Err(Error::conflict(
            "insufficient_balance",
            format!(
                "the wallet holds {} and the order owes {}: top it up or pay through a channel",
                crate::finance::yuan(balance),
                crate::finance::yuan(owed)
            ),
        ));
    }
    let intent_no = new_number('P', now);
    let intent = repo::insert_intent(
        tx,
        NewIntent {
            intent_no: intent_no.clone(),
            order_id: Some(order_id),
            purpose: PURPOSE_ORDER,
            customer_id: customer,
            channel: CHANNEL.into(),
            provider: CHANNEL.into(),
            amount_fen: owed.as_fen(),
            expires_at: now,
            profit_sharing: false,
        },
        now,
    )
    .await?;
    repo::set_intent_state(
        tx,
        intent.id,
        &[IntentState::Created.code()],
        IntentState::Succeeded.code(),
        IntentUpdate::default(),
        now,
    )
    .await?;
    post(
        tx,
        ledger::INTENT,
        intent.id,
        Some(order_id),
        "余额支付",
        journal::wallet_paid(CustomerId(customer), owed),
        now,
    )
    .await?;
    let action = Action::RecordPayment {
        amount: owed,
        method: PaymentMethod::Channel {
            channel: CHANNEL.into(),
        },
        reference: intent_no,
    };
    match orders::apply_tx(tx, &app.store, order_id, Actor::System, action, now, None).await {
        Ok(_) => {}
        Err(OrderError::Transition(why)) => {
            return Err(Error::conflict(
                "nothing_owed",
                format!("the order does not take this payment now: {why}"),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    repo::intent(tx, intent.id)
        .await?
        .ok_or_else(|| Error::internal("the intent just written"))
}

/// Refund `r` of the wallet payment `intent` goes back into the wallet at once, in the
/// booking's transaction: the refund `succeeded`, its entry, the kept balance.
pub(crate) async fn refund_to_wallet(
    tx: &DatabaseTransaction,
    intent: &payment_intent::Model,
    r: &refund::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    repo::set_refund_state(tx, r.id, &["requested"], "succeeded", None, now).await?;
    let amount = Money::fen(r.amount_fen);
    let entry = journal::wallet_refunded(CustomerId(intent.customer_id), amount)
        .map_err(Error::internal)?;
    let source = ledger::Source {
        kind: ledger::REFUND,
        id: r.id.to_string(),
        order_id: Some(r.order_id),
        memo: "退回余额",
    };
    if ledger::post(tx, source, &entry, now, now).await? {
        store::credit(tx, intent.customer_id, amount, now).await?;
    }
    Ok(())
}

async fn post(
    tx: &DatabaseTransaction,
    kind: &'static str,
    id: Uuid,
    order_id: Option<Uuid>,
    memo: &str,
    entry: Result<journal::Entry, journal::Invalid>,
    now: DateTime<Utc>,
) -> Result<()> {
    let entry = entry.map_err(Error::internal)?;
    let source = ledger::Source {
        kind,
        id: id.to_string(),
        order_id,
        memo,
    };
    ledger::post(tx, source, &entry, now, now).await?;
    Ok(())
}

/// The kept wallet balance of `customer`.
pub async fn balance(app: &App, customer: Uuid) -> Result<Money> {
    Ok(store::balance(app.store.db(), customer).await?)
}

/// The top-up limits in force.
pub fn limits(app: &App) -> rules::Limits {
    app.settings.wallet
}
