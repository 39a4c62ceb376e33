//! Rules about workers (师傅) that need no database: their status, which of their skills
//! may be dispatched on a date given their certificates, what their shift is on a date
//! given the weekly template and the exceptions, and how credit events move the credit
//! score (信用分).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::access::UnknownName;

/// Where a worker is in their life with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerStatus {
    /// Enrolled, documents under review; takes no orders.
    Onboarding,
    /// Takes orders.
    Active,
    /// Stopped by staff for now; takes no orders and cannot log in.
    Suspended,
    /// No longer works with the platform.
    Left,
}

impl WorkerStatus {
    /// Every status.
    pub const ALL: [WorkerStatus; 4] = [
        WorkerStatus::Onboarding,
        WorkerStatus::Active,
        WorkerStatus::Suspended,
        WorkerStatus::Left,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerStatus::Onboarding => "onboarding",
            WorkerStatus::Active => "active",
            WorkerStatus::Suspended => "suspended",
            WorkerStatus::Left => "left",
        }
    }

    /// Whether a worker with this status is given orders and may use the worker app.
    pub fn works(self) -> bool {
        self == WorkerStatus::Active
    }

    /// Whether staff may move a worker from this status to `to`. A worker who left does not
    /// come back (a returning worker is enrolled again); nobody goes back to onboarding.
    pub fn may_become(self, to: WorkerStatus) -> bool {
        use WorkerStatus::*;
        match (self, to) {
            (a, b) if a == b => true,
            (Left, _) | (_, Onboarding) => false,
            _ => true,
        }
    }
}

impl FromStr for WorkerStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkerStatus::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_string()))
    }
}

impl fmt::Display for WorkerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lowest and highest skill level.
pub const LEVELS: std::ops::RangeInclusive<i16> = 1..=5;

/// Where a certificate's review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Uploaded, not yet looked at.
    Pending,
    /// Staff checked the document.
    Approved,
    /// Staff refused it (with a reason).
    Rejected,
}

impl CertificateStatus {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateStatus::Pending => "pending",
            CertificateStatus::Approved => "approved",
            CertificateStatus::Rejected => "rejected",
        }
    }
}

impl FromStr for CertificateStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(CertificateStatus::Pending),
            "approved" => Ok(CertificateStatus::Approved),
            "rejected" => Ok(CertificateStatus::Rejected),
            _ => Err(UnknownName(s.to_string())),
        }
    }
}

/// What [`dispatchable_skills`] needs to know of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Its kind (`health`, `electrician`...).
    pub kind: String,
    /// The skill it is for, when it is for one only.
    pub skill: Option<String>,
    /// Review status.
    pub status: CertificateStatus,
    /// Last day it is valid, if it expires.
    pub expires_on: Option<NaiveDate>,
}

impl Certificate {
    /// Whether it proves `kind` for `skill` on `on`: approved, of that kind, for that skill
    /// (or for any), not expired.
    pub fn proves(&self, kind: &str, skill: &str, on: NaiveDate) -> bool {
        self.status == CertificateStatus::Approved
            && self.kind == kind
            && self.skill.as_deref().is_none_or(|s| s == skill)
            && self.expires_on.is_none_or(|last| on <= last)
    }
}

/// The skills a worker may be dispatched for on `on`: those of `skills` for which every
/// certificate kind in `required[skill]` is proved by an approved certificate valid that
/// day. A skill nothing requires a certificate for is always dispatchable.
pub fn dispatchable_skills(
    skills: &[String],
    certificates: &[Certificate],
    required: &BTreeMap<String, Vec<String>>,
    on: NaiveDate,
) -> Vec<String> {
    skills
        .iter()
        .filter(|skill| {
            required.get(*skill).is_none_or(|kinds| {
                kinds
                    .iter()
                    .all(|k| certificates.iter().any(|c| c.proves(k, skill, on)))
            })
        })
        .cloned()
        .collect()
}

/// A shift on one day, in minutes after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayShift {
    /// Start.
    pub start: i32,
    /// End (after start).
    pub end: i32,
    /// A break inside the shift.
    pub rest: Option<(i32, i32)>,
}

/// A change to the weekly template on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ShiftException {
    /// Not working: the whole day (`None`) or part of it.
    Leave {
        /// The hours off, if only some.
        during: Option<(i32, i32)>,
    },
    /// Working (more): this shift, joined with the template's.
    Extra {
        /// The shift.
        shift: DayShift,
    },
}

