//! The door check code (上门校验码): a short number made for each order, shown only in the
//! customer's app, that the worker enters at the door to start the service, so that a visit
//! cannot start unseen. Wrong entries are counted and limited; once the limit is reached
//! the code no longer starts the service, and operations take over.

use serde::{Deserialize, Serialize};

/// The fewest digits a door code may have.
pub const MIN_DIGITS: u32 = 4;
/// The most digits a door code may have.
pub const MAX_DIGITS: u32 = 6;

/// How door codes are made and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DoorRules {
    /// Digits of a new code (4–6).
    pub digits: u32,
    /// Entries allowed per order, right or wrong; the one that reaches it is the last.
    pub max_attempts: u32,
}

impl Default for DoorRules {
    fn default() -> Self {
        DoorRules {
            digits: 6,
            max_attempts: 5,
        }
    }
}

impl DoorRules {
    /// The first unreasonable setting, by name: 4–6 digits, 1–20 entries.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&self.digits) {
            return Err(("digits", "between 4 and 6"));
        }
        if !(1..=20).contains(&self.max_attempts) {
            return Err(("max_attempts", "between 1 and 20"));
        }
        Ok(())
    }

    /// The rules with `digits` held within 4–6 and at least one attempt.
    pub fn clamped(self) -> DoorRules {
        DoorRules {
            digits: self.digits.clamp(MIN_DIGITS, MAX_DIGITS),
            max_attempts: self.max_attempts.max(1),
        }
    }
}

/// A new code of `rules.digits` digits from `random` (a uniformly random number the
/// caller draws from a secure source). Leading zeros are kept: `004217`.
pub fn make(rules: &DoorRules, random: u64) -> String {
    let digits = rules.clamped().digits;
    let modulus = 10u64.pow(digits);
    // 2^64 is not a multiple of 10^d; the bias is below 10^-13 for d ≤ 6.
    format!("{:0width$}", random % modulus, width = digits as usize)
}

/// What the worker typed, as a code: spaces and dashes dropped, full-width digits (０-９)
/// read as digits; `None` unless it is 4–6 digits.
pub fn normalise(entered: &str) -> Option<String> {
    let mut out = String::new();
    for c in entered.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            ' ' | '-' | '\u{3000}' => {}
            _ => return None,
        }
    }
    let n = out.chars().count() as u32;
    (MIN_DIGITS..=MAX_DIGITS).contains(&n).then_some(out)
}

/// The result of entering a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorCheck {
    /// Right: the service may start.
    Right,
    /// Wrong; `left` entries remain (0: it is locked now).
    Wrong {
        /// Entries left.
        left: u32,
    },
    /// No entries left: nothing was compared.
    Locked,
}

/// Checks `entered` against the order's `code` when `attempts_before` entries were made
/// already. The comparison takes the same time wherever the first difference is.
pub fn check(rules: &DoorRules, code: &str, entered: &str, attempts_before: u32) -> DoorCheck {
    let rules = rules.clamped();
    if attempts_before >= rules.max_attempts {
        return DoorCheck::Locked;
    }
    let right = normalise(entered).is_some_and(|e| same(e.as_bytes(), code.as_bytes()));
    if right {
        DoorCheck::Right
    } else {
        DoorCheck::Wrong {
            left: rules.max_attempts - attempts_before - 1,
        }
    }
}

/// Equal bytes, in time that depends on the lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_digits_asked_with_leading_zeros() {
        let six = DoorRules::default();
        assert_eq!(make(&six, 4217), "004217");
        assert_eq!(make(&six, 1_234_567), "234567");
        let four = DoorRules { digits: 4, ..six };
        assert_eq!(make(&four, 98_765), "8765");
        // Out of range: held to 4–6.
        let two = DoorRules { digits: 2, ..six };
        assert_eq!(make(&two, 7), "0007");
        for r in [0, 1, u64::MAX, 999_999] {
            let c = make(&six, r);
            assert_eq!(c.len(), 6);
            assert!(normalise(&c).is_some());
        }
    }

    #[test]
    fn what_the_worker_types_is_read_leniently_but_only_as_digits() {
        assert_eq!(normalise(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalise("１２３４").as_deref(), Some("1234"));
        assert_eq!(normalise("12-34").as_deref(), Some("1234"));
        assert_eq!(normalise("123"), None);
        assert_eq!(normalise("1234567"), None);
        assert_eq!(normalise("12a456"), None);
        assert_eq!(normalise(""), None);
    }

    #[test]
    fn a_wrong_code_counts_down_then_locks() {
        let r = DoorRules {
            digits: 6,
            max_attempts: 3,
        };
        assert_eq!(check(&r, "004217", "004217", 0), DoorCheck::Right);
        assert_eq!(check(&r, "004217", "4217", 0), DoorCheck::Wrong { left: 2 });
        assert_eq!(
            check(&r, "004217", "004218", 1),
            DoorCheck::Wrong { left: 1 }
        );
        assert_eq!(
            check(&r, "004217", "000000", 2),
            DoorCheck::Wrong { left: 0 }
        );
        // Locked: even the right code is not compared any more.
        assert_eq!(check(&r, "004217", "004217", 3), DoorCheck::Locked);
        assert_eq!(
            check(&r, "004217", "nonsense", 0),
            DoorCheck::Wrong { left: 2 }
        );
    }
}
