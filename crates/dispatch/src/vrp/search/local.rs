//! Local search on a plan after each recreate: moves between nearby jobs (relocate, swap,
//! 2-opt* between routes of any two workers, relocate and 2-opt inside a route), evaluated
//! in O(1) with the cached segments (2-opt* with breaks in a tail: linear, see `star`) and
//! applied at the first improvement, until none is left. "Nearby" is by distance and time
//! windows (`Data::granular`). With a warp weight (`Sisr::warp_weight`) a move may make a
//! route late at that cost per unit of time warp (`soft_local_search`, with its repair).

use super::penalty::{Penalty, REPAIR_BOOST, REPAIR_TRIES};
use super::sisr::Sisr;
use super::star;
use super::state::{NONE, Route, State};

/// Whether taking job `j` out of `route` leaves it without a job that holds its breaks
/// while it has breaks.
fn loses_hold(d: &super::data::Data, route: &Route, j: usize) -> bool {
    route.held
        && d.holds[j]
        && route
            .nodes
            .iter()
            .filter(|&&x| (x as usize) < d.n && d.holds[x as usize])
            .count()
            == 1
}

const GAIN: f64 = 1e-7;

/// What the distance filter needs of a pair of jobs `u` (route `a`, position `i`) and `v`
/// (route `b`, position `j`): their places, their neighbours' places, the workers' costs
/// per unit of distance, and the change of distance of taking `u` out of `a`. A move is
/// evaluated only if its change of cost by distance is below `floor` (the gain a move
/// must make, less a margin for rounding), so the filter never drops a move that pays.
struct Detours {
    lu: usize,
    lv: usize,
    pa: usize,
    na: usize,
    pb: usize,
    nb: usize,
    ca: f64,
    cb: f64,
    out_u: f64,
    floor: f64,
}

impl Detours {
    #[allow(clippy::too_many_arguments)]
    fn new(
        d: &super::data::Data,
        a: &Route,
        i: usize,
        lu: u32,
        b: &Route,
        j: usize,
        lv: u32,
        before: f64,
    ) -> Self {
        let (lu, lv) = (lu as usize, lv as usize);
        let (pa, na) = (a.pre[i].last as usize, a.suf[i + 1].first as usize);
        Detours {
            lu,
            lv,
            pa,
            na,
            pb: b.pre[j].last as usize,
            nb: b.suf[j + 1].first as usize,
            ca: d.p.workers[a.w].cost_per_distance,
            cb: d.p.workers[b.w].cost_per_distance,
            out_u: -d.detour(pa, lu, na),
            floor: -GAIN + 1e-9 * before.abs().max(1.0),
        }
    }

    /// Whether moving `u` before position `p` of `b` may pay (`a` keeps other jobs).
    fn relocation_may_pay(&self, d: &super::data::Data, b: &Route, p: usize) -> bool {
        let (x, y) = (b.pre[p].last as usize, b.suf[p].first as usize);
        let into_b = d.detour(x, self.lu, y);
        self.ca * self.out_u + self.cb * into_b < self.floor
    }

    /// Whether swapping `u` and `v` may pay.
    fn swap_may_pay(&self, d: &super::data::Data) -> bool {
        let m = &d.p.matrix;
        let (lu, lv) = (self.lu, self.lv);
        let into_a = d.detour(self.pa, lv, self.na);
        let into_b = m.distance(self.pb, lu) + m.distance(lu, self.nb)
            - m.distance(self.pb, lv)
            - m.distance(lv, self.nb);
        self.ca * (self.out_u + into_a) + self.cb * into_b < self.floor
    }
}
/// Longest part of a route that an intra-route move re-times (relocate span, 2-opt
/// reversal): the evaluation is linear in it. 25 rather than 12 reaches across the long
/// routes of wide-window days (R2/RC2 routes hold 25-50 stops).
const MAX_SPAN: usize = 25;

