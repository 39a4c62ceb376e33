//! The problem in the shape the search wants: flat arrays, segments per stop, neighbour
//! lists, which worker may do which job.

use super::segment::{NOWHERE, Segment};
use crate::vrp::model::Problem;

/// Windows are shrunk by this much so that a plan the search accepts stays feasible when
/// replayed with floating-point sums in another order.
pub(crate) const WINDOW_MARGIN: f64 = 1e-7;
/// A time warp below this counts as none (rounding in the segment algebra).
pub(crate) const WARP_EPS: f64 = 1e-9;
/// How many nearest neighbours of each job the ruin step walks.
const NEIGHBOURS: usize = 200;

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
    /// One segment per break of each worker.
    pub break_segs: Vec<Vec<Segment>>,
    pub start_seg: Vec<Segment>,
    pub end_seg: Vec<Segment>,
    /// `able[j * workers + w]`: skills, pin and maximum of jobs allow `w` to do `j`.
    pub able: Vec<bool>,
    /// Workers that are interchangeable share a class; an empty route is tried once per class.
    pub class: Vec<usize>,
    /// Nearest other jobs of each job.
    pub neighbours: Vec<Vec<u32>>,
    /// Distance from the first worker's start, for the "far first" / "close first" orders.
    pub depot_dist: Vec<f64>,
    /// Weight of leaving a job out.
    pub weight: Vec<f64>,
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
        let job_segs = p
            .jobs
            .iter()
            .map(|job| {
                let loc = job.location as u32;
                if job.windows.is_empty() {
                    vec![Segment::stop(
                        loc,
                        job.service,
                        f64::NEG_INFINITY,
                        f64::INFINITY,
                    )]
                } else {
                    let mut segs: Vec<Segment> = job
                        .windows
                        .iter()
                        .filter(|w| w.end - WINDOW_MARGIN >= w.start)
                        .map(|w| Segment::stop(loc, job.service, w.start, w.end - WINDOW_MARGIN))
                        .collect();
                    segs.sort_by(|a, b| a.early.total_cmp(&b.early));
                    segs
                }
            })
            .collect();
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
            for (w, worker) in p.workers.iter().enumerate() {
                able[j * nw + w] = worker.skills.covers(job.skills)
                    && job.pinned_worker.is_none_or(|x| x == w)
                    && worker.max_jobs != Some(0);
            }
        }
        let mut class = vec![0; nw];
        for w in 0..nw {
            class[w] = (0..w)
                .find(|&v| {
                    p.workers[v] == p.workers[w]
                        && (0..n).all(|j| able[j * nw + v] == able[j * nw + w])
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
        Self {
            p,
            n,
            dims,
            demand,
            capacity,
            job_segs,
            break_segs,
            start_seg,
            end_seg,
            able,
            class,
            neighbours,
            depot_dist,
            weight,
        }
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

    /// Cost of a non-empty route summarised by `s`.
    #[inline]
    pub fn route_cost(&self, w: usize, s: &Segment) -> f64 {
        let worker = &self.p.workers[w];
        worker.fixed_cost + worker.cost_per_distance * s.dist + worker.cost_per_time * s.dur
    }
}
