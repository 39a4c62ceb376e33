//! The grid index: square cells of a fixed size in the local plane, each a bucket of the
//! workers inside it (what GeoHash buckets amount to, without the string keys). Moving a
//! worker within a cell costs one map update; a query reads the cells that meet its circle,
//! and nearest-k reads rings of cells outwards.

use super::{GeoIndex, Hit, Plane, hit, sort_hits};
use daojia_domain::geo::{LatLng, Polygon};
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::Presence;
use std::collections::HashMap;

type Cell = (i32, i32);

/// Worker positions in square cells.
#[derive(Debug, Clone)]
pub struct GridIndex {
    plane: Plane,
    cell_m: f64,
    cells: HashMap<Cell, Vec<WorkerId>>,
    workers: HashMap<WorkerId, (Cell, Presence)>,
    /// Bounds of the cells ever used (nearest-k stops at them).
    bounds: Option<(Cell, Cell)>,
}

impl GridIndex {
    /// An empty index for a city around `reference_lat` (degrees) with cells `cell_m`
    /// metres wide.
    pub fn new(reference_lat: f64, cell_m: f64) -> GridIndex {
        GridIndex {
            plane: Plane::new(reference_lat),
            cell_m: cell_m.max(10.0),
            cells: HashMap::new(),
            workers: HashMap::new(),
            bounds: None,
        }
    }

    fn cell_of(&self, xy: [f64; 2]) -> Cell {
        (
            (xy[0] / self.cell_m).floor() as i32,
            (xy[1] / self.cell_m).floor() as i32,
        )
    }

    fn take_out(&mut self, cell: Cell, worker: WorkerId) {
        if let Some(bucket) = self.cells.get_mut(&cell) {
            if let Some(i) = bucket.iter().position(|w| *w == worker) {
                bucket.swap_remove(i);
            }
            if bucket.is_empty() {
                self.cells.remove(&cell);
            }
        }
    }

    /// Hits in one cell.
    fn read(&self, cell: Cell, at: LatLng, keep: &dyn Fn(&Presence) -> bool, out: &mut Vec<Hit>) {
        let Some(bucket) = self.cells.get(&cell) else {
            return;
        };
        for w in bucket {
            if let Some((_, p)) = self.workers.get(w)
                && keep(p)
            {
                out.push(hit(at, *w, *p));
            }
        }
    }
}

impl GeoIndex for GridIndex {
    fn upsert(&mut self, worker: WorkerId, presence: Presence) {
        let cell = self.cell_of(self.plane.project(presence.at));
        if let Some((old, _)) = self.workers.insert(worker, (cell, presence)) {
            if old == cell {
                return;
            }
            self.take_out(old, worker);
        }
        self.cells.entry(cell).or_default().push(worker);
        self.bounds = Some(match self.bounds {
            None => (cell, cell),
            Some((lo, hi)) => (
                (lo.0.min(cell.0), lo.1.min(cell.1)),
                (hi.0.max(cell.0), hi.1.max(cell.1)),
            ),
        });
    }

    fn remove(&mut self, worker: WorkerId) -> Option<Presence> {
        let (cell, presence) = self.workers.remove(&worker)?;
        self.take_out(cell, worker);
        Some(presence)
    }

    fn get(&self, worker: WorkerId) -> Option<Presence> {
        self.workers.get(&worker).map(|(_, p)| *p)
    }

    fn len(&self) -> usize {
        self.workers.len()
    }

    fn within(&self, at: LatLng, radius_m: f64, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit> {
        let [x, y] = self.plane.project(at);
        let r = self.plane.safe_radius(radius_m);
        let lo = self.cell_of([x - r, y - r]);
        let hi = self.cell_of([x + r, y + r]);
        let mut hits = Vec::new();
        for cx in lo.0..=hi.0 {
            for cy in lo.1..=hi.1 {
                self.read((cx, cy), at, keep, &mut hits);
            }
        }
        hits.retain(|h| h.distance_m <= radius_m);
        sort_hits(&mut hits);
        hits
    }

    fn nearest(&self, at: LatLng, k: usize, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit> {
        let Some((lo, hi)) = self.bounds else {
            return Vec::new();
        };
        if k == 0 {
            return Vec::new();
        }
        let centre = self.cell_of(self.plane.project(at));
        let mut hits = Vec::new();
        let reach = [
            centre.0 - lo.0,
            hi.0 - centre.0,
            centre.1 - lo.1,
            hi.1 - centre.1,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
        .max(0);
        for ring in 0..=reach {
            if ring == 0 {
                self.read(centre, at, keep, &mut hits);
            } else {
                for d in -ring..=ring {
                    self.read((centre.0 + d, centre.1 - ring), at, keep, &mut hits);
                    self.read((centre.0 + d, centre.1 + ring), at, keep, &mut hits);
                }
                for d in (-ring + 1)..ring {
                    self.read((centre.0 - ring, centre.1 + d), at, keep, &mut hits);
                    self.read((centre.0 + ring, centre.1 + d), at, keep, &mut hits);
                }
            }
            if hits.len() >= k {
                // Every point within `ring` cells' width of the query has been read.
                sort_hits(&mut hits);
                let covered = (f64::from(ring) * self.cell_m - 50.0) / 1.02;
                if hits[k - 1].distance_m <= covered {
                    break;
                }
            }
        }
        sort_hits(&mut hits);
        hits.truncate(k);
        hits
    }

    fn in_area(&self, area: &Polygon, keep: &dyn Fn(&Presence) -> bool) -> Vec<Hit> {
        let b = area.bbox();
        let lo = self.cell_of(self.plane.project(b.min));
        let hi = self.cell_of(self.plane.project(b.max));
        let mut hits: Vec<Hit> = Vec::new();
        for cx in lo.0..=hi.0 {
            for cy in lo.1..=hi.1 {
                if let Some(bucket) = self.cells.get(&(cx, cy)) {
                    for w in bucket {
                        if let Some((_, p)) = self.workers.get(w)
                            && keep(p)
                            && area.contains(p.at)
                        {
                            hits.push(Hit {
                                worker: *w,
                                presence: *p,
                                distance_m: 0.0,
                            });
                        }
                    }
                }
            }
        }
        hits.sort_by_key(|h| h.worker);
        hits
    }
}
