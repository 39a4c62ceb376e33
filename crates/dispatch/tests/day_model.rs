//! One model of a worker's day: what booking promises, planning can serve.
//!
//! Random workers (shifts, breaks, skills, homes) and random bookings (some of them long
//! visits that hold the worker's break, some running past the break's latest start and
//! deferring it) made one by one through the slot model, each kept only when the slot
//! model says it fits; then the day
//! goes to the route planner. The slot model's own assignment, as a solver plan, must pass
//! the solver's independent checker as it is, and the planner started from it must leave
//! nothing out (so the property does not depend on search luck).

use std::time::Duration;

use daojia_dispatch::day::{DayInput, DayOrder, DayProblem, DayWorker, Stage};
use daojia_dispatch::vrp::{SolveOptions, check, solve_from};
use daojia_domain::geo::LatLng;
use daojia_domain::slots::{DayPlan, Job, Pending, Shift, Visit, WorkerDay};
use daojia_domain::travel::TravelModel;
use daojia_domain::workday::Stop;
use proptest::prelude::*;
use uuid::Uuid;

/// Local midnight of 2 December 2026 in Shanghai.
const MIDNIGHT: i64 = 1_796_140_800;
const H: i64 = 3600;
const M: i64 = 60;
const SKILLS: [&str; 3] = ["cleaning", "appliance_repair", "nursing"];
const CENTRE: LatLng = LatLng::new(31.2150, 121.4600);

/// SplitMix64: the whole day from one seed, so a failure shrinks to a seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A place within `km` of the centre.
    fn place(&mut self, km: f64) -> LatLng {
        let (dy, dx) = (
            (self.unit() * 2.0 - 1.0) * km,
            (self.unit() * 2.0 - 1.0) * km,
        );
        LatLng::new(
            CENTRE.lat + dy / 111.195,
            CENTRE.lng + dx / (111.195 * CENTRE.lat.to_radians().cos()),
        )
    }
}

fn workers(rng: &mut Rng) -> Vec<WorkerDay> {
    let n = 1 + rng.below(4) as u128;
    (0..n)
        .map(|k| {
            let start = MIDNIGHT + 7 * H + rng.below(7) * 30 * M;
            let end = start + 6 * H + rng.below(9) * 30 * M;
            let rest = match rng.below(4) {
                0 => None,
                1 => Some((MIDNIGHT + 17 * H, MIDNIGHT + 17 * H + 45 * M)),
                _ => Some((MIDNIGHT + 12 * H, MIDNIGHT + 13 * H)),
            };
            // Most clean; some also repair or nurse.
            let mut skills = vec![SKILLS[0].to_string()];
            if rng.below(2) == 0 {
                skills.push(SKILLS[1 + rng.below(2) as usize].to_string());
            }
            WorkerDay {
                worker: Uuid::from_u128(1_000 + k),
                home: rng.place(5.0),
                skills,
                shift: Shift { start, end, rest },
                visits: vec![],
            }
        })
        .collect()
}

/// Bookings made one by one through the slot model, in booking order.
fn book(rng: &mut Rng, staff: &[WorkerDay], tt: &TravelModel, attempts: usize) -> Vec<Pending> {
    let mut booked: Vec<Pending> = Vec::new();
    for n in 0..attempts {
        let job = Job {
            at: rng.place(5.0),
            // Mostly 30 min to 3 h; one in five a long visit of 5 h to 7 h 45 (a deep
            // clean), which holds the worker's break.
            duration: if rng.below(5) == 0 {
                (20 + rng.below(12)) * 15 * M
            } else {
                (2 + rng.below(11)) * 15 * M
            },
            skills: vec![SKILLS[[0, 0, 0, 1, 2][rng.below(5) as usize]].to_string()],
            reach_m: if rng.below(2) == 0 {
                f64::INFINITY
            } else {
                9_000.0
            },
        };
        let ws = MIDNIGHT + 7 * H + rng.below(25) * 30 * M;
        let we = ws + [0, 30, 60, 120][rng.below(4) as usize] * M;
        let plan = DayPlan::build(staff.to_vec(), booked.clone(), tt);
        let fits = plan.fits(tt, &job, ws, we).is_some();
        // The whole day's answer agrees with the one-window answer.
        let open = plan.availability(tt, &job, &[(ws, we)])[0].is_some();
        assert_eq!(fits, open, "fits and availability disagree on booking {n}");
        if fits {
            booked.push(Pending {
                visit: Visit {
                    key: Uuid::from_u128(10_000 + n as u128),
                    at: job.at,
                    window_start: ws,
                    window_end: we,
                    duration: job.duration,
                },
                skills: job.skills,
            });
        }
    }
    booked
}

