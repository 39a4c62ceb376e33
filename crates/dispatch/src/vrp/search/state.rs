//! Routes with cached prefix and suffix segments, and the whole working plan.

use super::data::{Data, HELD_BREAK};
use super::segment::Segment;
use crate::vrp::solution::{Activity, Solution};

pub(crate) const NONE: u32 = u32::MAX;

/// One worker's route in the search.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub w: usize,
    /// Jobs (`< n`) and breaks (`n + b` for the worker's break `b`).
    pub nodes: Vec<u32>,
    /// `pre[i]`: the start and `nodes[..i]`.
    pub pre: Vec<Segment>,
    /// `suf[i]`: `nodes[i..]` and the end; valid where `i == len` or `nodes[i]` is a job.
    pub suf: Vec<Segment>,
    /// `rest[i]`: `nodes[i..]` without the end (so that another worker's end can follow);
    /// valid where `i < len` and `nodes[i]` is a job.
    pub rest: Vec<Segment>,
    pub full: Segment,
    pub load: Vec<i64>,
    pub jobs: usize,
    /// Whether `nodes` holds breaks.
    pub breaks: bool,
    /// Whether a job of the route holds the breaks ([`Data::holds`]): they take no time.
    pub held: bool,
    /// Sum of the jobs' penalties (promises to other workers, windows other than told).
    pub penalty: f64,
    /// Travel cost and penalties; zero when empty.
    pub cost: f64,
}

impl Route {
    pub fn new(d: &Data, w: usize) -> Self {
        let mut r = Route {
            w,
            nodes: Vec::new(),
            pre: Vec::new(),
            suf: Vec::new(),
            rest: Vec::new(),
            full: d.start_seg[w],
            load: vec![0; d.dims],
            jobs: 0,
            breaks: false,
            held: false,
            penalty: 0.0,
            cost: 0.0,
        };
        r.update(d, &[]);
        r
    }

    #[inline]
    pub fn node_seg(&self, d: &Data, node: u32, win: &[u8]) -> Segment {
        let node = node as usize;
        if node < d.n {
            d.job_segs[node][win[node] as usize]
        } else if self.held {
            HELD_BREAK
        } else {
            d.break_seg(self.w, node - d.n, None)
        }
    }

    /// The segment of `node` right after `pred` (the node before it; `None` at the start):
    /// a break after a job may be deferred to the job's end ([`Data::break_seg`]).
    #[inline]
    pub fn seg_after(&self, d: &Data, node: u32, pred: Option<u32>, win: &[u8]) -> Segment {
        Self::seg_of(d, self.w, self.held, node, pred, win)
    }

    #[inline(always)]
    fn seg_of(d: &Data, w: usize, held: bool, node: u32, pred: Option<u32>, win: &[u8]) -> Segment {
        let node = node as usize;
        if node < d.n {
            d.job_segs[node][win[node] as usize]
        } else if held {
            HELD_BREAK
        } else {
            d.break_seg(w, node - d.n, pred)
        }
    }

    /// `head` (ending with `pred`) followed by `nodes`, with what the fold ends with.
    #[inline]
    pub fn fold(
        &self,
        d: &Data,
        mut head: Segment,
        mut pred: Option<u32>,
        nodes: impl IntoIterator<Item = u32>,
        win: &[u8],
    ) -> (Segment, Option<u32>) {
        for x in nodes {
            head = head.then(&self.seg_after(d, x, pred, win), &d.p.matrix);
            pred = Some(x);
        }
        (head, pred)
    }

    /// Whether `nodes` has a job that holds the breaks.
    pub fn holds(d: &Data, nodes: &[u32]) -> bool {
        nodes
            .iter()
            .any(|&x| (x as usize) < d.n && d.holds[x as usize])
    }

