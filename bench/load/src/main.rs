//! `daojia-load`: load for a running Daojia (one node or several, round robin), scenario by
//! scenario, printing throughput, latency percentiles, answers by status, the nodes' CPU
//! time per request and one JSON line per run; `daojia-load table` turns the JSON lines of
//! a whole run into the markdown table of `bench/load/README.md`; `daojia-load fanout`
//! measures realtime fan-out to WebSocket subscribers (scripts/realtime_bench.sh).
//!
//! Sessions come from `daojia admin bench-tokens` (an operator's command with database
//! access), never from log-in, so the log-in limits stay as they are.

mod drive;
mod fanout;
mod scenario;
mod stats;
mod table;

use clap::{Args, Parser, Subcommand};
use drive::Mode;
use scenario::{Plan, Scenario, Tokens};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Load generator for Daojia.
#[derive(Parser)]
#[command(name = "daojia-load", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one scenario against one or more nodes.
    Run(RunArgs),
    /// Realtime fan-out: WebSocket subscribers on boards, messages published through Redis,
    /// delivery latency and memory per connection.
    Fanout(fanout::FanoutArgs),
    /// Print the markdown table of a results file (the JSON lines of `run --out`).
    Table(table::TableArgs),
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The scenario.
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Base URL of a node (repeat, or separate with commas, for several: requests go to
    /// them in turn).
    #[arg(long = "base", required = true, value_delimiter = ',')]
    bases: Vec<String>,
    /// Tokens file from `daojia admin bench-tokens` (slots, place, staff, login).
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// Closed loop: clients sending one request at a time. Open loop: most requests in
    /// flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of measured load.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Seconds of load before measuring (not recorded).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Open loop at this many requests per second (default: closed loop).
    #[arg(long, conflicts_with = "find_rate")]
    rate: Option<f64>,
    /// Step an open-loop rate up from --start-rate until p99 reaches --p99-ms or an error
    /// appears, and report the highest rate that held.
    #[arg(long)]
    find_rate: bool,
    /// First rate of --find-rate, requests per second.
    #[arg(long, default_value_t = 50.0)]
    start_rate: f64,
    /// Each step of --find-rate multiplies the rate by this.
    #[arg(long, default_value_t = 1.25)]
    factor: f64,
    /// --find-rate stops here.
    #[arg(long, default_value_t = 20_000.0)]
    max_rate: f64,
    /// Seconds per --find-rate step.
    #[arg(long, default_value_t = 8)]
    step_secs: u64,
    /// The latency bound of --find-rate, milliseconds (99th percentile).
    #[arg(long, default_value_t = 50.0)]
    p99_ms: f64,
    /// Process id of a node, for its CPU time per request (repeat for several).
    #[arg(long = "pid", value_delimiter = ',')]
    pids: Vec<u32>,
    /// Item booked by slots and place.
    #[arg(long, default_value = "window_cleaning")]
    item: String,
    /// Points per batch of the locations scenario (the server takes at most `[tracks]
    /// max_batch`, 500 by default).
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Hours the service areas' local time is ahead of UTC (the demo city: 8).
    #[arg(long, default_value_t = 8)]
    utc_offset_hours: i64,
    /// Seconds before a request counts as a timeout.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Append the JSON line to this file too.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Table(args) => table::print(&args),
        Command::Run(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run(args)),
        Command::Fanout(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(fanout::run(args)),
    }
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout))
        .pool_max_idle_per_host(args.concurrency.max(16))
        .build()?;
    let tokens = match &args.tokens {
        Some(p) => Tokens::read(p)?,
        None => Tokens::default(),
    };
    let plan = Plan::prepare(
        &http,
        args.scenario,
        args.bases.clone(),
        tokens,
        args.item.clone(),
        args.utc_offset_hours,
        args.batch,
    )
    .await?;
    let plan = Arc::new(plan);
    let counter = Arc::new(AtomicU64::new(0));
    let closed = Mode::Closed {
        clients: args.concurrency,
    };
    let warm_mode = match args.rate {
        Some(rate) => Mode::Open {
            rate,
            in_flight: args.concurrency,
        },
        None if args.find_rate => Mode::Open {
            rate: args.start_rate,
            in_flight: args.concurrency,
        },
        None => closed,
    };
    if args.warmup > 0 {
        let secs = Duration::from_secs(args.warmup);
        drive::run(plan.clone(), http.clone(), warm_mode, secs, counter.clone()).await;
    }
    let line = if args.find_rate {
        find_rate(&args, &plan, &http, &counter).await?
    } else {
        let (mode, name) = match args.rate {
            Some(rate) => (
                Mode::Open {
                    rate,
                    in_flight: args.concurrency,
                },
                "open",
            ),
            None => (closed, "closed"),
        };
        let secs = Duration::from_secs(args.duration);
        let m = measure(&args, &plan, &http, &counter, mode, secs).await?;
        print_human(args.scenario, name, args.rate, &m);
        let mut line = m.json();
        line["mode"] = json!(name);
        line["rate"] = json!(args.rate);
        line
    };
    let mut line = line;
    line["scenario"] = json!(args.scenario.name());
    if args.scenario == Scenario::Locations {
        // Only batches the node took count: a refused one (422, 429) stores nothing.
        let ok = line["ok"].as_f64().unwrap_or(0.0);
        let secs = line["elapsed_s"].as_f64().unwrap_or(0.0);
        let batches = if secs > 0.0 { ok / secs } else { 0.0 };
        line["batch"] = json!(args.batch);
        line["points_per_s"] = json!((batches * args.batch as f64).round());
        eprintln!(
            "  {:.0} points/s taken in batches of {} (target 50000 points/s on one node)",
            batches * args.batch as f64,
            args.batch
        );
    }
    line["nodes"] = json!(args.bases.len());
    line["clients"] = json!(args.concurrency);
    crate::emit(&line, args.out.as_deref())
}

