//! How a feasible worker is scored: a weighted sum of terms, each scaled to 0–1 (1 best),
//! so that a weight reads as "how many points this term is worth". Weights and scales are
//! settings of a service area (deserialised from its configuration; absent fields take the
//! defaults).

use super::explain::{Term, TermKind};
use super::feasibility::Fit;
use super::model::{OrderRequest, WorkerSnapshot};
use serde::{Deserialize, Serialize};

/// The weight of each score term.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Travel to the visit.
    pub travel: f64,
    /// Travel the visit adds to the worker's day.
    pub insertion: f64,
    /// Rating.
    pub rating: f64,
    /// On-time rate.
    pub on_time: f64,
    /// Few jobs today (fairness).
    pub load: f64,
    /// Low earnings today (fairness).
    pub earnings: f64,
    /// Worker credit.
    pub credit: f64,
    /// The customer asked for this worker.
    pub preferred: f64,
    /// The worker served this customer before.
    pub previous: f64,
}

impl Default for Weights {
    /// Travel first, then quality, then fairness; the customer's own choice outweighs
    /// all but a long trip.
    fn default() -> Weights {
        Weights {
            travel: 3.0,
            insertion: 1.5,
            rating: 1.5,
            on_time: 1.0,
            load: 1.0,
            earnings: 0.5,
            credit: 0.5,
            preferred: 4.0,
            previous: 1.0,
        }
    }
}

/// A service area's dispatch settings: weights, the scales that turn measures into 0–1,
/// and how far and how many workers a decision looks at.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The weights.
    pub weights: Weights,
    /// Travel of this many seconds or more scores 0.
    pub travel_scale_s: f64,
    /// Jobs today at which the load term reaches 0 (when the worker has no daily limit).
    pub load_scale: f64,
    /// Earnings today (minor units) at which the earnings term reaches 0.
    pub earnings_scale: f64,
    /// The normalised value for a rating or on-time rate not known yet.
    pub unknown_quality: f64,
    /// Workers farther than this (straight line, metres) are not considered.
    pub reach_m: f64,
    /// A decision stops examining workers (nearest first) once it has this many feasible
    /// ones...
    pub enough_candidates: usize,
    /// ...or has examined this many.
    pub max_examined: usize,
    /// How near (straight line, metres) a worker must be to see an order in the grab pool.
    pub grab_radius_m: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            weights: Weights::default(),
            travel_scale_s: 3600.0,
            load_scale: 8.0,
            earnings_scale: 100_000.0,
            unknown_quality: 0.6,
            reach_m: 15_000.0,
            enough_candidates: 40,
            max_examined: 1_000,
            grab_radius_m: 5_000.0,
        }
    }
}

fn term(kind: TermKind, value: impl Into<Option<f64>>, normalised: f64, weight: f64) -> Term {
    let normalised = normalised.clamp(0.0, 1.0);
    Term {
        kind,
        value: value.into(),
        normalised,
        weight,
        points: normalised * weight,
    }
}

/// The terms of a feasible worker's score, and their sum.
pub fn score(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    fit: &Fit,
    settings: &Settings,
) -> (f64, Vec<Term>) {
    let s = settings;
    let wt = &s.weights;
    let ins = &fit.insertion;
    let scale = s.travel_scale_s.max(1.0);
    let travel = ins.travel_to_s as f64;
    let extra = ins.extra_travel_s as f64;
    let rating = w.rating;
    let on_time = w.on_time_rate;
    let load_scale = w.daily_limit.map_or(s.load_scale, f64::from).max(1.0);
    let jobs = f64::from(w.jobs_today);
    let earned = w.earnings_today as f64;
    let preferred = order.preferred == Some(w.id);
    let previous = order.previous.contains(&w.id);
    let terms = vec![
        term(TermKind::Travel, travel, 1.0 - travel / scale, wt.travel),
        term(
            TermKind::Insertion,
            extra,
            1.0 - extra / scale,
            wt.insertion,
        ),
        term(
            TermKind::Rating,
            rating,
            rating.map_or(s.unknown_quality, |r| (r - 1.0) / 4.0),
            wt.rating,
        ),
        term(
            TermKind::OnTime,
            on_time,
            on_time.unwrap_or(s.unknown_quality),
            wt.on_time,
        ),
        term(TermKind::Load, jobs, 1.0 - jobs / load_scale, wt.load),
        term(
            TermKind::Earnings,
            earned,
            1.0 - earned / s.earnings_scale.max(1.0),
            wt.earnings,
        ),
        term(
            TermKind::Credit,
            f64::from(w.credit),
            f64::from(w.credit) / 100.0,
            wt.credit,
        ),
        term(
            TermKind::Preferred,
            f64::from(u8::from(preferred)),
            f64::from(u8::from(preferred)),
            wt.preferred,
        ),
        term(
            TermKind::Previous,
            f64::from(u8::from(previous)),
            f64::from(u8::from(previous)),
            wt.previous,
        ),
    ];
    let total = terms.iter().map(|t| t.points).sum();
    (total, terms)
}