impl Sisr<'_, '_> {
    /// Improves `s` until no move between a job and one of its near neighbours pays.
    pub fn local_search(&mut self, s: &mut State, max_rounds: usize) {
        let d = self.d;
        let mut pos = vec![0usize; d.n];
        for r in &s.routes {
            for (i, &x) in r.nodes.iter().enumerate() {
                if (x as usize) < d.n {
                    pos[x as usize] = i;
                }
            }
        }
        let mut order: Vec<u32> = Vec::new();
        for &r in &self.touched {
            order.extend(
                s.routes[r]
                    .nodes
                    .iter()
                    .copied()
                    .filter(|&x| (x as usize) < d.n),
            );
        }
        let mut improved = true;
        let mut rounds = 0;
        while improved && rounds < max_rounds {
            improved = false;
            rounds += 1;
            self.rng.shuffle(&mut order);
            for &u in &order {
                for n in 0..d.granular[u as usize].len() {
                    let v = d.granular[u as usize][n];
                    if s.route_of[v as usize] == NONE || s.route_of[u as usize] == NONE {
                        continue;
                    }
                    if let Some(changed) = self.try_moves(s, &pos, u as usize, v as usize) {
                        for r in changed {
                            if r == usize::MAX {
                                continue;
                            }
                            s.routes[r].update(d, &s.win);
                            self.touch(r);
                            for (i, &x) in s.routes[r].nodes.iter().enumerate() {
                                if (x as usize) < d.n {
                                    pos[x as usize] = i;
                                    s.route_of[x as usize] = r as u32;
                                }
                            }
                        }
                        improved = true;
                    }
                }
            }
        }
    }

    /// The local search with soft windows (penalised time warp at `penalty`'s weight),
    /// then, when the result is late somewhere, the repair: the same search at a weight
    /// [`REPAIR_BOOST`] times higher, raised again up to [`REPAIR_TRIES`] times. Returns
    /// whether `s` is free of time warp; when it is not, the caller must drop it.
    pub fn soft_local_search(&mut self, s: &mut State, penalty: &mut Penalty) -> bool {
        let d = self.d;
        self.warp_weight = penalty.weight;
        self.local_search(s, 1);
        let mut feasible = s.on_time(d);
        penalty.record(feasible);
        let mut weight = penalty.weight;
        for _ in 0..REPAIR_TRIES {
            if feasible {
                break;
            }
            weight *= REPAIR_BOOST;
            self.warp_weight = weight;
            self.local_search(s, 2);
            feasible = s.on_time(d);
        }
        self.warp_weight = 0.0;
        feasible
    }

