//! The built-in travel model: how long a worker needs from one place to another, without a
//! road network. Great-circle distance times a detour factor, driven at a speed that
//! depends on the local time of day (rush hours are slow). A road-network engine (OSRM, a
//! map vendor's matrix API) can replace it behind the server's provider; slots, dispatch
//! and route planning only ever see a [`Matrix`].

use crate::geo::{LatLng, haversine_m};
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// Where travel times come from: the built-in [`TravelModel`] by default, a road-network
/// engine or a map vendor's matrix service behind the same trait.
pub trait TravelTime: Send + Sync {
    /// Seconds from `from` to `to`, leaving at Unix time `depart` (seconds).
    fn seconds(&self, from: LatLng, to: LatLng, depart: i64) -> i64;

    /// The departure in `[from, to]` at which legs take longest: a day is timed at it
    /// (`crate::workday::DayTravel`). A provider whose times do not depend on the hour
    /// keeps this default; one whose times do must say when they are slowest.
    fn slowest_departure(&self, from: i64, _to: i64) -> i64 {
        from
    }
}

impl TravelTime for TravelModel {
    fn seconds(&self, from: LatLng, to: LatLng, depart: i64) -> i64 {
        let straight = haversine_m(from, to);
        if straight < 1.0 {
            return 0;
        }
        let speed = self.speed_at_unix(depart) / 3.6;
        (straight * self.detour / speed + f64::from(self.overhead_seconds)).round() as i64
    }

    fn slowest_departure(&self, from: i64, to: i64) -> i64 {
        // The slowest band met between `from` and `to`: `from` itself, or the start of a
        // band inside the span (the earliest on a tie).
        let offset = i64::from(self.utc_offset_minutes) * 60;
        let midnight = from - (from + offset).rem_euclid(86_400);
        let mut best = (self.speed_at_unix(from), from);
        let mut day = midnight;
        while day <= to {
            for b in &self.bands {
                let t = day + i64::from(b.from_minute) * 60;
                if t > from && t <= to && b.kmh < best.0 {
                    best = (b.kmh, t);
                }
            }
            day += 86_400;
        }
        best.1
    }
}

/// One leg: distance and duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    /// Metres along the (estimated) road.
    pub meters: u32,
    /// Seconds of travel.
    pub seconds: u32,
}

/// Distances and durations between every pair of a list of points (row = from).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    n: usize,
    meters: Vec<u32>,
    seconds: Vec<u32>,
}

impl Matrix {
    /// An `n × n` matrix from row-major distance and duration tables.
    ///
    /// # Panics
    /// When a table does not have `n * n` entries.
    pub fn from_tables(n: usize, meters: Vec<u32>, seconds: Vec<u32>) -> Matrix {
        assert_eq!(meters.len(), n * n, "distance table size");
        assert_eq!(seconds.len(), n * n, "duration table size");
        Matrix { n, meters, seconds }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True for a matrix of no points.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The leg from point `i` to point `j`.
    pub fn leg(&self, i: usize, j: usize) -> Leg {
        let k = i * self.n + j;
        Leg {
            meters: self.meters[k],
            seconds: self.seconds[k],
        }
    }

    /// Row-major distances.
    pub fn meters(&self) -> &[u32] {
        &self.meters
    }

    /// Row-major durations.
    pub fn seconds(&self) -> &[u32] {
        &self.seconds
    }
}

/// A speed from a local time of day on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeedBand {
    /// Minutes after local midnight where the band starts.
    pub from_minute: u16,
    /// Average door-to-door speed in km/h.
    pub kmh: f64,
}

/// The built-in model's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TravelModel {
    /// Road distance over straight-line distance (1.3–1.4 in a grid city).
    pub detour: f64,
    /// Speed bands by local time, sorted by `from_minute`, the first starting at 0.
    pub bands: Vec<SpeedBand>,
    /// Fixed time per leg for parking, the lift and the walk to the door, seconds.
    pub overhead_seconds: u32,
    /// Local time offset from UTC, minutes (480 for China Standard Time).
    pub utc_offset_minutes: i32,
}

impl Default for TravelModel {
    /// Scooter and metro speeds in central Shanghai, door to door.
    fn default() -> TravelModel {
        let band = |h: u16, m: u16, kmh| SpeedBand {
            from_minute: h * 60 + m,
            kmh,
        };
        TravelModel {
            detour: 1.35,
            bands: vec![
                band(0, 0, 32.0),
                band(7, 0, 17.0),
                band(9, 30, 22.0),
                band(17, 0, 16.0),
                band(19, 30, 24.0),
                band(22, 0, 30.0),
            ],
            overhead_seconds: 180,
            utc_offset_minutes: 480,
        }
    }
}

