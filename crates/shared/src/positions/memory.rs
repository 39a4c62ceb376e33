//! Positions in this process: an R-tree over a local plane (metres east and north at a
//! reference latitude), the structure the dispatch core chose by measurement (ADR 0006),
//! behind a lock that is never held across an `.await`.

use super::{Filter, Nearby, sort_nearby};
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::Presence;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use std::collections::HashMap;
use std::sync::RwLock;

type Entry = GeomWithData<[f64; 2], WorkerId>;

/// Metres per degree of latitude.
const M_PER_DEG: f64 = 111_195.08;

#[derive(Debug, Default)]
struct Inner {
    tree: RTree<Entry>,
    workers: HashMap<WorkerId, ([f64; 2], Presence)>,
}

/// The in-process back end.
#[derive(Debug)]
pub(super) struct MemoryPositions {
    cos_lat: f64,
    inner: RwLock<Inner>,
}

/// A plane radius that holds every point within `m` great-circle metres near the
/// reference latitude.
fn safe(m: f64) -> f64 {
    m * 1.02 + 50.0
}

impl MemoryPositions {
    pub(super) fn new(reference_lat: f64) -> MemoryPositions {
        MemoryPositions {
            cos_lat: reference_lat.to_radians().cos().max(0.01),
            inner: RwLock::new(Inner::default()),
        }
    }

    /// How much longer than the great-circle distance a plane distance can be within `m`
    /// metres of `at`: the plane measures longitude at the reference latitude, and
    /// farther from the equator than that a degree of longitude is shorter. A query
    /// widens its plane radius by this, so no city is too far north for the index.
    fn stretch(&self, at: LatLng, m: f64) -> f64 {
        let lat = (at.lat.abs() + m / M_PER_DEG).min(89.0);
        (self.cos_lat / lat.to_radians().cos()).max(1.0)
    }

    fn project(&self, p: LatLng) -> [f64; 2] {
        [p.lng * M_PER_DEG * self.cos_lat, p.lat * M_PER_DEG]
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn upsert(&self, worker: WorkerId, presence: Presence) {
        let xy = self.project(presence.at);
        put(&mut self.write(), worker, xy, presence);
    }

    /// As [`super::WorkerPositions::report`], under one write lock.
    pub(super) fn report(&self, worker: WorkerId, presence: Presence) -> Presence {
        let xy = self.project(presence.at);
        let mut g = self.write();
        if let Some((_, old)) = g.workers.get(&worker)
            && super::newer(old, &presence)
        {
            return *old;
        }
        put(&mut g, worker, xy, presence);
        presence
    }

    pub(super) fn remove(&self, worker: WorkerId) -> bool {
        let mut g = self.write();
        match g.workers.remove(&worker) {
            Some((xy, _)) => {
                g.tree.remove(&Entry::new(xy, worker));
                true
            }
            None => false,
        }
    }

    pub(super) fn get(&self, worker: WorkerId) -> Option<Presence> {
        self.read().workers.get(&worker).map(|(_, p)| *p)
    }

    pub(super) fn get_many(&self, workers: &[WorkerId]) -> HashMap<WorkerId, Presence> {
        let g = self.read();
        workers
            .iter()
            .filter_map(|w| g.workers.get(w).map(|(_, p)| (*w, *p)))
            .collect()
    }

    pub(super) fn set_flags(&self, worker: WorkerId, online: bool, accepting: bool) -> bool {
        let mut g = self.write();
        match g.workers.get_mut(&worker) {
            Some((_, p)) => {
                p.online = online;
                p.accepting = accepting;
                true
            }
            None => false,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.read().workers.len()
    }

    pub(super) fn within(&self, at: LatLng, radius_m: f64, filter: Filter) -> Vec<Nearby> {
        let r = safe(radius_m) * self.stretch(at, radius_m);
        let g = self.read();
        let mut out: Vec<Nearby> = g
            .tree
            .locate_within_distance(self.project(at), r * r)
            .filter_map(|e| {
                let (_, p) = g.workers.get(&e.data)?;
                filter.keeps(p).then(|| Nearby {
                    worker: e.data,
                    presence: *p,
                    distance_m: haversine_m(at, p.at),
                })
            })
            .filter(|n| n.distance_m <= radius_m)
            .collect();
        sort_nearby(&mut out);
        out
    }

    pub(super) fn nearest(&self, at: LatLng, k: usize, filter: Filter) -> Vec<Nearby> {
        let mut out: Vec<Nearby> = Vec::new();
        if k == 0 {
            return out;
        }
        let g = self.read();
        let mut kth = f64::INFINITY;
        for (e, d2) in g
            .tree
            .nearest_neighbor_iter_with_distance_2(&self.project(at))
        {
            if out.len() >= k && d2.sqrt() > safe(kth) * self.stretch(at, kth) {
                break;
            }
            let Some((_, p)) = g.workers.get(&e.data) else {
                continue;
            };
            if !filter.keeps(p) {
                continue;
            }
            let distance_m = haversine_m(at, p.at);
            if distance_m > kth {
                continue;
            }
            out.push(Nearby {
                worker: e.data,
                presence: *p,
                distance_m,
            });
            if out.len() == k {
                // An upper bound of the final k-th distance from here on.
                sort_nearby(&mut out);
                kth = out[k - 1].distance_m;
            }
        }
        sort_nearby(&mut out);
        out.truncate(k);
        out
    }
}

/// Records `presence` at plane point `xy`, moving the worker's entry in the tree.
fn put(g: &mut Inner, worker: WorkerId, xy: [f64; 2], presence: Presence) {
    if let Some((old, _)) = g.workers.insert(worker, (xy, presence)) {
        if old == xy {
            return;
        }
        g.tree.remove(&Entry::new(old, worker));
    }
    g.tree.insert(Entry::new(xy, worker));
}
