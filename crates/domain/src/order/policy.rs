//! The rules an order is placed under: free cancellation, the late-cancellation fee,
//! rescheduling, after-sales and the timeouts. An item or area may set its own; the order
//! keeps a copy from the moment it is placed, so a later change of policy never changes
//! what a customer agreed to. The customer sees it before they confirm.

use crate::money::Money;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// The rules of one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Cancelling is free until this many minutes before the window starts.
    pub free_cancel_minutes: u32,
    /// After that, once a worker is committed, the fee as a percentage of the total…
    pub late_cancel_fee_percent: u8,
    /// …but never more than this.
    pub late_cancel_fee_cap: Money,
    /// The customer may reschedule until this many minutes before the window starts.
    pub reschedule_minutes: u32,
    /// How often the customer may reschedule one order.
    pub max_reschedules: u32,
    /// After-sales may be opened for this many days after completion.
    pub after_sales_days: u32,
    /// An order finished but not confirmed completes by itself after this many hours.
    pub confirm_hours: u32,
    /// An unpaid order is cancelled after this many minutes.
    pub unpaid_minutes: u32,
}

impl Default for Policy {
    /// What most Chinese home-service platforms publish: free until two hours before,
    /// then 20% capped at ¥50; two reschedules; seven days of after-sales; 24 hours to
    /// confirm; 30 minutes to pay.
    fn default() -> Policy {
        Policy {
            free_cancel_minutes: 120,
            late_cancel_fee_percent: 20,
            late_cancel_fee_cap: Money::fen(5_000),
            reschedule_minutes: 120,
            max_reschedules: 2,
            after_sales_days: 7,
            confirm_hours: 24,
            unpaid_minutes: 30,
        }
    }
}

/// Why a policy is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PolicyError {
    /// The offending field.
    pub field: &'static str,
    /// What is wrong.
    pub message: &'static str,
}

impl Policy {
    /// Checks the ranges an operator may set.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let err = |field, message| Err(PolicyError { field, message });
        if self.late_cancel_fee_percent > 100 {
            return err("late_cancel_fee_percent", "at most 100");
        }
        if self.late_cancel_fee_cap < Money::ZERO {
            return err("late_cancel_fee_cap", "must not be negative");
        }
        if self.free_cancel_minutes > 7 * 24 * 60 {
            return err("free_cancel_minutes", "at most a week");
        }
        if self.reschedule_minutes > 7 * 24 * 60 {
            return err("reschedule_minutes", "at most a week");
        }
        if self.max_reschedules > 10 {
            return err("max_reschedules", "at most 10");
        }
        if self.after_sales_days > 365 {
            return err("after_sales_days", "at most 365");
        }
        if self.confirm_hours == 0 || self.confirm_hours > 30 * 24 {
            return err("confirm_hours", "between 1 and 720");
        }
        if self.unpaid_minutes == 0 || self.unpaid_minutes > 24 * 60 {
            return err("unpaid_minutes", "between 1 and 1440");
        }
        Ok(())
    }

    /// Free cancellation ends this long before the window.
    pub fn free_cancel_before(&self) -> Duration {
        Duration::minutes(i64::from(self.free_cancel_minutes))
    }

    /// Customer rescheduling ends this long before the window.
    pub fn reschedule_before(&self) -> Duration {
        Duration::minutes(i64::from(self.reschedule_minutes))
    }

    /// The late-cancellation fee on an order of `total` (rounded down to the fen).
    pub fn late_cancel_fee(&self, total: Money) -> Money {
        // In i128: a total near i64::MAX times a percentage must not overflow. The result
        // is at most `total`, so it fits back in an i64.
        let pct =
            i128::from(total.as_fen().max(0)) * i128::from(self.late_cancel_fee_percent) / 100;
        let pct = Money::fen(i64::try_from(pct).expect("a percentage of at most 100 fits"));
        pct.min(self.late_cancel_fee_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_a_capped_percentage() {
        let p = Policy::default();
        assert_eq!(p.late_cancel_fee(Money::fen(15_900)), Money::fen(3_180));
        assert_eq!(p.late_cancel_fee(Money::fen(88_800)), Money::fen(5_000));
        assert_eq!(p.late_cancel_fee(Money::fen(1)), Money::ZERO);
        assert!(p.validate().is_ok());
        let bad = Policy {
            late_cancel_fee_percent: 101,
            ..p
        };
        assert_eq!(bad.validate().unwrap_err().field, "late_cancel_fee_percent");
        let bad = Policy {
            reschedule_minutes: u32::MAX,
            ..p
        };
        assert_eq!(bad.validate().unwrap_err().field, "reschedule_minutes");
        let bad = Policy {
            max_reschedules: u32::MAX,
            ..p
        };
        assert_eq!(bad.validate().unwrap_err().field, "max_reschedules");
        assert_eq!(p.late_cancel_fee(Money::fen(i64::MAX)), Money::fen(5_000));
        let uncapped = Policy {
            late_cancel_fee_cap: Money::fen(i64::MAX),
            late_cancel_fee_percent: 100,
            ..p
        };
        assert_eq!(
            uncapped.late_cancel_fee(Money::fen(i64::MAX)),
            Money::fen(i64::MAX)
        );
    }

    #[test]
    fn a_policy_reads_from_json_and_refuses_unknown_fields() {
        let p: Policy =
            serde_json::from_value(serde_json::to_value(Policy::default()).unwrap()).unwrap();
        assert_eq!(p, Policy::default());
        let mut v = serde_json::to_value(Policy::default()).unwrap();
        v["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<Policy>(v).is_err());
    }
}