    /// Tries the moves between `u` and its neighbour `v`; applies the first that pays and
    /// returns the routes it changed.
    fn try_moves(
        &mut self,
        s: &mut State,
        pos: &[usize],
        u: usize,
        v: usize,
    ) -> Option<[usize; 2]> {
        let d = self.d;
        let m = &d.p.matrix;
        let (ra, rb) = (s.route_of[u] as usize, s.route_of[v] as usize);
        let (i, j) = (pos[u], pos[v]);
        if ra == rb {
            return self.intra(s, ra, i, j);
        }
        let (a, b) = (&s.routes[ra], &s.routes[rb]);
        let before = self.route_score(a) + self.route_score(b);
        let su = a.node_seg(d, u as u32, &s.win);
        let sv = b.node_seg(d, v as u32, &s.win);
        let (ku, kv) = (s.win[u], s.win[v]);
        let before_u = i.checked_sub(1).map(|k| a.nodes[k]);
        let a_without_u = a.tail(d, a.pre[i], before_u, i + 1, &s.win);
        let cost_a_without = if a.jobs == 1 {
            0.0
        } else {
            self.score(a.w, &a_without_u) + a.penalty - d.penalty(u, a.w, ku)
        };
        // A route whose only job holding the breaks leaves would need its breaks placed
        // again, which the cached segments cannot tell: such moves are not tried.
        // (A route left empty needs none; a swap leaves neither empty.)
        let a_loses = loses_hold(d, a, u);
        let b_loses = loses_hold(d, b, v);
        let a_ok = a.jobs == 1 || (!a_loses && self.ok(a.w, &a_without_u));
        // Jobs under way stay where they are.
        let movable = !d.fixed[u];
        // The change of distance alone decides, where it can (see `Sisr::by_distance`).
        let bound = self
            .by_distance(a, b)
            .then(|| Detours::new(d, a, i, su.first, b, j, sv.first, before));
        // Relocate u next to v (before, then after).
        if movable && a_ok && self.can_take(s, rb, u, None) {
            let b_pen = b.penalty + d.penalty(u, b.w, ku);
            for p in [j, j + 1] {
                if p < d.first_free(b.w) {
                    continue;
                }
                if a.jobs > 1
                    && let Some(f) = &bound
                    && !f.relocation_may_pay(d, b, p)
                {
                    continue;
                }
                let seg = b.eval_insert(d, p, u as u32, &su, &s.win);
                if self.ok(b.w, &seg)
                    && cost_a_without + self.score(b.w, &seg) + b_pen < before - GAIN
                {
                    let route = &mut s.routes[ra];
                    route.nodes.remove(i);
                    if route.nodes.iter().all(|&x| x as usize >= d.n) {
                        route.nodes.clear();
                    }
                    s.routes[rb].nodes.insert(p, u as u32);
                    s.route_of[u] = rb as u32;
                    return Some([ra, rb]);
                }
            }
        }
        // Swap u and v.
        if movable
            && !d.fixed[v]
            && (!a_loses || d.holds[v])
            && (!b_loses || d.holds[u])
            && self.can_take(s, rb, u, Some(v))
            && self.can_take(s, ra, v, Some(u))
            && bound.as_ref().is_none_or(|f| f.swap_may_pay(d))
        {
            let na = a.tail(d, a.pre[i].then(&sv, m), Some(v as u32), i + 1, &s.win);
            let nb = b.tail(d, b.pre[j].then(&su, m), Some(u as u32), j + 1, &s.win);
            let pen_a = a.penalty - d.penalty(u, a.w, ku) + d.penalty(v, a.w, kv);
            let pen_b = b.penalty - d.penalty(v, b.w, kv) + d.penalty(u, b.w, ku);
            if self.ok(a.w, &na)
                && self.ok(b.w, &nb)
                && self.score(a.w, &na) + pen_a + self.score(b.w, &nb) + pen_b < before - GAIN
            {
                s.routes[ra].nodes[i] = v as u32;
                s.routes[rb].nodes[j] = u as u32;
                s.route_of[u] = rb as u32;
                s.route_of[v] = ra as u32;
                return Some([ra, rb]);
            }
        }
        // 2-opt*: exchange the tails of the two routes, after u/v or from u/v on; each
        // route keeps its worker's start, end and breaks.
        for (x, y) in [(i + 1, j + 1), (i, j)] {
            if x < d.first_free(a.w)
                || y < d.first_free(b.w)
                || (x == a.nodes.len() && y == b.nodes.len())
            {
                continue;
            }
            let soft = self.warp_weight > 0.0;
            let Some(new_a) = star::side(d, &s.win, a, x, b, y, soft) else {
                continue;
            };
            let Some(new_b) = star::side(d, &s.win, b, y, a, x, soft) else {
                continue;
            };
            // Summing the penalties walks both routes: only when jobs carry any (promises
            // or window costs), never on a problem without them (13% of a step on RC202).
            let pen = |w, head: &[u32], tail: &[u32]| {
                if d.penalized {
                    Route::penalty_of(d, w, head, &s.win) + Route::penalty_of(d, w, tail, &s.win)
                } else {
                    0.0
                }
            };
            let pen_a = pen(a.w, &a.nodes[..x], &b.nodes[y..]);
            let pen_b = pen(b.w, &b.nodes[..y], &a.nodes[x..]);
            let warp = self.warp_weight * (new_a.warp() + new_b.warp());
            if new_a.cost(d, a.w, pen_a) + new_b.cost(d, b.w, pen_b) + warp >= before - GAIN
                || !self.tails_fit(s, ra, x, rb, y)
            {
                continue;
            }
            let nodes_a = new_a.into_nodes(a, x, b, y);
            let nodes_b = new_b.into_nodes(b, y, a, x);
            s.routes[ra].nodes = nodes_a;
            s.routes[rb].nodes = nodes_b;
            return Some([ra, rb]);
        }
        None
    }

    /// Whether a move between routes `a` and `b` can only pay if it shortens them (Vidal
    /// et al. 2013 evaluate the distance first): no breaks (every node is a place, so the
    /// cached segments' end places are the neighbours), no penalties, both workers paying
    /// for distance only, and, with soft windows, neither route late now (time warp can
    /// then only be added). Moves that leave a route empty (its fixed cost saved) are not
    /// filtered by the caller. The filter never changes which move is applied.
    fn by_distance(&self, a: &Route, b: &Route) -> bool {
        let d = self.d;
        self.distance_filter
            && !d.penalized
            && !a.breaks
            && !b.breaks
            && d.distance_only[a.w]
            && d.distance_only[b.w]
            && (self.warp_weight == 0.0 || (a.full.warp == 0.0 && b.full.warp == 0.0))
    }

