//! `daojia vrp`: route planning from the command line: benchmark instances, and a service
//! area's day from the database.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use clap::{Args, Subcommand};
use daojia_app::planning::{self, PlanResult};
use daojia_dispatch::vrp::cli::solve_solomon_file;
use daojia_server::config::Config;

/// Subcommands of `daojia vrp`.
#[derive(Subcommand)]
pub enum VrpCommand {
    /// Solve a VRPTW instance in the Solomon/VRPLIB text format with at most `VEHICLES`
    /// routes, verify the plan with the independent checker, and print it.
    Solve(SolveArgs),
    /// Plan a service area's day from the database: its booked orders and the workers on
    /// shift. Prints each worker's route with ETAs, the orders left out and why, and the
    /// totals against the current assignment. Nothing is changed.
    Plan(PlanArgs),
}

/// Arguments of `daojia vrp solve`.
#[derive(Args)]
pub struct SolveArgs {
    /// The instance file.
    file: PathBuf,
    /// Time budget in seconds, reading and checking included.
    #[arg(long)]
    seconds: f64,
    /// Seed of the search (same seed, one thread: same search).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Parallel searches sharing their best plan.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Print one JSON object: instance, distance, vehicles, routes, seconds.
    #[arg(long)]
    json: bool,
}

/// Arguments of `daojia vrp plan`.
#[derive(Args)]
pub struct PlanArgs {
    /// Service area code, e.g. sh-xuhui.
    #[arg(long)]
    area: String,
    /// Local date, YYYY-MM-DD.
    #[arg(long)]
    date: String,
    /// Time limit of the search, seconds (0 gives the first plan).
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Parallel searches sharing their best plan.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print the plan as JSON (the API's shape).
    #[arg(long)]
    json: bool,
}

/// Runs a `daojia vrp` subcommand.
pub fn run(config: Option<&Path>, command: VrpCommand) -> anyhow::Result<()> {
    match command {
        VrpCommand::Solve(args) => {
            if !(args.seconds.is_finite() && args.seconds >= 0.0) {
                bail!(
                    "--seconds must be a non-negative number, got {}",
                    args.seconds
                );
            }
            // The helper checks the plan independently and fails rather than return an
            // infeasible one, so whatever is printed here has been verified.
            let report =
                solve_solomon_file(&args.file, args.seconds, args.seed, args.threads.max(1))?;
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", report.to_text());
            }
            Ok(())
        }
        VrpCommand::Plan(args) => {
            let cfg = Config::load(config)?;
            cfg.validate()?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(plan(cfg, args))
        }
    }
}

async fn plan(cfg: Config, args: PlanArgs) -> anyhow::Result<()> {
    let date = NaiveDate::parse_from_str(&args.date, "%Y-%m-%d")
        .with_context(|| format!("--date must be YYYY-MM-DD, got `{}`", args.date))?;
    if !(args.seconds.is_finite() && (0.0..=planning::MAX_SECONDS).contains(&args.seconds)) {
        bail!(
            "--seconds must be from 0 to {}, got {}",
            planning::MAX_SECONDS,
            args.seconds
        );
    }
    let store = daojia_server::open_store(&cfg).await?;
    let pending = store.pending_migrations().await?;
    if !pending.is_empty() {
        bail!(
            "the database needs {} migration(s) first: run `daojia migrate`",
            pending.len()
        );
    }
    let app = daojia_app::App::new(store, std::sync::Arc::new(cfg.travel.clone()));
    let loaded = planning::load(&app, &args.area, date, Utc::now())
        .await?
        .with_context(|| format!("there is no service area `{}`", args.area))?;
    let travel = cfg.travel.clone();
    let threads = args.threads.max(1);
    let seconds = args.seconds;
    let tz = loaded.day.tz;
    let area = loaded.day.area.name.clone();
    let solving = loaded.clone();
    let result = tokio::task::spawn_blocking(move || {
        planning::solve_day(&solving, &travel, seconds, threads, None, None).map(|s| s.result)
    })
    .await?
    .map_err(|e| anyhow::anyhow!("cannot plan the day: {e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&result)?);
    } else {
        print!("{}", text(&result, &args.area, &area, date, tz));
    }
    Ok(())
}

fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// The plan for a person: per worker the stops with ETAs, then what is left out, then
/// the totals against the current assignment.
fn text(p: &PlanResult, code: &str, name: &str, date: NaiveDate, tz: Tz) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{name} ({code}) on {date}: {} booked orders, {} of other areas held, {} workers on shift; planned in {:.1} s",
        p.orders, p.elsewhere, p.workers_on_shift, p.seconds
    );
    for r in &p.routes {
        let _ = writeln!(
            out,
            "\n{} {}: {} orders, {:.1} km, {:.1} h (leaves {} , home {})",
            r.worker_code,
            r.worker_name,
            r.orders,
            r.km,
            r.hours,
            hm(r.departure, tz),
            hm(r.back, tz)
        );
        for s in &r.stops {
            if s.kind == "break" {
                let _ = writeln!(out, "  {}-{}  break", hm(s.start, tz), hm(s.finish, tz));
                continue;
            }
            let window = match (s.window_start, s.window_end) {
                (Some(a), Some(b)) => format!("window {}-{}", hm(a, tz), hm(b, tz)),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "  {}-{}  {}  arrive {}, {window}, {:.1} km{}",
                hm(s.start, tz),
                hm(s.finish, tz),
                s.order_no.as_deref().unwrap_or("?"),
                hm(s.arrival, tz),
                s.km,
                if s.elsewhere { "  (another area)" } else { "" }
            );
        }
    }
    if !p.unassigned.is_empty() {
        let _ = writeln!(out, "\nLeft out:");
        for u in &p.unassigned {
            let _ = writeln!(
                out,
                "  {}  window {}-{}: {}",
                u.order_no,
                hm(u.window_start, tz),
                hm(u.window_end, tz),
                u.message
            );
        }
    }
    let (a, b) = (&p.totals, &p.current);
    let _ = writeln!(
        out,
        "\n{:<10} {:>7} {:>8} {:>9} {:>9} {:>6}",
        "", "orders", "workers", "km", "hours", "late"
    );
    let _ = writeln!(
        out,
        "{:<10} {:>7} {:>8} {:>9.1} {:>9.1} {:>6}",
        "plan", a.orders, a.workers, a.km, a.hours, a.late
    );
    let _ = writeln!(
        out,
        "{:<10} {:>7} {:>8} {:>9.1} {:>9.1} {:>6}",
        "current", b.orders, b.workers, b.km, b.hours, b.late
    );
    out
}
