//! Money as integer minor units. For CNY the minor unit is the fen (分): ¥149.00 is
//! `Money::fen(14900)`. Floats never touch an amount.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, Neg, Sub};

/// An amount in the currency's minor unit (分 for CNY). May be negative (a credit or a
/// posting on the other side of a journal entry).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Money(i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// An amount of `fen` minor units.
    pub const fn fen(fen: i64) -> Self {
        Money(fen)
    }

    /// The amount in minor units.
    pub const fn as_fen(self) -> i64 {
        self.0
    }

    /// Adds, or `None` on overflow (an amount that large is a bug or an attack).
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// Multiplies by a count (quantity of a unit), or `None` on overflow.
    pub fn checked_mul(self, count: i64) -> Option<Money> {
        self.0.checked_mul(count).map(Money)
    }

    /// True when the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

/// Shows yuan with two decimals, e.g. `¥149.00` or `-¥0.05`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}¥{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_displays_as_yuan_with_two_decimals() {
        assert_eq!(Money::fen(14900).to_string(), "¥149.00");
        assert_eq!(Money::fen(-5).to_string(), "-¥0.05");
        assert_eq!(Money::ZERO.to_string(), "¥0.00");
    }

    proptest! {
        #[test]
        fn adding_then_subtracting_returns_the_original(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
            let (a, b) = (Money::fen(a), Money::fen(b));
            prop_assert_eq!(a + b - b, a);
        }

        #[test]
        fn a_sum_of_postings_and_their_negations_is_zero(xs in proptest::collection::vec(-1_000_000i64..1_000_000, 0..20)) {
            let postings: Vec<Money> = xs.iter().map(|x| Money::fen(*x)).collect();
            let total: Money = postings.iter().copied().chain(postings.iter().map(|m| -*m)).sum();
            prop_assert_eq!(total, Money::ZERO);
        }
    }
}
