//! A service area's day through the adapter: orders and workers in, a feasible plan with
//! times, distances and reasons out, totals against the current assignment.

use std::time::Duration;

use daojia_dispatch::day::{DayError, DayInput, DayOrder, DayProblem, DayWorker, Stage, StopKind};
use daojia_dispatch::vrp::{SolveOptions, UnassignedReason, check, solve};
use daojia_domain::geo::LatLng;
use daojia_domain::travel::TravelModel;
use uuid::Uuid;

/// Local midnight of 2 December 2026 in Shanghai.
const MIDNIGHT: i64 = 1_796_140_800;

fn at(h: i64, m: i64) -> i64 {
    MIDNIGHT + h * 3600 + m * 60
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn worker(n: u128, home: LatLng, skills: &[&str]) -> DayWorker {
    DayWorker {
        id: id(n),
        home,
        skills: skills.iter().map(|s| s.to_string()).collect(),
        shift_start: at(8, 0),
        shift_end: at(18, 0),
        rest: Some((at(12, 0), at(13, 0))),
    }
}

fn order(n: u128, place: LatLng, hour: i64, minutes: i64, skill: &str) -> DayOrder {
    DayOrder {
        id: id(n),
        at: place,
        window_start: at(hour, 0),
        window_end: at(hour + 1, 0),
        duration: minutes * 60,
        skills: vec![skill.to_string()],
        stage: Stage::Open,
    }
}

const XUJIAHUI: LatLng = LatLng::new(31.1950, 121.4365);
const JINGAN: LatLng = LatLng::new(31.2290, 121.4480);
const LUJIAZUI: LatLng = LatLng::new(31.2397, 121.4998);

fn options() -> SolveOptions {
    SolveOptions {
        time_limit: Duration::from_secs(5),
        seed: 1,
        max_iterations: Some(200),
        ..SolveOptions::default()
    }
}

fn day() -> DayInput {
    let mut input = DayInput::new(MIDNIGHT);
    input.workers = vec![
        worker(1, XUJIAHUI, &["cleaning"]),
        worker(2, LUJIAZUI, &["cleaning", "appliance_repair"]),
    ];
    input.orders = vec![
        order(10, JINGAN, 9, 120, "cleaning"),
        order(11, LUJIAZUI, 9, 60, "appliance_repair"),
        order(12, XUJIAHUI, 14, 90, "cleaning"),
        order(13, LatLng::new(31.2000, 121.4400), 10, 60, "cleaning"),
        // Nobody repairs cars.
        order(14, JINGAN, 10, 60, "car_wash"),
    ];
    input
}

#[test]
fn every_order_is_on_a_route_or_left_out_with_a_reason() {
    let input = day();
    let d = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    let solution = solve(&d.problem, &options()).expect("a valid problem");
    assert_eq!(check(&d.problem, &solution), vec![]);
    let plan = d.plan(&solution);
    let mut seen: Vec<Uuid> = plan.unassigned.iter().map(|u| u.order).collect();
    for route in &plan.routes {
        assert!(route.departure >= at(8, 0) && route.home > route.departure);
        let mut breaks = 0;
        for stop in &route.stops {
            assert!(stop.arrival <= stop.start && stop.start < stop.finish);
            match stop.kind {
                StopKind::Order { order, elsewhere } => {
                    assert!(!elsewhere);
                    seen.push(order);
                    let o = input.orders.iter().find(|o| o.id == order).expect("known");
                    assert!(
                        (o.window_start..=o.window_end).contains(&stop.start),
                        "{stop:?}"
                    );
                    assert!(stop.finish <= at(18, 0));
                }
                StopKind::Break => {
                    breaks += 1;
                    // An hour, from 12:00 at the earliest, 14:00 at the latest.
                    assert_eq!(stop.finish - stop.start, 3600);
                    assert!((at(12, 0)..=at(14, 0)).contains(&stop.start), "{stop:?}");
                }
            }
        }
        assert_eq!(breaks, 1, "a working day has its break");
        let meters: f64 = route.stops.iter().map(|s| s.meters).sum();
        assert!(route.meters >= meters, "the way home counts");
    }
    seen.sort();
    assert_eq!(seen, (10..=14).map(id).collect::<Vec<_>>());
    assert_eq!(plan.unassigned.len(), 1);
    assert_eq!(plan.unassigned[0].order, id(14));
    assert_eq!(
        plan.unassigned[0].reason,
        UnassignedReason::NoWorkerWithSkills
    );
    assert_eq!(plan.totals.orders, 4);
    assert!(plan.totals.meters > 0.0 && plan.totals.seconds > plan.totals.travel_seconds);
    assert_eq!(plan.current.orders, 0, "nothing is assigned yet");
}

#[test]
fn told_orders_count_in_the_current_totals_and_stay_unless_moving_pays() {
    // Worker 2 (across the river) was told an order next door to worker 1.
    let mut input = DayInput::new(MIDNIGHT);
    input.workers = vec![
        worker(1, XUJIAHUI, &["cleaning"]),
        worker(2, LUJIAZUI, &["cleaning"]),
    ];
    let mut told = order(12, XUJIAHUI, 14, 90, "cleaning");
    told.stage = Stage::Told { worker: id(2) };
    input.orders = vec![told];
    let worker_of = |input: &DayInput| {
        let d = DayProblem::build(input, &TravelModel::default()).expect("a valid day");
        let plan = d.plan(&solve(&d.problem, &options()).expect("valid"));
        assert_eq!(plan.current.orders, 1);
        assert_eq!(plan.current.workers, 1);
        assert_eq!(plan.current.per_worker[0].worker, id(2));
        assert_eq!(plan.current.late, 0);
        assert!(plan.current.meters > 20_000.0, "{:?}", plan.current);
        plan.routes[0].worker
    };
    // Moving it saves over 20 km of driving, more than a move costs (5 km).
    assert_eq!(worker_of(&input), id(1));
    // With a promise that costs more than the detour, it stays.
    input.move_cost = 100_000.0;
    assert_eq!(worker_of(&input), id(2));
}

#[test]
fn an_order_under_way_stays_first_and_a_plan_made_today_starts_now() {
    let mut input = day();
    input.orders[3].stage = Stage::UnderWay { worker: id(1) };
    // An order of another area that worker 1 holds at 16:00.
    let mut other = order(20, LatLng::new(31.2100, 121.4200), 16, 60, "cleaning");
    other.stage = Stage::Elsewhere { worker: id(1) };
    input.orders.push(other);
    input.not_before = Some(at(9, 55));
    let d = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    let solution = solve(&d.problem, &options()).expect("valid");
    assert_eq!(check(&d.problem, &solution), vec![]);
    let plan = d.plan(&solution);
    let route = plan
        .routes
        .iter()
        .find(|r| r.worker == id(1))
        .expect("worker 1 works");
    assert_eq!(
        route.stops[0].kind,
        StopKind::Order {
            order: id(13),
            elsewhere: false
        }
    );
    assert!(route.departure >= at(9, 55));
    assert!(route.stops.iter().any(|s| s.kind
        == StopKind::Order {
            order: id(20),
            elsewhere: true
        }));
    // The 09:00-10:00 Jing'an cleaning can no longer be reached in its window by anyone.
    let left: Vec<_> = plan
        .unassigned
        .iter()
        .map(|u| (u.order, u.reason))
        .collect();
    assert!(
        left.contains(&(id(10), UnassignedReason::WindowUnreachable)),
        "{left:?}"
    );
}

#[test]
fn a_day_after_the_break_started_has_no_break_left() {
    let mut input = day();
    input.not_before = Some(at(12, 30));
    let d = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    assert!(d.problem.workers.iter().all(|w| w.breaks.is_empty()));
    assert!(
        d.problem
            .workers
            .iter()
            .all(|w| w.shift.start >= 13.0 * 3600.0)
    );
}

#[test]
fn bad_days_are_refused_with_the_reason() {
    let mut input = day();
    input.orders.push(input.orders[0].clone());
    assert!(matches!(
        DayProblem::build(&input, &TravelModel::default()),
        Err(DayError::Duplicate { what: "order", .. })
    ));
    let mut input = day();
    input.orders[0].skills = (0..70).map(|i| format!("s{i}")).collect();
    assert_eq!(
        DayProblem::build(&input, &TravelModel::default()).err(),
        Some(DayError::TooManySkills(73))
    );
    let mut input = day();
    input.workers[0].home = LatLng::new(f64::NAN, 0.0);
    assert!(DayProblem::build(&input, &TravelModel::default()).is_err());
}

#[test]
fn a_day_without_workers_leaves_every_order_out() {
    let mut input = day();
    input.workers.clear();
    let d = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    let plan = d.plan(&solve(&d.problem, &options()).expect("valid"));
    assert!(plan.routes.is_empty());
    assert_eq!(plan.unassigned.len(), 5);
}

#[test]
fn a_long_visit_booked_across_the_break_is_planned_with_the_break_after_it() {
    // Booking let a 3½-hour clean start at 10:00 and pause over lunch; the plan serves it
    // and has lunch afterwards.
    let mut input = DayInput::new(MIDNIGHT);
    input.workers = vec![worker(1, XUJIAHUI, &["cleaning"])];
    input.orders = vec![order(10, JINGAN, 10, 210, "cleaning")];
    let d = DayProblem::build(&input, &TravelModel::default()).expect("a valid day");
    let solution = solve(&d.problem, &options()).expect("valid");
    assert_eq!(check(&d.problem, &solution), vec![]);
    let plan = d.plan(&solution);
    assert!(plan.unassigned.is_empty(), "{:?}", plan.unassigned);
    let stops = &plan.routes[0].stops;
    assert!(matches!(stops[0].kind, StopKind::Order { .. }));
    assert_eq!(stops[1].kind, StopKind::Break);
    assert_eq!(stops[1].start, stops[0].finish);
}
