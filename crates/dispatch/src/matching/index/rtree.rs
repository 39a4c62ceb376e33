//! The R-tree index (`rstar`): bulk-loaded or grown one insert at a time, with ordered
//! nearest-neighbour search.

use super::{GeoIndex, Hit, Plane, hit, sort_hits};
use daojia_domain::geo::{LatLng, Polygon, haversine_m};
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::Presence;
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};
use std::collections::HashMap;

type Entry = GeomWithData<[f64; 2], WorkerId>;

/// Worker positions in an R-tree.
#[derive(Debug, Clone)]
pub struct RTreeIndex {
    plane: Plane,
    tree: RTree<Entry>,
    workers: HashMap<WorkerId, ([f64; 2], Presence)>,
}

impl RTreeIndex {
    /// An empty index for a city around `reference_lat` (degrees).
    pub fn new(reference_lat: f64) -> RTreeIndex {
        RTreeIndex {
            plane: Plane::new(reference_lat),
            tree: RTree::new(),
            workers: HashMap::new(),
        }
    }

    /// An index of many workers at once (bulk loading packs the tree better and faster
    /// than one insert at a time). A worker listed twice keeps the last entry.
    pub fn bulk(
        reference_lat: f64,
        workers: impl IntoIterator<Item = (WorkerId, Presence)>,
    ) -> RTreeIndex {
        let plane = Plane::new(reference_lat);
        let mut map = HashMap::new();
        for (id, p) in workers {
            map.insert(id, (plane.project(p.at), p));
        }
        let entries = map
            .iter()
            .map(|(id, (xy, _))| Entry::new(*xy, *id))
            .collect();
        RTreeIndex {
            plane,
            tree: RTree::bulk_load(entries),
            workers: map,
        }
    }
}

impl GeoIndex for RTreeIndex {
    fn upsert(&mut self, worker: WorkerId, presence: Presence) {
        let xy = self.plane.project(presence.at);
        if let Some((old, _)) = self.workers.insert(worker, (xy, presence)) {
            if old == xy {
                return;
            }
            self.tree.remove(&Entry::new(old, worker));
        }
        self.tree.insert(Entry::new(xy, worker));
    }

    fn remove(&mut self, worker: WorkerId) -> Option<Presence> {
        let (xy, presence) = self.workers.remove(&worker)?;
        self.tree.remove(&Entry::new(xy, worker));
        Some(presence)
    }

    fn get(&self, worker: WorkerId) -> Option<Presence> {
        self.workers.get(&worker).map(|(_, p)| *p)
    }

    fn len(&self) -> usize {
        self.workers.len()
    }

    fn within(&self, at: LatLng, radius_m: f64, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit> {
        let r = self.plane.safe_radius(radius_m);
        let mut hits: Vec<Hit> = self
            .tree
            .locate_within_distance(self.plane.project(at), r * r)
            .filter_map(|e| {
                let (_, p) = self.workers.get(&e.data)?;
                keep(p).then(|| hit(at, e.data, *p))
            })
            .filter(|h| h.distance_m <= radius_m)
            .collect();
        sort_hits(&mut hits);
        hits
    }

    fn count_within(&self, at: LatLng, radius_m: f64) -> usize {
        let q = self.plane.project(at);
        let r = self.plane.safe_radius(radius_m);
        // Inside this plane radius a point is surely within the radius: only the thin
        // band beyond it needs the great-circle distance.
        let sure = ((radius_m - 50.0) / 1.02).max(0.0);
        self.tree
            .locate_within_distance(q, r * r)
            .filter(|e| {
                let [x, y] = *e.geom();
                (x - q[0]).powi(2) + (y - q[1]).powi(2) <= sure * sure
                    || self
                        .workers
                        .get(&e.data)
                        .is_some_and(|(_, p)| haversine_m(at, p.at) <= radius_m)
            })
            .count()
    }

    fn nearest(&self, at: LatLng, k: usize, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit> {
        if k == 0 {
            return Vec::new();
        }
        let q = self.plane.project(at);
        let mut hits: Vec<Hit> = Vec::with_capacity(k);
        // Plane order is great-circle order but for a sliver; read on until the plane
        // distance passes the k-th great-circle distance with a margin.
        let mut kth = f64::INFINITY;
        for (e, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&q) {
            let plane_d = d2.sqrt();
            if hits.len() >= k && plane_d > self.plane.safe_radius(kth) {
                break;
            }
            let Some((_, p)) = self.workers.get(&e.data) else {
                continue;
            };
            if !keep(p) {
                continue;
            }
            let h = hit(at, e.data, *p);
            if h.distance_m > kth {
                continue;
            }
            hits.push(h);
            if hits.len() == k {
                // An upper bound of the final k-th distance from here on.
                sort_hits(&mut hits);
                kth = hits[k - 1].distance_m;
            }
        }
        sort_hits(&mut hits);
        hits.truncate(k);
        hits
    }

    fn in_area(&self, area: &Polygon, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit> {
        let b = area.bbox();
        let envelope = AABB::from_corners(self.plane.project(b.min), self.plane.project(b.max));
        let mut hits: Vec<Hit> = self
            .tree
            .locate_in_envelope(&envelope)
            .filter_map(|e| {
                let (_, p) = self.workers.get(&e.data)?;
                (keep(p) && area.contains(p.at)).then_some(Hit {
                    worker: e.data,
                    presence: *p,
                    distance_m: 0.0,
                })
            })
            .collect();
        hits.sort_by_key(|h| h.worker);
        hits
    }
}
