//! The visit at the door, as rules over plain values: where and when a worker may check in
//! (签到打卡), and the door check code (上门校验码, [`door`]) that starts the service.
//!
//! A check-in is allowed within [`CheckInRules::radius_m`] metres of the order's address and
//! within a time fence around the appointment window (from `early_min` before it opens to
//! `late_min` after it closes). Outside either, the worker may still check in, but only with
//! a reason and a photo, and the check-in is flagged for operations. The clock is the
//! server's: the caller passes its own `now`, never the phone's.

pub mod device_time;
pub mod door;
pub mod no_show;

use crate::geo::{LatLng, haversine_m};
use crate::order::machine::Window;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Longest reason for a check-in outside the fence, characters.
pub const MAX_REASON: usize = 200;

/// Where and when a check-in is allowed without a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckInRules {
    /// Radius around the address, metres.
    pub radius_m: u32,
    /// Minutes before the window opens from which a check-in is on time.
    pub early_min: u32,
    /// Minutes after the window closes until which a check-in is on time.
    pub late_min: u32,
}

impl Default for CheckInRules {
    fn default() -> Self {
        CheckInRules {
            radius_m: 300,
            early_min: 60,
            late_min: 120,
        }
    }
}

impl CheckInRules {
    /// The first unreasonable setting, by name: a radius of 10 m to 10 km, and at most a
    /// day either side of the window.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(10..=10_000).contains(&self.radius_m) {
            return Err(("radius_m", "between 10 and 10000 metres"));
        }
        if self.early_min > 1440 {
            return Err(("early_min", "at most 1440 minutes"));
        }
        if self.late_min > 1440 {
            return Err(("late_min", "at most 1440 minutes"));
        }
        Ok(())
    }

    /// The time fence: from when to when a check-in is on time.
    pub fn time_fence(&self, window: Window) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            window.start - Duration::minutes(i64::from(self.early_min)),
            window.end + Duration::minutes(i64::from(self.late_min)),
        )
    }
}

/// Why a check-in is outside the fence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outside {
    /// Farther from the address than the radius.
    TooFar {
        /// Metres from the address (rounded).
        distance_m: u32,
        /// The radius.
        radius_m: u32,
    },
    /// Before the time fence opens.
    TooEarly {
        /// When it opens.
        opens_at: DateTime<Utc>,
    },
    /// After the time fence closed.
    TooLate {
        /// When it closed.
        closed_at: DateTime<Utc>,
    },
}

impl Outside {
    /// The stable code of the case (`too_far`, `too_early`, `too_late`).
    pub fn code(&self) -> &'static str {
        match self {
            Outside::TooFar { .. } => "too_far",
            Outside::TooEarly { .. } => "too_early",
            Outside::TooLate { .. } => "too_late",
        }
    }
}

/// What the rules say of a position at a time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Metres from the address (rounded).
    pub distance_m: u32,
    /// Within the radius.
    pub inside_radius: bool,
    /// Within the time fence.
    pub on_time: bool,
    /// Every way it is outside (empty: allowed as it is).
    pub outside: Vec<Outside>,
}

impl Verdict {
    /// True when the check-in needs a reason and a photo and is flagged for operations.
    pub fn flagged(&self) -> bool {
        !self.outside.is_empty()
    }
}

/// Judges a check-in at `position` (WGS-84) at `now` for an order at `address` with
/// `window`. A position that is not a place on Earth is `None`.
pub fn judge(
    rules: &CheckInRules,
    address: LatLng,
    window: Window,
    position: LatLng,
    now: DateTime<Utc>,
) -> Option<Verdict> {
    if !position.is_valid() {
        return None;
    }
    let distance = haversine_m(address, position);
    let distance_m = distance.round().min(f64::from(u32::MAX)) as u32;
    let mut outside = vec![];
    let inside_radius = distance <= f64::from(rules.radius_m);
    if !inside_radius {
        outside.push(Outside::TooFar {
            distance_m,
            radius_m: rules.radius_m,
        });
    }
    let (opens_at, closed_at) = rules.time_fence(window);
    if now < opens_at {
        outside.push(Outside::TooEarly { opens_at });
    } else if now > closed_at {
        outside.push(Outside::TooLate { closed_at });
    }
    let on_time = now >= opens_at && now <= closed_at;
    Some(Verdict {
        distance_m,
        inside_radius,
        on_time,
        outside,
    })
}

/// Why a check-in is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckInError {
    /// The position is not a place on Earth (NaN, out of range).
    #[error("the position is not a valid WGS-84 coordinate")]
    BadPosition,
    /// Outside the fence without a reason.
    #[error("outside the check-in fence: a reason is needed")]
    ReasonNeeded(Verdict),
    /// Outside the fence without a photo.
    #[error("outside the check-in fence: a photo is needed")]
    PhotoNeeded(Verdict),
    /// A reason longer than [`MAX_REASON`].
    #[error("the reason is longer than {MAX_REASON} characters")]
    ReasonTooLong,
}

/// An allowed check-in: the verdict, and the reason kept when it is flagged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckIn {
    /// What the rules said.
    pub verdict: Verdict,
    /// Flagged for operations (outside the fence).
    pub flagged: bool,
    /// The worker's reason (only kept when flagged).
    pub reason: Option<String>,
}

