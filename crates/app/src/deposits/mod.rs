//! Worker deposits (保证金): lodged through a payment channel, gating which orders a
//! worker may take, fined for upheld complaints, refunded after a hold when the worker
//! leaves or asks; every fen in the ledger.
//!
//! - **Lodging**: a payment intent of purpose `deposit` (no order; its `customer_id`
//!   holds the paying worker), opened through the same channel code as an order's payment
//!   or a wallet top-up, so the callbacks, the scheduled query, duplicate and forged
//!   callback handling and reconciliation serve it unchanged (a
//!   [`crate::payments::purpose`] intent). Its success credits the deposit in the
//!   intent's transaction ([`crate::payments::purpose::credit`]): Dr
//!   `clearing:<provider>` / Cr `worker_deposit:<id>`, and the kept balance; once per
//!   intent.
//! - **Gating** ([`gate`]): the configured tiers give each order the deposit it needs
//!   (by its total and its items' categories); dispatch refuses a worker below it with
//!   the reason `deposit_too_low` (offers, the grab pool and claims, manual assignment).
//! - **Fines** ([`fines`]): staff take an amount off the deposit (never more than it
//!   holds, also under concurrent fines), with a reason, audited: Dr
//!   `worker_deposit:<id>` / Cr `deposit_fines`.
//! - **Refunds** ([`refunds`]): a worker who leaves or asks has the deposit held for the
//!   configured period; a scheduled job then pays it into the worker's withdrawable
//!   balance (Dr `worker_deposit:<id>` / Cr `worker_withdrawable:<id>`) unless an
//!   after-sales case on their orders is open; the worker withdraws it like an earning.

pub mod demo;
pub mod fines;
pub mod gate;
pub mod refunds;

use crate::payments::intents::IntentView;
use crate::payments::payments;
use crate::payments::purpose::{self, Purpose};
use crate::workers::Scope;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::deposit::{DepositRules, Refused, Tier};
use daojia_domain::money::Money;
use daojia_domain::payment::PayChannel;
use daojia_store::entity::worker_deposit;
use daojia_store::repo::deposits as store;
use daojia_store::repo::wallet::Movement;
use daojia_store::repo::{Page, PageRequest};
use uuid::Uuid;

pub use fines::{FineView, NewFine};
pub use refunds::{REFUND_JOB, RefundRun};

/// A worker's deposit as the worker and staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositView {
    /// Whose.
    pub worker_id: Uuid,
    /// Lodged less fines and refunds, fen.
    pub balance_fen: i64,
    /// What counts for the tiers now (0 while held), fen.
    pub usable_fen: i64,
    /// Every lodging so far, fen.
    pub lodged_fen: i64,
    /// Every fine so far, fen.
    pub fined_fen: i64,
    /// Every refund so far, fen.
    pub refunded_fen: i64,
    /// `active`, `held` or `refunded`.
    pub state: String,
    /// When the hold ends (`held`).
    pub hold_until: Option<DateTime<Utc>>,
    /// When the refund was asked for (or the worker left).
    pub refund_requested_at: Option<DateTime<Utc>>,
    /// When it was last paid back.
    pub refunded_at: Option<DateTime<Utc>>,
    /// The highest tier reached, if any.
    pub tier: Option<Tier>,
    /// The most an order may be worth for this worker, fen; `None`: no limit.
    pub max_order_fen: Option<i64>,
    /// The gated categories unlocked.
    pub categories: Vec<String>,
    /// Whether deposits are required at all (tiers configured).
    pub required: bool,
    /// Whether no order is allowed (tiers configured, none reached).
    pub unlocks_nothing: bool,
}

impl DepositView {
    fn of(
        rules: &DepositRules,
        worker_id: Uuid,
        m: Option<&worker_deposit::Model>,
    ) -> Result<Self> {
        let d = match m {
            Some(m) => store::to_domain(m)?,
            None => daojia_domain::deposit::Deposit::NONE,
        };
        let u = rules.unlocked(d.usable());
        Ok(DepositView {
            worker_id,
            balance_fen: d.balance.as_fen(),
            usable_fen: d.usable().as_fen(),
            lodged_fen: m.map_or(0, |m| m.lodged_fen),
            fined_fen: m.map_or(0, |m| m.fined_fen),
            refunded_fen: m.map_or(0, |m| m.refunded_fen),
            state: d.state.code().into(),
            hold_until: m.and_then(|m| m.hold_until),
            refund_requested_at: m.and_then(|m| m.refund_requested_at),
            refunded_at: m.and_then(|m| m.refunded_at),
            tier: u.tier,
            max_order_fen: u.max_order.map(Money::as_fen),
            categories: u.categories.into_iter().collect(),
            required: rules.enabled(),
            unlocks_nothing: u.nothing,
        })
    }
}