    /// Recomputes the caches after `nodes` changed.
    pub fn update(&mut self, d: &Data, win: &[u8]) {
        let m = &d.p.matrix;
        let len = self.nodes.len();
        self.held = Self::holds(d, &self.nodes);
        self.pre.clear();
        self.pre.push(d.start_seg[self.w]);
        for i in 0..len {
            let pred = i.checked_sub(1).map(|k| self.nodes[k]);
            let s = self.pre[i].then(&self.seg_after(d, self.nodes[i], pred, win), m);
            self.pre.push(s);
        }
        self.suf.clear();
        self.suf.resize(len + 1, d.end_seg[self.w]);
        self.rest.clear();
        self.rest.resize(len, d.end_seg[self.w]);
        for i in (0..len).rev() {
            let node = self.nodes[i];
            if (node as usize) < d.n {
                let mut x = self.node_seg(d, node, win);
                let mut k = i + 1;
                while k < len && self.nodes[k] as usize >= d.n {
                    let pred = Some(self.nodes[k - 1]);
                    x = x.then(&self.seg_after(d, self.nodes[k], pred, win), m);
                    k += 1;
                }
                self.suf[i] = x.then(&self.suf[k], m);
                self.rest[i] = if k < len { x.then(&self.rest[k], m) } else { x };
            } else {
                self.suf[i] = self.suf[i + 1];
            }
        }
        self.full = self.pre[len].then(&d.end_seg[self.w], m);
        self.load.iter_mut().for_each(|l| *l = 0);
        self.jobs = 0;
        self.penalty = 0.0;
        for &node in &self.nodes {
            let j = node as usize;
            if j < d.n {
                self.jobs += 1;
                for (l, q) in self.load.iter_mut().zip(d.demand(j)) {
                    *l += q;
                }
                self.penalty += d.penalty(j, self.w, win[j]);
            }
        }
        self.breaks = self.jobs < len;
        self.cost = if self.jobs > 0 {
            d.route_cost(self.w, &self.full) + self.penalty
        } else {
            0.0
        };
    }

    /// Sum of the penalties of `nodes` if worker `w` served them.
    pub fn penalty_of(d: &Data, w: usize, nodes: &[u32], win: &[u8]) -> f64 {
        nodes
            .iter()
            .filter(|&&x| (x as usize) < d.n)
            .map(|&x| d.penalty(x as usize, w, win[x as usize]))
            .sum()
    }

    /// The whole route with job `node` (segment `job`) inserted before position `p`.
    /// Inlined into the recreate's scan of every place (a call there cost more than the
    /// evaluation on a working day's routes).
    #[inline(always)]
    pub fn eval_insert(&self, d: &Data, p: usize, node: u32, job: &Segment, win: &[u8]) -> Segment {
        self.tail(d, self.pre[p].then(job, &d.p.matrix), Some(node), p, win)
    }

    /// `head` (ending with node `pred`, `None` for the start) followed by `nodes[q..]`
    /// and the end.
    #[inline(always)]
    pub fn tail(
        &self,
        d: &Data,
        head: Segment,
        pred: Option<u32>,
        q: usize,
        win: &[u8],
    ) -> Segment {
        if !self.breaks {
            // The common case, inlined into every move's evaluation: the call cost a
            // twentieth of a step on Solomon's long routes.
            return head.then(&self.suf[q], &d.p.matrix);
        }
        self.tail_through_breaks(d, head, pred, q, win)
    }

    /// [`Route::tail`] when the route has breaks: those right after the head are timed
    /// from where the worker is.
    #[inline(never)]
    fn tail_through_breaks(
        &self,
        d: &Data,
        head: Segment,
        pred: Option<u32>,
        q: usize,
        win: &[u8],
    ) -> Segment {
        let m = &d.p.matrix;
        let mut x = head;
        let mut pred = pred;
        let mut q = q;
        while q < self.nodes.len() && self.nodes[q] as usize >= d.n {
            x = x.then(&self.seg_after(d, self.nodes[q], pred, win), m);
            pred = Some(self.nodes[q]);
            q += 1;
        }
        x.then(&self.suf[q], m)
    }

    /// The route `nodes` for worker `w`, folded from start to end.
    pub fn eval_nodes(d: &Data, w: usize, nodes: &[u32], win: &[u8]) -> Segment {
        let m = &d.p.matrix;
        let held = Self::holds(d, nodes);
        let mut x = d.start_seg[w];
        let mut pred = None;
        for &node in nodes {
            x = x.then(&Self::seg_of(d, w, held, node, pred, win), m);
            pred = Some(node);
        }
        x.then(&d.end_seg[w], m)
    }

