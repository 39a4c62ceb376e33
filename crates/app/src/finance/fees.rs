//! Channel fees (手续费) booked from the channels' trade bills: when a bill of a China date
//! is reconciled, the fees it states on the lines that agree with ours are booked as one
//! entry, Dr `fees` / Cr `clearing:<channel>` (fees given back on refunds net against the
//! fees taken; a day that gives back more books the other way round). Once per (channel,
//! bill day): a bill read again with the same fees books nothing, one with other fees books
//! only the difference, as a correction (`<channel>:<date>#<n>`); nothing is edited. The
//! entry's time is the bill day's last second, so the fund flow bill of that day finds it;
//! its period is the day's month, or the first open one when that month is closed.

use crate::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_domain::ledger;
use daojia_domain::money::Money;
use daojia_domain::payment::Provider;
use daojia_store::repo::ledger::{CHANNEL_FEE, Source, channel_fees_booked, post};
use sea_orm::ConnectionTrait;

/// The source id of the `n`th entry (0: the first booking) of `provider`'s fees of `date`.
pub fn source_id(provider: Provider, date: NaiveDate, n: usize) -> String {
    match n {
        0 => format!("{}:{date}", provider.code()),
        n => format!("{}:{date}#{n}", provider.code()),
    }
}

/// Books `fees` (signed: taken positive) as `provider`'s fees of bill day `date`, less what
/// earlier readings of that day's bill booked, in the caller's transaction. Returns what
/// was booked now (zero: nothing).
pub async fn book(
    db: &impl ConnectionTrait,
    provider: Provider,
    date: NaiveDate,
    fees: Money,
    now: DateTime<Utc>,
) -> Result<Money> {
    let (booked, entries) = channel_fees_booked(db, provider, &date.to_string()).await?;
    let difference = fees - booked;
    if difference == Money::ZERO {
        return Ok(Money::ZERO);
    }
    let entry = ledger::channel_fee(provider, difference)
        .map_err(|e| crate::Error::internal(format!("channel fee entry: {e}")))?;
    let (_, end) = super::reconcile::day_bounds(date);
    let memo = if entries == 0 {
        format!("{} 手续费 {date}", provider.code())
    } else {
        format!("{} 手续费 {date} 更正", provider.code())
    };
    post(
        db,
        Source {
            kind: CHANNEL_FEE,
            id: source_id(provider, date, entries),
            order_id: None,
            memo: &memo,
        },
        &entry,
        end - Duration::seconds(1),
        now,
    )
    .await?;
    Ok(difference)
}
