//! Where a worker is and whether they take work now: the small record that the geo index
//! of dispatch (in process) and the shared positions store (in process or in Redis) keep
//! per worker, so that both speak of the same thing.
//!
//! Positions come from any source; until live location arrives, a worker's home base and
//! the place of their last job stand in, and [`PositionSource`] says which it is.

use crate::geo::LatLng;
use serde::{Deserialize, Serialize};

/// Where a position came from, most trustworthy first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSource {
    /// Reported by the worker's device.
    Live,
    /// The place of the worker's last job.
    LastJob,
    /// The worker's home base (where their day starts).
    HomeBase,
}

impl PositionSource {
    /// The stable code (`live`, `last_job`, `home_base`).
    pub fn code(self) -> &'static str {
        match self {
            PositionSource::Live => "live",
            PositionSource::LastJob => "last_job",
            PositionSource::HomeBase => "home_base",
        }
    }

    /// The source named by [`PositionSource::code`].
    pub fn from_code(code: &str) -> Option<PositionSource> {
        match code {
            "live" => Some(PositionSource::Live),
            "last_job" => Some(PositionSource::LastJob),
            "home_base" => Some(PositionSource::HomeBase),
            _ => None,
        }
    }
}

/// A worker's position and whether they take work, as of `seen_at`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    /// Where (WGS-84).
    pub at: LatLng,
    /// Where the position came from.
    pub source: PositionSource,
    /// Signed in to the worker app and on duty.
    pub online: bool,
    /// Taking new offers (an online worker may pause them).
    pub accepting: bool,
    /// When this was last reported, Unix seconds.
    pub seen_at: i64,
}

impl Presence {
    /// Online and taking offers.
    pub fn is_available(&self) -> bool {
        self.online && self.accepting
    }
}

/// The best position known for a worker: the more recent of a live report and their last
/// job's place (each with the Unix time it was true), else their home base.
pub fn best_position(
    live: Option<(LatLng, i64)>,
    last_job: Option<(LatLng, i64)>,
    home: LatLng,
) -> (LatLng, PositionSource, Option<i64>) {
    let live = live.map(|(at, t)| (at, PositionSource::Live, t));
    let job = last_job.map(|(at, t)| (at, PositionSource::LastJob, t));
    match (live, job) {
        (Some(l), Some(j)) if j.2 > l.2 => (j.0, j.1, Some(j.2)),
        (Some(l), _) => (l.0, l.1, Some(l.2)),
        (None, Some(j)) => (j.0, j.1, Some(j.2)),
        (None, None) => (home, PositionSource::HomeBase, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_sources_round_trip_through_their_codes() {
        for s in [
            PositionSource::Live,
            PositionSource::LastJob,
            PositionSource::HomeBase,
        ] {
            assert_eq!(PositionSource::from_code(s.code()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.code())
            );
        }
        assert_eq!(PositionSource::from_code("gps"), None);
    }

    #[test]
    fn the_most_recent_position_wins_and_home_is_the_fallback() {
        let home = LatLng::new(31.0, 121.0);
        let live = LatLng::new(31.1, 121.1);
        let job = LatLng::new(31.2, 121.2);
        assert_eq!(
            best_position(None, None, home),
            (home, PositionSource::HomeBase, None)
        );
        assert_eq!(
            best_position(None, Some((job, 50)), home),
            (job, PositionSource::LastJob, Some(50))
        );
        assert_eq!(
            best_position(Some((live, 100)), Some((job, 50)), home),
            (live, PositionSource::Live, Some(100))
        );
        assert_eq!(
            best_position(Some((live, 10)), Some((job, 50)), home),
            (job, PositionSource::LastJob, Some(50))
        );
    }

    #[test]
    fn a_worker_is_available_only_when_online_and_accepting() {
        let mut p = Presence {
            at: LatLng::new(31.2, 121.4),
            source: PositionSource::HomeBase,
            online: true,
            accepting: true,
            seen_at: 0,
        };
        assert!(p.is_available());
        p.accepting = false;
        assert!(!p.is_available());
        p.accepting = true;
        p.online = false;
        assert!(!p.is_available());
    }
}
