//! Property tests of the dispatch core over random workers and orders: orders decided and
//! assigned one after another (each decision sees the days as the earlier ones left them)
//! never give a worker overlapping jobs or a job outside its window or shift, and every
//! worker ranked holds the required skills, levels and unexpired certificates and is
//! active, online, taking offers, under the daily limit and not excluded.

use chrono::{DateTime, TimeZone, Utc};
use daojia_dispatch::matching::{
    Certificate, Decision, Engine, NearestAvailable, OrderRequest, Policy, Pool, Requirement,
    Settings, Skill, WorkerSnapshot, WorkerStatus, grab_pool,
};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{OrderId, WorkerId};
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::travel::TravelModel;
use daojia_domain::workday::{DayTravel, Stop, Workday, holds_break};
use proptest::prelude::*;
use uuid::Uuid;

const H: i64 = 3600;
const DAY0: i64 = 1_795_996_800 - 8 * H;
const CENTRE: LatLng = LatLng::new(31.2304, 121.4737);
const SKILLS: [&str; 4] = ["clean", "deep_clean", "appliance", "nursing"];

/// SplitMix64: a scenario from one seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
}

fn near(rng: &mut Rng, c: LatLng, km: f64) -> LatLng {
    let r = km * rng.f().sqrt();
    let a = rng.f() * std::f64::consts::TAU;
    LatLng::new(
        c.lat + r * a.sin() / 111.195,
        c.lng + r * a.cos() / (111.195 * c.lat.to_radians().cos()),
    )
}

fn moment(t: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(t, 0).single().expect("a valid time")
}

fn area() -> Uuid {
    Uuid::from_u128(42)
}

fn worker(rng: &mut Rng, i: u128, tt: &TravelModel) -> WorkerSnapshot {
    let home = near(rng, CENTRE, 8.0);
    let mut skills: Vec<Skill> = vec![];
    for s in SKILLS {
        if rng.chance(0.5) {
            skills.push(Skill {
                code: s.into(),
                level: rng.range(1, 4) as u8,
            });
        }
    }
    let mut certificates = vec![];
    for s in &skills {
        if rng.chance(0.7) {
            certificates.push(Certificate {
                skill: s.code.clone(),
                // Some expired, some expiring during the day, most valid.
                expires_at: moment(DAY0 + rng.range(-24, 24 * 30) * H),
            });
        }
    }
    let start = DAY0 + rng.range(7, 10) * H;
    let end = start + rng.range(6, 11) * H;
    let rest = rng.chance(0.6).then_some((DAY0 + 12 * H, DAY0 + 13 * H));
    let shift = Shift { start, end, rest };
    // A feasible day to begin with: visits one after another with travel, each kept only
    // while the day still holds (the break may have to go between them).
    let travel = DayTravel::for_shifts(tt, [&shift], start);
    let mut jobs = vec![];
    let (mut ready, mut at) = (start, home);
    for k in 0..rng.range(0, 3) {
        let to = near(rng, home, 4.0);
        let duration = rng.range(2, 5) * 1800;
        let ws = ready + travel.seconds(at, to) + rng.range(0, 3) * 900;
        jobs.push(Visit {
            key: Uuid::from_u128(i * 1000 + k as u128),
            at: to,
            window_start: ws,
            window_end: ws + 1800,
            duration,
        });
        if !Workday::new(home, shift, jobs.clone(), &travel).is_feasible() {
            jobs.pop();
            break;
        }
        ready = ws + duration;
        at = to;
    }
    let working = rng.chance(0.9);
    if !working {
        jobs.clear();
    }
    let status = match rng.range(0, 20) {
        0 => WorkerStatus::Suspended,
        1 => WorkerStatus::Onboarding,
        2 => WorkerStatus::Left,
        _ => WorkerStatus::Active,
    };
    WorkerSnapshot {
        id: WorkerId(Uuid::from_u128(i + 1)),
        home,
        presence: Presence {
            at: if rng.chance(0.5) {
                home
            } else {
                near(rng, home, 3.0)
            },
            source: PositionSource::HomeBase,
            online: rng.chance(0.85),
            accepting: rng.chance(0.9),
            seen_at: DAY0,
        },
        skills,
        certificates,
        areas: if rng.chance(0.9) {
            vec![area()]
        } else {
            vec![Uuid::from_u128(7)]
        },
        status,
        grab_rights: rng.chance(0.8),
        credit: rng.range(40, 101) as u8,
        rating: rng.chance(0.8).then(|| 1.0 + 4.0 * rng.f()),
        on_time_rate: rng.chance(0.8).then(|| rng.f()),
        jobs_today: jobs.len() as u32,
        earnings_today: rng.range(0, 80_000),
        daily_limit: rng.chance(0.7).then(|| rng.range(2, 7) as u32),
        partner: None,
        deposit: 0,
        shift: working.then_some(shift),
        jobs,
    }
}

