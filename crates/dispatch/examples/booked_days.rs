//! Does a day booked through the slots plan? The demo city's workers and shifts, orders
//! for the demo's service items at demo addresses, each booked only when slot search says
//! its window fits (the city is one pool, as in booking), day after day; then each day is
//! planned from scratch and the orders left out are counted with their reasons. With
//! `--warm`, each day is also planned from the slot model's own assignment (and that
//! assignment is checked by the solver's checker as it is).
//!
//! `cargo run --release -p daojia-dispatch --example booked_days -- --days 14 --bookings 32
//! --seconds 2 [--warm]`

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Datelike, TimeZone};
use daojia_dispatch::day::{DayInput, DayOrder, DayProblem, DayWorker, Stage};
use daojia_dispatch::vrp::{SolveOptions, check, solve, solve_from};
use daojia_domain::geo::LatLng;
use daojia_domain::slots::{DayPlan, Job, Pending, Shift, Visit, WorkerDay};
use daojia_domain::travel::TravelModel;
use daojia_domain::workday::Stop;
use uuid::Uuid;

/// Local midnight of Monday 7 December 2026 in Shanghai, Unix seconds.
const FIRST: i64 = 1_796_572_800;
const H: i64 = 3600;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }
}

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let days: i64 = arg("--days", 14);
    let bookings: usize = arg("--bookings", 32);
    let attempts: usize = arg("--attempts", 400);
    let seconds: f64 = arg("--seconds", 2.0);
    let seed: u64 = arg("--seed", 1);
    let reach_m: f64 = arg("--reach-km", 15.0) * 1000.0;
    let warm = std::env::args().any(|a| a == "--warm");
    let city = daojia_demo::city(seed);
    let tt = TravelModel::default();
    let mut rng = Rng(seed);
    let addresses: Vec<LatLng> = city
        .customers
        .iter()
        .flat_map(|c| c.addresses.iter().map(|a| a.at))
        .collect();
    let (mut total_booked, mut total_out, mut days_short, mut warm_out, mut warm_bad) =
        (0, 0, 0, 0, 0);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for d in 0..days {
        let midnight = FIRST + d * 24 * H;
        let weekday = chrono::Utc
            .timestamp_opt(midnight + 8 * H, 0)
            .single()
            .expect("a valid day")
            .weekday()
            .num_days_from_monday() as i16;
        let at = |minute: i32| midnight + i64::from(minute) * 60;
        let staff: Vec<WorkerDay> = city
            .workers
            .iter()
            .enumerate()
            .filter_map(|(k, w)| {
                let s = w.shifts.iter().find(|s| s.weekday == weekday)?;
                Some(WorkerDay {
                    worker: Uuid::from_u128(1 << 64 | k as u128),
                    home: w.home,
                    skills: w.skills.iter().map(|s| s.to_string()).collect(),
                    shift: Shift {
                        start: at(s.start_minute),
                        end: at(s.end_minute),
                        rest: s.break_minutes.map(|(a, b)| (at(a), at(b))),
                    },
                    visits: vec![],
                })
            })
            .collect();
        let mut booked: Vec<Pending> = Vec::new();
        let mut tries = 0;
        while booked.len() < bookings && tries < attempts {
            tries += 1;
            let item = &city.items[rng.below(city.items.len() as u64) as usize];
            let place = addresses[rng.below(addresses.len() as u64) as usize];
            // One-hour windows every half hour from 8:00, the last starting at 20:00.
            let ws = midnight + 8 * H + rng.below(25) as i64 * 1800;
            let job = Job {
                at: place,
                duration: i64::from(item.base_duration_min + item.buffer_min) * 60,
                skills: item.skills.iter().map(|s| s.to_string()).collect(),
                reach_m,
            };
            let plan = DayPlan::build(staff.clone(), booked.clone(), &tt);
            if plan.fits(&tt, &job, ws, ws + H).is_some() {
                booked.push(Pending {
                    visit: Visit {
                        key: Uuid::from_u128(2 << 64 | (d as u128) << 32 | tries as u128),
                        at: place,
                        window_start: ws,
                        window_end: ws + H,
                        duration: job.duration,
                    },
                    skills: job.skills,
                });
            }
        }
        let mut input = DayInput::new(midnight);
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
        let day = DayProblem::build(&input, &tt).expect("a valid day");
        let options = SolveOptions {
            time_limit: Duration::from_secs_f64(seconds),
            seed,
            ..SolveOptions::default()
        };
        let solution = solve(&day.problem, &options).expect("a valid problem");
        assert!(
            check(&day.problem, &solution).is_empty(),
            "the checker refuses the plan"
        );
        let out = solution.unassigned.len();
        for u in &solution.unassigned {
            *reasons.entry(u.reason.to_string()).or_default() += 1;
        }
        total_booked += booked.len();
        total_out += out;
        days_short += usize::from(out > 0);
        let mut line = format!(
            "day {d:2} (weekday {weekday}): {:2} workers, {:2} booked in {tries:3} tries, from scratch {out} left out",
            staff.len(),
            booked.len()
        );
        if warm {
            let plan = DayPlan::build(staff.clone(), booked.clone(), &tt);
            let routes: Vec<(Uuid, Vec<Stop>)> = plan
                .days()
                .filter_map(|(w, d)| Some((w, d.schedule()?)))
                .collect();
            let start = day.start_from(routes.iter().map(|(w, s)| (*w, s.as_slice())));
            let bad = check(&day.problem, &start).len() + start.unassigned.len();
            let from = solve_from(&day.problem, &start, &options).expect("a valid problem");
            assert!(
                check(&day.problem, &from).is_empty(),
                "the checker refuses the plan"
            );
            warm_out += from.unassigned.len();
            warm_bad += bad;
            line += &format!(
                "; slot model's plan: {} problem(s); warm {} left out",
                bad,
                from.unassigned.len()
            );
        }
        println!("{line}");
    }
    println!(
        "\n{days} days, {total_booked} orders booked: from scratch {total_out} left out on {days_short} days {reasons:?}"
    );
    if warm {
        println!(
            "warm start: {warm_out} left out; slot model's plans refused by the checker: {warm_bad}"
        );
    }
}
