//! Choosing workers for an order: the engine's policy (feasible workers ranked by the
//! weighted score) and the baseline the day simulator compares it with (the nearest
//! available feasible worker), over the same [`Pool`] and the same order.
//!
//! Both walk the workers within reach nearest first and stop once they have
//! [`Settings::enough_candidates`] feasible ones or have examined
//! [`Settings::max_examined`]: in a dense city the best scores are near, and a decision
//! stays within a few milliseconds whatever the number of workers online.

use super::explain::{Candidate, Decision, Reason, Rejection, Term, TermKind};
use super::feasibility::{Fit, Flow, check};
use super::index::{GeoIndex, Hit, RTreeIndex};
use super::model::{OrderRequest, WorkerSnapshot};
use super::score::{Settings, score};
use chrono::{DateTime, Utc};
use daojia_domain::ids::WorkerId;
use daojia_domain::travel::TravelTime;
use std::collections::HashMap;

/// The workers of an area as snapshots, indexed by position.
pub struct Pool {
    workers: Vec<WorkerSnapshot>,
    by_id: HashMap<WorkerId, usize>,
    index: Box<dyn GeoIndex + Send + Sync>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.workers.len())
            .finish()
    }
}

impl Pool {
    /// A pool in the default index (an R-tree, bulk loaded). A worker listed twice keeps
    /// the last snapshot.
    pub fn new(workers: Vec<WorkerSnapshot>) -> Pool {
        let n = workers.len().max(1) as f64;
        let lat = workers.iter().map(|w| w.presence.at.lat).sum::<f64>() / n;
        let index = RTreeIndex::bulk(lat, workers.iter().map(|w| (w.id, w.presence)));
        Pool::assemble(workers, Box::new(index))
    }

    /// A pool over `index`, into which every snapshot's presence is upserted. Workers the
    /// index holds without a snapshot are passed over by decisions.
    pub fn with_index(
        workers: Vec<WorkerSnapshot>,
        mut index: Box<dyn GeoIndex + Send + Sync>,
    ) -> Pool {
        for w in &workers {
            index.upsert(w.id, w.presence);
        }
        Pool::assemble(workers, index)
    }

    fn assemble(workers: Vec<WorkerSnapshot>, index: Box<dyn GeoIndex + Send + Sync>) -> Pool {
        let mut pool = Pool {
            workers: Vec::with_capacity(workers.len()),
            by_id: HashMap::with_capacity(workers.len()),
            index,
        };
        for w in workers {
            pool.put(w);
        }
        pool
    }

    fn put(&mut self, w: WorkerSnapshot) {
        match self.by_id.get(&w.id) {
            Some(&i) => self.workers[i] = w,
            None => {
                self.by_id.insert(w.id, self.workers.len());
                self.workers.push(w);
            }
        }
    }

    /// Adds or replaces a worker's snapshot (and moves them in the index).
    pub fn upsert(&mut self, w: WorkerSnapshot) {
        self.index.upsert(w.id, w.presence);
        self.put(w);
    }

    /// Takes a worker out of the pool and the index; their snapshot, if they were in.
    pub fn remove(&mut self, id: WorkerId) -> Option<WorkerSnapshot> {
        let i = self.by_id.remove(&id)?;
        self.index.remove(id);
        let w = self.workers.swap_remove(i);
        if let Some(moved) = self.workers.get(i) {
            self.by_id.insert(moved.id, i);
        }
        Some(w)
    }

    /// The snapshot of `id`.
    pub fn get(&self, id: WorkerId) -> Option<&WorkerSnapshot> {
        self.by_id.get(&id).map(|&i| &self.workers[i])
    }

    /// Every snapshot.
    pub fn workers(&self) -> &[WorkerSnapshot] {
        &self.workers
    }

    /// The position index.
    pub fn index(&self) -> &dyn GeoIndex {
        self.index.as_ref()
    }

    /// Workers within `radius_m` of the order, nearest first, at most `limit`, and how
    /// many there are in all.
    pub(crate) fn near(
        &self,
        order: &OrderRequest,
        radius_m: f64,
        limit: usize,
    ) -> (Vec<Hit>, usize) {
        let mut hits = self.index.nearest(order.at, limit, &|_| true);
        hits.retain(|h| h.distance_m <= radius_m);
        let total = if hits.len() < limit {
            hits.len()
        } else {
            self.index.count_within(order.at, radius_m)
        };
        (hits, total)
    }
}

/// A way of choosing workers for an order.
pub trait Policy {
    /// Feasible workers best first and the others with reasons.
    fn decide(
        &self,
        pool: &Pool,
        order: &OrderRequest,
        tt: &dyn TravelTime,
        now: DateTime<Utc>,
    ) -> Decision;
}

/// The engine: feasible workers ranked by the weighted score of [`score`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Engine {
    /// The area's settings.
    pub settings: Settings,
}

/// The baseline: feasible workers ranked by straight-line distance alone.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NearestAvailable {
    /// The area's settings (reach and examination limits; weights unused).
    pub settings: Settings,
}

/// Score and terms of a feasible worker.
pub(crate) type Rank<'a> = &'a dyn Fn(&WorkerSnapshot, &Fit, &Hit) -> (f64, Vec<Term>);

