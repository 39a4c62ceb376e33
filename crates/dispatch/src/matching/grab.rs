//! The grab pool's question: which workers qualify for an order and are near enough to see
//! it. The rules are those of an offer but for three: the worker needs grab rights, may
//! have paused offers, and may have let an offer of this very order expire; the schedule
//! must still hold, so that a claim the pool shows can succeed.

use super::explain::{Decision, Reason};
use super::feasibility::{Fit, Flow, fits_day, qualifies};
use super::index::Hit;
use super::model::{OrderRequest, WorkerSnapshot};
use super::policy::{Pool, Walk, distance_term, walk};
use super::score::Settings;
use chrono::{DateTime, Utc};
use daojia_domain::geo::haversine_m;
use daojia_domain::travel::TravelTime;

/// Workers who may see `order` in the grab pool, nearest first (ranked by the distance
/// term), and those near enough who may not, with their reasons.
pub fn grab_pool(
    pool: &Pool,
    order: &OrderRequest,
    settings: &Settings,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Decision {
    let radius = settings.grab_radius_m;
    let rank = |_: &WorkerSnapshot, _: &Fit, h: &Hit| {
        let t = distance_term(h.distance_m, radius);
        (t.points, vec![t])
    };
    let how = Walk {
        radius_m: radius,
        flow: Flow::Grab,
        also: &[],
        rank: &rank,
    };
    // Everyone qualified in the radius sees the order: no early stop at enough candidates.
    let all = Settings {
        enough_candidates: settings.max_examined,
        ..*settings
    };
    walk(pool, order, &all, &how, tt, now)
}

/// Whether `w` may claim `order` from the grab pool now.
pub fn can_grab(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    settings: &Settings,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Result<Fit, Reason> {
    qualifies(w, order, Flow::Grab, now)?;
    let distance_m = haversine_m(w.presence.at, order.at);
    if distance_m > settings.grab_radius_m {
        return Err(Reason::TooFar {
            distance_m,
            reach_m: settings.grab_radius_m,
        });
    }
    fits_day(w, order, tt, now)
}
