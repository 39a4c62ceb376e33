//! Purpose intents: a payment intent with no order that credits a balance of its payer
//! when it succeeds — a customer's wallet top-up (purpose `top_up`) or a worker's deposit
//! lodging (purpose `deposit`). Both take the same three steps, here once:
//!
//! - [`open`]: the intent is written (with its first scheduled query) and asked of the
//!   channel like an order's payment, so the callbacks, the query job, duplicate and
//!   forged callback handling and reconciliation serve it unchanged;
//! - [`of_owner`]: the payer follows it;
//! - [`credit`]: its success posts the purpose's entry (Dr `clearing:<provider>` / Cr the
//!   payer's balance account) once per intent, and credits the kept balance only when
//!   that entry was new, in the intent's transaction.
//!
//! [`seed_succeeded`] writes one that already succeeded, credited through [`credit`], for
//! the demo's data.

use super::apply::NotifyError;
use super::intents::{Opening, open_at_channel, pay_method, write_intent};
use super::{new_number, payments};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::deposit::PURPOSE_DEPOSIT;
use daojia_domain::ids::{CustomerId, WorkerId};
use daojia_domain::ledger as journal;
use daojia_domain::money::Money;
use daojia_domain::payment::{IntentState, PayChannel, Provider};
use daojia_domain::wallet::PURPOSE_TOP_UP;
use daojia_store::entity::payment_intent;
use daojia_store::repo::ledger;
use daojia_store::repo::payments::{self as repo, IntentUpdate, NewIntent};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

/// What an intent without an order is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A customer's wallet top-up (余额充值); the intent's `customer_id` is the customer.
    TopUp,
    /// A worker's deposit lodging (缴纳保证金); the intent's `customer_id` is the worker.
    Deposit,
}

impl Purpose {
    /// The intent's `purpose` column.
    pub fn code(self) -> &'static str {
        match self {
            Purpose::TopUp => PURPOSE_TOP_UP,
            Purpose::Deposit => PURPOSE_DEPOSIT,
        }
    }

    /// The purpose of a stored `purpose` column, if it is one of these.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            PURPOSE_TOP_UP => Some(Purpose::TopUp),
            PURPOSE_DEPOSIT => Some(Purpose::Deposit),
            _ => None,
        }
    }

    /// The first letter of its intent numbers.
    fn prefix(self) -> char {
        match self {
            Purpose::TopUp => 'T',
            Purpose::Deposit => 'D',
        }
    }

    /// What the payer sees at the channel.
    fn description(self) -> &'static str {
        match self {
            Purpose::TopUp => "到家余额充值",
            Purpose::Deposit => "到家师傅保证金",
        }
    }

    /// The memo of its ledger entry.
    fn memo(self) -> &'static str {
        match self {
            Purpose::TopUp => "余额充值",
            Purpose::Deposit => "缴纳保证金",
        }
    }

    /// What a 404 names.
    fn noun(self) -> &'static str {
        match self {
            Purpose::TopUp => "top_up",
            Purpose::Deposit => "lodging",
        }
    }

    /// The entry of `amount` paid by `owner` through `via`.
    fn entry(
        self,
        owner: Uuid,
        via: Provider,
        amount: Money,
    ) -> Result<journal::Entry, journal::Invalid> {
        match self {
            Purpose::TopUp => journal::wallet_topped_up(CustomerId(owner), via, amount),
            Purpose::Deposit => journal::deposit_lodged(WorkerId(owner), via, amount),
        }
    }

    /// Credits the kept balance of `owner` with `amount`.
    async fn credit_balance(
        self,
        tx: &DatabaseTransaction,
        owner: Uuid,
        amount: Money,
        now: DateTime<Utc>,
    ) -> Result<(), sea_orm::DbErr> {
        match self {
            Purpose::TopUp => daojia_store::repo::wallet::credit(tx, owner, amount, now).await,
            Purpose::Deposit => {
                daojia_store::repo::deposits::credit_lodging(tx, owner, amount, now).await
            }
        }
    }
}

