//! A large day in the demo city for the scale and re-plan benchmarks: workers drawn from
//! the demo's trades (skills, shift patterns) with homes at demo addresses, orders for the
//! demo's shorter service items at demo addresses (jittered by up to 300 m), each in a
//! one-hour window that some qualified worker's shift covers. Deterministic for a seed.

use daojia_dispatch::day::{DayInput, DayOrder, DayWorker, Stage};
use daojia_domain::geo::LatLng;
use uuid::Uuid;

/// Local midnight of Wednesday 2 December 2026 in Shanghai, Unix seconds.
pub const MIDNIGHT: i64 = 1_796_140_800;
/// Weekday of that day (0 = Monday).
const WEEKDAY: i16 = 2;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n.max(1)
    }

    /// Up to about `metres` away from `p`, either way.
    fn near(&mut self, p: LatLng, metres: f64) -> LatLng {
        let d = metres / 111_000.0;
        let a = (self.below(2001) as f64 / 1000.0 - 1.0) * d;
        let b = (self.below(2001) as f64 / 1000.0 - 1.0) * d / 0.85;
        LatLng::new(p.lat + a, p.lng + b)
    }
}

/// `orders` orders and `workers` on-shift workers of the demo city (seed `seed`), for
/// service items of at most `max_minutes` (the order's duration adds the item's buffer).
pub fn day(seed: u64, orders: usize, workers: usize, max_minutes: i32) -> DayInput {
    let city = daojia_demo::city(seed);
    let mut rng = Rng(seed);
    let addresses: Vec<LatLng> = city
        .customers
        .iter()
        .flat_map(|c| c.addresses.iter().map(|a| a.at))
        .collect();
    let mut input = DayInput::new(MIDNIGHT);
    let at = |minute: i32| MIDNIGHT + i64::from(minute) * 60;
    let mut k = 0usize;
    while input.workers.len() < workers {
        let model = &city.workers[k % city.workers.len()];
        // Beyond the demo's 40, more workers of the same trades live at demo addresses
        // and take their day off on another weekday.
        let (home, shifts) = if k < city.workers.len() {
            (model.home, model.shifts.clone())
        } else {
            let i = rng.below(addresses.len() as u64) as usize;
            let home = rng.near(addresses[i], 300.0);
            let mut shifts = model.shifts.clone();
            let off = (k / city.workers.len()) as i16;
            for s in &mut shifts {
                s.weekday = (s.weekday + off) % 7;
            }
            (home, shifts)
        };
        k += 1;
        let Some(shift) = shifts.iter().find(|s| s.weekday == WEEKDAY) else {
            continue;
        };
        input.workers.push(DayWorker {
            id: Uuid::from_u128(1 << 64 | k as u128),
            home,
            skills: model.skills.iter().map(|s| s.to_string()).collect(),
            shift_start: at(shift.start_minute),
            shift_end: at(shift.end_minute),
            rest: shift.break_minutes.map(|(a, b)| (at(a), at(b))),
        });
    }
    // Each order is one that booking would take on its own: an item some worker on shift
    // can do, in a one-hour window inside that worker's shift and clear of the break.
    let items: Vec<_> = city
        .items
        .iter()
        .filter(|i| i.base_duration_min <= max_minutes)
        .collect();
    let mut n = 0;
    while input.orders.len() < orders {
        let w = &input.workers[rng.below(input.workers.len() as u64) as usize];
        let able: Vec<_> = items
            .iter()
            .filter(|i| i.skills.iter().all(|s| w.skills.iter().any(|x| x == s)))
            .collect();
        if able.is_empty() {
            continue;
        }
        let item = able[rng.below(able.len() as u64) as usize];
        let duration = i64::from(item.base_duration_min + item.buffer_min) * 60;
        // Starts on the hour, from an hour after the shift starts to the latest start that
        // still ends an hour before the shift does.
        let first = (w.shift_start - MIDNIGHT + 3600 + 3599) / 3600;
        let last = (w.shift_end - MIDNIGHT - duration - 3600 - 3600) / 3600;
        if last < first {
            continue;
        }
        let mut start = MIDNIGHT + 3600 * (first + rng.below((last - first + 1) as u64) as i64);
        if let Some((bs, be)) = w.rest
            && start < be
            && start + 3600 + duration > bs
        {
            start = be;
        }
        let i = rng.below(addresses.len() as u64) as usize;
        let place = rng.near(addresses[i], 300.0);
        input.orders.push(DayOrder {
            id: Uuid::from_u128(2 << 64 | n as u128),
            at: place,
            window_start: start,
            window_end: start + 3600,
            duration,
            skills: item.skills.iter().map(|s| s.to_string()).collect(),
            stage: Stage::Open,
        });
        n += 1;
    }
    input
}

/// Peak and current resident memory of this process, in MiB (Linux), if readable.
pub fn memory_mib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}
