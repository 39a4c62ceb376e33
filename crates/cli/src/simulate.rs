//! `daojia simulate`: the day simulator (crate `daojia-sim`) for the engine and the
//! nearest-free-worker baseline, side by side, as a table or one JSON object.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use daojia_app::dispatch::PolicyChoice;
use daojia_server::config::Config;
use daojia_sim::metrics::PolicyFigures;
use daojia_sim::{Options, ProfileFile, Report};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which policies to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// The engine.
    Engine,
    /// The nearest free worker (the classic dispatcher's rule).
    Nearest,
    /// Both, side by side.
    Both,
}

/// Replays a synthetic day through the application layer on an in-memory database.
///
/// Values come from the flags, else from `--profile FILE` (TOML), else the defaults; the
/// dispatch settings (weights per area, offers, grab pool) from the global `--config`
/// file when one is given, as the server would use them.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// A TOML profile of the run (seed, sizes, `[demand]`, `[behaviour]`).
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Seed of the day (the same seed repeats a run exactly) [default: 1].
    #[arg(long)]
    seed: Option<u64>,
    /// Orders arriving over the day [default: 2000].
    #[arg(long)]
    orders: Option<usize>,
    /// Synthetic workers placed on the demo city's map [default: 150].
    #[arg(long)]
    workers: Option<usize>,
    /// Which policy to run.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    policy: Which,
    /// Service mix as category weights, e.g. `cleaning=10,beauty=4` (default: the demo's).
    #[arg(long)]
    mix: Option<String>,
    /// Share of customers clustered around busy spots of the districts (0–1) [default: 0.7].
    #[arg(long)]
    clustered: Option<f64>,
    /// Probability that a worker accepts an offer [default: 0.85].
    #[arg(long)]
    accept: Option<f64>,
    /// Probability that a worker declines an offer (otherwise it expires) [default: 0.10].
    #[arg(long)]
    reject: Option<f64>,
    /// Spread of service times around the planned ones (σ of the logarithm) [default: 0.15].
    #[arg(long)]
    service_sigma: Option<f64>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

fn mix(text: &str) -> anyhow::Result<Vec<(String, u64)>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|part| {
            let Some((code, w)) = part.split_once('=') else {
                bail!("--mix: `{part}` is not category=weight");
            };
            let w: u64 = w.trim().parse().map_err(|_| {
                anyhow::anyhow!("--mix: the weight of `{code}` is not a whole number")
            })?;
            Ok((code.trim().to_string(), w))
        })
        .collect()
}

/// Runs `daojia simulate`; `config` is the global `--config` file, if given.
pub async fn run(config: Option<&Path>, args: SimulateArgs) -> anyhow::Result<()> {
    let mut opts = Options {
        policies: match args.policy {
            Which::Engine => vec![PolicyChoice::Engine],
            Which::Nearest => vec![PolicyChoice::Nearest],
            Which::Both => vec![PolicyChoice::Engine, PolicyChoice::Nearest],
        },
        ..Options::default()
    };
    if let Some(path) = config {
        opts.dispatch = Config::load(Some(path))?.dispatch;
    }
    if let Some(path) = &args.profile {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("--profile: cannot read {}", path.display()))?;
        ProfileFile::parse(&text)?.apply(&mut opts);
    }
    opts.seed = args.seed.unwrap_or(opts.seed);
    opts.orders = args.orders.unwrap_or(opts.orders);
    opts.workers = args.workers.unwrap_or(opts.workers);
    opts.demand.clustered = args.clustered.unwrap_or(opts.demand.clustered);
    if let Some(m) = &args.mix {
        opts.demand.mix = mix(m)?;
    }
    let b = &mut opts.behaviour;
    b.accept = args.accept.unwrap_or(b.accept);
    b.reject = args.reject.unwrap_or(b.reject);
    b.service_sigma = args.service_sigma.unwrap_or(b.service_sigma);
    let started = Instant::now();
    let report = daojia_sim::run(&opts).await?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print!("{}", table(&report, started.elapsed().as_secs_f64()));
    }
    Ok(())
}

/// A row of the table: its label and how a policy's cell reads.
type Row<'a> = (&'a str, &'a dyn Fn(&PolicyFigures) -> String);

/// The report as a table, one column per policy.
fn table(r: &Report, seconds: f64) -> String {
    let mut out = format!(
        "Day simulator: seed {}, {} orders, {} workers ({seconds:.1} s)\n\n",
        r.seed, r.orders, r.workers
    );
    let rows: [Row<'_>; 11] = [
        ("orders placed", &|p| p.placed.to_string()),
        ("refused at booking", &|p| p.refused.to_string()),
        ("visits done", &|p| p.visits.to_string()),
        ("share assigned", &|p| {
            format!("{:.1} %", p.assigned_share * 100.0)
        }),
        ("on-time arrival", &|p| {
            format!("{:.1} %", p.on_time_rate * 100.0)
        }),
        ("wait paid→assigned, mean", &|p| {
            format!("{:.1} min", p.wait_mean_min)
        }),
        ("wait paid→assigned, p95", &|p| {
            format!("{:.1} min", p.wait_p95_min)
        }),
        ("km per job", &|p| format!("{:.2}", p.km_per_job)),
        ("utilisation", &|p| {
            format!("{:.1} %", p.utilisation * 100.0)
        }),
        ("jobs per worker, sd", &|p| {
            format!("{:.2}", p.jobs_per_worker_sd)
        }),
        ("overlapping visits", &|p| p.overlaps.to_string()),
    ];
    out.push_str(&format!("{:<26}", ""));
    for p in &r.policies {
        out.push_str(&format!("{:>14}", p.name));
    }
    out.push('\n');
    for (label, f) in rows {
        out.push_str(&format!("{label:<26}"));
        for p in &r.policies {
            out.push_str(&format!("{:>14}", f(p)));
        }
        out.push('\n');
    }
    out
}
