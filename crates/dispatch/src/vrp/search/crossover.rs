//! The plans past walks ended in (elites), and a route-exchange crossover of two of them
//! (SREX in spirit, Nagata & Kobayashi 2010): a child takes a few neighbouring routes of
//! one parent whole, into routes of the other's interchangeable workers; the jobs this
//! displaces are put back by the recreate.

use super::rng::Rng;
use super::sisr::Sisr;
use super::state::{NONE, State};

/// At most this share of the donor's used routes is copied into the child.
const MAX_SHARE: f64 = 0.5;

/// The shortest plans with every job in that past walks ended in, no two of the same cost.
pub(crate) struct Elites {
    plans: Vec<(f64, State)>,
    most: usize,
}

impl Elites {
    pub fn new(most: usize) -> Self {
        Self {
            plans: Vec::new(),
            most,
        }
    }

    pub fn len(&self) -> usize {
        self.plans.len()
    }

    /// Keeps `s` (of cost `cost`, every job in) if it is among the shortest and no kept
    /// plan costs the same (the same plan, as a rule).
    pub fn offer(&mut self, cost: f64, s: &State) {
        let same = |c: f64| (c - cost).abs() <= 1e-6 * c.abs().max(1.0);
        if self.plans.iter().any(|(c, _)| same(*c)) {
            return;
        }
        if self.plans.len() >= self.most && self.plans.last().is_some_and(|(c, _)| *c <= cost) {
            return;
        }
        self.plans.push((cost, s.clone()));
        self.plans.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.plans.truncate(self.most);
    }

    /// Two different kept plans at random (at least two must be kept).
    pub fn two(&self, rng: &mut Rng) -> (&State, &State) {
        let a = rng.below(self.plans.len());
        let mut b = rng.below(self.plans.len() - 1);
        if b >= a {
            b += 1;
        }
        (&self.plans[a].1, &self.plans[b].1)
    }
}

impl Sisr<'_, '_> {
    /// A child of `base` that serves some of `donor`'s routes exactly as the donor does:
    /// the donor's route holding a random job and those holding its nearest neighbours
    /// (one to half of the donor's routes), each given to the `base` route of an
    /// interchangeable worker that shares most jobs with it. Jobs of the replaced routes
    /// and copies of the donor's jobs elsewhere are taken out, then recreated; routes under
    /// way (a fixed first job) are never exchanged. The child's changed routes are touched;
    /// it may leave jobs out.
    pub fn crossover(&mut self, base: &State, donor: &State) -> State {
        let d = self.d;
        let mut child = base.clone();
        let under_way = |s: &State, r: usize| {
            s.routes[r]
                .nodes
                .iter()
                .any(|&x| (x as usize) < d.n && d.fixed[x as usize])
        };
        let donor_used: Vec<usize> = (0..donor.routes.len())
            .filter(|&r| donor.routes[r].jobs > 0 && !under_way(donor, r))
            .collect();
        if donor_used.is_empty() {
            return child;
        }
        let most = ((donor_used.len() as f64 * MAX_SHARE).floor() as usize).max(1);
        let wanted = 1 + self.rng.below(most);
        // The donor's routes around a random job, nearest first.
        let r0 = donor_used[self.rng.below(donor_used.len())];
        let j0 = donor.routes[r0]
            .nodes
            .iter()
            .copied()
            .find(|&x| (x as usize) < d.n)
            .expect("a used route holds a job");
        let mut chosen: Vec<usize> = Vec::new();
        let near = std::iter::once(j0).chain(d.neighbours[j0 as usize].iter().copied());
        for j in near {
            if chosen.len() >= wanted {
                break;
            }
            let r = donor.route_of[j as usize];
            if r == NONE || chosen.contains(&(r as usize)) || under_way(donor, r as usize) {
                continue;
            }
            chosen.push(r as usize);
        }
        // Each chosen donor route goes to the base route of an interchangeable worker that
        // shares most of its jobs (an empty one if none shares any).
        let mut taken = vec![false; child.routes.len()];
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for &rb in &chosen {
            let wb = donor.routes[rb].w;
            let target = (0..child.routes.len())
                .filter(|&ra| {
                    !taken[ra]
                        && d.class[child.routes[ra].w] == d.class[wb]
                        && !under_way(&child, ra)
                })
                .max_by_key(|&ra| {
                    let shared = donor.routes[rb]
                        .nodes
                        .iter()
                        .filter(|&&x| (x as usize) < d.n && base.route_of[x as usize] == ra as u32)
                        .count();
                    // Prefer, among routes sharing nothing, an empty one.
                    (shared, usize::from(child.routes[ra].jobs == 0))
                });
            if let Some(ra) = target {
                taken[ra] = true;
                pairs.push((rb, ra));
            }
        }
        if pairs.is_empty() {
            return child;
        }
        // Take out the jobs of the replaced routes and the donor's jobs wherever they are.
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); child.routes.len()];
        for &(_, ra) in &pairs {
            out[ra].extend(
                child.routes[ra]
                    .nodes
                    .iter()
                    .copied()
                    .filter(|&x| (x as usize) < d.n),
            );
        }
        for &(rb, _) in &pairs {
            for &x in &donor.routes[rb].nodes {
                if (x as usize) < d.n {
                    let r = child.route_of[x as usize];
                    if r != NONE && !taken[r as usize] {
                        out[r as usize].push(x);
                    }
                }
            }
        }
        for (r, jobs) in out.iter().enumerate() {
            if !jobs.is_empty() {
                child.remove_jobs(d, r, jobs);
                self.touch(r);
            }
        }
        for &(rb, ra) in &pairs {
            let nodes = donor.routes[rb].nodes.clone();
            for &x in &nodes {
                if (x as usize) < d.n {
                    child.win[x as usize] = donor.win[x as usize];
                    child.route_of[x as usize] = ra as u32;
                }
            }
            child.routes[ra].nodes = nodes;
            child.routes[ra].update(d, &child.win);
            debug_assert!(d.feasible(child.routes[ra].w, &child.routes[ra].full));
            self.touch(ra);
        }
        child
            .unassigned
            .retain(|&j| child.route_of[j as usize] == NONE);
        child
    }
}
