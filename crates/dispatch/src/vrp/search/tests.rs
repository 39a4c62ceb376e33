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

/// [`days`] with what else a day has: jobs under way (each worker's first job), jobs
/// pinned to a worker, maxima of jobs, a working time, two windows on some jobs, and
/// workers of one class (equal, no breaks) so that empty routes are tried once per class.
fn full_days() -> impl Strategy<Value = Problem> {
    (days(), any::<u64>()).prop_map(|(mut p, bits)| {
        let mut x = bits | 1;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n.max(1)
        };
        let nw = p.workers.len();
        for (j, job) in p.jobs.iter_mut().enumerate() {
            match next(10) {
                0 => job.pinned_worker = Some(next(nw as u64) as usize),
                1 => {
                    let start = next(200) as f64;
                    job.windows = vec![
                        TimeWindow::new(start, start + 40.0),
                        TimeWindow::new(start + 150.0, start + 250.0),
                    ];
                }
                _ => {}
            }
            if j < nw && next(3) == 0 {
                // Under way for worker j: no window to miss, nothing it may not do.
                job.windows.clear();
                job.skills = Skills(0);
                job.pinned_worker = None;
                p.workers[j].first_job = Some(j);
            }
        }
        for worker in &mut p.workers {
            if next(4) == 0 {
                worker.max_jobs = Some(2 + next(5) as usize);
            }
            if next(5) == 0 {
                worker.max_working_time = Some(300.0 + next(300) as f64);
            }
        }
        if next(2) == 0 {
            // Two more workers equal to each other: one class.
            let mut twin = Worker::at(0, TimeWindow::new(0.0, 800.0));
            twin.capacity = vec![10];
            p.workers.push(twin.clone());
            p.workers.push(twin);
        }
        p
    })
}

