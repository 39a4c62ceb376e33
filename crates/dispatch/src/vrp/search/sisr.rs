//! Slack induction by string removals (Christiaens & Vanden Berghe, 2020): remove a few
//! strings of nearby stops from a few routes, put the jobs back greedily with "blinks"
//! (skipped positions), accept by simulated annealing. While jobs are left out, a first
//! phase minimises them instead, weighting each job by how often it has been left out
//! ("absences"), which is how the method squeezes a plan into a tight fleet.

use super::data::Data;
use super::rng::Rng;
use super::segment::Segment;
use super::state::{NONE, Route, State};

/// Tunable parameters of the search.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    /// Average number of jobs removed per ruin.
    pub removed: f64,
    /// Maximum length of a removed string.
    pub max_string: f64,
    /// Probability of a split string (keeping a few stops in the middle).
    pub split_rate: f64,
    /// Probability of stopping to grow the kept part of a split string.
    pub split_depth: f64,
    /// Probability of skipping an insertion position.
    pub blink: f64,
    /// Initial average number of jobs removed per ruin (and maximum string length) once
    /// every job is in; adapted during the search.
    pub removed_shortening: f64,
    /// Start and final temperature, per unit of average cost per job.
    pub t0: f64,
    pub tf: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            removed: 10.0,
            max_string: 10.0,
            split_rate: 0.5,
            split_depth: 0.01,
            blink: 0.01,
            removed_shortening: 20.0,
            t0: 0.5,
            tf: 0.01,
        }
    }
}

/// Jobs left out before a ruin that a recreate tries again (see [`Sisr::recreate_some`]).
pub(crate) const RETRIED: usize = 64;

pub(crate) struct Sisr<'a, 'p> {
    pub d: &'a Data<'p>,
    pub params: Params,
    pub rng: Rng,
    /// How often each job has been left out (phase one).
    pub absences: Vec<u64>,
    /// Routes changed in the current iteration.
    pub touched: Vec<usize>,
    /// Cost of a unit of time warp in the local search; zero: windows are hard (the
    /// recreate always keeps them hard). See `penalty`.
    pub warp_weight: f64,
    /// Whether the recreate and the local search skip insertions and moves whose change
    /// of distance alone shows they cannot be chosen (see `Sisr::by_distance`); off only
    /// to test that it changes nothing.
    pub distance_filter: bool,
    touched_mark: Vec<bool>,
    ruined: Vec<bool>,
    class_stamp: Vec<u64>,
    stamp: u64,
    scratch: Vec<u32>,
}

impl<'a, 'p> Sisr<'a, 'p> {
    pub fn new(d: &'a Data<'p>, params: Params, seed: u64) -> Self {
        let nw = d.p.workers.len();
        Self {
            d,
            params,
            rng: Rng::new(seed),
            absences: vec![0; d.n],
            touched: Vec::new(),
            warp_weight: 0.0,
            distance_filter: true,
            touched_mark: vec![false; nw],
            ruined: vec![false; nw],
            class_stamp: vec![0; nw],
            stamp: 0,
            scratch: Vec::new(),
        }
    }

    pub(crate) fn touch(&mut self, r: usize) {
        if !self.touched_mark[r] {
            self.touched_mark[r] = true;
            self.touched.push(r);
        }
    }

    /// Whether a route summarised by `s` respects windows, shift and working time; with
    /// soft windows (a warp weight), only the working time.
    #[inline]
    pub fn ok(&self, w: usize, s: &Segment) -> bool {
        if self.warp_weight > 0.0 {
            self.d.within_working_time(w, s)
        } else {
            self.d.feasible(w, s)
        }
    }

    /// Travel cost of a non-empty route summarised by `s` (penalties excluded), and its
    /// time warp at the warp weight.
    #[inline]
    pub fn score(&self, w: usize, s: &Segment) -> f64 {
        self.d.route_cost(w, s) + self.warp_weight * s.warp
    }

    /// Current cost of a route, penalties included (zero when empty), and its time warp at
    /// the warp weight.
    #[inline]
    pub fn route_score(&self, r: &Route) -> f64 {
        r.cost + self.warp_weight * r.full.warp
    }

    /// Forgets the routes touched so far.
    pub fn clear_touched(&mut self) {
        for &r in &self.touched {
            self.touched_mark[r] = false;
        }
        self.touched.clear();
    }

