//! Worker deposits (保证金): money a worker lodges with the platform through a payment
//! channel. Configured tiers gate which orders a worker may take (by order value and by
//! category); staff may fine the deposit for an upheld complaint; a worker who leaves (or
//! asks) gets what is left back after a hold period, unless a case on their orders is
//! still open. The money lives in the ledger (`worker_deposit:<id>`, see
//! [`crate::ledger::deposit_lodged`], [`crate::ledger::deposit_fined`],
//! [`crate::ledger::deposit_refunded`]); this module holds the rules, as plain functions.

use crate::money::Money;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// `payment_intent.purpose` of an intent that lodges a worker's deposit (its
/// `customer_id` column holds the paying worker's id).
pub const PURPOSE_DEPOSIT: &str = "deposit";

/// One tier: lodging `required_fen` unlocks orders up to `max_order_fen` (no limit when
/// absent) and the categories listed (besides those of the tiers below it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Stable code (`basic`, `senior`).
    pub code: String,
    /// For people (`基础`, `高级`).
    pub name: String,
    /// The deposit the tier needs, in fen (0: every worker has it).
    pub required_fen: i64,
    /// The most an order may be worth (its total, fen) at this tier; `None`: no limit.
    #[serde(default)]
    pub max_order_fen: Option<i64>,
    /// Category codes this tier unlocks. A category named by any tier is gated: only a
    /// worker at that tier or above may take its orders; others are open to every tier.
    #[serde(default)]
    pub categories: Vec<String>,
}

/// The deposit rules (`[deposit]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepositRules {
    /// The tiers; empty: no deposit is required and nothing is gated.
    pub tiers: Vec<Tier>,
    /// How long a deposit is held after the worker leaves or asks for it back, in hours.
    pub hold_hours: i64,
    /// The least one lodging may be, in fen.
    pub lodge_min_fen: i64,
    /// The most one lodging may be, in fen.
    pub lodge_max_fen: i64,
}

impl Default for DepositRules {
    fn default() -> Self {
        DepositRules {
            tiers: vec![],
            hold_hours: 30 * 24,
            lodge_min_fen: 100,
            lodge_max_fen: 1_000_000,
        }
    }
}

/// What a deposit unlocks: the largest order value and the gated categories.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unlocked {
    /// The highest tier reached, if any.
    pub tier: Option<Tier>,
    /// The most an order may be worth; `None`: no limit.
    pub max_order: Option<Money>,
    /// The gated categories unlocked.
    pub categories: BTreeSet<String>,
    /// Whether no order is allowed at all (tiers exist and none is reached).
    pub nothing: bool,
}

/// Why a worker may not take an order under the deposit rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gate {
    /// Their deposit is below what the order needs.
    #[error("the order needs a deposit of {required} fen; {lodged} fen is lodged")]
    TooLow {
        /// What the order needs.
        required: Money,
        /// What the worker has (0 while a refund is held).
        lodged: Money,
    },
}

impl DepositRules {
    /// Whether deposits matter at all.
    pub fn enabled(&self) -> bool {
        !self.tiers.is_empty()
    }

