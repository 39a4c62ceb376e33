//! Withdrawals (提现): a worker asks for part of their withdrawable balance, finance
//! approves or rejects, the payout is made through a channel (or by bank transfer recorded
//! by hand), and a failure returns the money. The limits and the fee, the state machine
//! and the journal entries of each step live here.

use crate::ids::WorkerId;
use crate::ledger::{Account, Clearing, Entry, Invalid, Posting};
use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The limits and the fee (`[finance]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The least one withdrawal may be.
    pub min: Money,
    /// The most a worker may withdraw per day (requests not rejected or failed).
    pub max_per_day: Money,
    /// The fee, in basis points of the amount (rounded half up).
    pub fee_bp: u32,
    /// The least fee.
    pub fee_min: Money,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            min: Money::fen(1_000),
            max_per_day: Money::fen(2_000_000),
            fee_bp: 0,
            fee_min: Money::ZERO,
        }
    }
}

/// Why a withdrawal is refused before anything moves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Below the minimum.
    #[error("the least withdrawal is {0} fen")]
    BelowMinimum(Money),
    /// The day's total would pass the limit.
    #[error("at most {limit} fen a day; {left} fen left today")]
    DailyLimit {
        /// The limit.
        limit: Money,
        /// What is left of it today.
        left: Money,
    },
    /// The fee would take it all.
    #[error("the fee ({0} fen) takes the whole amount")]
    FeeTakesAll(Money),
    /// More than the withdrawable balance.
    #[error("more than the withdrawable balance ({0} fen)")]
    OverBalance(Money),
}

impl Limits {
    /// The fee on `amount`: `fee_bp` of it, at least `fee_min`.
    pub fn fee(&self, amount: Money) -> Money {
        crate::earning::part(amount, self.fee_bp).max(self.fee_min)
    }

    /// Checks `amount` against the limits, given what the worker asked for today
    /// already (not counting rejected or failed requests); returns the fee.
    pub fn check(&self, amount: Money, today: Money) -> Result<Money, Refused> {
        if amount < self.min || amount <= Money::ZERO {
            return Err(Refused::BelowMinimum(self.min.max(Money::fen(1))));
        }
        if today + amount > self.max_per_day {
            return Err(Refused::DailyLimit {
                limit: self.max_per_day,
                left: (self.max_per_day - today).max(Money::ZERO),
            });
        }
        let fee = self.fee(amount);
        if fee >= amount {
            return Err(Refused::FeeTakesAll(fee));
        }
        Ok(fee)
    }
}

/// Where a withdrawal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Asked for; the amount is held (in flight).
    Requested,
    /// Finance approved; the payout is under way (or awaits the bank transfer).
    Approved,
    /// Paid out.
    Paid,
    /// Finance refused it; the amount went back.
    Rejected,
    /// The payout failed; the amount went back.
    Failed,
}

impl State {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            State::Requested => "requested",
            State::Approved => "approved",
            State::Paid => "paid",
            State::Rejected => "rejected",
            State::Failed => "failed",
        }
    }

    /// The state of a code.
    pub fn parse(s: &str) -> Option<State> {
        Some(match s {
            "requested" => State::Requested,
            "approved" => State::Approved,
            "paid" => State::Paid,
            "rejected" => State::Rejected,
            "failed" => State::Failed,
            _ => return None,
        })
    }

    /// Whether `self → to` is a step of the machine: requested → approved | rejected;
    /// approved → paid | failed.
    pub fn can_become(self, to: State) -> bool {
        matches!(
            (self, to),
            (State::Requested, State::Approved)
                | (State::Requested, State::Rejected)
                | (State::Approved, State::Paid)
                | (State::Approved, State::Failed)
        )
    }

    /// Whether the amount counts against the day's limit (not given back).
    pub fn counts(self) -> bool {
        !matches!(self, State::Rejected | State::Failed)
    }
}

/// The request holds the amount: Dr `worker_withdrawable:<w>` / Cr `withdrawals_in_flight`.
pub fn requested(worker: WorkerId, amount: Money) -> Result<Entry, Invalid> {
    Entry::transfer(
        Account::WorkerWithdrawable(worker),
        Account::WithdrawalsInFlight,
        amount,
    )
}

/// Rejected or failed: the amount goes back (the reversal of [`requested`]).
pub fn returned(worker: WorkerId, amount: Money) -> Result<Entry, Invalid> {
    Ok(requested(worker, amount)?.reversal())
}

/// Paid out through `via`: Dr `withdrawals_in_flight` (the amount) / Cr the clearing
/// account (what was sent) and `withdrawal_fees` (the fee withheld).
pub fn paid(via: Clearing, amount: Money, fee: Money) -> Result<Entry, Invalid> {
    let mut postings = vec![
        Posting {
            account: Account::WithdrawalsInFlight,
            amount,
        },
        Posting {
            account: Account::Clearing(via),
            amount: -(amount - fee),
        },
    ];
    if fee != Money::ZERO {
        postings.push(Posting {
            account: Account::WithdrawalFees,
            amount: -fee,
        });
    }
    Entry::new(postings)
}
