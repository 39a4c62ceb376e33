//! `daojia simulate`: the day simulator (crate `daojia-sim`) for the engine and the
//! nearest-free-worker baseline, side by side, as a table or one JSON object.

use anyhow::bail;
use clap::{Args, ValueEnum};
use daojia_app::dispatch::PolicyChoice;
use daojia_sim::metrics::PolicyFigures;
use daojia_sim::{Options, Report};
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
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Seed of the day (the same seed repeats a run exactly).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Orders arriving over the day.
    #[arg(long, default_value_t = 2_000)]
    orders: usize,
    /// Synthetic workers placed on the demo city's map.
    #[arg(long, default_value_t = 150)]
    workers: usize,
    /// Which policy to run.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    policy: Which,
    /// Service mix as category weights, e.g. `cleaning=10,beauty=4` (default: the demo's).
    #[arg(long)]
    mix: Option<String>,
    /// Share of customers clustered around busy spots of the districts (0–1).
    #[arg(long, default_value_t = 0.7)]
    clustered: f64,
    /// Probability that a worker accepts an offer.
    #[arg(long, default_value_t = 0.85)]
    accept: f64,
    /// Probability that a worker declines an offer (otherwise it expires).
    #[arg(long, default_value_t = 0.10)]
    reject: f64,
    /// Spread of service times around the planned ones (σ of the logarithm).
    #[arg(long, default_value_t = 0.15)]
    service_sigma: f64,
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

/// Runs `daojia simulate`.
pub async fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let mut opts = Options {
        seed: args.seed,
        orders: args.orders,
        workers: args.workers,
        policies: match args.policy {
            Which::Engine => vec![PolicyChoice::Engine],
            Which::Nearest => vec![PolicyChoice::Nearest],
            Which::Both => vec![PolicyChoice::Engine, PolicyChoice::Nearest],
        },
        ..Options::default()
    };
    opts.demand.clustered = args.clustered;
    if let Some(m) = &args.mix {
        opts.demand.mix = mix(m)?;
    }
    opts.behaviour.accept = args.accept;
    opts.behaviour.reject = args.reject;
    opts.behaviour.service_sigma = args.service_sigma;
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
