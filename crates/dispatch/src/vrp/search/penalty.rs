//! The weight of time warp in the soft-window local search (penalised time warp: Nagata,
//! Bräysy & Dullaert 2010; Vidal et al. 2013; PyVRP's penalty manager): the local search
//! may leave a stop late at a cost per unit of lateness, and this weight is adapted so that
//! about a target share of its results are on time. Lower, the search crosses more freely
//! through plans that are late somewhere; higher, it stays near the feasible ones. A result
//! that is late is then repaired by the same local search at a much higher weight, and
//! dropped if that does not make it feasible: a plan with time warp is never kept.

use super::data::Data;

/// Share of local-search results that should be feasible (PyVRP's default).
const TARGET: f64 = 0.65;
/// Results between two adaptations of the weight.
const EVERY: usize = 50;
/// Factors applied to the weight when too few / too many results are feasible.
const UP: f64 = 1.25;
const DOWN: f64 = 0.85;
/// The weight of the repair step, as a multiple of the current weight, and how many
/// times it is raised again (times this factor) while a plan stays late.
pub(crate) const REPAIR_BOOST: f64 = 10.0;
pub(crate) const REPAIR_TRIES: usize = 2;

/// An adaptive weight per unit of time warp.
#[derive(Clone, Debug)]
pub(crate) struct Penalty {
    pub weight: f64,
    min: f64,
    max: f64,
    seen: usize,
    feasible: usize,
}

impl Penalty {
    /// Starts at the cost of a unit of time on an average leg (distance and time both
    /// priced), so that a unit of warp first costs about what a unit of travel does.
    pub fn new(d: &Data) -> Self {
        let m = &d.p.matrix;
        let (mut cost, mut time) = (0.0, 0.0);
        let step = (d.n / 50).max(1);
        for i in (0..d.n).step_by(step) {
            for j in (0..d.n).step_by(step) {
                let (a, b) = (d.p.jobs[i].location, d.p.jobs[j].location);
                if a == b {
                    continue;
                }
                for worker in d.p.workers.iter().take(1) {
                    cost += worker.cost_per_distance * m.distance(a, b)
                        + worker.cost_per_time * m.duration(a, b);
                }
                time += m.duration(a, b);
            }
        }
        let start = if time > 0.0 && cost > 0.0 {
            cost / time
        } else {
            1.0
        };
        Self {
            weight: start,
            min: start * 1e-3,
            max: start * 1e4,
            seen: 0,
            feasible: 0,
        }
    }

    /// Records whether a local-search result was feasible, adapting the weight every
    /// [`EVERY`] results.
    pub fn record(&mut self, feasible: bool) {
        self.seen += 1;
        self.feasible += usize::from(feasible);
        if self.seen == EVERY {
            let share = self.feasible as f64 / EVERY as f64;
            if share < TARGET - 0.05 {
                self.weight = (self.weight * UP).min(self.max);
            } else if share > TARGET + 0.05 {
                self.weight = (self.weight * DOWN).max(self.min);
            }
            (self.seen, self.feasible) = (0, 0);
        }
    }
}