/// What a walk over the pool looks at and how it ranks.
pub(crate) struct Walk<'a> {
    /// Straight-line reach, metres.
    pub radius_m: f64,
    /// The rules that apply.
    pub flow: Flow,
    /// Workers examined even when farther than the walk gets (the customer's chosen and
    /// previous workers), if within reach.
    pub also: &'a [WorkerId],
    /// Score and terms of a feasible worker.
    pub rank: Rank<'a>,
}

/// Walks the workers within reach nearest first, checking each and ranking the feasible
/// ones; then the workers of `how.also` the walk did not reach.
pub(crate) fn walk(
    pool: &Pool,
    order: &OrderRequest,
    settings: &Settings,
    how: &Walk<'_>,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Decision {
    let (hits, total) = pool.near(order, how.radius_m, settings.max_examined.max(1));
    let enough = settings.enough_candidates.max(1);
    let mut decision = Decision::default();
    let examine = |h: &Hit, decision: &mut Decision| {
        let Some(w) = pool.get(h.worker) else {
            return;
        };
        match check(w, order, how.flow, tt, now) {
            Ok(fit) => {
                let (score, terms) = (how.rank)(w, &fit, h);
                let t = fit.insertion.times;
                decision.ranked.push(Candidate {
                    worker: w.id,
                    score,
                    terms,
                    distance_m: h.distance_m,
                    arrival: t.arrival,
                    start: t.start,
                    finish: t.finish,
                    position: fit.insertion.position,
                });
            }
            Err(reason) => decision.rejected.push(Rejection {
                worker: w.id,
                reason,
            }),
        }
    };
    let mut examined = 0;
    for h in &hits {
        if decision.ranked.len() >= enough {
            break;
        }
        examined += 1;
        examine(h, &mut decision);
    }
    let walked = &hits[..examined];
    for id in how.also {
        let seen = walked.iter().any(|h| h.worker == *id);
        let Some(w) = pool.get(*id).filter(|_| !seen) else {
            continue;
        };
        let distance_m = daojia_domain::geo::haversine_m(w.presence.at, order.at);
        if distance_m <= how.radius_m {
            examined += 1;
            let h = Hit {
                worker: *id,
                presence: w.presence,
                distance_m,
            };
            examine(&h, &mut decision);
        }
    }
    decision.unexamined = total.saturating_sub(examined);
    decision.ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(travel_of(a).total_cmp(&travel_of(b)))
            .then(a.worker.cmp(&b.worker))
    });
    decision
}

fn travel_of(c: &Candidate) -> f64 {
    c.terms
        .iter()
        .find(|t| t.kind == TermKind::Travel)
        .and_then(|t| t.value)
        .unwrap_or(c.distance_m)
}

/// The distance term of the baseline and the grab pool: 1 at the order, 0 at `radius_m`.
pub(crate) fn distance_term(distance_m: f64, radius_m: f64) -> Term {
    let normalised = (1.0 - distance_m / radius_m.max(1.0)).clamp(0.0, 1.0);
    Term {
        kind: TermKind::Distance,
        value: Some(distance_m),
        normalised,
        weight: 1.0,
        points: normalised,
    }
}

impl Policy for Engine {
    fn decide(
        &self,
        pool: &Pool,
        order: &OrderRequest,
        tt: &dyn TravelTime,
        now: DateTime<Utc>,
    ) -> Decision {
        let s = &self.settings;
        let mut also: Vec<WorkerId> = order.preferred.into_iter().collect();
        also.extend(order.previous.iter().copied());
        also.sort();
        also.dedup();
        let rank = |w: &WorkerSnapshot, fit: &Fit, _: &Hit| score(w, order, fit, s);
        let how = Walk {
            radius_m: s.reach_m,
            flow: Flow::Offer,
            also: &also,
            rank: &rank,
        };
        walk(pool, order, s, &how, tt, now)
    }
}

impl Policy for NearestAvailable {
    fn decide(
        &self,
        pool: &Pool,
        order: &OrderRequest,
        tt: &dyn TravelTime,
        now: DateTime<Utc>,
    ) -> Decision {
        let s = &self.settings;
        let rank = |_: &WorkerSnapshot, _: &Fit, h: &Hit| {
            let t = distance_term(h.distance_m, s.reach_m);
            (t.points, vec![t])
        };
        let how = Walk {
            radius_m: s.reach_m,
            flow: Flow::Offer,
            also: &[],
            rank: &rank,
        };
        walk(pool, order, s, &how, tt, now)
    }
}

/// Whether one worker (the customer's chosen one, or one a dispatcher names) can take the
/// order by the rules of an offer, reach included.
pub fn check_worker(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    settings: &Settings,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Result<Fit, Reason> {
    let distance_m = daojia_domain::geo::haversine_m(w.presence.at, order.at);
    super::feasibility::qualifies(w, order, Flow::Offer, now)?;
    if distance_m > settings.reach_m {
        return Err(Reason::TooFar {
            distance_m,
            reach_m: settings.reach_m,
        });
    }
    super::feasibility::fits_day(w, order, tt, now)
}
