//! 2-opt\*: two routes exchange their tails. Each route keeps its own worker's start, end
//! and breaks: the jobs of the other route's tail follow this route's head, and go to this
//! worker's end location; breaks never cross, and the breaks of the tail this route gives
//! away are placed again in its new tail where they cost least.
//!
//! When no break is in either tail (and whether a job holds the breaks does not change),
//! a side is evaluated in O(1) from the cached segments: the head's prefix, the other
//! tail without its end (`Route::rest`), then this worker's end. Otherwise the new route
//! is built and folded, which is linear in its length (short routes with breaks, as in a
//! working day).

use super::data::Data;
use super::segment::Segment;
use super::state::{Route, insert_breaks};

/// What a route becomes in a 2-opt\* move.
#[derive(Clone, Debug)]
pub(crate) enum Side {
    /// No job left: the route is emptied, breaks and all.
    Empty,
    /// The head, then the other route's tail as it is (no break in either tail).
    Joined(Segment),
    /// The head, the other tail's jobs and this worker's breaks of its old tail placed
    /// again.
    Built(Vec<u32>, Segment),
}

impl Side {
    /// Cost of the new route with `penalty` (the penalties of its jobs); zero when empty.
    pub fn cost(&self, d: &Data, w: usize, penalty: f64) -> f64 {
        match self {
            Side::Empty => 0.0,
            Side::Joined(s) | Side::Built(_, s) => d.route_cost(w, s) + penalty,
        }
    }

    /// Time warp of the new route (zero when empty).
    pub fn warp(&self) -> f64 {
        match self {
            Side::Empty => 0.0,
            Side::Joined(s) | Side::Built(_, s) => s.warp,
        }
    }

    /// The new nodes of route `a` keeping `a.nodes[..x]` and taking `b.nodes[y..]`.
    pub fn into_nodes(self, a: &Route, x: usize, b: &Route, y: usize) -> Vec<u32> {
        match self {
            Side::Empty => Vec::new(),
            Side::Joined(_) => a.nodes[..x].iter().chain(&b.nodes[y..]).copied().collect(),
            Side::Built(nodes, _) => nodes,
        }
    }

    /// The segment of the new route (`None` when empty).
    #[cfg(test)]
    pub fn segment(&self) -> Option<&Segment> {
        match self {
            Side::Empty => None,
            Side::Joined(s) | Side::Built(_, s) => Some(s),
        }
    }
}

/// Route `a` keeping `a.nodes[..x]` and taking the jobs of `b.nodes[y..]`: `None` when one
/// of those jobs is not allowed for `a`'s worker (skills, pins) or the new route breaks a
/// window, the shift or the working time (`soft`: only the working time; the caller weighs
/// the time warp). Capacities and maxima of jobs are checked by the caller.
pub(crate) fn side(
    d: &Data,
    win: &[u8],
    a: &Route,
    x: usize,
    b: &Route,
    y: usize,
    soft: bool,
) -> Option<Side> {
    let fits = |seg: &Segment| {
        if soft {
            d.within_working_time(a.w, seg)
        } else {
            d.feasible(a.w, seg)
        }
    };
    let is_job = |n: &u32| (*n as usize) < d.n;
    let same = d.class[a.w] == d.class[b.w];
    let head = &a.nodes[..x];
    let taken = &b.nodes[y..];
    if !same
        && taken
            .iter()
            .any(|&n| is_job(&n) && !d.able(n as usize, a.w))
    {
        return None;
    }
    if !head.iter().chain(taken).any(is_job) {
        return Some(Side::Empty);
    }
    let crosses = (b.breaks && taken.iter().any(|n| !is_job(n)))
        || (a.breaks && a.nodes[x..].iter().any(|n| !is_job(n)));
    let held_changes = a.breaks && (Route::holds(d, head) || Route::holds(d, taken)) != a.held;
    if !crosses && !held_changes {
        let m = &d.p.matrix;
        let seg = if y == b.nodes.len() {
            a.pre[x].then(&d.end_seg[a.w], m)
        } else if same {
            a.pre[x].then(&b.suf[y], m)
        } else {
            a.pre[x].then(&b.rest[y], m).then(&d.end_seg[a.w], m)
        };
        return fits(&seg).then_some(Side::Joined(seg));
    }
    let mut nodes: Vec<u32> = head
        .iter()
        .chain(taken.iter().filter(|n| is_job(n)))
        .copied()
        .collect();
    let own: Vec<usize> = a.nodes[x..]
        .iter()
        .filter(|n| !is_job(n))
        .map(|&n| n as usize - d.n)
        .collect();
    insert_breaks(d, a.w, &mut nodes, win, x, &own);
    let seg = Route::eval_nodes(d, a.w, &nodes, win);
    fits(&seg).then_some(Side::Built(nodes, seg))
}
