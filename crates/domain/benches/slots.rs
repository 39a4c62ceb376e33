//! Slot search at scale: one area with 500 workers and 7 days of realistic bookings (3–5
//! accepted visits per worker-day, a few booked but not yet given to anyone), asked for the
//! 7 days of one-hour windows for a new visit at a random address.
//!
//! Prints p50/p99 for:
//! - `query`: the 7 days answered from day plans already built (what a request costs when
//!   the server's day-plan cache is warm);
//! - `cold`: building the 7 day plans (routes, tentative places for the pending visits) and
//!   answering (a cache miss);
//!
//! then runs the same two under criterion. `cargo bench -p daojia-domain --bench slots`.

use criterion::Criterion;
use daojia_domain::geo::LatLng;
use daojia_domain::slots::{DayPlan, Job, Pending, Shift, Visit, WorkerDay};
use daojia_domain::travel::{TravelModel, TravelTime};
use std::hint::black_box;
use std::time::{Duration, Instant};
use uuid::Uuid;

const WORKERS: usize = 500;
const DAYS: i64 = 7;
const H: i64 = 3600;
/// Local midnight of the first day (2026-11-30 00:00 +08:00).
const DAY0: i64 = 1_795_996_800 - 8 * H;
const SKILLS: [&str; 6] = [
    "clean",
    "deep_clean",
    "appliance",
    "plumbing",
    "nursing",
    "pet",
];
const CENTRE: LatLng = LatLng {
    lat: 31.1950,
    lng: 121.4365,
};

/// SplitMix64: repeatable without a dependency.
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
}

/// A point within `km` of `c`.
fn near(rng: &mut Rng, c: LatLng, km: f64) -> LatLng {
    let r = km * rng.f().sqrt();
    let a = rng.f() * std::f64::consts::TAU;
    LatLng::new(
        c.lat + r * a.sin() / 111.195,
        c.lng + r * a.cos() / (111.195 * c.lat.to_radians().cos()),
    )
}

fn round_up(t: i64, step: i64) -> i64 {
    (t + step - 1).div_euclid(step) * step
}

struct Area {
    days: Vec<(Vec<WorkerDay>, Vec<Pending>)>,
}

fn area(tt: &TravelModel, seed: u64) -> Area {
    let mut rng = Rng(seed);
    let workers: Vec<(Uuid, LatLng, Vec<String>)> = (0..WORKERS)
        .map(|i| {
            let n = rng.range(1, 4) as usize;
            let first = rng.range(0, SKILLS.len() as i64) as usize;
            let skills = (0..n)
                .map(|k| SKILLS[(first + k * 2) % SKILLS.len()].to_string())
                .collect();
            (
                Uuid::from_u128(i as u128 + 1),
                near(&mut rng, CENTRE, 9.0),
                skills,
            )
        })
        .collect();
    let mut key = 1_000_000u128;
    let days = (0..DAYS)
        .map(|d| {
            let midnight = DAY0 + d * 24 * H;
            let mut day = vec![];
            let mut pending = vec![];
            for (id, home, skills) in &workers {
                // Most work 6 days in 7.
                if rng.range(0, 7) == 0 {
                    continue;
                }
                let start = midnight + rng.range(7, 10) * H;
                let end = start + rng.range(8, 11) * H;
                let rest = (rng.range(0, 3) > 0).then(|| {
                    let bs = midnight + 12 * H;
                    (bs, bs + H)
                });
                let mut visits = vec![];
                let (mut cursor, mut at) = (start, *home);
                for _ in 0..rng.range(3, 6) {
                    let to = near(&mut rng, *home, 5.0);
                    let dur = rng.range(3, 9) * 1800;
                    let mut ws = round_up(cursor + tt.seconds(at, to, cursor), 1800);
                    if let Some((bs, be)) = rest
                        && ws < be
                        && ws + dur > bs
                    {
                        ws = round_up(be + tt.seconds(at, to, be), 1800);
                    }
                    if ws + dur > end {
                        break;
                    }
                    key += 1;
                    let v = Visit {
                        key: Uuid::from_u128(key),
                        at: to,
                        window_start: ws - 1800,
                        window_end: ws + 1800,
                        duration: dur,
                    };
                    // One visit in fifty is booked but not yet given to anyone.
                    if rng.range(0, 50) == 0 {
                        pending.push(Pending {
                            visit: v,
                            skills: vec![skills[0].clone()],
                        });
                    } else {
                        visits.push(v);
                    }
                    cursor = ws + dur;
                    at = to;
                }
                day.push(WorkerDay {
                    worker: *id,
                    home: *home,
                    skills: skills.clone(),
                    shift: Shift { start, end, rest },
                    visits,
                });
            }
            (day, pending)
        })
        .collect();
    Area { days }
}

