//! The search's own evaluations against a plain replay of the routes they describe.

use proptest::prelude::*;

use super::data::Data;
use super::penalty::Penalty;
use super::sisr::{Params, Sisr};
use super::star::{self, Side};
use super::state::{Route, State};
use crate::vrp::{Break, Job, Matrix, Problem, Skills, TimeWindow, Worker};

/// A working day in small: every worker with their own home and end, most with a break,
/// some jobs long enough to hold the break, skills and capacities.
fn days() -> impl Strategy<Value = Problem> {
    let points = prop::collection::vec((0.0..100.0f64, 0.0..100.0f64), 12..30);
    (points, 2usize..6, any::<u64>()).prop_map(|(points, workers, bits)| {
        let mut x = bits | 1;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n.max(1)
        };
        let n = points.len();
        let matrix = Matrix::euclidean(&points);
        let jobs = (workers..n)
            .map(|loc| {
                let mut job = Job::at(loc, 5.0 + next(30) as f64);
                if next(2) == 0 {
                    let start = next(300) as f64;
                    job.windows = vec![TimeWindow::new(start, start + 40.0 + next(200) as f64)];
                }
                job.skills = Skills(next(4) & next(2));
                job.demand = vec![1 + next(3) as i64];
                job.holds_breaks = next(8) == 0;
                job
            })
            .collect();
        let workers = (0..workers)
            .map(|w| {
                let mut worker = Worker::at(w, TimeWindow::new(0.0, 500.0 + next(200) as f64));
                worker.end_location = next(workers as u64) as usize;
                worker.skills = Skills(next(4));
                worker.capacity = vec![8 + next(12) as i64];
                if next(4) != 0 {
                    let s = 150.0 + next(150) as f64;
                    worker.breaks.push(Break {
                        window: TimeWindow::new(s, s + 60.0),
                        duration: 15.0 + next(30) as f64,
                    });
                }
                worker.cost_per_time = next(2) as f64;
                worker
            })
            .collect();
        Problem {
            jobs,
            workers,
            matrix,
        }
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every 2-opt* exchange the search may apply is evaluated as a replay of the new
    /// route finds it, for workers with different homes, ends and breaks; and a tail
    /// exchange without breaks in either tail is never refused when its replay fits.
    #[test]
    fn tail_exchanges_are_evaluated_as_replayed(problem in days(), seed in any::<u64>()) {
        let d = Data::new(&problem);
        let jobs: Vec<u32> = (0..d.n as u32).collect();
        let mut s = State::new(&d, &jobs);
        Sisr::new(&d, Params::default(), seed).recreate(&mut s, false);
        let used: Vec<usize> = (0..s.routes.len()).filter(|&r| s.routes[r].jobs > 0).collect();
        for &ra in &used {
            for &rb in used.iter().filter(|&&r| r != ra) {
                let (a, b) = (&s.routes[ra], &s.routes[rb]);
                for x in 0..=a.nodes.len() {
                    for y in 0..=b.nodes.len() {
                        let head = &a.nodes[..x];
                        let taken = &b.nodes[y..];
                        let able = taken
                            .iter()
                            .all(|&n| n as usize >= d.n || d.able(n as usize, a.w));
                        match star::side(&d, &s.win, a, x, b, y, false) {
                            Some(side) => {
                                prop_assert!(able);
                                let seg = side.segment().copied();
                                let nodes = side.clone().into_nodes(a, x, b, y);
                                let jobs = nodes.iter().filter(|&&n| (n as usize) < d.n).count();
                                let own_breaks = nodes.iter().filter(|&&n| n as usize >= d.n).count();
                                if jobs == 0 {
                                    prop_assert!(matches!(side, Side::Empty));
                                    continue;
                                }
                                // The worker's own breaks, each once; the other's never.
                                prop_assert_eq!(own_breaks, problem.workers[a.w].breaks.len());
                                let mut sorted: Vec<u32> = nodes.clone();
                                sorted.sort_unstable();
                                sorted.dedup();
                                prop_assert_eq!(sorted.len(), nodes.len());
                                let replay = Route::eval_nodes(&d, a.w, &nodes, &s.win);
                                let seg = seg.expect("a route with jobs has a segment");
                                prop_assert!(d.feasible(a.w, &replay));
                                prop_assert!(close(seg.dur, replay.dur), "{seg:?} {replay:?}");
                                prop_assert!(close(seg.dist, replay.dist), "{seg:?} {replay:?}");
                            }
                            None => {
                                let crosses = a.nodes[x..].iter().chain(taken).any(|&n| n as usize >= d.n);
                                if able && !crosses && head.iter().chain(taken).any(|&n| (n as usize) < d.n) {
                                    let nodes: Vec<u32> = head.iter().chain(taken).copied().collect();
                                    let replay = Route::eval_nodes(&d, a.w, &nodes, &s.win);
                                    prop_assert!(!d.feasible(a.w, &replay), "refused {nodes:?}: {replay:?}");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The soft-window local search (penalised time warp) with its repair: whatever it
    /// leaves, each route's cached summary is what a replay of the route gives (time warp
    /// included), no job is lost or doubled, and when it says the plan is on time, every
    /// route replays without time warp. At a tiny weight it does leave late plans (which
    /// the search then drops), so the check is not vacuous.
    #[test]
    fn soft_window_local_search_reports_time_warp_as_replayed(
        problem in days(),
        seed in any::<u64>(),
        tiny in any::<bool>(),
    ) {
        let d = Data::new(&problem);
        let jobs: Vec<u32> = (0..d.n as u32).collect();
        let mut s = State::new(&d, &jobs);
        let mut search = Sisr::new(&d, Params::default(), seed);
        search.recreate(&mut s, false);
        let placed = d.n - s.unassigned.len();
        for r in 0..s.routes.len() {
            search.touch(r);
        }
        let mut penalty = Penalty::new(&d);
        if tiny {
            penalty.weight = 1e-6;
        }
        let on_time = search.soft_local_search(&mut s, &mut penalty);
        prop_assert_eq!(search.warp_weight, 0.0);
        let mut seen = vec![0usize; d.n];
        for route in s.routes.iter().filter(|r| r.jobs > 0) {
            let replay = Route::eval_nodes(&d, route.w, &route.nodes, &s.win);
            prop_assert!(close(route.full.warp, replay.warp), "{:?} {:?}", route.full, replay);
            prop_assert!(close(route.full.dist, replay.dist), "{:?} {:?}", route.full, replay);
            if on_time {
                prop_assert!(d.feasible(route.w, &replay), "on time but {replay:?}");
            }
            for &x in route.nodes.iter().filter(|&&x| (x as usize) < d.n) {
                seen[x as usize] += 1;
                prop_assert!(d.able(x as usize, route.w));
            }
        }
        prop_assert_eq!(seen.iter().filter(|&&k| k == 1).count(), placed);
        prop_assert!(seen.iter().all(|&k| k <= 1));
        prop_assert_eq!(on_time, s.on_time(&d));
    }
}
