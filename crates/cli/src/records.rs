//! `daojia records verify`: recomputes the orders' service-record hash chains and the daily
//! anchors over them, and names the first entry of each chain that does not match.

use clap::Subcommand;
use daojia_app::records::{self, Scope};
use daojia_server::config::Config;
use std::sync::Arc;
use uuid::Uuid;

/// Service-record tools.
#[derive(Subcommand)]
pub enum RecordsCommand {
    /// Verify the tamper-evident service records: every entry's hash, every link to the
    /// entry before, every event of the order in its chain, every daily anchor (its hash,
    /// its chain, its copy in the audit log, its heads). Exits 1 naming the first entry of
    /// each chain that does not match (order, position, what differs).
    Verify {
        /// Only this order's chain (and the anchors' heads naming it).
        #[arg(long, conflicts_with = "all")]
        order: Option<Uuid>,
        /// Every chain and anchor (the default).
        #[arg(long)]
        all: bool,
    },
}

/// Runs a records command; `Ok(false)` when the verification found problems.
pub async fn run(cfg: &Config, cmd: RecordsCommand) -> anyhow::Result<bool> {
    match cmd {
        RecordsCommand::Verify { order, all: _ } => {
            let store = daojia_server::open_store(cfg).await?;
            let pending = store.pending_migrations().await?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "the database has {} pending migration(s): run `daojia migrate` first",
                    pending.len()
                );
            }
            let travel: Arc<dyn daojia_domain::travel::TravelTime> = Arc::new(cfg.travel.clone());
            let app = daojia_app::App::new(store, travel);
            let scope = order.map_or(Scope::All, Scope::Order);
            let report = match records::verify(&app, scope).await {
                Ok(r) => r,
                Err(daojia_app::Error::NotFound(_)) => {
                    anyhow::bail!("order {} not found", order.unwrap_or_default())
                }
                Err(e) => return Err(e.into()),
            };
            println!(
                "{} chain(s), {} entries, {} daily anchor(s){}",
                report.orders,
                report.entries,
                report.anchors,
                report
                    .last_anchor
                    .as_deref()
                    .map(|d| format!(", the last for {d}"))
                    .unwrap_or_default()
            );
            if report.clean() {
                println!("records verify: clean");
                return Ok(true);
            }
            eprintln!("records verify: {} problem(s)", report.problems.len());
            for p in &report.problems {
                eprintln!("  - {p}");
            }
            Ok(false)
        }
    }
}