    /// Removes strings of jobs around a random seed job.
    pub fn ruin(&mut self, s: &mut State, removed: f64, max_string: f64) {
        let d = self.d;
        let used: Vec<&Route> = s.routes.iter().filter(|r| r.jobs > 0).collect();
        if used.is_empty() {
            return;
        }
        let avg = used.iter().map(|r| r.jobs).sum::<usize>() as f64 / used.len() as f64;
        let ls_max = max_string.min(avg);
        let ks_max = 4.0 * removed / (1.0 + ls_max) - 1.0;
        let ks = (self.rng.unit() * ks_max).floor() as usize + 1;
        let assigned: Vec<u32> = (0..d.n as u32)
            .filter(|&j| s.route_of[j as usize] != NONE)
            .collect();
        let seed = assigned[self.rng.below(assigned.len())];
        let mut done = 0;
        self.ruined.iter_mut().for_each(|x| *x = false);
        let candidates = std::iter::once(seed).chain(d.neighbours[seed as usize].iter().copied());
        for c in candidates {
            if done >= ks {
                break;
            }
            let r = s.route_of[c as usize];
            if r == NONE || self.ruined[r as usize] {
                continue;
            }
            let r = r as usize;
            self.ruined[r] = true;
            done += 1;
            let route = &s.routes[r];
            let len = route.nodes.len();
            let lmax = (route.jobs as f64).min(ls_max);
            let l = ((self.rng.unit() * lmax).floor() as usize + 1).min(len);
            let pos = route
                .nodes
                .iter()
                .position(|&x| x == c)
                .expect("job is in its route");
            self.scratch.clear();
            if self.rng.unit() < self.params.split_rate && l < len {
                let mut m = 1;
                while l + m < len && self.rng.unit() >= self.params.split_depth {
                    m += 1;
                }
                let total = l + m;
                let first = self.string_start(pos, total, len);
                let keep = first + self.rng.below(l + 1);
                for i in first..first + total {
                    if i < keep || i >= keep + m {
                        self.scratch.push(route.nodes[i]);
                    }
                }
            } else {
                let first = self.string_start(pos, l, len);
                self.scratch
                    .extend_from_slice(&route.nodes[first..first + l]);
            }
            self.scratch
                .retain(|&x| (x as usize) < d.n && !d.fixed[x as usize]);
            let remove = std::mem::take(&mut self.scratch);
            s.remove_jobs(d, r, &remove);
            self.scratch = remove;
            self.touch(r);
        }
    }

    /// A random start of a string of `l` stops that contains position `pos`.
    fn string_start(&mut self, pos: usize, l: usize, len: usize) -> usize {
        let lo = (pos + 1).saturating_sub(l);
        let hi = pos.min(len - l);
        lo + self.rng.below(hi - lo + 1)
    }

    /// Like [`Sisr::recreate`], but of the jobs that were out before `fresh_from` (the
    /// position in `s.unassigned` where the last ruin's jobs start) only a random
    /// [`RETRIED`] are tried: on a heavily over-booked day, re-trying hundreds of jobs that
    /// fit nowhere made each step slow (the just-ruined jobs are always tried).
    pub fn recreate_some(&mut self, s: &mut State, by_absence: bool, fresh_from: usize) {
        let fresh_from = fresh_from.min(s.unassigned.len());
        if fresh_from <= RETRIED {
            return self.recreate(s, by_absence);
        }
        let mut old = std::mem::take(&mut s.unassigned);
        let fresh = old.split_off(fresh_from);
        // A partial shuffle: the first RETRIED places get a random choice of the old jobs.
        for i in 0..RETRIED {
            let k = i + self.rng.below(old.len() - i);
            old.swap(i, k);
        }
        let rest = old.split_off(RETRIED);
        s.unassigned = old;
        s.unassigned.extend(fresh);
        self.recreate(s, by_absence);
        s.unassigned.extend(rest);
    }

    /// Puts left-out jobs back at their cheapest feasible place, in an order chosen at
    /// random among a few; jobs that fit nowhere stay out.
    pub fn recreate(&mut self, s: &mut State, by_absence: bool) {
        let d = self.d;
        let mut order = std::mem::take(&mut s.unassigned);
        self.rng.shuffle(&mut order);
        if by_absence && self.rng.unit() < 0.5 {
            order.sort_by_key(|&j| std::cmp::Reverse(self.absences[j as usize]));
        } else {
            match self.rng.below(13) {
                0..4 => {}
                4..8 => order
                    .sort_by_key(|&j| std::cmp::Reverse(d.demand(j as usize).iter().sum::<i64>())),
                8..10 => order.sort_by(|&a, &b| {
                    d.depot_dist[b as usize].total_cmp(&d.depot_dist[a as usize])
                }),
                10 => order.sort_by(|&a, &b| {
                    d.depot_dist[a as usize].total_cmp(&d.depot_dist[b as usize])
                }),
                _ => order.sort_by(|&a, &b| width(d, a).total_cmp(&width(d, b))),
            }
        }
        for j in order {
            match self.best_insertion(s, j) {
                Some(ins) => self.apply(s, j, ins),
                None => s.unassigned.push(j),
            }
        }
    }