/// Why a model's settings are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("travel model: {0}")]
pub struct ModelError(&'static str);

impl TravelModel {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(1.0..=3.0).contains(&self.detour) {
            return Err(ModelError("detour must be between 1.0 and 3.0"));
        }
        if self.bands.first().map(|b| b.from_minute) != Some(0) {
            return Err(ModelError("the first speed band must start at minute 0"));
        }
        if self
            .bands
            .windows(2)
            .any(|w| w[0].from_minute >= w[1].from_minute)
            || self.bands.iter().any(|b| b.from_minute >= 1440)
        {
            return Err(ModelError("speed bands must be sorted and inside the day"));
        }
        if self.bands.iter().any(|b| !(1.0..=150.0).contains(&b.kmh)) {
            return Err(ModelError("speeds must be between 1 and 150 km/h"));
        }
        if FixedOffset::east_opt(self.utc_offset_minutes * 60).is_none() {
            return Err(ModelError("the UTC offset is out of range"));
        }
        Ok(())
    }

    /// The speed at a moment, km/h.
    pub fn speed_at(&self, at: DateTime<Utc>) -> f64 {
        self.speed_at_unix(at.timestamp())
    }

    /// The speed at a Unix time in seconds, km/h (the hot path of slot search).
    pub fn speed_at_unix(&self, at: i64) -> f64 {
        let local = at + i64::from(self.utc_offset_minutes) * 60;
        let minute = local.rem_euclid(86_400) / 60;
        self.bands
            .iter()
            .rev()
            .find(|b| i64::from(b.from_minute) <= minute)
            .map_or(25.0, |b| b.kmh)
    }

    /// One leg, departing at `depart`. The same place is zero; anywhere else costs at least
    /// the overhead.
    pub fn leg(&self, from: LatLng, to: LatLng, depart: DateTime<Utc>) -> Leg {
        let straight = haversine_m(from, to);
        if straight < 1.0 {
            return Leg {
                meters: 0,
                seconds: 0,
            };
        }
        let meters = straight * self.detour;
        let seconds = meters / (self.speed_at(depart) / 3.6) + f64::from(self.overhead_seconds);
        Leg {
            meters: meters.round() as u32,
            seconds: seconds.round() as u32,
        }
    }

    /// The matrix between `points`, every leg departing at `depart`.
    pub fn matrix(&self, points: &[LatLng], depart: DateTime<Utc>) -> Matrix {
        let n = points.len();
        let mut meters = vec![0; n * n];
        let mut seconds = vec![0; n * n];
        let speed = self.speed_at(depart) / 3.6;
        for (i, a) in points.iter().enumerate() {
            for (j, b) in points.iter().enumerate() {
                if i == j {
                    continue;
                }
                let straight = haversine_m(*a, *b);
                if straight < 1.0 {
                    continue;
                }
                let m = straight * self.detour;
                meters[i * n + j] = m.round() as u32;
                seconds[i * n + j] = (m / speed + f64::from(self.overhead_seconds)).round() as u32;
            }
        }
        Matrix { n, meters, seconds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // Local 2026-11-26 h:m in Shanghai.
        Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()
            + chrono::Duration::minutes(i64::from(h * 60 + m) - 480)
    }

    #[test]
    fn rush_hour_is_slower() {
        let m = TravelModel::default();
        assert!(m.validate().is_ok());
        let (a, b) = (
            LatLng::new(31.1950, 121.4365),
            LatLng::new(31.2397, 121.4998),
        );
        let rush = m.leg(a, b, at(8, 0));
        let midday = m.leg(a, b, at(11, 0));
        assert_eq!(rush.meters, midday.meters);
        assert!(rush.seconds > midday.seconds);
        // Xujiahui to Lujiazui, about 7.9 km straight: 10–11 km by road, around half an hour.
        assert!((10_000..11_500).contains(&midday.meters), "{midday:?}");
        assert!((1_500..2_400).contains(&midday.seconds), "{midday:?}");
        assert_eq!(m.speed_at(at(23, 0)), 30.0);
        assert_eq!(m.speed_at(at(0, 10)), 32.0);
    }

    #[test]
    fn the_matrix_matches_single_legs() {
        let m = TravelModel::default();
        let pts = [
            LatLng::new(31.2, 121.44),
            LatLng::new(31.23, 121.47),
            LatLng::new(31.2, 121.44),
        ];
        let x = m.matrix(&pts, at(11, 0));
        assert_eq!(x.len(), 3);
        assert_eq!(x.leg(0, 1), m.leg(pts[0], pts[1], at(11, 0)));
        assert_eq!(
            x.leg(1, 1),
            Leg {
                meters: 0,
                seconds: 0
            }
        );
        assert_eq!(
            x.leg(0, 2),
            Leg {
                meters: 0,
                seconds: 0
            },
            "same place, no overhead"
        );
    }

    #[test]
    fn a_day_is_timed_at_its_slowest_hour() {
        let m = TravelModel::default();
        let (from, to) = (at(8, 0).timestamp(), at(18, 0).timestamp());
        // 17:00–19:30 at 16 km/h is the slowest band between 8:00 and 18:00.
        assert_eq!(m.slowest_departure(from, to), at(17, 0).timestamp());
        // A morning shift meets only the 7:00 rush (17 km/h), already on at 8:00.
        assert_eq!(m.slowest_departure(from, at(12, 0).timestamp()), from);
        // A late evening: 22:00 (30 km/h) is faster than 19:30 (24 km/h).
        let evening = at(19, 45).timestamp();
        assert_eq!(m.slowest_departure(evening, at(23, 0).timestamp()), evening);
    }

    #[test]
    fn bad_settings_are_refused() {
        let mut m = TravelModel {
            detour: 0.5,
            ..TravelModel::default()
        };
        assert!(m.validate().is_err());
        m.detour = 1.3;
        m.bands.swap(1, 2);
        assert!(m.validate().is_err());
    }
}