/// One-hour windows every 30 minutes, 08:00–20:00 local, for each day.
fn windows() -> Vec<Vec<(i64, i64)>> {
    (0..DAYS)
        .map(|d| {
            let m = DAY0 + d * 24 * H;
            (0..23)
                .map(|k| (m + 8 * H + k * 1800, m + 9 * H + k * 1800))
                .collect()
        })
        .collect()
}

fn plans(a: &Area, tt: &TravelModel) -> Vec<DayPlan> {
    a.days
        .iter()
        .map(|(w, p)| DayPlan::build(w.clone(), p.clone(), tt))
        .collect()
}

fn query(plans: &[DayPlan], tt: &TravelModel, job: &Job, windows: &[Vec<(i64, i64)>]) -> usize {
    plans
        .iter()
        .zip(windows)
        .map(|(p, w)| {
            p.availability(tt, job, w)
                .iter()
                .filter(|x| x.is_some())
                .count()
        })
        .sum()
}

fn jobs(n: usize, seed: u64) -> Vec<Job> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| Job {
            at: near(&mut rng, CENTRE, 9.0),
            duration: rng.range(2, 9) * 1800,
            skills: vec![SKILLS[rng.range(0, SKILLS.len() as i64) as usize].to_string()],
            reach_m: f64::INFINITY,
        })
        .collect()
}

fn percentiles(mut t: Vec<Duration>) -> (Duration, Duration, Duration) {
    t.sort();
    let at = |q: f64| t[((t.len() as f64 * q) as usize).min(t.len() - 1)];
    (at(0.5), at(0.99), *t.last().expect("samples"))
}

fn main() {
    let tt = TravelModel::default();
    let a = area(&tt, 7);
    let booked: usize = a
        .days
        .iter()
        .map(|(w, _)| w.iter().map(|x| x.visits.len()).sum::<usize>())
        .sum();
    let pending: usize = a.days.iter().map(|(_, p)| p.len()).sum();
    let w = windows();
    let built = plans(&a, &tt);
    let unplaced: usize = built.iter().map(|p| p.unplaced().len()).sum();
    println!(
        "area: {WORKERS} workers, {DAYS} days, {booked} accepted visits, {pending} pending ({unplaced} fit nowhere), {} windows a day",
        w[0].len()
    );

    let js = jobs(1000, 11);
    let mut open = 0usize;
    let mut t = Vec::with_capacity(js.len());
    for j in &js {
        let s = Instant::now();
        open += black_box(query(&built, &tt, j, &w));
        t.push(s.elapsed());
    }
    let (p50, p99, max) = percentiles(t);
    println!(
        "query (day plans built): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} requests; {:.0}% of windows open",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        js.len(),
        100.0 * open as f64 / (js.len() * w.len() * w[0].len()) as f64
    );

    let mut t = Vec::new();
    for j in js.iter().take(60) {
        let s = Instant::now();
        let p = plans(&a, &tt);
        black_box(query(&p, &tt, j, &w));
        t.push(s.elapsed());
    }
    let (p50, p99, max) = percentiles(t);
    println!(
        "cold (build 7 day plans + query): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over 60 requests",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(5));
    let mut i = 0;
    c.bench_function("slots/7 days, 500 workers, warm", |b| {
        b.iter(|| {
            i = (i + 1) % js.len();
            query(&built, &tt, &js[i], &w)
        })
    });
    c.bench_function("slots/7 days, 500 workers, cold", |b| {
        b.iter(|| {
            i = (i + 1) % js.len();
            let p = plans(&a, &tt);
            query(&p, &tt, &js[i], &w)
        })
    });
    c.final_summary();
}