    /// What is wrong with the rules, naming the setting.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![];
        let mut codes = BTreeSet::new();
        for t in &self.tiers {
            if t.code.trim().is_empty() || !codes.insert(t.code.clone()) {
                p.push((
                    "deposit.tiers",
                    format!("tier code `{}` empty or repeated", t.code),
                ));
            }
            if t.required_fen < 0 {
                p.push((
                    "deposit.tiers",
                    format!("tier `{}`: required_fen below 0", t.code),
                ));
            }
            if t.max_order_fen.is_some_and(|m| m < 0) {
                p.push((
                    "deposit.tiers",
                    format!("tier `{}`: max_order_fen below 0", t.code),
                ));
            }
        }
        if let Some(top) = self.sorted().last()
            && top.max_order_fen.is_some()
        {
            p.push((
                "deposit.tiers",
                format!("the highest tier `{}` must have no max_order_fen (it unlocks every order value)", top.code),
            ));
        }
        if self.hold_hours < 0 {
            p.push(("deposit.hold_hours", "0 or more".into()));
        }
        if self.lodge_min_fen < 1 {
            p.push(("deposit.lodge_min_fen", "at least 1".into()));
        }
        if self.lodge_max_fen < self.lodge_min_fen {
            p.push(("deposit.lodge_max_fen", "at least lodge_min_fen".into()));
        }
        p
    }

    /// The tiers, lowest requirement first.
    pub fn sorted(&self) -> Vec<&Tier> {
        let mut t: Vec<&Tier> = self.tiers.iter().collect();
        t.sort_by_key(|t| (t.required_fen, t.code.clone()));
        t
    }

    /// Every category some tier gates.
    pub fn gated(&self) -> BTreeSet<&str> {
        self.tiers
            .iter()
            .flat_map(|t| t.categories.iter().map(String::as_str))
            .collect()
    }

    /// The deposit an order worth `value` in `categories` needs: the least requirement of a
    /// tier that allows its value and unlocks its gated categories (a tier unlocks its own
    /// and the lower tiers' categories). `None` when no deposit is needed (no tiers).
    pub fn required_for(&self, value: Money, categories: &[String]) -> Option<Money> {
        if !self.enabled() {
            return None;
        }
        let gated = self.gated();
        let needed: BTreeSet<&str> = categories
            .iter()
            .map(String::as_str)
            .filter(|c| gated.contains(c))
            .collect();
        let mut unlocked: BTreeSet<&str> = BTreeSet::new();
        let mut best: Option<i64> = None;
        for t in self.sorted() {
            unlocked.extend(t.categories.iter().map(String::as_str));
            let value_ok = t.max_order_fen.is_none_or(|m| value.as_fen() <= m);
            if value_ok && needed.is_subset(&unlocked) {
                best = Some(best.map_or(t.required_fen, |b| b.min(t.required_fen)));
            }
        }
        // The highest tier allows every value and unlocks every gated category (checked
        // by `problems`); a configuration that slipped through needs more than anyone has.
        Some(Money::fen(best.unwrap_or(i64::MAX)))
    }

    /// Whether a worker whose usable deposit is `lodged` may take an order worth `value`
    /// in `categories`.
    pub fn allows(&self, lodged: Money, value: Money, categories: &[String]) -> Result<(), Gate> {
        match self.required_for(value, categories) {
            Some(required) if lodged < required => Err(Gate::TooLow { required, lodged }),
            _ => Ok(()),
        }
    }

    /// What a usable deposit of `lodged` unlocks.
    pub fn unlocked(&self, lodged: Money) -> Unlocked {
        if !self.enabled() {
            return Unlocked::default();
        }
        let mut out = Unlocked {
            nothing: true,
            ..Default::default()
        };
        for t in self.sorted() {
            if Money::fen(t.required_fen) > lodged {
                break;
            }
            out.categories.extend(t.categories.iter().cloned());
            out.max_order = t.max_order_fen.map(Money::fen);
            out.tier = Some(t.clone());
            out.nothing = false;
        }
        out
    }

    /// The hold period.
    pub fn hold(&self) -> Duration {
        Duration::hours(self.hold_hours.max(0))
    }

    /// Checks one lodging of `amount`.
    pub fn check_lodging(&self, amount: Money) -> Result<(), Refused> {
        if amount.as_fen() < self.lodge_min_fen.max(1) {
            return Err(Refused::BelowMinimum(Money::fen(self.lodge_min_fen.max(1))));
        }
        if amount.as_fen() > self.lodge_max_fen {
            return Err(Refused::AboveMaximum(Money::fen(self.lodge_max_fen)));
        }
        Ok(())
    }
}

/// Where a deposit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Lodged (or never lodged): counts for the tiers.
    Active,
    /// The worker left or asked for it back: held until `until`, then refunded; it
    /// unlocks nothing meanwhile.
    Held {
        /// When the hold ends.
        until: DateTime<Utc>,
    },
    /// Paid back (a new lodging makes it active again).
    Refunded,
}