/// Decides a check-in: allowed as it is inside the fence; outside, allowed only with a
/// reason (1–[`MAX_REASON`] characters, trimmed) and a photo, and then flagged.
pub fn check_in(
    rules: &CheckInRules,
    address: LatLng,
    window: Window,
    position: LatLng,
    now: DateTime<Utc>,
    reason: Option<&str>,
    has_photo: bool,
) -> Result<CheckIn, CheckInError> {
    let verdict = judge(rules, address, window, position, now).ok_or(CheckInError::BadPosition)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(CheckInError::ReasonTooLong);
    }
    if !verdict.flagged() {
        return Ok(CheckIn {
            verdict,
            flagged: false,
            reason: None,
        });
    }
    let Some(reason) = reason else {
        return Err(CheckInError::ReasonNeeded(verdict));
    };
    if !has_photo {
        return Err(CheckInError::PhotoNeeded(verdict));
    }
    Ok(CheckIn {
        verdict,
        flagged: true,
        reason: Some(reason.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn window() -> Window {
        Window {
            start: Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 12, 3, 3, 0, 0).unwrap(),
        }
    }

    const HOME: LatLng = LatLng {
        lat: 31.2304,
        lng: 121.4737,
    };

    /// A point `m` metres north of `HOME`.
    fn north(m: f64) -> LatLng {
        LatLng::new(HOME.lat + m / 111_195.0, HOME.lng)
    }

    #[test]
    fn inside_the_radius_and_the_window_is_allowed_without_a_reason() {
        let r = CheckInRules::default();
        let now = window().start + Duration::minutes(5);
        let c = check_in(&r, HOME, window(), north(120.0), now, None, false).unwrap();
        assert!(!c.flagged);
        assert_eq!(c.verdict.distance_m, 120);
        assert!(c.verdict.inside_radius && c.verdict.on_time);
        assert_eq!(c.reason, None);
    }

    #[test]
    fn too_far_needs_a_reason_then_a_photo_and_is_flagged() {
        let r = CheckInRules::default();
        let now = window().start;
        let far = north(850.0);
        match check_in(&r, HOME, window(), far, now, None, true) {
            Err(CheckInError::ReasonNeeded(v)) => {
                assert_eq!(v.distance_m, 850);
                assert_eq!(v.outside[0].code(), "too_far");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_in(&r, HOME, window(), far, now, Some("  "), true),
            Err(CheckInError::ReasonNeeded(_))
        ));
        assert!(matches!(
            check_in(&r, HOME, window(), far, now, Some("小区大门"), false),
            Err(CheckInError::PhotoNeeded(_))
        ));
        let c = check_in(&r, HOME, window(), far, now, Some(" 小区大门 "), true).unwrap();
        assert!(c.flagged);
        assert_eq!(c.reason.as_deref(), Some("小区大门"));
    }

    #[test]
    fn the_time_fence_opens_early_and_closes_late() {
        let r = CheckInRules {
            radius_m: 100,
            early_min: 30,
            late_min: 60,
        };
        let w = window();
        let early = w.start - Duration::minutes(31);
        let v = judge(&r, HOME, w, HOME, early).unwrap();
        assert!(!v.on_time);
        assert_eq!(v.outside[0].code(), "too_early");
        assert!(
            judge(&r, HOME, w, HOME, w.start - Duration::minutes(30))
                .unwrap()
                .on_time
        );
        assert!(
            judge(&r, HOME, w, HOME, w.end + Duration::minutes(60))
                .unwrap()
                .on_time
        );
        let late = judge(&r, HOME, w, HOME, w.end + Duration::minutes(61)).unwrap();
        assert_eq!(late.outside[0].code(), "too_late");
        // Too far and too late at once: both named.
        let both = judge(&r, HOME, w, north(500.0), w.end + Duration::hours(5)).unwrap();
        let codes: Vec<_> = both.outside.iter().map(Outside::code).collect();
        assert_eq!(codes, ["too_far", "too_late"]);
    }

    #[test]
    fn the_radius_boundary_is_inside() {
        let r = CheckInRules {
            radius_m: 200,
            ..CheckInRules::default()
        };
        let now = window().start;
        assert!(
            judge(&r, HOME, window(), north(199.0), now)
                .unwrap()
                .inside_radius
        );
        assert!(
            !judge(&r, HOME, window(), north(202.0), now)
                .unwrap()
                .inside_radius
        );
    }

    #[test]
    fn a_position_that_is_no_place_is_refused() {
        let r = CheckInRules::default();
        let now = window().start;
        for p in [
            LatLng::new(f64::NAN, 121.0),
            LatLng::new(91.0, 121.0),
            LatLng::new(31.0, f64::INFINITY),
        ] {
            assert_eq!(
                check_in(&r, HOME, window(), p, now, Some("x"), true),
                Err(CheckInError::BadPosition)
            );
        }
    }

    #[test]
    fn a_long_reason_is_refused() {
        let r = CheckInRules::default();
        let long = "很".repeat(MAX_REASON + 1);
        assert_eq!(
            check_in(
                &r,
                HOME,
                window(),
                north(900.0),
                window().start,
                Some(&long),
                true
            ),
            Err(CheckInError::ReasonTooLong)
        );
    }
}