/// The deposit rules in force.
pub fn rules(app: &App) -> &DepositRules {
    &app.settings.deposit
}

/// The deposit of worker `worker`.
pub async fn of_worker(app: &App, worker: Uuid) -> Result<DepositView> {
    let m = store::get(app.store.db(), worker).await?;
    DepositView::of(rules(app), worker, m.as_ref())
}

/// Every opened deposit `scope` sees (a partner's staff: their workers'), a page at a time,
/// optionally of one state.
pub async fn list(
    app: &App,
    scope: Scope,
    state: Option<&str>,
    page: PageRequest,
) -> Result<Page<DepositView>> {
    if let Some(s) = state
        && !["active", "held", "refunded"].contains(&s)
    {
        return Err(Error::field(
            "state",
            "unknown_state",
            "`active`, `held` or `refunded`",
        ));
    }
    let partner = match scope {
        Scope::All => None,
        Scope::Partner(None) => {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
        Scope::Partner(Some(p)) => Some(p),
    };
    let Page { items, next_cursor } = store::list(app.store.db(), partner, state, page).await?;
    let items = items
        .iter()
        .map(|m| DepositView::of(rules(app), m.worker_id, Some(m)))
        .collect::<Result<_>>()?;
    Ok(Page { items, next_cursor })
}

/// The movements of worker `worker`'s deposit (lodgings, fines, refunds), newest first.
pub async fn movements(app: &App, worker: Uuid, page: PageRequest) -> Result<Page<Movement>> {
    Ok(store::movements(app.store.db(), worker, page).await?)
}

fn refused(r: Refused) -> Error {
    let code = match r {
        Refused::BelowMinimum(_) => "below_minimum",
        Refused::AboveMaximum(_) => "above_maximum",
        _ => "refused",
    };
    Error::field("amount_fen", code, r.to_string())
}

/// Opens a lodging of `amount` into worker `worker`'s deposit through `channel`: an intent
/// of purpose `deposit`, asked of the channel like an order's payment; the deposit is
/// credited when the channel confirms it. Refused on `amount_fen` outside the configured
/// limits, and (409 `deposit_held`) while the deposit is held for a refund.
pub async fn lodge(
    app: &App,
    worker: Uuid,
    amount: Money,
    channel: PayChannel,
    payer_ip: &str,
    now: DateTime<Utc>,
) -> Result<IntentView> {
    rules(app).check_lodging(amount).map_err(refused)?;
    let d = store::deposit(app.store.db(), worker).await?;
    if let Err(Refused::Held) = d.lodge(amount) {
        return Err(Error::conflict(
            "deposit_held",
            "the deposit is held for a refund; lodge again once it is paid back",
        ));
    }
    if channel.needs_openid() {
        // JSAPI pays with a customer's openid under the customers' app; a worker pays on
        // the channel's page or by QR code.
        return Err(Error::field(
            "channel",
            "unsupported_channel",
            "a deposit is paid on the channel's page or by QR code, not inside WeChat",
        ));
    }
    let template = payments(app)?.settings.deposit_return_url.clone();
    let row = purpose::open(
        app,
        Purpose::Deposit,
        worker,
        amount,
        channel,
        payer_ip,
        |id| template.map(|u| u.replace("{lodging}", &id.to_string())),
        now,
    )
    .await?;
    Ok((&row).into())
}

/// Worker `worker`'s lodging `id` (to follow its state after paying).
pub async fn lodging_of(app: &App, worker: Uuid, id: Uuid) -> Result<IntentView> {
    Ok((&purpose::of_owner(app, Purpose::Deposit, worker, id).await?).into())
}

/// Worker `worker`'s latest lodgings, newest first.
pub async fn lodgings(app: &App, worker: Uuid, limit: u64) -> Result<Vec<IntentView>> {
    Ok(store::lodgings_of(app.store.db(), worker, limit)
        .await?
        .iter()
        .map(IntentView::from)
        .collect())
}