/// Whether `s` is a plan of `d`: routes as their replays say (cached summaries exact),
/// every job at most once, with a worker allowed to do it, within capacities and maxima
/// of jobs, jobs under way first in their worker's route, each non-empty route with its
/// worker's breaks once, and (`hard`) every route on time.
fn check_plan(d: &Data, s: &State, hard: bool) -> Result<(), TestCaseError> {
    let mut seen = vec![0usize; d.n];
    for (r, route) in s.routes.iter().enumerate() {
        prop_assert_eq!(route.w, r);
        if route.nodes.is_empty() {
            continue;
        }
        let replay = Route::eval_nodes(d, route.w, &route.nodes, &s.win);
        prop_assert!(
            close(route.full.dist, replay.dist),
            "{:?} {:?}",
            route.full,
            replay
        );
        prop_assert!(
            close(route.full.dur, replay.dur),
            "{:?} {:?}",
            route.full,
            replay
        );
        prop_assert!(
            close(route.full.warp, replay.warp),
            "{:?} {:?}",
            route.full,
            replay
        );
        if hard {
            prop_assert!(d.feasible(route.w, &replay), "late: {replay:?}");
        } else {
            prop_assert!(d.within_working_time(route.w, &replay));
        }
        let jobs: Vec<usize> = route
            .nodes
            .iter()
            .filter(|&&x| (x as usize) < d.n)
            .map(|&x| x as usize)
            .collect();
        prop_assert!(!jobs.is_empty(), "a route of breaks only");
        let worker = &d.p.workers[route.w];
        prop_assert!(worker.max_jobs.is_none_or(|m| jobs.len() <= m));
        for k in 0..d.dims {
            let load: i64 = jobs.iter().map(|&j| d.demand(j)[k]).sum();
            prop_assert!(load <= d.capacity(route.w)[k]);
        }
        for &j in &jobs {
            seen[j] += 1;
            prop_assert!(d.able(j, route.w), "job {} with worker {}", j, route.w);
            prop_assert_eq!(s.route_of[j] as usize, r);
        }
        if d.first[route.w].is_some() {
            prop_assert_eq!(Some(route.nodes[0] as usize), worker.first_job);
        }
        let mut breaks: Vec<u32> = route
            .nodes
            .iter()
            .copied()
            .filter(|&x| x as usize >= d.n)
            .collect();
        breaks.sort_unstable();
        breaks.dedup();
        prop_assert_eq!(breaks.len(), worker.breaks.len());
        prop_assert_eq!(route.nodes.len(), jobs.len() + worker.breaks.len());
    }
    prop_assert!(seen.iter().all(|&k| k <= 1));
    for &j in &s.unassigned {
        prop_assert_eq!(seen[j as usize], 0);
    }
    for (j, &k) in seen.iter().enumerate() {
        prop_assert!(k == 1 || s.unassigned.contains(&(j as u32)), "job {j} lost");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The local search on days with everything a day has (own homes and ends, breaks and
    /// jobs holding them, skills, pins, jobs under way, capacities, maxima of jobs, working
    /// time, two windows): with hard windows the result is a plan on time that costs no
    /// more than before; with soft windows (at the adaptive weight or a tiny one, which
    /// leaves late plans) it is a plan whose cached summaries are exact, on time exactly
    /// when the search says so.
    #[test]
    fn local_search_keeps_a_full_day_a_plan(
        problem in full_days(),
        seed in any::<u64>(),
        soft in any::<bool>(),
        tiny in any::<bool>(),
    ) {
        let d = Data::new(&problem);
        // Jobs under way are placed first in their routes, not searched.
        let jobs: Vec<u32> = (0..d.n as u32).filter(|&j| !d.fixed[j as usize]).collect();
        let mut s = State::new(&d, &jobs);
        let mut search = Sisr::new(&d, Params::default(), seed);
        search.recreate(&mut s, false);
        check_plan(&d, &s, true)?;
        for r in 0..s.routes.len() {
            search.touch(r);
        }
        if soft {
            let mut penalty = Penalty::new(&d);
            if tiny {
                penalty.weight = 1e-6;
            }
            let on_time = search.soft_local_search(&mut s, &mut penalty);
            check_plan(&d, &s, on_time)?;
            prop_assert_eq!(on_time, s.on_time(&d));
        } else {
            let before = s.cost();
            search.local_search(&mut s, 2);
            check_plan(&d, &s, true)?;
            prop_assert!(s.cost() <= before + 1e-9, "{before} -> {}", s.cost());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// The distance filter (insertions and moves whose change of distance shows they
    /// cannot be chosen are not evaluated) never changes what the search does: on days
    /// where it applies (no breaks, no cost per unit of time, some workers dearer per
    /// unit of distance, fixed costs), the recreate, then the local search with hard
    /// windows or a warp weight, leave the same routes with and without it.
    #[test]
    fn the_distance_filter_changes_no_move(
        mut problem in days(),
        seed in any::<u64>(),
        weight in prop::sample::select(vec![0.0, 1e-3, 1.0]),
    ) {
        for (w, worker) in problem.workers.iter_mut().enumerate() {
            worker.breaks.clear();
            worker.cost_per_time = 0.0;
            worker.cost_per_distance = 1.0 + (w % 3) as f64;
            worker.fixed_cost = (w % 2) as f64 * 50.0;
        }
        for job in &mut problem.jobs {
            job.holds_breaks = false;
        }
        let d = Data::new(&problem);
        let jobs: Vec<u32> = (0..d.n as u32).collect();
        let mut results = Vec::new();
        for filter in [true, false] {
            let mut s = State::new(&d, &jobs);
            let mut search = Sisr::new(&d, Params::default(), seed);
            search.distance_filter = filter;
            search.recreate(&mut s, false);
            for r in 0..s.routes.len() {
                search.touch(r);
            }
            search.warp_weight = weight;
            search.local_search(&mut s, 3);
            let routes: Vec<Vec<u32>> = s.routes.iter().map(|r| r.nodes.clone()).collect();
            results.push((routes, s.cost()));
        }
        prop_assert_eq!(&results[0].0, &results[1].0);
        prop_assert!(close(results[0].1, results[1].1));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A crossover of two plans of a full day (own homes and ends, breaks, skills, pins,
    /// jobs under way, capacities, classes of equal workers) is a plan on time, before and
    /// after its left-out jobs are recreated, and serves at least one of the donor's routes
    /// exactly as the donor does.
    #[test]
    fn a_crossover_child_is_a_plan(problem in full_days(), seed in any::<u64>()) {
        let d = Data::new(&problem);
        let jobs: Vec<u32> = (0..d.n as u32).filter(|&j| !d.fixed[j as usize]).collect();
        let mut search = Sisr::new(&d, Params::default(), seed);
        let mut plans = Vec::new();
        for _ in 0..2 {
            let mut s = State::new(&d, &jobs);
            search.recreate(&mut s, false);
            for r in 0..s.routes.len() {
                search.touch(r);
            }
            search.local_search(&mut s, 1);
            search.clear_touched();
            plans.push(s);
        }
        let (base, donor) = (&plans[0], &plans[1]);
        let mut child = search.crossover(base, donor);
        check_plan(&d, &child, true)?;
        let exchangeable = donor.routes.iter().any(|r| {
            r.jobs > 0 && !r.nodes.iter().any(|&x| (x as usize) < d.n && d.fixed[x as usize])
        });
        if exchangeable {
            let copied = donor.routes.iter().filter(|r| r.jobs > 0).any(|rb| {
                child.routes.iter().any(|ra| d.class[ra.w] == d.class[rb.w] && ra.nodes == rb.nodes)
            });
            prop_assert!(copied, "no donor route in the child");
        }
        search.recreate(&mut child, false);
        search.local_search(&mut child, 1);
        check_plan(&d, &child, true)?;
    }
}
