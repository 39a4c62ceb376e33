//! The problem in the shape the search wants: flat arrays, segments per stop, neighbour
//! lists, which worker may do which job.

use super::segment::{NOWHERE, Segment};
use super::state::Route;
#[cfg(doc)]
use crate::vrp::model::Job;
use crate::vrp::model::Problem;

/// Windows are shrunk by this much so that a plan the search accepts stays feasible when
/// replayed with floating-point sums in another order.
pub(crate) const WINDOW_MARGIN: f64 = 1e-7;
/// A time warp below this counts as none (rounding in the segment algebra).
pub(crate) const WARP_EPS: f64 = 1e-9;
/// A break taken inside a job that holds it ([`Data::holds`]): no time, no place, no
/// window.
pub(crate) const HELD_BREAK: Segment = Segment {
    dur: 0.0,
    warp: 0.0,
    early: f64::NEG_INFINITY,
    late: f64::INFINITY,
    dist: 0.0,
    first: NOWHERE,
    last: NOWHERE,
};
/// How many nearest neighbours of each job the ruin step walks.
const NEIGHBOURS: usize = 200;
/// How many neighbours of each job the local search pairs it with.
const GRANULAR: usize = 12;
/// Weights of the least waiting time and the least time warp between two jobs in their
/// closeness for the local search (Vidal et al. 2013; PyVRP's defaults).
const WAIT_WEIGHT: f64 = 0.2;
const WARP_WEIGHT: f64 = 1.0;

pub(crate) struct Data<'a> {
    pub p: &'a Problem,
    pub n: usize,
    pub dims: usize,
    /// `demand[j * dims + d]`.
    pub demand: Vec<i64>,
    /// `capacity[w * dims + d]`, `i64::MAX` where unlimited.
    pub capacity: Vec<i64>,
    /// One segment per window of each job.
    pub job_segs: Vec<Vec<Segment>>,
    /// Extra cost of each of those windows.
    pub seg_costs: Vec<Vec<f64>>,
    /// One segment per break of each worker.
    pub break_segs: Vec<Vec<Segment>>,
    /// Per job, whether the worker's breaks are taken inside it ([`Job::holds_breaks`]).
    pub holds: Vec<bool>,
    pub start_seg: Vec<Segment>,
    pub end_seg: Vec<Segment>,
    /// `able[j * workers + w]`: skills, pin and maximum of jobs allow `w` to do `j`.
    pub able: Vec<bool>,
    /// Workers that are interchangeable share a class; an empty route is tried once per class.
    pub class: Vec<usize>,
    /// Nearest other jobs of each job.
    pub neighbours: Vec<Vec<u32>>,
    /// Closest other jobs of each job by distance and time windows, for the local search
    /// ([`granular`]).
    pub granular: Vec<Vec<u32>>,
    /// Distance from the first worker's start, for the "far first" / "close first" orders.
    pub depot_dist: Vec<f64>,
    /// Weight of leaving a job out.
    pub weight: Vec<f64>,
    /// Per worker, the first job under way placed with the breaks (nodes and window of
    /// the job); `None` without one or when it cannot be placed.
    pub first: Vec<Option<(Vec<u32>, u8)>>,
    /// Per job, whether it is a placed first job (it never moves).
    pub fixed: Vec<bool>,
    /// Whether any job has a promise or a window with a cost (else penalties are zero).
    pub penalized: bool,
    /// Per worker, whether a route's cost depends on its distance only (no cost per unit
    /// of time): then a move's change of distance bounds its change of cost (`local`).
    pub distance_only: Vec<bool>,
}