/// Prints a run's JSON line, and appends it to `out` when given.
fn emit(line: &Value, out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let text = serde_json::to_string(line)?;
    println!("{text}");
    if let Some(path) = out {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        writeln!(f, "{text}")?;
    }
    Ok(())
}

/// One measured run with the nodes' CPU time around it.
struct Measured {
    summary: stats::Summary,
    cpu_s: Option<f64>,
}

impl Measured {
    fn cpu_ms_per_request(&self) -> Option<f64> {
        let cpu = self.cpu_s?;
        (self.summary.requests > 0)
            .then(|| (cpu * 1000.0 / self.summary.requests as f64 * 100.0).round() / 100.0)
    }

    fn json(&self) -> Value {
        let mut v = serde_json::to_value(&self.summary).expect("a summary serializes");
        v["cpu_s"] = json!(self.cpu_s);
        v["cpu_ms_per_request"] = json!(self.cpu_ms_per_request());
        v
    }
}

async fn measure(
    args: &RunArgs,
    plan: &Arc<Plan>,
    http: &reqwest::Client,
    counter: &Arc<AtomicU64>,
    mode: Mode,
    duration: Duration,
) -> anyhow::Result<Measured> {
    let before = (!args.pids.is_empty())
        .then(|| drive::cpu_seconds(&args.pids))
        .transpose()?;
    let (mut rec, elapsed) =
        drive::run(plan.clone(), http.clone(), mode, duration, counter.clone()).await;
    let after = (!args.pids.is_empty())
        .then(|| drive::cpu_seconds(&args.pids))
        .transpose()?;
    Ok(Measured {
        summary: rec.summary(elapsed),
        cpu_s: before
            .zip(after)
            .map(|(b, a)| ((a - b) * 100.0).round() / 100.0),
    })
}

