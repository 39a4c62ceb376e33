//! `daojia ledger ...`: the finance checks an operator runs from a shell.

use clap::Subcommand;
use daojia_server::config::Config;

/// Ledger tools.
#[derive(Subcommand)]
pub enum LedgerCommand {
    /// Verify the ledger: every journal entry balances, every succeeded payment and refund
    /// and every share paid (or returned) at the channel has its entry, every refund an order booked is carried, no worker's withdrawable
    /// balance is negative, and every closed period's recorded trial balance still equals
    /// its postings. Prints the balances; exits 1 and lists what is wrong otherwise.
    Check,
}

/// Runs a ledger command; `Ok(false)` when the check found problems.
pub async fn run(cfg: &Config, cmd: LedgerCommand) -> anyhow::Result<bool> {
    match cmd {
        LedgerCommand::Check => {
            let store = daojia_server::open_store(cfg).await?;
            let pending = store.pending_migrations().await?;
            if !pending.is_empty() {
                anyhow::bail!(
                    "the database has {} pending migration(s): run `daojia migrate` first",
                    pending.len()
                );
            }
            let report = daojia_store::repo::ledger::check(store.db()).await?;
            println!(
                "{} journal entries, {} postings",
                report.entries, report.postings
            );
            match daojia_store::repo::periods::closed_through(store.db()).await? {
                Some(p) => println!(
                    "books closed through {p} (closed periods checked against their trial balances)"
                ),
                None => println!("no period closed"),
            }
            for (account, fen) in &report.balances {
                println!("  {account:<60} {fen:>14}");
            }
            if report.problems.is_empty() {
                println!("ledger check: clean");
                return Ok(true);
            }
            eprintln!("ledger check: {} problem(s)", report.problems.len());
            for p in &report.problems {
                eprintln!("  - {p}");
            }
            Ok(false)
        }
    }
}