fn input(staff: &[WorkerDay], booked: &[Pending]) -> DayInput {
    let mut input = DayInput::new(MIDNIGHT);
    input.workers = staff
        .iter()
        .map(|w| DayWorker {
            id: w.worker,
            home: w.home,
            skills: w.skills.clone(),
            shift_start: w.shift.start,
            shift_end: w.shift.end,
            rest: w.shift.rest,
        })
        .collect();
    input.orders = booked
        .iter()
        .map(|p| DayOrder {
            id: p.visit.key,
            at: p.visit.at,
            window_start: p.visit.window_start,
            window_end: p.visit.window_end,
            duration: p.visit.duration,
            skills: p.skills.clone(),
            stage: Stage::Open,
        })
        .collect();
    input
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn orders_booked_through_the_slots_always_plan_with_nothing_left_out(
        seed in any::<u64>(),
        attempts in 5usize..80,
    ) {
        let tt = TravelModel::default();
        let mut rng = Rng(seed);
        let staff = workers(&mut rng);
        let booked = book(&mut rng, &staff, &tt, attempts);

        // Rebuilt in booking order, the slot model places every booking again.
        let plan = DayPlan::build(staff.clone(), booked.clone(), &tt);
        prop_assert!(plan.unplaced().is_empty(), "the slot model dropped {:?}", plan.unplaced());
        let routes: Vec<(Uuid, Vec<Stop>)> = plan
            .days()
            .map(|(w, d)| (w, d.schedule().expect("a day the slot model built")))
            .collect();

        // The slot model's assignment is a plan the solver's checker accepts as it is.
        let day = DayProblem::build(&input(&staff, &booked), &tt).expect("a valid day");
        let start = day.start_from(routes.iter().map(|(w, s)| (*w, s.as_slice())));
        prop_assert!(start.unassigned.is_empty());
        let violations = check(&day.problem, &start);
        prop_assert!(violations.is_empty(), "the checker refuses the slot model's plan: {violations:?}");

        // The planner started from it keeps every order and stays feasible.
        let options = SolveOptions {
            time_limit: Duration::from_secs(10),
            seed,
            max_iterations: Some(30),
            ..SolveOptions::default()
        };
        let solution = solve_from(&day.problem, &start, &options).expect("a valid problem");
        prop_assert!(solution.unassigned.is_empty(), "left out: {:?}", solution.unassigned);
        let violations = check(&day.problem, &solution);
        prop_assert!(violations.is_empty(), "{violations:?}");
    }
}

#[test]
fn a_booking_the_slots_refuse_is_one_the_planner_cannot_add_either() {
    // One worker, 9:00–12:00, no break, home at the centre; a 2-hour visit 9:00–11:00 is
    // booked. A second 2-hour visit at 10:00 cannot fit: the slots say no, and a plan with
    // both leaves one out.
    let tt = TravelModel::default();
    let staff = vec![WorkerDay {
        worker: Uuid::from_u128(1),
        home: CENTRE,
        skills: vec!["cleaning".into()],
        shift: Shift {
            start: MIDNIGHT + 9 * H,
            end: MIDNIGHT + 12 * H,
            rest: None,
        },
        visits: vec![],
    }];
    let visit = |n: u128, ws: i64| Pending {
        visit: Visit {
            key: Uuid::from_u128(n),
            at: CENTRE,
            window_start: ws,
            window_end: ws + H,
            duration: 2 * H,
        },
        skills: vec!["cleaning".into()],
    };
    let first = visit(10, MIDNIGHT + 9 * H);
    let plan = DayPlan::build(staff.clone(), vec![first.clone()], &tt);
    let job = Job {
        at: CENTRE,
        duration: 2 * H,
        skills: vec!["cleaning".into()],
        reach_m: f64::INFINITY,
    };
    assert!(
        plan.fits(&tt, &job, MIDNIGHT + 10 * H, MIDNIGHT + 11 * H)
            .is_none()
    );
    let both = [first, visit(11, MIDNIGHT + 10 * H)];
    let day = DayProblem::build(&input(&staff, &both), &tt).expect("a valid day");
    let options = SolveOptions {
        max_iterations: Some(50),
        ..SolveOptions::default()
    };
    let solution = daojia_dispatch::vrp::solve(&day.problem, &options).expect("valid");
    assert_eq!(solution.unassigned.len(), 1);
}