impl<'a> Data<'a> {
    pub fn new(p: &'a Problem) -> Self {
        let n = p.jobs.len();
        let nw = p.workers.len();
        let dims = p.dimensions();
        let mut demand = vec![0i64; n * dims];
        for (j, job) in p.jobs.iter().enumerate() {
            for (d, q) in job.demand.iter().enumerate() {
                demand[j * dims + d] = *q;
            }
        }
        let mut capacity = vec![i64::MAX; nw * dims];
        for (w, worker) in p.workers.iter().enumerate() {
            for (d, c) in worker.capacity.iter().enumerate() {
                capacity[w * dims + d] = *c;
            }
        }
        let (job_segs, seg_costs) = p
            .jobs
            .iter()
            .map(|job| {
                let loc = job.location as u32;
                if job.windows.is_empty() {
                    let seg = Segment::stop(loc, job.service, f64::NEG_INFINITY, f64::INFINITY);
                    (vec![seg], vec![0.0])
                } else {
                    let mut segs: Vec<(Segment, f64)> = job
                        .windows
                        .iter()
                        .enumerate()
                        .filter(|(_, w)| w.end - WINDOW_MARGIN >= w.start)
                        .map(|(k, w)| {
                            let seg =
                                Segment::stop(loc, job.service, w.start, w.end - WINDOW_MARGIN);
                            (seg, job.window_costs.get(k).copied().unwrap_or(0.0))
                        })
                        .collect();
                    segs.sort_by(|a, b| a.0.early.total_cmp(&b.0.early));
                    segs.into_iter().unzip()
                }
            })
            .unzip();
        let break_segs = p
            .workers
            .iter()
            .map(|w| {
                w.breaks
                    .iter()
                    .map(|b| {
                        Segment::stop(
                            NOWHERE,
                            b.duration,
                            b.window.start,
                            b.window.end - WINDOW_MARGIN,
                        )
                    })
                    .collect()
            })
            .collect();
        let start_seg = p
            .workers
            .iter()
            .map(|w| {
                Segment::stop(
                    w.start_location as u32,
                    0.0,
                    w.shift.start,
                    w.shift.end - WINDOW_MARGIN,
                )
            })
            .collect();
        let end_seg = p
            .workers
            .iter()
            .map(|w| {
                Segment::stop(
                    w.end_location as u32,
                    0.0,
                    w.shift.start,
                    w.shift.end - WINDOW_MARGIN,
                )
            })
            .collect();
        let mut able = vec![false; n * nw];
        for (j, job) in p.jobs.iter().enumerate() {
            let owner = p.first_job_of(j);
            for (w, worker) in p.workers.iter().enumerate() {
                able[j * nw + w] = worker.skills.covers(job.skills)
                    && job.pinned_worker.is_none_or(|x| x == w)
                    && owner.is_none_or(|x| x == w)
                    && worker.max_jobs != Some(0);
            }
        }
        // Workers are interchangeable when they are equal, may do the same jobs and no job
        // costs more with one than with the other.
        let promised: Vec<usize> = (0..n).filter(|&j| p.jobs[j].promise.is_some()).collect();
        let mut class = vec![0; nw];
        for w in 0..nw {
            class[w] = (0..w)
                .find(|&v| {
                    p.workers[v] == p.workers[w]
                        && (0..n).all(|j| able[j * nw + v] == able[j * nw + w])
                        && promised
                            .iter()
                            .all(|&j| p.jobs[j].penalty(v, 0) == p.jobs[j].penalty(w, 0))
                })
                .unwrap_or(w);
        }
        let neighbours = (0..n)
            .map(|j| {
                let a = p.jobs[j].location;
                let mut others: Vec<u32> = (0..n as u32).filter(|&k| k as usize != j).collect();
                let d = |k: u32| {
                    let b = p.jobs[k as usize].location;
                    p.matrix.distance(a, b) + p.matrix.distance(b, a)
                };
                if others.len() > NEIGHBOURS {
                    others.select_nth_unstable_by(NEIGHBOURS, |x, y| d(*x).total_cmp(&d(*y)));
                    others.truncate(NEIGHBOURS);
                }
                others.sort_by(|x, y| d(*x).total_cmp(&d(*y)));
                others
            })
            .collect();
        let depot_dist = p
            .jobs
            .iter()
            .map(|job| {
                p.workers
                    .first()
                    .map_or(0.0, |w| p.matrix.distance(w.start_location, job.location))
            })
            .collect();
        let weight = p.jobs.iter().map(|j| 1.0 + j.priority as f64).collect();
        let mut d = Self {
            p,
            n,
            dims,
            demand,
            capacity,
            job_segs,
            seg_costs,
            break_segs,
            holds: p.jobs.iter().map(|j| j.holds_breaks).collect(),
            start_seg,
            end_seg,
            able,
            class,
            granular: granular(p, GRANULAR),
            neighbours,
            depot_dist,
            weight,
            first: vec![None; nw],
            fixed: vec![false; n],
            penalized: p
                .jobs
                .iter()
                .any(|j| j.promise.is_some() || j.window_costs.iter().any(|&c| c != 0.0)),
            distance_only: p
                .workers
                .iter()
                .map(|w| w.cost_per_time == 0.0 && w.cost_per_distance >= 0.0)
                .collect(),
        };
        d.place_first_jobs();
        d
    }

    /// Places each worker's job under way first, with the breaks after it, in its cheapest
    /// feasible window; a job that cannot be placed so is left to the search (which will
    /// report why it is left out).
    fn place_first_jobs(&mut self) {
        let mut win = vec![0u8; self.n];
        let mut first = vec![None; self.p.workers.len()];
        for (w, worker) in self.p.workers.iter().enumerate() {
            let Some(j) = worker.first_job else {
                continue;
            };
            if !self.able(j, w)
                || self
                    .demand(j)
                    .iter()
                    .zip(self.capacity(w))
                    .any(|(q, c)| q > c)
            {
                continue;
            }
            let mut best: Option<(f64, Vec<u32>, u8)> = None;
            for k in 0..self.job_segs[j].len() {
                if let Some((nodes, seg)) =
                    Route::first_job_nodes(self, w, j as u32, k as u8, &mut win, 1)
                {
                    let cost = self.route_cost(w, &seg) + self.penalty(j, w, k as u8);
                    if best.as_ref().is_none_or(|b| cost < b.0) {
                        best = Some((cost, nodes, k as u8));
                    }
                }
            }
            first[w] = best.map(|(_, nodes, k)| (nodes, k));
        }
        for (w, placed) in first.iter().enumerate() {
            if placed.is_some() {
                let j = self.p.workers[w]
                    .first_job
                    .expect("placed first jobs exist");
                self.fixed[j] = true;
            }
        }
        self.first = first;
    }

