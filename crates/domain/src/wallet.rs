//! The customer wallet (余额): a prepaid balance topped up through a payment channel and
//! spent on orders. Its money lives in the ledger (`customer_wallet:<id>`, see
//! [`crate::ledger::wallet_topped_up`], [`crate::ledger::wallet_paid`],
//! [`crate::ledger::wallet_refunded`]); this module holds the top-up limits and the names
//! shared by the layers.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// The channel (and provider) code of a payment intent paid from the wallet.
pub const CHANNEL: &str = "wallet";
/// `payment_intent.purpose` of an intent that pays an order.
pub const PURPOSE_ORDER: &str = "order";
/// `payment_intent.purpose` of an intent that tops up a wallet.
pub const PURPOSE_TOP_UP: &str = "top_up";

/// The top-up limits (`[wallet]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The least one top-up may be.
    pub top_up_min: Money,
    /// The most one top-up may be.
    pub top_up_max: Money,
    /// The most a wallet may hold after a top-up.
    pub max_balance: Money,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            top_up_min: Money::fen(100),
            top_up_max: Money::fen(500_000),
            max_balance: Money::fen(2_000_000),
        }
    }
}

/// Why a top-up is refused before anything is asked of a channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Below the least top-up.
    #[error("the least top-up is {0} fen")]
    BelowMinimum(Money),
    /// Above the most one top-up may be.
    #[error("the most one top-up may be is {0} fen")]
    AboveMaximum(Money),
    /// The wallet would hold more than it may.
    #[error("a wallet holds at most {limit} fen; {room} fen more fit")]
    OverMaxBalance {
        /// The most a wallet may hold.
        limit: Money,
        /// What may still be added.
        room: Money,
    },
}

impl Limits {
    /// Checks a top-up of `amount` into a wallet holding `balance`.
    pub fn check(&self, amount: Money, balance: Money) -> Result<(), Refused> {
        if amount < self.top_up_min || amount <= Money::ZERO {
            return Err(Refused::BelowMinimum(self.top_up_min.max(Money::fen(1))));
        }
        if amount > self.top_up_max {
            return Err(Refused::AboveMaximum(self.top_up_max));
        }
        if balance + amount > self.max_balance {
            return Err(Refused::OverMaxBalance {
                limit: self.max_balance,
                room: (self.max_balance - balance).max(Money::ZERO),
            });
        }
        Ok(())
    }
}

/// Whether `amount` can be paid from a wallet holding `balance` (never below zero).
pub fn can_pay(balance: Money, amount: Money) -> bool {
    amount > Money::ZERO && balance >= amount
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            top_up_min: Money::fen(100),
            top_up_max: Money::fen(10_000),
            max_balance: Money::fen(15_000),
        }
    }

    #[test]
    fn a_top_up_below_the_minimum_or_above_the_maximum_is_refused() {
        assert_eq!(
            limits().check(Money::fen(99), Money::ZERO),
            Err(Refused::BelowMinimum(Money::fen(100)))
        );
        assert_eq!(
            limits().check(Money::fen(-5), Money::ZERO),
            Err(Refused::BelowMinimum(Money::fen(100)))
        );
        assert_eq!(
            limits().check(Money::fen(10_001), Money::ZERO),
            Err(Refused::AboveMaximum(Money::fen(10_000)))
        );
        assert_eq!(limits().check(Money::fen(10_000), Money::ZERO), Ok(()));
    }

    #[test]
    fn a_top_up_past_the_largest_balance_says_how_much_still_fits() {
        assert_eq!(
            limits().check(Money::fen(6_000), Money::fen(10_000)),
            Err(Refused::OverMaxBalance {
                limit: Money::fen(15_000),
                room: Money::fen(5_000)
            })
        );
        assert_eq!(
            limits().check(Money::fen(5_000), Money::fen(10_000)),
            Ok(())
        );
    }

    #[test]
    fn a_wallet_pays_only_what_it_holds() {
        assert!(can_pay(Money::fen(500), Money::fen(500)));
        assert!(!can_pay(Money::fen(499), Money::fen(500)));
        assert!(!can_pay(Money::fen(500), Money::ZERO));
    }
}