/// Steps the open-loop rate up; the answer is the highest step whose p99 stayed under the
/// bound with no errors and whose requests were all sent on time (the throughput kept up).
async fn find_rate(
    args: &RunArgs,
    plan: &Arc<Plan>,
    http: &reqwest::Client,
    counter: &Arc<AtomicU64>,
) -> anyhow::Result<Value> {
    let mut rate = args.start_rate;
    let mut best: Option<(f64, Measured)> = None;
    let mut first_failure: Option<Measured> = None;
    let mut steps = vec![];
    let secs = Duration::from_secs(args.step_secs);
    let stop_reason;
    loop {
        let mode = Mode::Open {
            rate,
            in_flight: args.concurrency,
        };
        let mut m = measure(args, plan, http, counter, mode, secs).await?;
        let holds = |s: &stats::Summary| {
            s.errors == 0 && s.p99_ms < args.p99_ms && s.throughput >= 0.9 * rate
        };
        if !holds(&m.summary) && m.summary.errors == 0 {
            // A p99 over the bound can be one stall of a shared machine (another process
            // on the cores): a step fails only when it fails twice in a row.
            eprintln!(
                "  step {rate:>8.1}/s: p99 {:.2} ms, trying once more",
                m.summary.p99_ms
            );
            m = measure(args, plan, http, counter, mode, secs).await?;
        }
        let s = &m.summary;
        let kept_up = s.throughput >= 0.9 * rate;
        let held = holds(s);
        eprintln!(
            "  step {:>8.1}/s: {:>8.1}/s p50 {:>7.2} ms p99 {:>8.2} ms errors {} {}",
            rate,
            s.throughput,
            s.p50_ms,
            s.p99_ms,
            s.errors,
            if held { "held" } else { "did not hold" }
        );
        steps.push(
            json!({"rate": rate, "throughput": s.throughput, "p99_ms": s.p99_ms,
                          "errors": s.errors, "held": held}),
        );
        if !held {
            stop_reason = if s.errors > 0 {
                "errors"
            } else if !kept_up {
                "throughput fell behind the rate"
            } else {
                "p99 over the bound"
            };
            first_failure = Some(m);
            break;
        }
        best = Some((rate, m));
        let next = (rate * args.factor).round();
        if next > args.max_rate {
            stop_reason = "reached --max-rate";
            break;
        }
        rate = next;
    }
    let (mut line, held_rate) = match best {
        Some((rate, m)) => {
            print_human(args.scenario, "max_rate", Some(rate), &m);
            (m.json(), Some(rate))
        }
        None => {
            let m = first_failure.expect("a step that did not hold");
            print_human(
                args.scenario,
                "max_rate (none held)",
                Some(args.start_rate),
                &m,
            );
            (m.json(), None)
        }
    };
    line["mode"] = json!("max_rate");
    line["rate"] = json!(held_rate);
    line["p99_bound_ms"] = json!(args.p99_ms);
    line["stopped"] = json!(stop_reason);
    line["steps"] = json!(steps);
    Ok(line)
}

fn print_human(scenario: Scenario, mode: &str, rate: Option<f64>, m: &Measured) {
    let s = &m.summary;
    let rate = rate.map(|r| format!(" at {r}/s")).unwrap_or_default();
    eprintln!("{} ({mode}{rate}):", scenario.name());
    eprintln!(
        "  {} requests in {:.1} s: {:.1}/s; ok {}, intended {}, errors {}",
        s.requests, s.elapsed_s, s.throughput, s.ok, s.intended, s.errors
    );
    eprintln!(
        "  latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms
    );
    if let (Some(cpu), Some(per)) = (m.cpu_s, m.cpu_ms_per_request()) {
        eprintln!("  node CPU {cpu:.2} s, {per:.2} ms per request");
    }
    let statuses: Vec<String> = s
        .statuses
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    eprintln!("  answers: {}", statuses.join(", "));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_nodes_may_be_given_with_commas_or_repeated() {
        let cli = Cli::try_parse_from([
            "daojia-load",
            "run",
            "--scenario",
            "place",
            "--base",
            "http://a:1,http://b:2",
            "--base",
            "http://c:3",
            "--pid",
            "10,11",
        ])
        .unwrap();
        let Command::Run(args) = cli.command else {
            panic!("run")
        };
        assert_eq!(args.scenario, Scenario::Place);
        assert_eq!(args.bases, ["http://a:1", "http://b:2", "http://c:3"]);
        assert_eq!(args.pids, [10, 11]);
        assert_eq!(args.rate, None);
    }

    #[test]
    fn a_fixed_rate_and_a_rate_search_exclude_each_other() {
        let r = Cli::try_parse_from([
            "daojia-load",
            "run",
            "--scenario",
            "browse",
            "--base",
            "http://a:1",
            "--rate",
            "100",
            "--find-rate",
        ]);
        assert!(r.is_err());
    }
}
