//! The customer is not home (客户不在家, issue 11): when a worker at the door may declare a
//! no-show, and what evidence they need. The worker waits `wait_min` minutes from the later
//! of the window's start and their check-in (the customer gets that grace either way), and
//! has called the customer at least `min_calls` times. The order is then cancelled with the
//! order policy's late-cancellation fee kept ([`crate::order::machine::Order::no_show_fee`]).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// When and with what a no-show may be declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoShowRules {
    /// Minutes to wait at the door after the window started (or after the check-in, when
    /// the worker came after the start).
    pub wait_min: u32,
    /// Calls to the customer the worker must have tried.
    pub min_calls: u32,
}

impl Default for NoShowRules {
    fn default() -> Self {
        NoShowRules {
            wait_min: 15,
            min_calls: 2,
        }
    }
}

/// The most calls a worker may report (anything above is a typing error).
pub const MAX_CALLS: u32 = 50;

impl NoShowRules {
    /// The first unreasonable setting, by name.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.wait_min > 240 {
            return Err(("wait_min", "at most 240 minutes"));
        }
        if !(1..=10).contains(&self.min_calls) {
            return Err(("min_calls", "between 1 and 10 calls"));
        }
        Ok(())
    }

    /// The earliest time a no-show may be declared for a visit whose window starts at
    /// `window_start`, checked in at `checked_in_at`.
    pub fn opens_at(
        &self,
        window_start: DateTime<Utc>,
        checked_in_at: DateTime<Utc>,
    ) -> DateTime<Utc> {
        window_start.max(checked_in_at) + Duration::minutes(i64::from(self.wait_min))
    }

    /// Whether `calls` are enough.
    pub fn enough_calls(&self, calls: u32) -> bool {
        calls >= self.min_calls
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_wait_runs_from_the_later_of_the_window_and_the_check_in() {
        let r = NoShowRules::default();
        let start = Utc.with_ymd_and_hms(2026, 12, 6, 2, 0, 0).unwrap();
        // Early at the door: the wait counts from the window's start.
        let early = start - Duration::minutes(20);
        assert_eq!(r.opens_at(start, early), start + Duration::minutes(15));
        // Late at the door: from the check-in.
        let late = start + Duration::minutes(40);
        assert_eq!(r.opens_at(start, late), late + Duration::minutes(15));
        assert!(!r.enough_calls(1));
        assert!(r.enough_calls(2));
        assert!(r.validate().is_ok());
        let bad = NoShowRules { min_calls: 0, ..r };
        assert_eq!(bad.validate().unwrap_err().0, "min_calls");
        let bad = NoShowRules { wait_min: 241, ..r };
        assert_eq!(bad.validate().unwrap_err().0, "wait_min");
    }
}
