//! The day simulator (`daojia simulate`): replays a synthetic day of orders through the
//! real application layer, once per dispatch policy, and measures what each policy made
//! of it.
//!
//! Each run opens the real store on a fresh in-memory SQLite database, writes the demo
//! city's areas and catalog and a seeded set of synthetic workers and customers
//! ([`world`]), and drives a virtual clock from event to event ([`day`]): customers book
//! through the place-order use case (paid on placement, as in the demo), the outbox relay
//! runs automatic dispatch, workers answer offers through the offer use cases, the job
//! queue's timers (offer timeouts, horizon, order timers) run through
//! `daojia_app::jobs::run_one` at the virtual time, and workers record their visit steps
//! through the visit use case. The demand ([`demand`]) and every random draw are functions
//! of the seed and of the order, so the policies face the same day and a seed repeats a run
//! exactly. [`metrics`] turns a run into the figures printed side by side.

pub mod day;
pub mod demand;
pub mod metrics;
pub mod world;

use daojia_app::dispatch::{DispatchSettings, PolicyChoice};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Seed of the demand, the people and every draw.
    pub seed: u64,
    /// Orders arriving over the day.
    pub orders: usize,
    /// Synthetic workers.
    pub workers: usize,
    /// The policies to run, each on its own database.
    pub policies: Vec<PolicyChoice>,
    /// The shape of the demand.
    pub demand: demand::Profile,
    /// How workers behave.
    pub behaviour: day::Behaviour,
    /// The platform's dispatch settings (weights per area, offers, grab pool...), as in
    /// the server's configuration; the simulator sets the mode (automatic), the policy and
    /// the horizon (every order dispatched when paid) itself.
    pub dispatch: DispatchSettings,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            orders: 2_000,
            workers: 150,
            policies: vec![PolicyChoice::Engine, PolicyChoice::Nearest],
            demand: demand::Profile::default(),
            behaviour: day::Behaviour::default(),
            dispatch: DispatchSettings::default(),
        }
    }
}

/// A run described in a TOML file (`daojia simulate --profile FILE`); every key may be
/// left out, and a flag given on the command line wins over the file.
///
/// ```toml
/// seed = 7
/// orders = 2000
/// workers = 150
///
/// [demand]
/// date = "2026-12-07"          # the simulated day (local)
/// peaks = [0.4, 0.35]          # shares of the morning and evening peaks
/// peak_minutes = [570, 1200]   # their centres, minutes after midnight
/// peak_sd_min = 90             # their spread, minutes
/// clustered = 0.7              # share of customers around busy spots
/// ahead = [0.15, 0.25, 0.2, 0.15, 0.1, 0.08, 0.07]  # today, tomorrow, …
///
/// [demand.mix]                 # category code = relative weight
/// cleaning = 10
/// repair = 3
///
/// [behaviour]
/// accept = 0.85
/// reject = 0.10
/// service_sigma = 0.15
/// ```
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileFile {
    /// Seed of the day.
    pub seed: Option<u64>,
    /// Orders arriving over the day.
    pub orders: Option<usize>,
    /// Synthetic workers.
    pub workers: Option<usize>,
    /// The shape of the demand.
    #[serde(default)]
    pub demand: DemandFile,
    /// How workers behave.
    #[serde(default)]
    pub behaviour: BehaviourFile,
}

/// The `[demand]` table of a profile.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DemandFile {
    /// The simulated day.
    pub date: Option<chrono::NaiveDate>,
    /// Shares of the morning and evening peaks.
    pub peaks: Option<(f64, f64)>,
    /// Centres of the peaks, minutes after local midnight.
    pub peak_minutes: Option<(i32, i32)>,
    /// Spread of each peak, minutes.
    pub peak_sd_min: Option<f64>,
    /// Share of customers around busy spots.
    pub clustered: Option<f64>,
    /// Relative weights of today, tomorrow, …
    pub ahead: Option<Vec<f64>>,
    /// Category code → relative weight.
    pub mix: Option<BTreeMap<String, u64>>,
}

/// The `[behaviour]` table of a profile.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BehaviourFile {
    /// Probability that a worker accepts an offer.
    pub accept: Option<f64>,
    /// Probability that they decline it.
    pub reject: Option<f64>,
    /// Spread of service times (σ of the logarithm).
    pub service_sigma: Option<f64>,
}

impl ProfileFile {
    /// Reads a profile from TOML text; the message names the key at fault.
    pub fn parse(text: &str) -> Result<ProfileFile, SimError> {
        toml::from_str(text).map_err(|e| SimError::Options(format!("profile: {e}")))
    }