fn order(rng: &mut Rng, n: u128, workers: &[WorkerSnapshot]) -> OrderRequest {
    let ws = DAY0 + rng.range(16, 36) * 1800;
    let requirements = (0..rng.range(1, 3))
        .map(|_| Requirement {
            skill: SKILLS[rng.range(0, 4) as usize].into(),
            min_level: rng.range(1, 4) as u8,
            certificate: rng.chance(0.4),
        })
        .collect();
    let pick = |rng: &mut Rng| workers[rng.range(0, workers.len() as i64) as usize].id;
    OrderRequest {
        id: OrderId(Uuid::from_u128(1_000_000 + n)),
        at: near(rng, CENTRE, 9.0),
        area: area(),
        window_start: ws,
        window_end: ws + rng.range(0, 5) * 1800,
        duration: rng.range(2, 7) * 1800,
        requirements,
        preferred: rng.chance(0.2).then(|| pick(rng)),
        previous: (0..rng.range(0, 3)).map(|_| pick(rng)).collect(),
        excluded: (0..rng.range(0, 3)).map(|_| pick(rng)).collect(),
        deposit_required: None,
    }
}

/// Every job of the worker's day, in window order from the shift start at home, has a
/// schedule that keeps the one day model's rules: each starts inside its window after the
/// travel from the place before (and the break, if taken before it), ends by the shift
/// end, and the day takes its break by the rule (none with a long visit). The schedule
/// comes from the domain's `Workday`; the rules are checked here again on its output, so
/// that the check does not lean on how the schedule was found.
fn day_holds(w: &WorkerSnapshot, tt: &TravelModel) -> Result<(), String> {
    let Some(shift) = w.shift else {
        return if w.jobs.is_empty() {
            Ok(())
        } else {
            Err("jobs without a shift".into())
        };
    };
    let mut jobs: Vec<Visit> = w.jobs.clone();
    jobs.sort_by_key(|v| (v.window_start, v.window_end, v.key));
    let travel = DayTravel::for_shifts(tt, [&shift], shift.start);
    let day = Workday::new(w.home, shift, jobs.clone(), &travel);
    let stops = day
        .schedule()
        .ok_or_else(|| format!("no schedule takes the break ({} jobs)", jobs.len()))?;
    let long = jobs.iter().any(|v| holds_break(v.duration));
    let rule = shift.break_rule();
    let (mut ready, mut at) = (shift.start, w.home);
    let (mut visits, mut breaks) = (jobs.iter(), 0);
    let mut last_start = i64::MIN;
    for stop in stops {
        match stop {
            Stop::Break { start, finish, .. } => {
                let b = rule.ok_or("a break without a rule")?;
                breaks += 1;
                if start < ready || start < b.earliest || finish - start != b.duration {
                    return Err(format!("the break at {start} breaks the rule"));
                }
                if start > b.latest && (last_start > b.latest || start != ready) {
                    return Err(format!("the break at {start} starts too late"));
                }
                if finish > shift.end {
                    return Err("the break ends after the shift".into());
                }
                ready = finish;
            }
            Stop::Visit {
                key, start, finish, ..
            } => {
                let v = visits.next().ok_or("more stops than jobs")?;
                if v.key != key {
                    return Err(format!("{key} out of window order"));
                }
                let arrival = ready + travel.seconds(at, v.at);
                if start < arrival || start < v.window_start {
                    return Err(format!("{key} starts before the worker can be there"));
                }
                if start > v.window_end {
                    return Err(format!(
                        "{key} starts {} s after its window",
                        start - v.window_end
                    ));
                }
                if finish != start + v.duration || finish > shift.end {
                    return Err(format!("{key} ends after the shift or runs short"));
                }
                last_start = start;
                ready = finish;
                at = v.at;
            }
        }
    }
    let wanted = usize::from(rule.is_some() && !jobs.is_empty() && !long);
    if breaks != wanted {
        return Err(format!("{breaks} breaks where the rule wants {wanted}"));
    }
    Ok(())
}