    /// The best order of the worker's breaks around a first job `job` (with window `k`),
    /// inserted greedily one by one at positions from `min_pos` on (1 keeps the job
    /// first); `None` when they do not fit.
    pub fn first_job_nodes(
        d: &Data,
        w: usize,
        job: u32,
        k: u8,
        win: &mut [u8],
        min_pos: usize,
    ) -> Option<(Vec<u32>, Segment)> {
        let saved = win[job as usize];
        win[job as usize] = k;
        let mut nodes = vec![job];
        let mut result = Some(Self::eval_nodes(d, w, &nodes, win));
        for b in 0..d.break_segs[w].len() {
            let mut best: Option<(f64, usize, Segment)> = None;
            for p in min_pos..=nodes.len() {
                nodes.insert(p, (d.n + b) as u32);
                let s = Self::eval_nodes(d, w, &nodes, win);
                nodes.remove(p);
                if d.feasible(w, &s) && best.as_ref().is_none_or(|(c, _, _)| s.dur < *c) {
                    best = Some((s.dur, p, s));
                }
            }
            match best {
                Some((_, p, s)) => {
                    nodes.insert(p, (d.n + b) as u32);
                    result = Some(s);
                }
                None => {
                    result = None;
                    break;
                }
            }
        }
        win[job as usize] = saved;
        result.filter(|s| d.feasible(w, s)).map(|s| (nodes, s))
    }
}

/// A plan under construction.
#[derive(Clone, Debug)]
pub(crate) struct State {
    pub routes: Vec<Route>,
    /// Route of each job, [`NONE`] when out of the routes.
    pub route_of: Vec<u32>,
    /// Chosen window of each job.
    pub win: Vec<u8>,
    /// Jobs in the search but not in a route.
    pub unassigned: Vec<u32>,
}

impl State {
    /// A plan with only the jobs under way in their routes and `jobs` left out.
    pub fn new(d: &Data, jobs: &[u32]) -> Self {
        let mut s = Self {
            routes: (0..d.p.workers.len()).map(|w| Route::new(d, w)).collect(),
            route_of: vec![NONE; d.n],
            win: vec![0; d.n],
            unassigned: jobs.to_vec(),
        };
        for (w, first) in d.first.iter().enumerate() {
            if let Some((nodes, k)) = first {
                let j = d.p.workers[w].first_job.expect("placed first jobs exist");
                s.win[j] = *k;
                s.route_of[j] = w as u32;
                s.routes[w].nodes.clone_from(nodes);
                s.routes[w].update(d, &s.win);
            }
        }
        s
    }