    /// Writes what the file sets over `opts`.
    pub fn apply(self, opts: &mut Options) {
        let d = self.demand;
        let b = self.behaviour;
        let set = |slot: &mut f64, v: Option<f64>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        opts.seed = self.seed.unwrap_or(opts.seed);
        opts.orders = self.orders.unwrap_or(opts.orders);
        opts.workers = self.workers.unwrap_or(opts.workers);
        opts.demand.date = d.date.unwrap_or(opts.demand.date);
        opts.demand.peaks = d.peaks.unwrap_or(opts.demand.peaks);
        opts.demand.peak_minutes = d.peak_minutes.unwrap_or(opts.demand.peak_minutes);
        set(&mut opts.demand.peak_sd_min, d.peak_sd_min);
        set(&mut opts.demand.clustered, d.clustered);
        if let Some(ahead) = d.ahead {
            opts.demand.ahead = ahead;
        }
        if let Some(mix) = d.mix {
            opts.demand.mix = mix.into_iter().collect();
        }
        set(&mut opts.behaviour.accept, b.accept);
        set(&mut opts.behaviour.reject, b.reject);
        set(&mut opts.behaviour.service_sigma, b.service_sigma);
    }
}

/// The figures of one run (the `--json` shape).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Orders that arrived.
    pub orders: usize,
    /// Workers.
    pub workers: usize,
    /// One entry per policy, in the order asked.
    pub policies: Vec<metrics::PolicyFigures>,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The options make no sense.
    #[error("{0}")]
    Options(String),
    /// The store failed.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// A use case failed where the simulation cannot go on.
    #[error("{0}")]
    App(#[from] daojia_app::Error),
    /// Anything else that should not happen.
    #[error("{0}")]
    Other(String),
}

impl Options {
    /// Checks the options; the message names the flag.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |m: &str| Err(SimError::Options(m.into()));
        if !(1..=20_000).contains(&self.orders) {
            return bad("--orders: between 1 and 20000");
        }
        if !(1..=2_000).contains(&self.workers) {
            return bad("--workers: between 1 and 2000");
        }
        if self.policies.is_empty() {
            return bad("--policy: engine, nearest or both");
        }
        self.demand.validate().map_err(SimError::Options)?;
        self.behaviour.validate().map_err(SimError::Options)
    }
}

/// Runs the day once per policy and reports the figures.
///
/// The policies' days share nothing (each has its own in-memory database), so each runs
/// on a thread of its own with a one-thread runtime: on a machine with two cores the
/// side-by-side run takes about as long as its slower policy.
pub async fn run(opts: &Options) -> Result<Report, SimError> {
    opts.validate()?;
    let city = std::sync::Arc::new(daojia_demo::city(opts.seed));
    let requests = std::sync::Arc::new(demand::draw(&city, opts.seed, opts.orders, &opts.demand)?);
    let mut running = vec![];
    for choice in &opts.policies {
        let (city, requests, opts, choice) =
            (city.clone(), requests.clone(), opts.clone(), *choice);
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name(format!("sim-{}", choice.name()))
            // The use cases' futures are deep (more so in debug builds): the main thread's
            // size, not a spawned thread's default.
            .stack_size(16 << 20)
            .spawn(move || {
                let out = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| SimError::Other(format!("runtime: {e}")))
                    .and_then(|rt| rt.block_on(run_policy(&city, &requests, &opts, choice)));
                // The receiver only goes away when the caller was dropped.
                let _ = tx.send(out);
            })
            .map_err(|e| SimError::Other(format!("thread: {e}")))?;
        running.push(rx);
    }
    let mut policies = vec![];
    for rx in running {
        policies.push(
            rx.await
                .map_err(|_| SimError::Other("a policy's run stopped".into()))??,
        );
    }
    Ok(Report {
        seed: opts.seed,
        orders: opts.orders,
        workers: opts.workers,
        policies,
    })
}

/// The day of `requests` under one policy, measured.
async fn run_policy(
    city: &daojia_demo::City,
    requests: &[demand::Request],
    opts: &Options,
    choice: PolicyChoice,
) -> Result<metrics::PolicyFigures, SimError> {
    let world = world::World::open(city, opts, choice).await?;
    let outcome = day::run(&world, requests, &opts.behaviour, opts.seed).await?;
    let figures = metrics::figures(&world, requests, &outcome, choice.name()).await?;
    world.close().await;
    Ok(figures)
}

/// A uniform number in `[0, 1)` from the seed and three keys (SplitMix64), so that a draw
/// depends on what it is about and not on how many draws came before: both policies see
/// the same service time for the same order, whoever serves it.
pub fn unit(seed: u64, a: u64, b: u64, c: u64) -> f64 {
    let mut z = seed
        ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ b.wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ c.wrapping_mul(0x94D0_49BB_1331_11EB);
    for _ in 0..2 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A standard normal draw from two uniform ones (Box–Muller).
pub fn normal(u1: f64, u2: f64) -> f64 {
    (-2.0 * u1.max(1e-12).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
