//! The classic dispatcher's rule, the baseline the day simulator compares the engine with
//! (`dispatch.policy = "nearest"`): of the qualified workers (status, presence, area,
//! skills, certificates, daily limit: [`qualifies`]) whose shift covers the booked visit
//! and who have no job whose booked time overlaps it, the one nearest in a straight line to
//! where they are at decision time.
//!
//! Unlike the engine it does not look at the day as a route: no travel from the previous
//! job or on to the next, no cost of inserting the visit between them, nothing but the
//! booked times (window start plus working time) and the distance from the current
//! position. That is how a dispatcher working from a list of free workers decides, and it
//! is what the engine has to beat.

use super::explain::{Candidate, Decision, Reason, Rejection};
use super::feasibility::{Flow, qualifies};
use super::model::{OrderRequest, WorkerSnapshot};
use super::policy::{Policy, Pool, distance_term};
use super::score::Settings;
use chrono::{DateTime, Utc};
use daojia_domain::travel::TravelTime;

/// The classic baseline: the nearest free qualified worker (see the module's text).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NearestFree {
    /// The area's settings (reach and examination limits; weights unused).
    pub settings: Settings,
}

/// Whether `w` is free for the order by the booked times alone: the shift covers the
/// visit from its window's start for its working time, and no job of the day overlaps
/// that (each job taken at its own window's start for its own working time).
pub fn free_by_booked_times(w: &WorkerSnapshot, order: &OrderRequest) -> Result<(), Reason> {
    let Some(shift) = w.shift else {
        return Err(Reason::NoShift);
    };
    let (start, end) = (order.window_start, order.window_start + order.duration);
    if start < shift.start || end > shift.end {
        return Err(Reason::OutsideShift);
    }
    let busy = w
        .jobs
        .iter()
        .any(|j| j.window_start < end && start < j.window_start + j.duration);
    if busy {
        return Err(Reason::NoFreeTime);
    }
    Ok(())
}

impl Policy for NearestFree {
    fn decide(
        &self,
        pool: &Pool,
        order: &OrderRequest,
        _tt: &dyn TravelTime,
        now: DateTime<Utc>,
    ) -> Decision {
        let s = &self.settings;
        let (hits, total) = pool.near(order, s.reach_m, s.max_examined.max(1));
        let mut decision = Decision::default();
        let mut examined = 0;
        for h in &hits {
            if decision.ranked.len() >= s.enough_candidates.max(1) {
                break;
            }
            examined += 1;
            let Some(w) = pool.get(h.worker) else {
                continue;
            };
            let fits =
                qualifies(w, order, Flow::Offer, now).and_then(|()| free_by_booked_times(w, order));
            match fits {
                Ok(()) => {
                    let t = distance_term(h.distance_m, s.reach_m);
                    let position = w
                        .jobs
                        .iter()
                        .filter(|j| j.window_start < order.window_start)
                        .count();
                    decision.ranked.push(Candidate {
                        worker: w.id,
                        score: t.points,
                        terms: vec![t],
                        distance_m: h.distance_m,
                        arrival: order.window_start,
                        start: order.window_start,
                        finish: order.window_start + order.duration,
                        position,
                    });
                }
                Err(reason) => decision.rejected.push(Rejection {
                    worker: w.id,
                    reason,
                }),
            }
        }
        decision.unexamined = total.saturating_sub(examined);
        // Nearest first (the walk is nearest first already; ties by worker id).
        decision.ranked.sort_by(|a, b| {
            a.distance_m
                .total_cmp(&b.distance_m)
                .then(a.worker.cmp(&b.worker))
        });
        decision
    }
}
