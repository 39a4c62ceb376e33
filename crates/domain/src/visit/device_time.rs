//! The device's time of a step taken offline (issue 11, "Offline tolerance"): the worker
//! app queues a step taken without a connection and sends it later with the time the
//! worker took it by the phone's clock. The server's receipt time stays authoritative
//! (billing, on-time figures); the device's is recorded beside it when it is plausible:
//! not further ahead of the server's clock than `max_ahead_secs` (clocks drift a little),
//! and not older than `max_age_min` (a step queued longer than that is no longer trusted
//! as it was taken, and is refused so that the app shows why).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How far a device's time may be from the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceTimeRules {
    /// Minutes a queued step may wait before it reaches the server.
    pub max_age_min: u32,
    /// Seconds the device's clock may run ahead of the server's.
    pub max_ahead_secs: u32,
}

impl Default for DeviceTimeRules {
    fn default() -> Self {
        DeviceTimeRules {
            max_age_min: 360,
            max_ahead_secs: 120,
        }
    }
}

/// Why a device's time is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceTimeError {
    /// Later than the server's clock allows.
    Ahead {
        /// Seconds ahead.
        secs: i64,
    },
    /// Older than the rules allow.
    TooOld {
        /// Minutes old.
        min: i64,
    },
}

impl DeviceTimeRules {
    /// The first unreasonable setting, by name: a queue kept up to a day, a clock at most
    /// an hour ahead.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(1..=1440).contains(&self.max_age_min) {
            return Err(("max_age_min", "between 1 and 1440 minutes"));
        }
        if self.max_ahead_secs > 3600 {
            return Err(("max_ahead_secs", "at most 3600 seconds"));
        }
        Ok(())
    }

    /// Whether `device_at` is accepted at the server's `now`.
    pub fn check(
        &self,
        device_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DeviceTimeError> {
        let ahead = device_at - now;
        if ahead > Duration::seconds(i64::from(self.max_ahead_secs)) {
            return Err(DeviceTimeError::Ahead {
                secs: ahead.num_seconds(),
            });
        }
        let age = now - device_at;
        if age > Duration::minutes(i64::from(self.max_age_min)) {
            return Err(DeviceTimeError::TooOld {
                min: age.num_minutes(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap()
    }

    #[test]
    fn a_step_queued_for_a_while_is_accepted() {
        let r = DeviceTimeRules::default();
        assert_eq!(r.check(now() - Duration::minutes(42), now()), Ok(()));
        assert_eq!(r.check(now() - Duration::minutes(360), now()), Ok(()));
        assert_eq!(r.check(now() + Duration::seconds(120), now()), Ok(()));
    }

    #[test]
    fn a_clock_far_ahead_or_a_step_too_old_is_refused() {
        let r = DeviceTimeRules::default();
        assert_eq!(
            r.check(now() + Duration::seconds(121), now()),
            Err(DeviceTimeError::Ahead { secs: 121 })
        );
        assert_eq!(
            r.check(now() - Duration::minutes(361), now()),
            Err(DeviceTimeError::TooOld { min: 361 })
        );
    }

    #[test]
    fn settings_are_checked() {
        assert!(DeviceTimeRules::default().validate().is_ok());
        let bad = DeviceTimeRules {
            max_age_min: 0,
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().0, "max_age_min");
        let bad = DeviceTimeRules {
            max_ahead_secs: 3601,
            ..Default::default()
        };
        assert_eq!(bad.validate().unwrap_err().0, "max_ahead_secs");
    }
}
