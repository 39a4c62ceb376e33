//! Time-warp segments (Nagata et al. 2010; Vidal et al. 2013): a summary of a sequence of
//! stops that can be concatenated with another in O(1), giving the duration, distance
//! and the time warp (how much the windows would be violated) of the joined sequence.
//! Evaluating an insertion is then two concatenations of cached prefixes and suffixes.
//!
//! Breaks have no location: the worker takes them where they are, then travels on. So the
//! travel between two places is timed just before the next place, after any break, and
//! `a.then(b)` is only right when `b` is a single break or starts at a place; the route
//! code keeps to that (see `Route::suffix_after`).

use crate::vrp::model::Matrix;

/// A location that does not move the worker (a break is taken where the worker is).
pub(crate) const NOWHERE: u32 = u32::MAX;

/// Summary of a sequence of stops.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Segment {
    /// Minimal time from the start of the first stop to the end of the last one.
    pub dur: f64,
    /// Sum of the window violations when started at its best time.
    pub warp: f64,
    /// Earliest start of the first stop giving the minimal duration.
    pub early: f64,
    /// Latest start of the first stop without extra time warp.
    pub late: f64,
    /// Distance travelled inside the sequence.
    pub dist: f64,
    /// First and last location that the worker occupies ([`NOWHERE`] for breaks only).
    pub first: u32,
    /// See `first`.
    pub last: u32,
}

impl Segment {
    /// A single stop at `loc` lasting `dur`, to start inside `[early, late]`.
    pub fn stop(loc: u32, dur: f64, early: f64, late: f64) -> Self {
        Self {
            dur,
            warp: 0.0,
            early,
            late,
            dist: 0.0,
            first: loc,
            last: loc,
        }
    }

    /// This sequence followed by `next`.
    #[inline(always)]
    pub fn then(&self, next: &Segment, m: &Matrix) -> Segment {
        let (travel, dist) = if self.last != NOWHERE && next.first != NOWHERE {
            let (a, b) = (self.last as usize, next.first as usize);
            (m.duration(a, b), m.distance(a, b))
        } else {
            (0.0, 0.0)
        };
        let delta = self.dur - self.warp + travel;
        let wait = (next.early - delta - self.late).max(0.0);
        let warp = (self.early + delta - next.late).max(0.0);
        Segment {
            dur: self.dur + next.dur + travel + wait,
            warp: self.warp + next.warp + warp,
            early: (next.early - delta).max(self.early) - wait,
            late: (next.late - delta).min(self.late) + warp,
            dist: self.dist + next.dist + dist,
            first: if self.first == NOWHERE {
                next.first
            } else {
                self.first
            },
            last: if next.last == NOWHERE {
                self.last
            } else {
                next.last
            },
        }
    }
}
