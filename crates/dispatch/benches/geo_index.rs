//! The in-process geo index, measured: the R-tree against grids of three cell sizes, at
//! 1k, 10k and 100k workers spread over a disc of 12 km, for what dispatch asks of it:
//! filling it, moving workers, the workers within 3 km, the 50 nearest available and the
//! 1,000 nearest (a decision's walk). Prints p50/p99 per operation in the thread's CPU
//! time; the figures are in
//! `docs/adr/0006-dispatch-engine.md`. `cargo bench -p daojia-dispatch --bench geo_index`.

use daojia_dispatch::matching::{GeoIndex, GridIndex, RTreeIndex};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::{PositionSource, Presence};
use std::hint::black_box;
use std::time::Duration;
use uuid::Uuid;

const CENTRE: LatLng = LatLng {
    lat: 31.2304,
    lng: 121.4737,
};

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
}

fn near(rng: &mut Rng, c: LatLng, km: f64) -> LatLng {
    let r = km * rng.f().sqrt();
    let a = rng.f() * std::f64::consts::TAU;
    LatLng::new(
        c.lat + r * a.sin() / 111.195,
        c.lng + r * a.cos() / (111.195 * c.lat.to_radians().cos()),
    )
}

fn presence(at: LatLng, online: bool) -> Presence {
    Presence {
        at,
        source: PositionSource::Live,
        online,
        accepting: true,
        seen_at: 0,
    }
}

/// CPU time of this thread (the machine is shared: wall-clock times also count other
/// processes). Reading it costs some 0.05 µs, inside the move figures.
fn cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec and the clock id is a constant.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "the thread CPU clock is available on Linux");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn ms(t: Duration) -> f64 {
    t.as_secs_f64() * 1e3
}

/// p50 and p99 in microseconds.
fn p(mut t: Vec<Duration>) -> (f64, f64) {
    t.sort();
    let at = |q: f64| t[((t.len() as f64 * q) as usize).min(t.len() - 1)].as_secs_f64() * 1e6;
    (at(0.5), at(0.99))
}

fn run(name: &str, mut ix: Box<dyn GeoIndex>, points: &[(WorkerId, Presence)], seed: u64) {
    let mut rng = Rng(seed);
    let s = cpu();
    for (w, pr) in points {
        ix.upsert(*w, *pr);
    }
    let fill = cpu() - s;
    // Moves: a worker goes up to 500 m.
    let mut moves = Vec::with_capacity(10_000);
    for i in 0..10_000 {
        let (w, pr) = points[(rng.next() % points.len() as u64) as usize];
        let to = presence(near(&mut rng, pr.at, 0.5), i % 5 != 0);
        let s = cpu();
        ix.upsert(w, to);
        moves.push(cpu() - s);
    }
    let queries: Vec<LatLng> = (0..300).map(|_| near(&mut rng, CENTRE, 12.0)).collect();
    let mut within = vec![];
    let mut k50 = vec![];
    let mut k1000 = vec![];
    let mut found = 0usize;
    for q in &queries {
        let s = cpu();
        found += black_box(ix.within(*q, 3_000.0, &|p| p.online)).len();
        within.push(cpu() - s);
        let s = cpu();
        black_box(ix.nearest(*q, 50, &|p| p.is_available()));
        k50.push(cpu() - s);
        let s = cpu();
        black_box(ix.nearest(*q, 1_000, &|_| true));
        k1000.push(cpu() - s);
    }
    let (m50, m99) = p(moves);
    let (w50, w99) = p(within);
    let (a50, a99) = p(k50);
    let (b50, b99) = p(k1000);
    println!(
        "  {name:<10} fill {:>7.1} ms | move p50 {m50:>6.2} p99 {m99:>6.2} µs | within 3 km p50 {w50:>8.1} p99 {w99:>8.1} µs ({:.0} found) | nearest 50 p50 {a50:>7.1} p99 {a99:>7.1} µs | nearest 1000 p50 {b50:>8.1} p99 {b99:>8.1} µs",
        ms(fill),
        found as f64 / queries.len() as f64
    );
}

fn main() {
    for n in [1_000usize, 10_000, 100_000] {
        let mut rng = Rng(n as u64);
        let points: Vec<(WorkerId, Presence)> = (0..n)
            .map(|i| {
                (
                    WorkerId(Uuid::from_u128(i as u128 + 1)),
                    presence(near(&mut rng, CENTRE, 12.0), true),
                )
            })
            .collect();
        println!("geo index/{n} workers:");
        let s = cpu();
        let bulk = RTreeIndex::bulk(CENTRE.lat, points.iter().copied());
        println!("  rtree bulk load {:.1} ms", ms(cpu() - s));
        drop(bulk);
        run("rtree", Box::new(RTreeIndex::new(CENTRE.lat)), &points, 1);
        for cell in [250.0, 1_000.0, 4_000.0] {
            run(
                &format!("grid {cell} m"),
                Box::new(GridIndex::new(CENTRE.lat, cell)),
                &points,
                1,
            );
        }
    }
}