impl State {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Held { .. } => "held",
            State::Refunded => "refunded",
        }
    }

    /// The state of a stored code and hold end.
    pub fn parse(code: &str, until: Option<DateTime<Utc>>) -> Option<State> {
        match (code, until) {
            ("active", _) => Some(State::Active),
            ("held", Some(until)) => Some(State::Held { until }),
            ("refunded", _) => Some(State::Refunded),
            _ => None,
        }
    }
}

/// A worker's deposit: the balance left and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deposit {
    /// Lodged, less fines and refunds.
    pub balance: Money,
    /// Where it stands.
    pub state: State,
}

/// Why a step on a deposit is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Below the least lodging.
    #[error("the least lodging is {0} fen")]
    BelowMinimum(Money),
    /// Above the most one lodging may be.
    #[error("the most one lodging may be is {0} fen")]
    AboveMaximum(Money),
    /// A fine of nothing, or of less than nothing.
    #[error("a fine is at least 1 fen")]
    NotPositive,
    /// A fine above the balance.
    #[error("the deposit holds {balance} fen; a fine cannot be more")]
    AboveBalance {
        /// The balance.
        balance: Money,
    },
    /// A lodging while the deposit is held for a refund.
    #[error("the deposit is held for a refund; it takes no lodging until it is paid back")]
    Held,
    /// A refund asked of a deposit that holds nothing or is not active.
    #[error("there is no deposit to refund")]
    NothingToRefund,
    /// The refund is not due yet.
    #[error("the hold ends at {0}")]
    NotDue(DateTime<Utc>),
    /// A case on the worker's orders is open.
    #[error("an after-sales case on the worker's orders is open")]
    CaseOpen,
}

impl Deposit {
    /// A deposit never lodged.
    pub const NONE: Deposit = Deposit {
        balance: Money::ZERO,
        state: State::Active,
    };

    /// What counts for the tiers: the balance while active, nothing while held.
    pub fn usable(&self) -> Money {
        match self.state {
            State::Active => self.balance,
            State::Held { .. } | State::Refunded => Money::ZERO,
        }
    }

    /// After lodging `amount` (a refunded deposit becomes active again).
    pub fn lodge(self, amount: Money) -> Result<Deposit, Refused> {
        if amount <= Money::ZERO {
            return Err(Refused::NotPositive);
        }
        if matches!(self.state, State::Held { .. }) {
            return Err(Refused::Held);
        }
        Ok(Deposit {
            balance: self.balance + amount,
            state: State::Active,
        })
    }

    /// After a fine of `amount` (never more than the balance; also while held).
    pub fn fine(self, amount: Money) -> Result<Deposit, Refused> {
        if amount <= Money::ZERO {
            return Err(Refused::NotPositive);
        }
        if amount > self.balance {
            return Err(Refused::AboveBalance {
                balance: self.balance,
            });
        }
        Ok(Deposit {
            balance: self.balance - amount,
            state: self.state,
        })
    }

    /// After asking for the deposit back at `now` (or leaving): held for `hold`.
    pub fn request_refund(self, now: DateTime<Utc>, hold: Duration) -> Result<Deposit, Refused> {
        match self.state {
            State::Held { .. } => Ok(self),
            State::Active if self.balance > Money::ZERO => Ok(Deposit {
                balance: self.balance,
                state: State::Held { until: now + hold },
            }),
            _ => Err(Refused::NothingToRefund),
        }
    }

    /// The amount to pay back at `now`, and the deposit after: refused before the hold
    /// ends or while a case on the worker's orders is open.
    pub fn refund(self, now: DateTime<Utc>, case_open: bool) -> Result<(Money, Deposit), Refused> {
        let State::Held { until } = self.state else {
            return Err(Refused::NothingToRefund);
        };
        if now < until {
            return Err(Refused::NotDue(until));
        }
        if case_open {
            return Err(Refused::CaseOpen);
        }
        Ok((
            self.balance,
            Deposit {
                balance: Money::ZERO,
                state: State::Refunded,
            },
        ))
    }
}

#[cfg(test)]
#[path = "deposit_tests.rs"]
mod tests;