    /// A plan that keeps what it can of `start`: each route's jobs in their order (those
    /// still in the search and allowed for the worker), the worker's breaks where they
    /// were (or placed greedily), then jobs taken out one by one, the most time-warping
    /// first, until the route is feasible. The jobs of `jobs` not placed are left out.
    pub fn from_plan(d: &Data, jobs: &[u32], start: &Solution) -> Self {
        let mut s = Self::new(d, &[]);
        let mut wanted = vec![false; d.n];
        for &j in jobs {
            wanted[j as usize] = true;
        }
        let mut seen_worker = vec![false; d.p.workers.len()];
        for route in &start.routes {
            let w = route.worker;
            if w >= d.p.workers.len() || std::mem::replace(&mut seen_worker[w], true) {
                continue;
            }
            let first = d.first[w].as_ref();
            let mut nodes: Vec<u32> = first.map(|f| f.0.clone()).unwrap_or_default();
            let nb = d.break_segs[w].len();
            let mut has_break = vec![first.is_some(); nb];
            for stop in &route.stops {
                match stop.activity {
                    Activity::Job(j) if j < d.n && wanted[j] && d.able(j, w) => {
                        wanted[j] = false;
                        s.win[j] = window_at(d, j, stop.start);
                        nodes.push(j as u32);
                    }
                    Activity::Break(b) if b < nb && !has_break[b] => {
                        has_break[b] = true;
                        nodes.push((d.n + b) as u32);
                    }
                    _ => {}
                }
            }
            let mut left: Vec<u32> = Vec::new();
            let fixed = usize::from(first.is_some());
            let is_job = |x: u32| (x as usize) < d.n;
            // Capacity and the maximum of jobs: the last jobs go first.
            loop {
                let count = nodes.iter().filter(|&&x| is_job(x)).count();
                let over_max = d.p.workers[w].max_jobs.is_some_and(|m| count > m);
                let over_cap = (0..d.dims).any(|k| {
                    let load: i64 = nodes
                        .iter()
                        .filter(|&&x| is_job(x))
                        .map(|&x| d.demand(x as usize)[k])
                        .sum();
                    load > d.capacity(w)[k]
                });
                if !(over_max || over_cap) {
                    break;
                }
                match nodes
                    .iter()
                    .rposition(|&x| is_job(x) && !d.fixed[x as usize])
                {
                    Some(i) => left.push(nodes.remove(i)),
                    None => break,
                }
            }
            // Breaks the start did not have, placed where they cost least.
            if nodes.iter().any(|&x| is_job(x)) {
                let missing: Vec<usize> = (0..nb).filter(|&b| !has_break[b]).collect();
                insert_breaks(d, w, &mut nodes, &s.win, fixed, &missing);
            }
            // Time windows, shift and working time: take out the job whose absence helps
            // most until the route fits.
            while nodes.iter().any(|&x| is_job(x) && !d.fixed[x as usize])
                && !d.feasible(w, &Route::eval_nodes(d, w, &nodes, &s.win))
            {
                let movable: Vec<usize> = (0..nodes.len())
                    .filter(|&i| is_job(nodes[i]) && !d.fixed[nodes[i] as usize])
                    .collect();
                let worst = movable
                    .into_iter()
                    .map(|i| {
                        let x = nodes.remove(i);
                        let seg = Route::eval_nodes(d, w, &nodes, &s.win);
                        nodes.insert(i, x);
                        (seg.warp, seg.dur, i)
                    })
                    .min_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).expect("finite"))
                    .map(|(_, _, i)| i)
                    .expect("a movable job exists");
                left.push(nodes.remove(worst));
            }
            if !nodes.iter().any(|&x| is_job(x)) {
                nodes.clear();
            } else if let Some((placed, _)) = first
                && !d.feasible(w, &Route::eval_nodes(d, w, &nodes, &s.win))
            {
                // Only the job under way is left, with breaks in a bad place.
                nodes.clone_from(placed);
            }
            for &x in &left {
                wanted[x as usize] = true;
            }
            for &x in nodes.iter().filter(|&&x| is_job(x)) {
                s.route_of[x as usize] = w as u32;
            }
            s.routes[w].nodes = nodes;
            s.routes[w].update(d, &s.win);
        }
        s.unassigned = jobs
            .iter()
            .copied()
            .filter(|&j| wanted[j as usize])
            .collect();
        s
    }

    pub fn cost(&self) -> f64 {
        self.routes.iter().map(|r| r.cost).sum()
    }

    /// Whether every route keeps its windows, shift and working time (no time warp).
    pub fn on_time(&self, d: &Data) -> bool {
        self.routes
            .iter()
            .all(|r| r.jobs == 0 || d.feasible(r.w, &r.full))
    }

    /// Takes jobs out of the late routes, each time the one whose absence leaves the least
    /// time warp, until every route is on time; returns the routes changed.
    pub fn eject_late(&mut self, d: &Data) -> Vec<usize> {
        let mut changed = Vec::new();
        for r in 0..self.routes.len() {
            while self.routes[r].jobs > 0 && !d.feasible(self.routes[r].w, &self.routes[r].full) {
                let route = &self.routes[r];
                let mut nodes = route.nodes.clone();
                let movable: Vec<usize> = (0..nodes.len())
                    .filter(|&i| (nodes[i] as usize) < d.n && !d.fixed[nodes[i] as usize])
                    .collect();
                let worst = movable
                    .into_iter()
                    .map(|i| {
                        let x = nodes.remove(i);
                        let seg = Route::eval_nodes(d, route.w, &nodes, &self.win);
                        nodes.insert(i, x);
                        (seg.warp, seg.dur, x)
                    })
                    .min_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).expect("finite"));
                let Some((_, _, x)) = worst else {
                    // Only a job under way is left: back to its breaks as first placed.
                    let route = &mut self.routes[r];
                    match &d.first[route.w] {
                        Some((nodes, _)) => route.nodes.clone_from(nodes),
                        None => route.nodes.clear(),
                    }
                    route.update(d, &self.win);
                    changed.push(r);
                    break;
                };
                self.remove_jobs(d, r, &[x]);
                if changed.last() != Some(&r) {
                    changed.push(r);
                }
            }
        }
        changed
    }

    pub fn missing(&self, d: &Data) -> f64 {
        self.unassigned.iter().map(|&j| d.weight[j as usize]).sum()
    }

    /// Copies the routes in `touched` and the job bookkeeping from `other`.
    pub fn copy_from(&mut self, other: &State, touched: &[usize]) {
        for &r in touched {
            self.routes[r].clone_from(&other.routes[r]);
        }
        self.route_of.copy_from_slice(&other.route_of);
        self.win.copy_from_slice(&other.win);
        self.unassigned.clone_from(&other.unassigned);
    }

    /// Takes the jobs in `remove` out of route `r`; the route's breaks go when it is empty.
    pub fn remove_jobs(&mut self, d: &Data, r: usize, remove: &[u32]) {
        let route = &mut self.routes[r];
        route.nodes.retain(|x| !remove.contains(x));
        for &j in remove {
            self.route_of[j as usize] = NONE;
            self.unassigned.push(j);
        }
        if route.nodes.iter().all(|&x| x as usize >= d.n) {
            route.nodes.clear();
        }
        if route.held && !Route::holds(d, &route.nodes) && !route.nodes.is_empty() {
            // The job that held the breaks left: they take their time again, where they
            // cost least.
            let fixed = d.first_free(route.w);
            route.nodes.retain(|&x| (x as usize) < d.n);
            place_breaks(d, route.w, &mut route.nodes, &self.win, fixed);
        }
        route.update(d, &self.win);
        if route.jobs > 0 && !d.feasible(route.w, &route.full) {
            // Only possible with a matrix that breaks the triangle inequality: leave out the
            // whole route rather than keep an infeasible one (a job under way stays, with
            // the breaks where they were placed first).
            let rest: Vec<u32> = route
                .nodes
                .iter()
                .copied()
                .filter(|&x| (x as usize) < d.n && !d.fixed[x as usize])
                .collect();
            if rest.is_empty() {
                let (nodes, _) = d.first[route.w].as_ref().expect("only a fixed job left");
                route.nodes.clone_from(nodes);
                route.update(d, &self.win);
            } else {
                self.remove_jobs(d, r, &rest);
            }
        }
    }
}

