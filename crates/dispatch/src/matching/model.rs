//! What a decision is made over: a snapshot of each worker as the caller loaded it, and the
//! order asking for one. Plain data with public fields; times are Unix seconds like the
//! schedule model of `daojia_domain::slots`, except certificate expiry, a moment.

use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{OrderId, WorkerId};
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::slots::{Shift, Visit};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a worker stands with the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerStatus {
    /// Signed up, not yet cleared to work.
    Onboarding,
    /// Cleared to work.
    Active,
    /// Barred from work for now (credit, complaints, paperwork).
    Suspended,
    /// No longer works through the platform.
    Left,
}

/// A skill and how good the worker is at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skill {
    /// The skill's code, as the catalog names it (`deep_clean`).
    pub code: String,
    /// Level, 1 (trained) upwards.
    pub level: u8,
}

/// A certificate the worker holds for one skill (a health certificate for nursing, an
/// electrician's licence for appliance repair).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// The skill it certifies.
    pub skill: String,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// One worker as dispatch sees them on the day of the order.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSnapshot {
    /// Who.
    pub id: WorkerId,
    /// Where the worker's day starts (and ends).
    pub home: LatLng,
    /// Where they are and whether they take work now.
    pub presence: Presence,
    /// What they can do.
    pub skills: Vec<Skill>,
    /// Certificates, per skill.
    pub certificates: Vec<Certificate>,
    /// Service areas they work in.
    pub areas: Vec<Uuid>,
    /// Standing with the platform.
    pub status: WorkerStatus,
    /// May see and claim orders in the grab pool (credit can take this away).
    pub grab_rights: bool,
    /// Worker credit, 0–100 (100: nothing held against them).
    pub credit: u8,
    /// Average rating 1–5, `None` before the first rating.
    pub rating: Option<f64>,
    /// Share of visits started inside their window, 0–1, `None` before the first visit.
    pub on_time_rate: Option<f64>,
    /// Jobs already taken today (done and to do).
    pub jobs_today: u32,
    /// Earnings today so far, in minor units.
    pub earnings_today: i64,
    /// Most jobs a day, if capped.
    pub daily_limit: Option<u32>,
    /// The partner (service company) the worker belongs to, if any.
    pub partner: Option<Uuid>,
    /// The deposit (保证金) that counts for the tiers, in minor units (0 while a refund
    /// is held).
    pub deposit: i64,
    /// The working hours of the day, `None` when off.
    pub shift: Option<Shift>,
    /// The day's jobs still to do (any order; sorted by window when used).
    pub jobs: Vec<Visit>,
}

impl WorkerSnapshot {
    /// The worker's level at `skill`, if they have it.
    pub fn level(&self, skill: &str) -> Option<u8> {
        self.skills
            .iter()
            .find(|s| s.code == skill)
            .map(|s| s.level)
    }

    /// Where the position came from.
    pub fn position_source(&self) -> PositionSource {
        self.presence.source
    }
}

/// A skill an order needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The skill's code.
    pub skill: String,
    /// The lowest level that will do.
    pub min_level: u8,
    /// Whether the worker must hold a certificate for it, valid until the visit ends.
    pub certificate: bool,
}

/// An order asking for a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    /// Which order.
    pub id: OrderId,
    /// Where the visit is (WGS-84).
    pub at: LatLng,
    /// The service area it belongs to.
    pub area: Uuid,
    /// Earliest start, Unix seconds.
    pub window_start: i64,
    /// Latest start, Unix seconds.
    pub window_end: i64,
    /// Working time, seconds.
    pub duration: i64,
    /// The skills it needs.
    pub requirements: Vec<Requirement>,
    /// The worker the customer asked for, if any.
    pub preferred: Option<WorkerId>,
    /// Workers who served this customer before.
    pub previous: Vec<WorkerId>,
    /// Workers who must not be offered it again (they rejected it or let an offer expire).
    pub excluded: Vec<WorkerId>,
    /// The deposit a worker needs for it under the deposit tiers, in minor units; `None`
    /// when no deposit is required.
    pub deposit_required: Option<i64>,
}

impl OrderRequest {
    /// The order as a visit of a worker's day.
    pub fn visit(&self) -> Visit {
        Visit {
            key: self.id.0,
            at: self.at,
            window_start: self.window_start,
            window_end: self.window_end,
            duration: self.duration,
        }
    }

    /// The latest moment the visit can end (certificates must be valid until then).
    pub fn latest_end(&self) -> i64 {
        self.window_end + self.duration
    }
}