    /// Whether route `r` may take job `add` (replacing `drop`): skills, pins, capacity and
    /// the maximum of jobs.
    fn can_take(&self, s: &State, r: usize, add: usize, drop: Option<usize>) -> bool {
        let d = self.d;
        let route = &s.routes[r];
        if !d.able(add, route.w) {
            return false;
        }
        if drop.is_none()
            && d.p.workers[route.w]
                .max_jobs
                .is_some_and(|m| route.jobs >= m)
        {
            return false;
        }
        let cap = d.capacity(route.w);
        let qa = d.demand(add);
        (0..d.dims).all(|k| route.load[k] + qa[k] - drop.map_or(0, |x| d.demand(x)[k]) <= cap[k])
    }

    /// Whether the exchanged tails respect the capacities and maxima of jobs.
    fn tails_fit(&self, s: &State, ra: usize, x: usize, rb: usize, y: usize) -> bool {
        let d = self.d;
        let (a, b) = (&s.routes[ra], &s.routes[rb]);
        // Load and jobs of a head.
        let head = |nodes: &[u32]| {
            let mut load = vec![0i64; d.dims];
            let mut jobs = 0;
            for &n in nodes.iter().filter(|&&n| (n as usize) < d.n) {
                jobs += 1;
                load.iter_mut()
                    .zip(d.demand(n as usize))
                    .for_each(|(l, q)| *l += q);
            }
            (load, jobs)
        };
        let (head_a, in_a) = head(&a.nodes[..x]);
        let (head_b, in_b) = head(&b.nodes[..y]);
        let jobs_a = in_a + b.jobs - in_b;
        let jobs_b = in_b + a.jobs - in_a;
        let within = |w: usize, jobs: usize| d.p.workers[w].max_jobs.is_none_or(|m| jobs <= m);
        within(a.w, jobs_a)
            && within(b.w, jobs_b)
            && (0..d.dims).all(|k| {
                let new_a = head_a[k] + (b.load[k] - head_b[k]);
                let new_b = head_b[k] + (a.load[k] - head_a[k]);
                new_a <= d.capacity(a.w)[k] && new_b <= d.capacity(b.w)[k]
            })
    }

    /// Moves the stop at `i` next to the stop at `j` in the same route, when it pays.
    fn intra(&mut self, s: &mut State, r: usize, i: usize, j: usize) -> Option<[usize; 2]> {
        let d = self.d;
        let route = &s.routes[r];
        let locked = d.first_free(route.w);
        for target in [j, j + 1] {
            // Moving i to just before `target`; a job under way stays first.
            if target == i
                || target == i + 1
                || target.abs_diff(i) > MAX_SPAN
                || i.min(target) < locked
            {
                continue;
            }
            let (lo, hi) = if i < target {
                (i, target)
            } else {
                (target, i + 1)
            };
            let moved = route.nodes[i];
            let start = lo.checked_sub(1).map(|k| route.nodes[k]);
            // Folded straight from the route's nodes: collecting them first cost an
            // allocation per evaluation.
            let (seg, last) = if i < target {
                let order = route.nodes[i + 1..target].iter().copied().chain([moved]);
                route.fold(d, route.pre[lo], start, order, &s.win)
            } else {
                let order = [moved]
                    .into_iter()
                    .chain(route.nodes[target..i].iter().copied());
                route.fold(d, route.pre[lo], start, order, &s.win)
            };
            let seg = route.tail(d, seg, last, hi, &s.win);
            if self.ok(route.w, &seg)
                && self.score(route.w, &seg) + route.penalty < self.route_score(route) - GAIN
            {
                let span = &mut s.routes[r].nodes[lo..hi];
                if i < target {
                    span.rotate_left(1);
                } else {
                    span.rotate_right(1);
                }
                return Some([r, usize::MAX]);
            }
        }
        // 2-opt: reverse the stops after the first of the two up to the second, so that
        // they follow each other.
        let (lo, hi) = (i.min(j), i.max(j));
        if hi > lo + 1 && hi - lo <= MAX_SPAN {
            let (seg, last) = route.fold(
                d,
                route.pre[lo + 1],
                Some(route.nodes[lo]),
                route.nodes[lo + 1..=hi].iter().rev().copied(),
                &s.win,
            );
            let seg = route.tail(d, seg, last, hi + 1, &s.win);
            if self.ok(route.w, &seg)
                && self.score(route.w, &seg) + route.penalty < self.route_score(route) - GAIN
            {
                s.routes[r].nodes[lo + 1..=hi].reverse();
                return Some([r, usize::MAX]);
            }
        }
        None
    }
}