/// Puts each of worker `w`'s breaks into `nodes` (which has none) where it costs least
/// (least time warp, then shortest), at positions from `from` on.
fn place_breaks(d: &Data, w: usize, nodes: &mut Vec<u32>, win: &[u8], from: usize) {
    let all: Vec<usize> = (0..d.break_segs[w].len()).collect();
    insert_breaks(d, w, nodes, win, from, &all);
}

/// Puts the breaks `which` of worker `w` into `nodes` one by one where each costs least.
pub(crate) fn insert_breaks(
    d: &Data,
    w: usize,
    nodes: &mut Vec<u32>,
    win: &[u8],
    from: usize,
    which: &[usize],
) {
    for &b in which {
        let node = (d.n + b) as u32;
        let best = (from.min(nodes.len())..=nodes.len())
            .map(|p| {
                nodes.insert(p, node);
                let seg = Route::eval_nodes(d, w, nodes, win);
                nodes.remove(p);
                (seg.warp, seg.dur, p)
            })
            .min_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).expect("finite"));
        if let Some((_, _, p)) = best {
            nodes.insert(p, node);
        }
    }
}

/// The window of job `j` in which a service starting at `start` falls (the cheapest when
/// several do), else the first.
fn window_at(d: &Data, j: usize, start: f64) -> u8 {
    d.job_segs[j]
        .iter()
        .enumerate()
        .filter(|(_, s)| start >= s.early - 1e-6 && start <= s.late + 1e-6)
        .min_by(|a, b| d.seg_costs[j][a.0].total_cmp(&d.seg_costs[j][b.0]))
        .map_or(0, |(k, _)| k as u8)
}