/// Opens an intent of `purpose` for `amount`, paid by `owner` through `channel` from
/// `payer_ip`: written first (with its first scheduled query), then asked of the channel.
/// `return_url` gives, from the written intent's id, where the browser returns after
/// paying. The caller checks the purpose's own rules (limits, state) before.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn open(
    app: &App,
    purpose: Purpose,
    owner: Uuid,
    amount: Money,
    channel: PayChannel,
    payer_ip: &str,
    return_url: impl FnOnce(Uuid) -> Option<String>,
    now: DateTime<Utc>,
) -> Result<payment_intent::Model> {
    let p = payments(app)?;
    let ch = p.channel(channel.provider())?.clone();
    let method = pay_method(app, channel, owner, payer_ip).await?;
    let written = write_intent(
        app,
        NewIntent {
            intent_no: new_number(purpose.prefix(), now),
            order_id: None,
            purpose: purpose.code(),
            customer_id: owner,
            channel: channel.code().into(),
            provider: channel.provider().code().into(),
            amount_fen: amount.as_fen(),
            expires_at: now + p.settings.intent_lifetime,
            profit_sharing: false,
        },
        now,
    )
    .await?;
    open_at_channel(
        &ch,
        channel,
        &written,
        Opening {
            description: purpose.description().into(),
            return_url: return_url(written.id),
            method,
            customer: owner,
        },
        app,
        now,
    )
    .await
}

/// `owner`'s intent `id` of `purpose` (to follow its state); 404 naming the purpose's
/// noun when there is none of theirs.
pub(crate) async fn of_owner(
    app: &App,
    purpose: Purpose,
    owner: Uuid,
    id: Uuid,
) -> Result<payment_intent::Model> {
    repo::intent(app.store.db(), id)
        .await?
        .filter(|m| m.customer_id == owner && m.purpose == purpose.code())
        .ok_or(Error::NotFound(purpose.noun()))
}

/// Credits the balance the intent `row` (with no order) is for, now that it succeeded at
/// `provider`, in the intent's transaction: the purpose's ledger entry once per intent,
/// and the kept balance only when that entry is new.
pub(crate) async fn credit(
    tx: &DatabaseTransaction,
    row: &payment_intent::Model,
    provider: Provider,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    let purpose = Purpose::parse(&row.purpose).ok_or_else(|| {
        Error::internal(format!(
            "intent {} has no order and purpose `{}`",
            row.intent_no, row.purpose
        ))
    })?;
    let amount = Money::fen(row.amount_fen);
    let entry = purpose
        .entry(row.customer_id, provider, amount)
        .map_err(Error::internal)?;
    let source = ledger::Source {
        kind: ledger::INTENT,
        id: row.id.to_string(),
        order_id: None,
        memo: purpose.memo(),
    };
    if ledger::post(tx, source, &entry, now, now)
        .await
        .map_err(Error::from)?
    {
        purpose
            .credit_balance(tx, row.customer_id, amount, now)
            .await
            .map_err(Error::from)?;
    }
    Ok(())
}

/// Writes an intent of `purpose` for `fen` paid by `owner` through `channel` that
/// succeeded at `at` (the channel's trade number `DEMO<intent_no>`), credited through
/// [`credit`] like a channel's callback, in one transaction. For the demo's data.
pub(crate) async fn seed_succeeded(
    app: &App,
    purpose: Purpose,
    owner: Uuid,
    fen: i64,
    channel: PayChannel,
    at: DateTime<Utc>,
) -> Result<payment_intent::Model> {
    let tx = daojia_store::begin(app.store.db()).await?;
    let row = repo::insert_intent(
        &tx,
        NewIntent {
            intent_no: new_number(purpose.prefix(), at),
            order_id: None,
            purpose: purpose.code(),
            customer_id: owner,
            channel: channel.code().into(),
            provider: channel.provider().code().into(),
            amount_fen: fen,
            expires_at: at + Duration::minutes(15),
            profit_sharing: false,
        },
        at,
    )
    .await?;
    let trade = format!("DEMO{}", row.intent_no);
    repo::set_intent_state(
        &tx,
        row.id,
        &[IntentState::Created.code()],
        IntentState::Succeeded.code(),
        IntentUpdate {
            channel_trade_no: Some(&trade),
            ..Default::default()
        },
        at,
    )
    .await?;
    credit(&tx, &row, channel.provider(), at)
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
    tx.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_their_codes() {
        for p in [Purpose::TopUp, Purpose::Deposit] {
            assert_eq!(Purpose::parse(p.code()), Some(p));
        }
        assert_eq!(Purpose::parse("order"), None);
        assert_ne!(Purpose::TopUp.prefix(), Purpose::Deposit.prefix());
    }
}
