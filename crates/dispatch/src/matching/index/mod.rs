//! Worker positions and states indexed for candidate search: who is within a radius of a
//! point, inside an area, or nearest to it. [`GeoIndex`] is the interface; two in-process
//! implementations were measured against each other (`cargo bench -p daojia-dispatch
//! --bench geo_index`, figures in `docs/adr/0006-dispatch-engine.md`): an R-tree
//! ([`RTreeIndex`], the default) and a uniform grid of square cells ([`GridIndex`], the
//! GeoHash-bucket approach). The shared store that several API nodes see (in Redis) lives
//! in `daojia-shared` and offers the same questions asynchronously.
//!
//! Points are kept in a local plane (metres east and north at a reference latitude, fine at
//! the scale of a city); the distances handed back are great-circle metres, and results
//! come nearest first, ties by worker id, so that every caller sees the same order.

mod grid;
mod rtree;

pub use grid::GridIndex;
pub use rtree::RTreeIndex;

use daojia_domain::geo::{LatLng, Polygon, haversine_m};
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::Presence;

/// Metres per degree of latitude (mean earth radius).
const M_PER_DEG: f64 = 111_195.08;

/// A worker found by a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Who.
    pub worker: WorkerId,
    /// Their position and state.
    pub presence: Presence,
    /// Great-circle distance from the query point, metres (0 for area queries).
    pub distance_m: f64,
}

/// Worker positions and states, searchable by place.
pub trait GeoIndex {
    /// Adds the worker, or moves them and updates their state.
    fn upsert(&mut self, worker: WorkerId, presence: Presence);

    /// Removes the worker; what was stored for them, if anything.
    fn remove(&mut self, worker: WorkerId) -> Option<Presence>;

    /// What is stored for the worker.
    fn get(&self, worker: WorkerId) -> Option<Presence>;

    /// How many workers are indexed.
    fn len(&self) -> usize;

    /// True when no worker is indexed.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Workers within `radius_m` of `at` that `keep` accepts, nearest first.
    fn within(&self, at: LatLng, radius_m: f64, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit>;

    /// How many workers are within `radius_m` of `at` (what [`GeoIndex::within`] would
    /// return unfiltered, without sorting it).
    fn count_within(&self, at: LatLng, radius_m: f64) -> usize {
        self.within(at, radius_m, &|_| true).len()
    }

    /// The `k` workers nearest to `at` that `keep` accepts, nearest first.
    fn nearest(&self, at: LatLng, k: usize, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit>;

    /// Workers inside `area` that `keep` accepts, by worker id.
    fn in_area(&self, area: &Polygon, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit>;
}

/// The local plane: x metres east, y metres north, at a reference latitude.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plane {
    cos_lat: f64,
}

impl Plane {
    pub(crate) fn new(reference_lat: f64) -> Plane {
        Plane {
            cos_lat: reference_lat.to_radians().cos().max(0.01),
        }
    }

    pub(crate) fn project(&self, p: LatLng) -> [f64; 2] {
        [p.lng * M_PER_DEG * self.cos_lat, p.lat * M_PER_DEG]
    }

    /// A plane radius that surely holds every point within `radius_m` great-circle metres
    /// of a point near the reference latitude (the plane stretches away from it).
    pub(crate) fn safe_radius(&self, radius_m: f64) -> f64 {
        radius_m * 1.02 + 50.0
    }
}

/// Sorts hits nearest first, ties by worker id.
pub(crate) fn sort_hits(hits: &mut [Hit]) {
    hits.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(a.worker.cmp(&b.worker))
    });
}

/// A hit with its great-circle distance from `at`.
pub(crate) fn hit(at: LatLng, worker: WorkerId, presence: Presence) -> Hit {
    Hit {
        worker,
        presence,
        distance_m: haversine_m(at, presence.at),
    }
}

#[cfg(test)]
mod tests;
