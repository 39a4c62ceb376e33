//! One dispatch decision (filter, score, explanation) with 1k, 10k and 100k online workers
//! in one service area (a disc of 12 km around central Shanghai; each worker with a shift,
//! 0–4 jobs of the day, 1–3 skills, certificates), for orders at random addresses that
//! need one skill.
//!
//! Prints p50/p99 of the engine's decision and of the nearest-available baseline per
//! size, both wall-clock and the thread's CPU time (on a shared, loaded machine the wall
//! clock also counts the time other processes held the core), then runs the engine's
//! decisions under criterion.
//! `cargo bench -p daojia-dispatch --bench decide`.

use chrono::{DateTime, TimeZone, Utc};
use criterion::Criterion;
use daojia_dispatch::matching::{
    Certificate, Engine, NearestAvailable, OrderRequest, Policy, Pool, Requirement, Skill,
    WorkerSnapshot, WorkerStatus,
};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{OrderId, WorkerId};
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::travel::{TravelModel, TravelTime};
use std::hint::black_box;
use std::time::{Duration, Instant};
use uuid::Uuid;

const H: i64 = 3600;
/// Local midnight of the day (2026-11-30 00:00 +08:00).
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
    lat: 31.2304,
    lng: 121.4737,
};
const RADIUS_KM: f64 = 12.0;

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
    Uuid::from_u128(1)
}

fn workers(n: usize, tt: &TravelModel, rng: &mut Rng) -> Vec<WorkerSnapshot> {
    (0..n)
        .map(|i| {
            let home = near(rng, CENTRE, RADIUS_KM);
            let first = rng.range(0, SKILLS.len() as i64) as usize;
            let skills: Vec<Skill> = (0..rng.range(1, 4) as usize)
                .map(|k| Skill {
                    code: SKILLS[(first + k * 2) % SKILLS.len()].into(),
                    level: rng.range(1, 4) as u8,
                })
                .collect();
            let certificates = skills
                .iter()
                .map(|s| Certificate {
                    skill: s.code.clone(),
                    expires_at: moment(DAY0 + 300 * 24 * H),
                })
                .collect();
            let start = DAY0 + rng.range(7, 10) * H;
            let end = start + rng.range(8, 11) * H;
            let rest = (rng.range(0, 3) > 0).then_some((DAY0 + 12 * H, DAY0 + 13 * H));
            let mut jobs = vec![];
            let (mut ready, mut at) = (start, home);
            for k in 0..rng.range(0, 5) {
                let to = near(rng, home, 5.0);
                let duration = rng.range(2, 7) * 1800;
                let ws = ready + tt.seconds(at, to, ready) + rng.range(0, 3) * 1800;
                if ws + duration > end {
                    break;
                }
                jobs.push(Visit {
                    key: Uuid::from_u128((i as u128) << 8 | k as u128),
                    at: to,
                    window_start: ws,
                    window_end: ws + 1800,
                    duration,
                });
                ready = ws + duration + if rest.is_some() { H } else { 0 };
                at = to;
            }
            WorkerSnapshot {
                id: WorkerId(Uuid::from_u128(i as u128 + 1)),
                home,
                presence: Presence {
                    at: home,
                    source: PositionSource::HomeBase,
                    online: true,
                    accepting: true,
                    seen_at: DAY0,
                },
                skills,
                certificates,
                areas: vec![area()],
                status: WorkerStatus::Active,
                grab_rights: true,
                credit: rng.range(60, 101) as u8,
                rating: Some(3.0 + 2.0 * rng.f()),
                on_time_rate: Some(0.7 + 0.3 * rng.f()),
                jobs_today: jobs.len() as u32,
                earnings_today: rng.range(0, 60_000),
                daily_limit: Some(6),
                partner: None,
                deposit: 0,
                shift: Some(Shift { start, end, rest }),
                jobs,
            }
        })
        .collect()
}

fn orders(n: usize, rng: &mut Rng) -> Vec<OrderRequest> {
    (0..n as u128)
        .map(|k| {
            let ws = DAY0 + rng.range(18, 34) * 1800;
            OrderRequest {
                id: OrderId(Uuid::from_u128(1 << 100 | k)),
                at: near(rng, CENTRE, RADIUS_KM),
                area: area(),
                window_start: ws,
                window_end: ws + 3600,
                duration: rng.range(2, 7) * 1800,
                requirements: vec![Requirement {
                    skill: SKILLS[rng.range(0, SKILLS.len() as i64) as usize].into(),
                    min_level: rng.range(1, 3) as u8,
                    certificate: rng.range(0, 3) == 0,
                }],
                preferred: None,
                previous: vec![],
                excluded: vec![],
                deposit_required: None,
            }
        })
        .collect()
}

/// CPU time of this thread: what a decision costs, whatever else the machine is doing.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "the thread CPU clock is available on Linux");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn percentiles(mut t: Vec<Duration>) -> (f64, f64, f64) {
    t.sort();
    let at = |q: f64| t[((t.len() as f64 * q) as usize).min(t.len() - 1)].as_secs_f64() * 1e3;
    (at(0.5), at(0.99), at(1.0))
}

fn measure(policy: &dyn Policy, pool: &Pool, os: &[OrderRequest], tt: &TravelModel) -> String {
    let now = moment(DAY0 + 7 * H);
    let mut times = Vec::with_capacity(os.len());
    let mut cpu = Vec::with_capacity(os.len());
    let (mut found, mut ranked, mut rejected) = (0, 0, 0);
    for o in os {
        let (s, c) = (Instant::now(), cpu_time());
        let d = black_box(policy.decide(pool, o, tt, now));
        cpu.push(cpu_time().saturating_sub(c));
        times.push(s.elapsed());
        found += usize::from(d.best().is_some());
        ranked += d.ranked.len();
        rejected += d.rejected.len();
    }
    let (p50, p99, max) = percentiles(times);
    let (c50, c99, _) = percentiles(cpu);
    format!(
        "wall p50 {p50:.3} ms, p99 {p99:.3} ms, max {max:.3} ms; CPU p50 {c50:.3} ms, p99 {c99:.3} ms; a worker found for {found}/{} orders, {:.1} ranked and {:.1} rejected per decision",
        os.len(),
        ranked as f64 / os.len() as f64,
        rejected as f64 / os.len() as f64
    )
}

fn main() {
    let tt = TravelModel::default();
    let mut rng = Rng(7);
    let os = orders(500, &mut rng);
    let mut pools = vec![];
    for n in [1_000, 10_000, 100_000] {
        let ws = workers(n, &tt, &mut rng);
        let s = Instant::now();
        let pool = Pool::new(ws);
        let built = s.elapsed();
        println!(
            "decide/{n} workers (pool built in {:.1} ms)",
            built.as_secs_f64() * 1e3
        );
        println!(
            "  engine:   {}",
            measure(&Engine::default(), &pool, &os, &tt)
        );
        println!(
            "  baseline: {}",
            measure(&NearestAvailable::default(), &pool, &os, &tt)
        );
        pools.push((n, pool));
    }

    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(3));
    let engine = Engine::default();
    let now = moment(DAY0 + 7 * H);
    for (n, pool) in &pools {
        let mut i = 0;
        c.bench_function(&format!("decide/engine, {n} workers"), |b| {
            b.iter(|| {
                i = (i + 1) % os.len();
                engine.decide(pool, &os[i], &tt, now)
            })
        });
    }
    c.final_summary();
}
