//! What a decision says about itself: every worker looked at, ranked with each score term
//! or rejected with a reason. This is what the console shows and what is stored with the
//! decision, so the shapes are serialisable and the codes stable (snake_case).

use super::model::WorkerStatus;
use chrono::{DateTime, Utc};
use daojia_domain::ids::WorkerId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a worker cannot take an order. The `code` of each is stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Onboarding or gone: not cleared to work.
    NotActive {
        /// Their status.
        status: WorkerStatus,
    },
    /// Suspended.
    Suspended,
    /// Not online.
    Offline,
    /// Online but pausing new offers.
    NotAccepting,
    /// Rejected this order or let an offer of it expire.
    Declined,
    /// Does not work in the order's service area.
    OutsideArea,
    /// Lacks a skill the order needs.
    MissingSkill {
        /// The skill.
        skill: String,
    },
    /// Has the skill below the level the order needs.
    SkillLevelTooLow {
        /// The skill.
        skill: String,
        /// Their level.
        level: u8,
        /// The level needed.
        required: u8,
    },
    /// Holds no certificate for a skill that needs one.
    MissingCertificate {
        /// The skill.
        skill: String,
    },
    /// Their certificate for the skill expires before the visit ends.
    CertificateExpired {
        /// The skill.
        skill: String,
        /// When it expires (or expired).
        expires_at: DateTime<Utc>,
    },
    /// Already took as many jobs today as they may.
    DailyLimitReached {
        /// Jobs today.
        jobs: u32,
        /// The limit.
        limit: u32,
    },
    /// Farther than dispatch reaches.
    TooFar {
        /// Straight-line distance, metres.
        distance_m: f64,
        /// The reach, metres.
        reach_m: f64,
    },
    /// Not working that day.
    NoShift,
    /// The order's window does not meet the shift.
    OutsideShift,
    /// Cannot start in the window even without travel: the day's jobs or the break are in
    /// the way.
    NoFreeTime,
    /// Would start after the window because of the travel from the previous place.
    LateArrival {
        /// The earliest start, Unix seconds.
        start: i64,
        /// The window's end, Unix seconds.
        window_end: i64,
    },
    /// Would end after the shift.
    PastShiftEnd {
        /// The earliest end, Unix seconds.
        finish: i64,
    },
    /// Would make a later job of the day late.
    DelaysNext {
        /// That job (its order).
        order: Uuid,
    },
    /// Every job would keep its window, but the travel leaves no room for the worker's
    /// break.
    NoBreak,
    /// May not use the grab pool.
    NoGrabRights,
    /// Their deposit (保证金) is below the tier the order needs.
    DepositTooLow {
        /// The deposit the order needs, minor units.
        required: i64,
        /// What the worker has lodged (usable), minor units.
        lodged: i64,
    },
}

impl Reason {
    /// The stable code, as serialised.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NotActive { .. } => "not_active",
            Reason::Suspended => "suspended",
            Reason::Offline => "offline",
            Reason::NotAccepting => "not_accepting",
            Reason::Declined => "declined",
            Reason::OutsideArea => "outside_area",
            Reason::MissingSkill { .. } => "missing_skill",
            Reason::SkillLevelTooLow { .. } => "skill_level_too_low",
            Reason::MissingCertificate { .. } => "missing_certificate",
            Reason::CertificateExpired { .. } => "certificate_expired",
            Reason::DailyLimitReached { .. } => "daily_limit_reached",
            Reason::TooFar { .. } => "too_far",
            Reason::NoShift => "no_shift",
            Reason::OutsideShift => "outside_shift",
            Reason::NoFreeTime => "no_free_time",
            Reason::LateArrival { .. } => "late_arrival",
            Reason::PastShiftEnd { .. } => "past_shift_end",
            Reason::DelaysNext { .. } => "delays_next",
            Reason::NoBreak => "no_break",
            Reason::NoGrabRights => "no_grab_rights",
            Reason::DepositTooLow { .. } => "deposit_too_low",
        }
    }
}

/// A worker who cannot take the order, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// Who.
    pub worker: WorkerId,
    /// The first reason found (checks run cheapest first).
    pub reason: Reason,
}

/// What a score term measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// Travel to the visit (shorter is better); value in seconds.
    Travel,
    /// Travel the visit adds to the worker's day (less is better); value in seconds.
    Insertion,
    /// Average rating; value 1–5.
    Rating,
    /// On-time rate; value 0–1.
    OnTime,
    /// Jobs today (fewer is better, for fairness); value a count.
    Load,
    /// Earnings today (less is better, for fairness); value in minor units.
    Earnings,
    /// Worker credit; value 0–100.
    Credit,
    /// The customer asked for this worker; value 1 or 0.
    Preferred,
    /// The worker served this customer before; value 1 or 0.
    Previous,
    /// Straight-line distance (the nearest-available baseline ranks by it alone); value
    /// in metres.
    Distance,
}

/// One term of a candidate's score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// What it measures.
    pub kind: TermKind,
    /// The measured value, in the unit the kind names; `None` when not known yet (no
    /// rating so far).
    pub value: Option<f64>,
    /// The value scaled to 0–1, 1 best.
    pub normalised: f64,
    /// The term's weight.
    pub weight: f64,
    /// `normalised × weight`: its part of the score.
    pub points: f64,
}

/// A worker who can take the order, with when and how well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Who.
    pub worker: WorkerId,
    /// The sum of the terms' points.
    pub score: f64,
    /// Each term.
    pub terms: Vec<Term>,
    /// Straight-line distance from the worker's position, metres.
    pub distance_m: f64,
    /// When they would arrive, Unix seconds.
    pub arrival: i64,
    /// When the visit would start, Unix seconds.
    pub start: i64,
    /// When it would end, Unix seconds.
    pub finish: i64,
    /// Its place among their day's jobs (0: first).
    pub position: usize,
}

/// The outcome of dispatching one order: feasible workers best first, the others with
/// their reasons, and how many were left unexamined.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Feasible workers, best first (ties: less travel, then worker id).
    pub ranked: Vec<Candidate>,
    /// Workers examined and rejected, nearest first.
    pub rejected: Vec<Rejection>,
    /// Workers within reach not examined because enough candidates were found first
    /// (they are farther than every examined one).
    pub unexamined: usize,
}

impl Decision {
    /// The best candidate, if any.
    pub fn best(&self) -> Option<&Candidate> {
        self.ranked.first()
    }

    /// The rejection of `worker`, if they were rejected.
    pub fn rejection(&self, worker: WorkerId) -> Option<&Reason> {
        self.rejected
            .iter()
            .find(|r| r.worker == worker)
            .map(|r| &r.reason)
    }
}