    fn best_insertion(&mut self, s: &mut State, j: u32) -> Option<Insertion> {
        let d = self.d;
        let ju = j as usize;
        let blink = self.params.blink;
        let mut best: Option<Insertion> = None;
        self.stamp += 1;
        let demand = d.demand(ju);
        for r in 0..s.routes.len() {
            let route = &s.routes[r];
            let w = route.w;
            if !d.able(ju, w)
                || d.p.workers[w].max_jobs.is_some_and(|m| route.jobs >= m)
                || route
                    .load
                    .iter()
                    .zip(demand)
                    .zip(d.capacity(w))
                    .any(|((l, q), c)| l + q > *c)
            {
                continue;
            }
            if route.jobs == 0 {
                let class = d.class[w];
                if self.class_stamp[class] == self.stamp {
                    continue;
                }
                self.class_stamp[class] = self.stamp;
                for k in 0..d.job_segs[ju].len() {
                    let seg = if d.break_segs[w].is_empty() {
                        Route::eval_nodes(d, w, &[j], set_win(&mut s.win, ju, k))
                    } else {
                        match Route::first_job_nodes(d, w, j, k as u8, &mut s.win, 0) {
                            Some((_, seg)) => seg,
                            None => continue,
                        }
                    };
                    if self.ok(w, &seg) {
                        let delta = self.score(w, &seg) + d.penalty(ju, w, k as u8);
                        if best.as_ref().is_none_or(|b| delta < b.delta) {
                            best = Some(Insertion {
                                route: r,
                                pos: 0,
                                win: k as u8,
                                delta,
                            });
                        }
                    }
                }
                continue;
            }
            if d.holds[ju] && !route.held && route.breaks {
                // The job would make the route's breaks take no time: the cached
                // segments have them take their time, so the route is folded anew.
                let mut nodes = route.nodes.clone();
                for p in d.first_free(w)..=route.nodes.len() {
                    nodes.insert(p, j);
                    for k in 0..d.job_segs[ju].len() {
                        let seg = Route::eval_nodes(d, w, &nodes, set_win(&mut s.win, ju, k));
                        if self.ok(w, &seg) {
                            let delta =
                                self.score(w, &seg) + route.penalty + d.penalty(ju, w, k as u8)
                                    - self.route_score(route);
                            if best.as_ref().is_none_or(|b| delta < b.delta) {
                                best = Some(Insertion {
                                    route: r,
                                    pos: p,
                                    win: k as u8,
                                    delta,
                                });
                            }
                        }
                    }
                    nodes.remove(p);
                }
                continue;
            }
            let latest = d.job_segs[ju]
                .iter()
                .fold(f64::NEG_INFINITY, |m, s| m.max(s.late));
            // Where the route's cost is its distance (no breaks, no penalties, no cost per
            // unit of time, hard windows), an insertion costs at least its detour: a place
            // whose detour is no cheaper than the best insertion found is not evaluated.
            // This never changes the insertion chosen.
            let by_distance = self.distance_filter
                && !d.penalized
                && !route.breaks
                && d.distance_only[w]
                && self.warp_weight == 0.0;
            let detours = by_distance.then(|| {
                (
                    d.job_segs[ju][0].first as usize,
                    d.p.workers[w].cost_per_distance,
                    1e-9 * route.cost.abs().max(1.0),
                )
            });
            for p in d.first_free(w)..=route.nodes.len() {
                // Stops only get later along a feasible route: once the stop before the
                // gap cannot finish before the job's last window closes, no later gap can.
                let before = &route.pre[p];
                if before.early + before.dur > latest {
                    break;
                }
                if blink > 0.0 && self.rng.unit() < blink {
                    continue;
                }
                if let Some((here, per_distance, margin)) = detours
                    && let Some(b) = &best
                {
                    let (x, y) = (before.last as usize, route.suf[p].first as usize);
                    if per_distance * d.detour(x, here, y) > b.delta + margin {
                        continue;
                    }
                }
                for (k, jseg) in d.job_segs[ju].iter().enumerate() {
                    let seg: Segment = route.eval_insert(d, p, j, jseg, &s.win);
                    if self.ok(w, &seg) {
                        let delta = self.score(w, &seg) + route.penalty + d.penalty(ju, w, k as u8)
                            - self.route_score(route);
                        if best.as_ref().is_none_or(|b| delta < b.delta) {
                            best = Some(Insertion {
                                route: r,
                                pos: p,
                                win: k as u8,
                                delta,
                            });
                        }
                    }
                }
            }
        }
        best
    }

    fn apply(&mut self, s: &mut State, j: u32, ins: Insertion) {
        let d = self.d;
        s.win[j as usize] = ins.win;
        s.route_of[j as usize] = ins.route as u32;
        let route = &mut s.routes[ins.route];
        if route.jobs == 0 && !d.break_segs[route.w].is_empty() {
            let (nodes, _) = Route::first_job_nodes(d, route.w, j, ins.win, &mut s.win, 0)
                .expect("evaluated as feasible");
            route.nodes = nodes;
        } else {
            route.nodes.insert(ins.pos, j);
        }
        route.update(d, &s.win);
        debug_assert!(d.feasible(route.w, &route.full));
        self.touch(ins.route);
    }
}

fn set_win(win: &mut [u8], j: usize, k: usize) -> &[u8] {
    win[j] = k as u8;
    win
}

fn width(d: &Data, j: u32) -> f64 {
    d.job_segs[j as usize]
        .iter()
        .map(|s| s.late - s.early)
        .sum()
}

#[derive(Clone, Copy, Debug)]
struct Insertion {
    route: usize,
    pos: usize,
    win: u8,
    delta: f64,
}