/// The shift on a date from the template's shift for its weekday and the date's
/// exceptions: extra shifts widen it (or make one), leave cuts it (a leave in the middle
/// becomes the break, joined with the template's), a whole-day leave wins over everything.
pub fn day_shift(template: Option<DayShift>, exceptions: &[ShiftException]) -> Option<DayShift> {
    let mut shift = template;
    for e in exceptions {
        if let ShiftException::Extra { shift: x } = e {
            shift = Some(match shift {
                None => *x,
                Some(s) => DayShift {
                    start: s.start.min(x.start),
                    end: s.end.max(x.end),
                    rest: s.rest.or(x.rest),
                },
            });
        }
    }
    for e in exceptions {
        let ShiftException::Leave { during } = e else {
            continue;
        };
        let s = shift?;
        let (a, b) = (*during)?;
        shift = if a <= s.start && b >= s.end {
            None
        } else if a <= s.start {
            Some(DayShift {
                start: b.max(s.start),
                ..s
            })
        } else if b >= s.end {
            Some(DayShift {
                end: a.min(s.end),
                ..s
            })
        } else {
            let rest = match s.rest {
                Some((ra, rb)) if ra <= b && a <= rb => (ra.min(a), rb.max(b)),
                _ => (a, b),
            };
            Some(DayShift {
                rest: Some(rest),
                ..s
            })
        };
        // A break that no longer fits inside the shift is dropped.
        if let Some(s) = shift.as_mut()
            && let Some((ra, rb)) = s.rest
            && (ra < s.start || rb > s.end)
        {
            s.rest = None;
        }
    }
    shift.filter(|s| s.end > s.start)
}

/// Why a worker's credit changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    /// Did not come to an order they had.
    NoShow,
    /// Cancelled an order they had, close to its window.
    LateCancel,
    /// A customer complaint that staff upheld.
    UpheldComplaint,
    /// A manual adjustment by staff (either sign).
    Adjustment,
}

impl CreditKind {
    /// Every kind.
    pub const ALL: [CreditKind; 4] = [
        CreditKind::NoShow,
        CreditKind::LateCancel,
        CreditKind::UpheldComplaint,
        CreditKind::Adjustment,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            CreditKind::NoShow => "no_show",
            CreditKind::LateCancel => "late_cancel",
            CreditKind::UpheldComplaint => "upheld_complaint",
            CreditKind::Adjustment => "adjustment",
        }
    }
}

impl FromStr for CreditKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownName(s.to_string()))
    }
}

/// How credit moves (configurable; these defaults are the platform's policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CreditRules {
    /// A new worker's score, and the highest there is.
    pub start: i32,
    /// Change for a no-show.
    pub no_show: i32,
    /// Change for a late cancellation by the worker.
    pub late_cancel: i32,
    /// Change for an upheld complaint.
    pub upheld_complaint: i32,
    /// Below this score the worker may not grab orders from the pool.
    pub grab_floor: i32,
    /// How long grab rights stay suspended once the score falls below the floor.
    pub suspension_days: i64,
}

impl Default for CreditRules {
    fn default() -> Self {
        CreditRules {
            start: 100,
            no_show: -20,
            late_cancel: -10,
            upheld_complaint: -15,
            grab_floor: 60,
            suspension_days: 7,
        }
    }
}

