//! The `daojia` binary: serve the platform, load the demo city, migrate, manage staff,
//! and check configuration.

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use daojia_server::config::{Config, Secrets, ensure_demo_secrets};
use std::net::SocketAddr;
use std::path::PathBuf;

/// mimalloc instead of the C library's allocator: the API and the simulator allocate many
/// small, short-lived values (rows, JSON) on several threads, where glibc's arenas spent a
/// fifth of the simulator's time (`perf`, see docs/operations.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod admin;
mod bench_tokens;
mod ledger;
mod paysim;
mod pushsim;
mod records;
mod simulate;
mod vrp;

/// 到家 Daojia: on-demand home services, end to end.
#[derive(Parser)]
#[command(name = "daojia", version, about)]
struct Cli {
    /// Configuration file (default: ./daojia.toml when present).
    #[arg(long, global = true, env = "DAOJIA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database, then serve the API and the three web apps (the default).
    Serve(ServeArgs),
    /// Like serve, but first load the demo city (Shanghai) into the database and print the
    /// URLs and demo log-ins. Generates secrets on first run.
    Demo(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Configuration tools.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Ledger tools (`daojia ledger check`).
    #[command(subcommand)]
    Ledger(ledger::LedgerCommand),
    /// Service-record tools (`daojia records verify`).
    #[command(subcommand)]
    Records(records::RecordsCommand),
    /// Print the OpenAPI document (the web apps' client is generated from it).
    Openapi,
    /// Route planning tools (VRPTW solver).
    #[command(subcommand)]
    Vrp(vrp::VrpCommand),
    /// Replay a synthetic day through the application layer on an in-memory database and
    /// compare the dispatch engine with the nearest-free-worker baseline.
    Simulate(simulate::SimulateArgs),
    /// Run the payment channel simulator (WeChat Pay and Alipay with generated keys) as a
    /// server of its own, and write the `[pay]` configuration that points Daojia at it.
    Paysim(paysim::PaysimArgs),
    /// Run a local Web Push service that checks VAPID signatures, decrypts what it
    /// receives and lists it (for trying push without a browser vendor's service).
    Pushsim(pushsim::PushsimArgs),
}

#[derive(Args, Default)]
struct ServeArgs {
    /// Listen address, e.g. 127.0.0.1:8080.
    #[arg(long, env = "DAOJIA_ADDR")]
    addr: Option<String>,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration with secrets masked; fail on a bad value.
    Check,
    /// Generate fresh secrets into a file (default: the configured secrets file).
    GenSecrets {
        /// Where to write them.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite an existing file (the data encrypted under the old keys becomes unreadable).
        #[arg(long)]
        force: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    match command {
        Command::Vrp(command) => vrp::run(cli.config.as_deref(), command),
        // One thread: the simulator is one sequence of steps over one in-memory database, and
        // hopping between runtime workers would only add wake-ups.
        Command::Simulate(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(simulate::run(cli.config.as_deref(), args)),
        Command::Openapi => {
            println!("{}", daojia_server::api::openapi_json());
            Ok(())
        }
        Command::Config(ConfigCommand::GenSecrets { out, force }) => {
            let cfg = Config::load(cli.config.as_deref())?;
            let path = out.unwrap_or_else(|| cfg.secrets_path());
            if path.exists() && !force {
                bail!(
                    "{} exists; pass --force to replace it (data encrypted under the old keys becomes unreadable)",
                    path.display()
                );
            }
            Secrets::generate().write(&path)?;
            println!("wrote new secrets to {}", path.display());
            Ok(())
        }
        Command::Config(ConfigCommand::Check) => {
            let cfg = Config::load(cli.config.as_deref())?;
            print!("{}", cfg.masked_toml());
            cfg.validate().context("configuration is not valid")?;
            eprintln!("configuration OK");
            Ok(())
        }
        Command::Paysim(args) => runtime()?.block_on(paysim::run(args)),
        Command::Pushsim(args) => runtime()?.block_on(pushsim::run(args)),
        other => runtime()?.block_on(run_async(cli.config, other)),
    }
}

/// Sends the spans still queued before the process ends (the exporter blocks).
async fn flush_traces(telemetry: daojia_server::logging::Telemetry) {
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

async fn run_async(config_path: Option<PathBuf>, command: Command) -> anyhow::Result<()> {
    let mut cfg = Config::load(config_path.as_deref())?;
    match command {
        Command::Serve(args) => {
            apply_addr(&mut cfg, args.addr);
            cfg.validate()?;
            let telemetry = daojia_server::logging::init(&cfg.log, &cfg.telemetry)?;
            let store = daojia_server::open_store(&cfg).await?;
            store.migrate().await.context("migrations failed")?;
            let addr: SocketAddr = cfg.server.addr.parse()?;
            let shared = daojia_server::connect_shared(&cfg).await?;
            let state = daojia_server::build(cfg, store, options(false, shared))?;
            let served = daojia_server::serve(state, addr).await;
            flush_traces(telemetry).await;
            served
        }
        Command::Demo(args) => {
            apply_addr(&mut cfg, args.addr);
            if std::env::var("DAOJIA_LOG_FORMAT").is_err() {
                cfg.log.format = "pretty".into();
            }
            let generated =
                ensure_demo_secrets(&mut cfg).context("cannot write the demo secrets")?;
            // The demo never sends real messages, whatever daojia.toml says.
            cfg.sms.provider = "log".into();
            cfg.sms.fallback = None;
            cfg.sms.expose_dev_code = true;
            // Without real channels, online payment and withdrawals to WeChat run against
            // the built-in simulator, so a newcomer can try both on first start.
            if cfg.pay.wechat.is_none() && cfg.pay.alipay.is_none() {
                cfg.pay.simulator = true;
            }
            cfg.validate()?;
            let telemetry = daojia_server::logging::init(&cfg.log, &cfg.telemetry)?;
            if let Some(path) = &generated {
                println!(
                    "Generated secrets (token key, personal-data keys) in {}: keep it with the database.",
                    path.display()
                );
            }
            let store = daojia_server::open_store(&cfg).await?;
            store.migrate().await.context("migrations failed")?;
            let addr: SocketAddr = cfg.server.addr.parse()?;
            let shared = daojia_server::connect_shared(&cfg).await?;
            let state = daojia_server::build(cfg, store, options(true, shared))?;
            let started = std::time::Instant::now();
            let demo = daojia_server::demo::start(&state).await?;
            print_demo_banner(&state.config, &demo, started.elapsed());
            let served = daojia_server::serve(state, addr).await;
            flush_traces(telemetry).await;
            served
        }
        Command::Migrate => {
            cfg.validate()?;
            // Migrations are logged, not traced.
            let _ = daojia_server::logging::init(&cfg.log, &Default::default())?;
            let store = daojia_server::open_store(&cfg).await?;
            let pending = store.pending_migrations().await?;
            store.migrate().await?;
            println!(
                "applied {} migration(s); database is current",
                pending.len()
            );
            Ok(())
        }
        Command::Admin(cmd) => {
            cfg.validate()?;
            admin::run(&cfg, cmd).await
        }
        Command::Ledger(cmd) => {
            cfg.validate()?;
            if !ledger::run(&cfg, cmd).await? {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Records(cmd) => {
            cfg.validate()?;
            if !records::run(&cfg, cmd).await? {
                std::process::exit(1);
            }
            Ok(())
        }
        _ => unreachable!("handled before the runtime starts"),
    }
}

fn apply_addr(cfg: &mut Config, addr: Option<String>) {
    if let Some(a) = addr {
        cfg.server.addr = a;
    }
}

fn options(demo: bool, shared: daojia_shared::Shared) -> daojia_server::BuildOptions {
    let metrics = daojia_server::ops::install_metrics_recorder();
    daojia_server::BuildOptions {
        demo,
        metrics,
        shared: Some(shared),
        ..Default::default()
    }
}

fn print_demo_banner(cfg: &Config, demo: &daojia_server::demo::Started, took: std::time::Duration) {
    let loaded = &demo.loaded;
    let base = format!("http://{}", cfg.server.addr);
    let what = if loaded.fresh {
        "loaded"
    } else {
        "already present"
    };
    println!();
    println!(
        "  到家 Daojia demo: Shanghai, seed {} ({what}, {:.1} s)",
        cfg.demo.seed,
        took.as_secs_f64()
    );
    println!(
        "  {} service areas, {} categories, {} service items, {} workers, {} customers",
        loaded.areas, loaded.categories, loaded.items, loaded.workers, loaded.customers
    );
    let h = &demo.history;
    if h.orders > 0 {
        println!(
            "  History: {} days, {} orders ({} completed, {} cancelled), {} reviews, {} complaints{}",
            h.days,
            h.orders,
            h.completed,
            h.cancelled,
            h.reviews,
            h.complaints,
            if h.fresh { "" } else { " (already present)" }
        );
    }
    for d in &demo.days {
        if d.placed > 0 {
            println!(
                "  {}: {} orders booked, {} with a worker, {} offered, {} waiting ({} starting soon){}",
                d.date,
                d.placed,
                d.assigned,
                d.offered,
                d.waiting,
                d.at_risk,
                if d.fresh { "" } else { " (already booked)" }
            );
        }
    }
    println!();
    println!(
        "  Customer app   {base}/          log in with any demo customer phone, e.g. {}",
        loaded.sample_customer_phone
    );
    println!(
        "  Worker app     {base}/worker/   log in with a worker phone, e.g. {}",
        loaded.sample_worker_phone
    );
    println!(
        "  Console        {base}/admin/    staff: {} / password {}",
        loaded.staff_usernames.join(", "),
        loaded.staff_password
    );
    println!("  API docs       {base}/api/docs/");
    println!();
    println!(
        "  SMS is offline in the demo: the log-in code is shown on the log-in page and in the console's SMS outbox."
    );
    println!();
    if !daojia_server::web::built() {
        println!(
            "  NOTE: the web apps are not built; run `npm --prefix web ci && npm --prefix web run build`."
        );
    }
}