    /// Worker `w`'s break `b` taken right after `pred` (`None`: at the start or after
    /// another break). After a job it may start as late as its latest start plus the
    /// job's service: the break is deferred to the end of a job in progress at its latest
    /// start ([`crate::vrp::Break`]).
    #[inline]
    pub fn break_seg(&self, w: usize, b: usize, pred: Option<u32>) -> Segment {
        let mut seg = self.break_segs[w][b];
        if let Some(j) = pred.map(|j| j as usize).filter(|&j| j < self.n) {
            seg.late += self.p.jobs[j].service;
        }
        seg
    }

    /// The first position of worker `w`'s route where a job may go (1 after a job under
    /// way, which stays first).
    #[inline]
    pub fn first_free(&self, w: usize) -> usize {
        usize::from(self.first[w].is_some())
    }

    /// Extra cost of job `j` served by worker `w` in its window `k` (a promise to another
    /// worker, a window other than the one told).
    #[inline]
    pub fn penalty(&self, j: usize, w: usize, k: u8) -> f64 {
        if !self.penalized {
            return 0.0;
        }
        let moved = self.p.jobs[j]
            .promise
            .filter(|p| p.worker != w)
            .map_or(0.0, |p| p.move_cost);
        moved + self.seg_costs[j][k as usize]
    }

    #[inline]
    pub fn able(&self, j: usize, w: usize) -> bool {
        self.able[j * self.p.workers.len() + w]
    }

    #[inline]
    pub fn demand(&self, j: usize) -> &[i64] {
        &self.demand[j * self.dims..(j + 1) * self.dims]
    }

    #[inline]
    pub fn capacity(&self, w: usize) -> &[i64] {
        &self.capacity[w * self.dims..(w + 1) * self.dims]
    }

    /// Whether a route segment respects the windows, the shift and the working time.
    #[inline]
    pub fn feasible(&self, w: usize, s: &Segment) -> bool {
        s.warp <= WARP_EPS
            && self.p.workers[w]
                .max_working_time
                .is_none_or(|m| s.dur <= m)
    }

    /// Whether a route segment respects the working time (windows aside).
    #[inline]
    pub fn within_working_time(&self, w: usize, s: &Segment) -> bool {
        self.p.workers[w]
            .max_working_time
            .is_none_or(|m| s.dur <= m)
    }

    /// How much longer the way from place `x` to place `y` gets through place `via`.
    #[inline]
    pub fn detour(&self, x: usize, via: usize, y: usize) -> f64 {
        let m = &self.p.matrix;
        m.distance(x, via) + m.distance(via, y) - m.distance(x, y)
    }

    /// Cost of a non-empty route summarised by `s`.
    #[inline]
    pub fn route_cost(&self, w: usize, s: &Segment) -> f64 {
        let worker = &self.p.workers[w];
        worker.fixed_cost + worker.cost_per_distance * s.dist + worker.cost_per_time * s.dur
    }
}

/// The `k` closest other jobs of each job for the local search (granular neighbourhoods,
/// Vidal et al. 2013): the distance plus the least waiting time and the least time warp
/// of going from one to the other, weighted, in the cheaper direction. Two jobs close in
/// space but far apart in time are then not paired, and two whose windows chain are.
fn granular(p: &Problem, k: usize) -> Vec<Vec<u32>> {
    let n = p.jobs.len();
    // Earliest and latest start over the job's windows.
    let span: Vec<(f64, f64)> = p
        .jobs
        .iter()
        .map(|j| {
            j.windows
                .iter()
                .fold(None, |acc: Option<(f64, f64)>, w| {
                    Some(acc.map_or((w.start, w.end), |(a, b)| (a.min(w.start), b.max(w.end))))
                })
                .unwrap_or((f64::NEG_INFINITY, f64::INFINITY))
        })
        .collect();
    let one_way = |i: usize, j: usize| {
        let (a, b) = (p.jobs[i].location, p.jobs[j].location);
        let reach = p.jobs[i].service + p.matrix.duration(a, b);
        let wait = (span[j].0 - span[i].1 - reach).max(0.0);
        let warp = (span[i].0 + reach - span[j].1).max(0.0);
        p.matrix.distance(a, b) + WAIT_WEIGHT * wait + WARP_WEIGHT * warp
    };
    (0..n)
        .map(|i| {
            let mut others: Vec<(f64, u32)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (one_way(i, j).min(one_way(j, i)), j as u32))
                .collect();
            if others.len() > k {
                others.select_nth_unstable_by(k, |x, y| x.0.total_cmp(&y.0));
                others.truncate(k);
            }
            others.sort_by(|x, y| x.0.total_cmp(&y.0));
            others.into_iter().map(|(_, j)| j).collect()
        })
        .collect()
}