impl CreditRules {
    /// Checks the rules: a score of 1 to 1000, penalties that lower it, a floor within the
    /// score, a suspension of 0 to 365 days. The error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if !(1..=1000).contains(&self.start) {
            return Err(("start", "expected 1 to 1000".into()));
        }
        for (name, v) in [
            ("no_show", self.no_show),
            ("late_cancel", self.late_cancel),
            ("upheld_complaint", self.upheld_complaint),
        ] {
            if !(-self.start..=0).contains(&v) {
                return Err((
                    name,
                    format!("expected a penalty from -{} to 0", self.start),
                ));
            }
        }
        if !(0..=self.start).contains(&self.grab_floor) {
            return Err(("grab_floor", format!("expected 0 to {}", self.start)));
        }
        if !(0..=365).contains(&self.suspension_days) {
            return Err(("suspension_days", "expected 0 to 365".into()));
        }
        Ok(())
    }

    /// The change an event of `kind` makes (`None` for an adjustment, whose amount staff
    /// give).
    pub fn delta(&self, kind: CreditKind) -> Option<i32> {
        match kind {
            CreditKind::NoShow => Some(self.no_show),
            CreditKind::LateCancel => Some(self.late_cancel),
            CreditKind::UpheldComplaint => Some(self.upheld_complaint),
            CreditKind::Adjustment => None,
        }
    }

    /// The score after `deltas` (the events not reversed), between 0 and `start`.
    pub fn score(&self, deltas: impl IntoIterator<Item = i32>) -> i32 {
        deltas
            .into_iter()
            .fold(self.start, |s, d| (s + d).clamp(0, self.start))
    }

    /// Until when grab rights are suspended for `score`, decided at `now`: below the floor
    /// they are suspended for the configured days (an existing later end is kept); at or
    /// above it they are not.
    pub fn grab_suspension(
        &self,
        score: i32,
        current: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if score >= self.grab_floor {
            return None;
        }
        let until = now + Duration::days(self.suspension_days);
        Some(current.filter(|c| *c > until).unwrap_or(until))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cert(
        kind: &str,
        skill: Option<&str>,
        status: CertificateStatus,
        exp: Option<&str>,
    ) -> Certificate {
        Certificate {
            kind: kind.into(),
            skill: skill.map(Into::into),
            status,
            expires_on: exp.map(d),
        }
    }

    fn required() -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([("electrical".to_string(), vec!["electrician".to_string()])])
    }

    #[test]
    fn an_expired_required_certificate_removes_only_its_skill() {
        let skills = vec!["electrical".to_string(), "cleaning".to_string()];
        let certs = [cert(
            "electrician",
            None,
            CertificateStatus::Approved,
            Some("2026-06-30"),
        )];
        assert_eq!(
            dispatchable_skills(&skills, &certs, &required(), d("2026-06-30")),
            skills
        );
        assert_eq!(
            dispatchable_skills(&skills, &certs, &required(), d("2026-07-01")),
            vec!["cleaning".to_string()]
        );
    }

    #[test]
    fn pending_rejected_or_other_skill_certificates_prove_nothing() {
        let skills = vec!["electrical".to_string()];
        for c in [
            cert("electrician", None, CertificateStatus::Pending, None),
            cert("electrician", None, CertificateStatus::Rejected, None),
            cert(
                "electrician",
                Some("plumbing"),
                CertificateStatus::Approved,
                None,
            ),
            cert("health", None, CertificateStatus::Approved, None),
        ] {
            assert!(dispatchable_skills(&skills, &[c], &required(), d("2026-01-01")).is_empty());
        }
        let ok = cert(
            "electrician",
            Some("electrical"),
            CertificateStatus::Approved,
            None,
        );
        assert_eq!(
            dispatchable_skills(&skills, &[ok], &required(), d("2026-01-01")),
            skills
        );
    }

    #[test]
    fn a_whole_day_leave_wins_over_an_extra_shift() {
        let t = DayShift {
            start: 480,
            end: 1080,
            rest: None,
        };
        let ex = [
            ShiftException::Extra {
                shift: DayShift {
                    start: 420,
                    end: 1200,
                    rest: None,
                },
            },
            ShiftException::Leave { during: None },
        ];
        assert_eq!(day_shift(Some(t), &ex), None);
    }

    #[test]
    fn an_extra_shift_makes_a_day_off_a_working_day_and_widens_a_shift() {
        let x = DayShift {
            start: 600,
            end: 900,
            rest: None,
        };
        let ex = [ShiftException::Extra { shift: x }];
        assert_eq!(day_shift(None, &ex), Some(x));
        let t = DayShift {
            start: 480,
            end: 720,
            rest: Some((600, 630)),
        };
        assert_eq!(
            day_shift(Some(t), &ex),
            Some(DayShift {
                start: 480,
                end: 900,
                rest: Some((600, 630))
            })
        );
    }

    #[test]
    fn part_day_leave_trims_the_ends_or_becomes_the_break() {
        let t = DayShift {
            start: 480,
            end: 1080,
            rest: Some((720, 780)),
        };
        let leave = |a, b| {
            [ShiftException::Leave {
                during: Some((a, b)),
            }]
        };
        assert_eq!(day_shift(Some(t), &leave(400, 600)).unwrap().start, 600);
        assert_eq!(day_shift(Some(t), &leave(960, 1200)).unwrap().end, 960);
        assert_eq!(
            day_shift(Some(t), &leave(760, 840)).unwrap().rest,
            Some((720, 840))
        );
        assert_eq!(day_shift(Some(t), &leave(400, 1100)), None);
        assert_eq!(day_shift(None, &leave(400, 600)), None);
    }

    #[test]
    fn the_credit_score_stays_between_zero_and_the_start() {
        let r = CreditRules::default();
        assert_eq!(r.score([]), 100);
        assert_eq!(r.score([r.no_show, r.late_cancel]), 70);
        assert_eq!(r.score([10]), 100);
        assert_eq!(r.score([-80, -80, 30]), 30);
    }

    #[test]
    fn grab_rights_are_suspended_below_the_floor_only() {
        let r = CreditRules::default();
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(r.grab_suspension(60, None, now), None);
        assert_eq!(
            r.grab_suspension(59, None, now),
            Some(now + Duration::days(7))
        );
        let later = now + Duration::days(30);
        assert_eq!(r.grab_suspension(10, Some(later), now), Some(later));
    }

    #[test]
    fn statuses_round_trip_and_a_worker_who_left_stays_gone() {
        for s in WorkerStatus::ALL {
            assert_eq!(s.as_str().parse::<WorkerStatus>().unwrap(), s);
            assert!(!WorkerStatus::Left.may_become(s) || s == WorkerStatus::Left);
        }
        assert!(WorkerStatus::Onboarding.may_become(WorkerStatus::Active));
        assert!(!WorkerStatus::Active.may_become(WorkerStatus::Onboarding));
    }
}
