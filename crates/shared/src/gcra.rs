//! The generic cell rate algorithm (GCRA): a rate limit kept as one number per key, the
//! theoretical arrival time (TAT) of the next request. A request at `now` is allowed when
//! the TAT advanced by one emission interval stays within the burst tolerance of `now`.
//! The in-process limiter runs [`decide`]; the Redis limiter runs the same steps in a Lua
//! script (`redis_store.rs`), on microseconds of the Redis server's clock.

use std::time::Duration;

/// How many requests a key may make: `count` per `period`, at most `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    count: u32,
    period: Duration,
    burst: u32,
}

/// A quota that cannot be enforced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a quota needs a count, a period and a burst of at least one request each")]
pub struct InvalidQuota;

impl Quota {
    /// `count` per `period`, with a burst of `burst` requests. Every part must be non-zero.
    pub fn new(count: u32, period: Duration, burst: u32) -> Result<Quota, InvalidQuota> {
        if count == 0 || burst == 0 || period.is_zero() {
            return Err(InvalidQuota);
        }
        Ok(Quota {
            count,
            period,
            burst,
        })
    }

    /// `count` per minute, all of which may come at once (`count` is raised to 1).
    pub const fn per_minute(count: u32) -> Quota {
        let count = if count == 0 { 1 } else { count };
        Quota {
            count,
            period: Duration::from_secs(60),
            burst: count,
        }
    }

    /// The same rate with another burst (raised to 1).
    pub const fn with_burst(self, burst: u32) -> Quota {
        Quota {
            count: self.count,
            period: self.period,
            burst: if burst == 0 { 1 } else { burst },
        }
    }

    /// Requests per period.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Requests allowed at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Time one request uses up, in nanoseconds (at least one).
    pub fn emission_interval_nanos(&self) -> u64 {
        let period = u64::try_from(self.period.as_nanos()).unwrap_or(u64::MAX);
        (period / u64::from(self.count)).max(1)
    }

    /// How far ahead of `now` the TAT may run before requests are refused: `burst`
    /// emission intervals.
    pub fn tolerance_nanos(&self) -> u64 {
        self.emission_interval_nanos()
            .saturating_mul(u64::from(self.burst))
    }
}

/// The answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead; `remaining` more requests would be allowed right now.
    Allowed {
        /// Requests left in the current burst.
        remaining: u32,
    },
    /// Refused; the key may try again after `retry_after`.
    Limited {
        /// Time until one request is allowed again (never zero).
        retry_after: Duration,
    },
}

impl Decision {
    /// Whether the request may go ahead.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed { .. })
    }

    /// Whole seconds to wait, rounded up (for `Retry-After`); `None` when allowed.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Decision::Allowed { .. } => None,
            Decision::Limited { retry_after } => {
                let s = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                Some(s.max(1))
            }
        }
    }
}

/// One step of the algorithm. `tat` is the key's stored TAT (`None`: never seen or
/// expired), `now` the current time, both in nanoseconds on one clock. Returns the decision
/// and, when allowed, the TAT to store; the stored value may be dropped once `now` passes
/// it, as a key whose TAT is in the past behaves like a key never seen.
pub fn decide(tat: Option<u64>, now: u64, quota: &Quota) -> (Decision, Option<u64>) {
    let interval = quota.emission_interval_nanos();
    let tolerance = quota.tolerance_nanos();
    let tat = tat.map_or(now, |t| t.max(now));
    let next = tat.saturating_add(interval);
    let allow_at = next.saturating_sub(tolerance);
    if now < allow_at {
        return (
            Decision::Limited {
                retry_after: Duration::from_nanos(allow_at - now),
            },
            None,
        );
    }
    let used = next - now;
    let remaining = (tolerance - used) / interval;
    (
        Decision::Allowed {
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
        },
        Some(next),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000_000;

    fn run(q: &Quota, tat: &mut Option<u64>, now: u64) -> Decision {
        let (d, next) = decide(*tat, now, q);
        if next.is_some() {
            *tat = next;
        }
        d
    }

    #[test]
    fn a_full_burst_is_allowed_at_once_and_the_next_request_waits_one_interval() {
        let q = Quota::per_minute(6);
        let mut tat = None;
        for left in (0..6).rev() {
            assert_eq!(run(&q, &mut tat, 0), Decision::Allowed { remaining: left });
        }
        let d = run(&q, &mut tat, 0);
        assert_eq!(
            d,
            Decision::Limited {
                retry_after: Duration::from_secs(10)
            }
        );
        assert_eq!(d.retry_after_secs(), Some(10));
    }

    #[test]
    fn the_allowance_refills_one_request_per_interval() {
        let q = Quota::per_minute(6);
        let mut tat = None;
        for _ in 0..6 {
            assert!(run(&q, &mut tat, 0).is_allowed());
        }
        let d = run(&q, &mut tat, 4 * SEC);
        assert_eq!(d.retry_after_secs(), Some(6), "{d:?}");
        assert!(run(&q, &mut tat, 10 * SEC).is_allowed());
        assert!(!run(&q, &mut tat, 10 * SEC).is_allowed());
        assert!(run(&q, &mut tat, 20 * SEC).is_allowed());
        // A minute of silence refills the whole burst, and no more.
        for _ in 0..6 {
            assert!(run(&q, &mut tat, 200 * SEC).is_allowed());
        }
        assert!(!run(&q, &mut tat, 200 * SEC).is_allowed());
    }

    #[test]
    fn a_small_burst_spreads_requests_over_the_period() {
        let q = Quota::per_minute(60).with_burst(2);
        let mut tat = None;
        assert!(run(&q, &mut tat, 0).is_allowed());
        assert!(run(&q, &mut tat, 0).is_allowed());
        let d = run(&q, &mut tat, SEC / 2);
        assert_eq!(
            d,
            Decision::Limited {
                retry_after: Duration::from_millis(500)
            }
        );
        assert_eq!(d.retry_after_secs(), Some(1), "rounded up, never zero");
        assert!(run(&q, &mut tat, SEC).is_allowed());
    }

    #[test]
    fn a_refused_request_does_not_use_up_the_allowance() {
        let q = Quota::per_minute(1);
        let mut tat = None;
        assert!(run(&q, &mut tat, 0).is_allowed());
        for s in 1..60 {
            assert!(!run(&q, &mut tat, s * SEC).is_allowed());
        }
        assert!(run(&q, &mut tat, 60 * SEC).is_allowed());
    }

    #[test]
    fn a_quota_refuses_zero_parts() {
        assert!(Quota::new(0, Duration::from_secs(1), 1).is_err());
        assert!(Quota::new(1, Duration::ZERO, 1).is_err());
        assert!(Quota::new(1, Duration::from_secs(1), 0).is_err());
        assert_eq!(Quota::per_minute(0).count(), 1);
    }
}
