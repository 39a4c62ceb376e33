//! Location tracks (实时定位与轨迹, issue 11): the rules of the points a worker's phone sends
//! while on duty, pure. A batch is checked point by point ([`check_batch`]: a place on the
//! earth, a time neither ahead of the server's clock nor too old, plausible accuracy,
//! speed, heading and battery); a point that implies an impossible speed from the one
//! before is dropped, not refused ([`drop_jumps`]: phones jump when they switch from GPS
//! to cell towers); a visit's track is kept downsampled ([`simplify`], Douglas-Peucker)
//! in a compact text form ([`codec`]).
//!
//! Times: the device's time orders the points and is what the track shows; the server's
//! receipt time is authoritative for everything the server decides (retention, the age
//! shown to the customer is measured against the device's time but never beyond receipt).

pub mod codec;
mod simplify;

pub use simplify::{max_deviation_m, simplify};

use crate::geo::{LatLng, haversine_m};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The tracking settings (`[tracks]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrackRules {
    /// Most points in one batch (default 500).
    pub max_batch: u32,
    /// Fastest plausible movement between two points, km/h (default 150): a point further
    /// from the one before than this speed allows (plus both fixes' accuracy) is dropped.
    pub max_speed_kmh: f64,
    /// How old a point may be when it arrives, hours (default 12: a phone that queued
    /// points without network sends them late).
    pub max_age_hours: u32,
    /// How far ahead of the server's clock a point's time may be, seconds (default 60:
    /// the phone's clock skew).
    pub max_ahead_secs: u32,
    /// The least accurate fix taken, metres (default 500).
    pub max_accuracy_m: f64,
    /// Days raw points are kept (default 30).
    pub raw_days: u32,
    /// Days a visit's downsampled track is kept after its last point; 0 keeps it as long
    /// as the order (default 0).
    pub job_days: u32,
    /// Douglas-Peucker tolerance of a visit's track, metres (default 10).
    pub epsilon_m: f64,
}

impl Default for TrackRules {
    fn default() -> Self {
        TrackRules {
            max_batch: 500,
            max_speed_kmh: 150.0,
            max_age_hours: 12,
            max_ahead_secs: 60,
            max_accuracy_m: 500.0,
            raw_days: 30,
            job_days: 0,
            epsilon_m: 10.0,
        }
    }
}

impl TrackRules {
    /// Refuses values out of range, naming the setting.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(1..=5000).contains(&self.max_batch) {
            return Err(("max_batch", "expected 1 to 5000 points"));
        }
        if !(self.max_speed_kmh.is_finite() && (10.0..=1000.0).contains(&self.max_speed_kmh)) {
            return Err(("max_speed_kmh", "expected 10 to 1000 km/h"));
        }
        if !(1..=24 * 7).contains(&self.max_age_hours) {
            return Err(("max_age_hours", "expected 1 to 168 hours"));
        }
        if self.max_ahead_secs > 3600 {
            return Err(("max_ahead_secs", "expected 0 to 3600 seconds"));
        }
        if !(self.max_accuracy_m.is_finite() && (10.0..=10_000.0).contains(&self.max_accuracy_m)) {
            return Err(("max_accuracy_m", "expected 10 to 10000 metres"));
        }
        if !(1..=3650).contains(&self.raw_days) {
            return Err(("raw_days", "expected 1 to 3650 days"));
        }
        if self.job_days > 36_500 {
            return Err(("job_days", "expected 0 (with the order) to 36500 days"));
        }
        if !(self.epsilon_m.is_finite() && (0.0..=1000.0).contains(&self.epsilon_m)) {
            return Err(("epsilon_m", "expected 0 to 1000 metres"));
        }
        Ok(())
    }

    /// When raw points received before it are deleted, at `now`.
    pub fn raw_cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - Duration::days(i64::from(self.raw_days))
    }

    /// When visit tracks whose last point is before it are deleted, if they expire.
    pub fn job_cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.job_days > 0).then(|| now - Duration::days(i64::from(self.job_days)))
    }
}

/// One point as the phone measured it (WGS-84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// When the device measured it.
    pub at: DateTime<Utc>,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lng: f64,
    /// Radius of the fix's uncertainty, metres.
    pub accuracy_m: f64,
    /// Speed over ground, m/s, when the phone knows it.
    pub speed_mps: Option<f64>,
    /// Direction of travel, degrees clockwise from north (0 to 360).
    pub heading_deg: Option<f64>,
    /// Battery level, percent (0 to 100).
    pub battery_pct: Option<f64>,
}

impl Fix {
    /// The point's place.
    pub fn place(&self) -> LatLng {
        LatLng::new(self.lat, self.lng)
    }
}

/// What is wrong with one point of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Index of the point in the batch.
    pub index: usize,
    /// The field (`lat`, `at`, ...).
    pub field: &'static str,
    /// Stable code (`out_of_range`, `in_the_future`, `too_old`, `not_a_number`).
    pub code: &'static str,
    /// For people.
    pub message: String,
}

fn finite_in(v: f64, lo: f64, hi: f64) -> Result<(), &'static str> {
    if !v.is_finite() {
        Err("not_a_number")
    } else if v < lo || v > hi {
        Err("out_of_range")
    } else {
        Ok(())
    }
}

/// Every problem of one point at `now` (empty when it is fine).
pub fn check_point(rules: &TrackRules, index: usize, f: &Fix, now: DateTime<Utc>) -> Vec<Issue> {
    let mut out = vec![];
    let mut push = |field, r: Result<(), &'static str>, what: &str| {
        if let Err(code) = r {
            out.push(Issue {
                index,
                field,
                code,
                message: format!("{what}: a finite number is needed"),
            });
            if code == "out_of_range" {
                out.last_mut().unwrap().message = what.to_string();
            }
        }
    };
    push(
        "lat",
        finite_in(f.lat, -90.0, 90.0),
        "a latitude between -90 and 90 degrees",
    );
    push(
        "lng",
        finite_in(f.lng, -180.0, 180.0),
        "a longitude between -180 and 180 degrees",
    );
    push(
        "accuracy_m",
        finite_in(f.accuracy_m, 0.0, rules.max_accuracy_m),
        &format!("the fix's accuracy, 0 to {} metres", rules.max_accuracy_m),
    );
    if let Some(s) = f.speed_mps {
        push(
            "speed_mps",
            finite_in(s, 0.0, rules.max_speed_kmh / 3.6 * 2.0),
            "a speed in m/s, 0 or more and plausible",
        );
    }
    if let Some(h) = f.heading_deg {
        push(
            "heading_deg",
            finite_in(h, 0.0, 360.0),
            "a heading between 0 and 360 degrees",
        );
    }
    if let Some(b) = f.battery_pct {
        push(
            "battery_pct",
            finite_in(b, 0.0, 100.0),
            "a battery level between 0 and 100 percent",
        );
    }
    if f.at > now + Duration::seconds(i64::from(rules.max_ahead_secs)) {
        out.push(Issue {
            index,
            field: "at",
            code: "in_the_future",
            message: "after the server's clock: check the phone's time".into(),
        });
    } else if f.at < now - Duration::hours(i64::from(rules.max_age_hours)) {
        out.push(Issue {
            index,
            field: "at",
            code: "too_old",
            message: format!(
                "measured more than {} hours ago; such points are not taken",
                rules.max_age_hours
            ),
        });
    }
    out
}

/// Every problem of a batch; the batch is taken only when this is empty.
pub fn check_batch(rules: &TrackRules, fixes: &[Fix], now: DateTime<Utc>) -> Vec<Issue> {
    fixes
        .iter()
        .enumerate()
        .flat_map(|(i, f)| check_point(rules, i, f, now))
        .collect()
}

/// Why points of a valid batch were not kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Further from the point before than the fastest plausible speed allows.
    pub jumps: usize,
    /// The same device time as a point already kept (a resent or doubled point).
    pub duplicates: usize,
}

impl Dropped {
    /// All dropped points.
    pub fn total(&self) -> usize {
        self.jumps + self.duplicates
    }
}

/// Whether going from `a` to `b` implies more than `max_speed_kmh`, allowing for both
/// fixes' accuracy.
pub fn is_jump(a: &Fix, b: &Fix, max_speed_kmh: f64) -> bool {
    let secs = (b.at - a.at).num_milliseconds().abs() as f64 / 1000.0;
    let reach = max_speed_kmh / 3.6 * secs + a.accuracy_m + b.accuracy_m;
    haversine_m(a.place(), b.place()) > reach
}

/// The valid points of a batch in time order without impossible jumps and doubles, each
/// judged against the last point kept (starting from `previous`, the worker's last kept
/// point before the batch, if any). A point no later than `previous` is judged against
/// it too.
pub fn drop_jumps(
    previous: Option<&Fix>,
    mut fixes: Vec<Fix>,
    max_speed_kmh: f64,
) -> (Vec<Fix>, Dropped) {
    fixes.sort_by_key(|f| f.at);
    let mut kept: Vec<Fix> = Vec::with_capacity(fixes.len());
    let mut dropped = Dropped::default();
    let mut last = previous.copied();
    for f in fixes {
        if let Some(p) = &last {
            if p.at == f.at {
                dropped.duplicates += 1;
                continue;
            }
            if is_jump(p, &f, max_speed_kmh) {
                dropped.jumps += 1;
                continue;
            }
        }
        if last.is_none_or(|p| f.at > p.at) {
            last = Some(f);
        }
        kept.push(f);
    }
    (kept, dropped)
}

/// Appends the points of `fixes` (in time order) later than the track's last point to a
/// visit's downsampled `track`, keeping every new point within `epsilon_m` of the result:
/// the new stretch is simplified from the track's last point on, so what was kept before
/// stays as it was. Returns how many points were appended.
pub fn extend(track: &mut Vec<codec::TrackPoint>, fixes: &[Fix], epsilon_m: f64) -> usize {
    let mut stretch: Vec<codec::TrackPoint> = track.last().copied().into_iter().collect();
    let anchor = stretch.len();
    for f in fixes {
        let p = codec::TrackPoint {
            t: f.at.timestamp(),
            lat: f.lat,
            lng: f.lng,
        };
        if stretch.last().is_none_or(|l| p.t > l.t) {
            stretch.push(p);
        }
    }
    if stretch.len() == anchor {
        return 0;
    }
    let places: Vec<LatLng> = stretch.iter().map(|p| LatLng::new(p.lat, p.lng)).collect();
    let before = track.len();
    track.extend(
        simplify(&places, epsilon_m)
            .into_iter()
            .skip(anchor)
            .map(|i| stretch[i]),
    );
    track.len() - before
}

#[cfg(test)]
mod tests;