/// A ranked worker satisfies every hard rule of an offer.
fn candidate_holds(w: &WorkerSnapshot, o: &OrderRequest) -> Result<(), String> {
    let end = moment(o.window_end + o.duration);
    for r in &o.requirements {
        let level = w.skills.iter().find(|s| s.code == r.skill).map(|s| s.level);
        if level.is_none_or(|l| l < r.min_level) {
            return Err(format!(
                "{} lacks {} at level {}",
                w.id, r.skill, r.min_level
            ));
        }
        if r.certificate
            && !w
                .certificates
                .iter()
                .any(|c| c.skill == r.skill && c.expires_at >= end)
        {
            return Err(format!("{} has no valid certificate for {}", w.id, r.skill));
        }
    }
    if w.status != WorkerStatus::Active {
        return Err(format!("{} is {:?}", w.id, w.status));
    }
    if !w.presence.online || !w.presence.accepting {
        return Err(format!("{} is offline or pausing offers", w.id));
    }
    if w.daily_limit.is_some_and(|l| w.jobs_today >= l) {
        return Err(format!("{} is at the daily limit", w.id));
    }
    if o.excluded.contains(&w.id) || !w.areas.contains(&o.area) {
        return Err(format!("{} was excluded or works elsewhere", w.id));
    }
    Ok(())
}

/// Decides `orders` one after another with `policy`, giving each to its best worker.
fn run(policy: &dyn Policy, seed: u64, workers: usize, orders: usize) -> Result<usize, String> {
    let tt = TravelModel::default();
    let mut rng = Rng(seed);
    let mut ws: Vec<WorkerSnapshot> = (0..workers as u128)
        .map(|i| worker(&mut rng, i, &tt))
        .collect();
    for w in &ws {
        day_holds(w, &tt).map_err(|e| format!("generated day: {e}"))?;
    }
    let now = moment(DAY0 + 6 * H);
    let mut assigned = 0;
    for n in 0..orders as u128 {
        let o = order(&mut rng, n, &ws);
        let pool = Pool::new(ws.clone());
        let d: Decision = policy.decide(&pool, &o, &tt, now);
        for c in &d.ranked {
            let w = pool.get(c.worker).ok_or("ranked a stranger")?;
            candidate_holds(w, &o)?;
            if c.start < o.window_start || c.start > o.window_end {
                return Err(format!("promised start {} outside the window", c.start));
            }
        }
        if let Some(best) = d.best() {
            let w = ws
                .iter_mut()
                .find(|w| w.id == best.worker)
                .ok_or("no such worker")?;
            w.jobs.push(o.visit());
            w.jobs_today += 1;
            day_holds(w, &tt).map_err(|e| format!("after order {n}: {e}"))?;
            assigned += 1;
        }
    }
    Ok(assigned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_engine_never_gives_a_worker_overlapping_jobs_or_an_unqualified_one(
        seed in any::<u64>(),
        workers in 1usize..25,
        orders in 1usize..30,
    ) {
        let r = run(&Engine::default(), seed, workers, orders);
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn the_nearest_available_baseline_keeps_the_same_rules(
        seed in any::<u64>(),
        workers in 1usize..25,
        orders in 1usize..30,
    ) {
        let r = run(&NearestAvailable::default(), seed, workers, orders);
        prop_assert!(r.is_ok(), "{:?}", r);
    }

    #[test]
    fn the_grab_pool_shows_only_qualified_workers_with_grab_rights_in_the_radius(
        seed in any::<u64>(),
        workers in 1usize..40,
    ) {
        let tt = TravelModel::default();
        let mut rng = Rng(seed);
        let ws: Vec<WorkerSnapshot> = (0..workers as u128).map(|i| worker(&mut rng, i, &tt)).collect();
        let o = order(&mut rng, 0, &ws);
        let settings = Settings::default();
        let pool = Pool::new(ws);
        let d = grab_pool(&pool, &o, &settings, &tt, moment(DAY0 + 6 * H));
        for c in &d.ranked {
            let w = pool.get(c.worker).expect("a pool worker");
            prop_assert!(w.grab_rights && w.presence.online && w.status == WorkerStatus::Active);
            prop_assert!(c.distance_m <= settings.grab_radius_m);
            let mut as_offer = o.clone();
            as_offer.excluded.clear();
            let mut w = w.clone();
            w.presence.accepting = true;
            prop_assert!(candidate_holds(&w, &as_offer).is_ok());
        }
    }
}

#[test]
fn the_random_scenarios_do_assign_orders() {
    // Guards the properties against vacuity: the generated days leave room for work.
    let total: usize = (0..20)
        .map(|seed| run(&Engine::default(), seed, 20, 20).expect("rules hold"))
        .sum();
    assert!(total > 40, "only {total} of 400 orders assigned");
}
