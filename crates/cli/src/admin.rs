//! `daojia admin ...`: tasks an operator runs from a shell.

use anyhow::{Context, bail};
use clap::Subcommand;
use daojia_domain::access::Role;
use daojia_domain::phone::Phone;
use daojia_server::config::Config;
use daojia_store::repo::{accounts, audit};

/// Administrative tasks.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a staff account (prints a generated password unless one is given).
    Create {
        /// Mobile number (also a log-in).
        #[arg(long)]
        phone: String,
        /// Role: super_admin, dispatcher, customer_service, finance or marketing.
        #[arg(long)]
        role: String,
        /// Log-in name (default: the phone number).
        #[arg(long)]
        username: Option<String>,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// Password (default: generated and printed once). Prefer DAOJIA_ADMIN_PASSWORD.
        #[arg(long, env = "DAOJIA_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Re-encrypt all personal data under the active key (the first of pii.keys), so that
    /// older keys can be removed afterwards. Safe to interrupt and run again.
    RotateKeys,
    /// Load tests only: create (or reuse) bench customers, each with an address in a
    /// service area, and bench staff (dispatchers), open a session for each (and for
    /// existing active workers, for the location scenario) and write their access tokens
    /// (and the staff passwords) as JSON for `daojia-load`. Needs the
    /// database and the token secret, so only an operator can run it; the log-in limits
    /// stay as they are.
    BenchTokens {
        /// Customers to mint tokens for.
        #[arg(long, default_value_t = 200)]
        customers: usize,
        /// Staff to mint tokens for.
        #[arg(long, default_value_t = 4)]
        staff: usize,
        /// Existing active workers to mint tokens for (the first by code; fewer when the
        /// database has fewer).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// Where to write the tokens (created readable by its owner only).
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// Runs an admin command.
pub async fn run(cfg: &Config, cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::Create {
            phone,
            role,
            username,
            name,
            password,
        } => {
            let phone = Phone::parse(&phone).map_err(|e| anyhow::anyhow!("--phone: {e}"))?;
            let role: Role = role.parse().map_err(|_| {
                anyhow::anyhow!(
                    "--role must be one of: {}",
                    Role::ALL
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(generate_password);
            if let Err(why) = daojia_server::password::check_strength(&password) {
                bail!("--password is too weak: {why}");
            }
            let username = username.unwrap_or_else(|| phone.expose().to_string());
            let name = name.unwrap_or_else(|| username.clone());
            let store = daojia_server::open_store(cfg).await?;
            store.migrate().await?;
            let now = chrono::Utc::now();
            let new = accounts::NewStaff {
                username: username.clone(),
                name,
                phone: Some(phone),
                password_hash: daojia_server::password::hash(&password),
                role,
            };
            let created = accounts::create_staff(&store, store.db(), new, now)
                .await
                .context("cannot create the staff account")?;
            let entry = audit::AuditEntry {
                actor_type: "cli".into(),
                action: "staff.create".into(),
                target_type: "staff".into(),
                target_id: Some(created.id.to_string()),
                after: Some(
                    serde_json::json!({ "username": created.username, "role": created.role }),
                ),
                ..Default::default()
            };
            audit::record(&store, store.db(), entry, now).await?;
            println!(
                "created {} ({}) with role {}",
                created.username, created.id, role
            );
            if generated {
                println!("password: {password}    (shown once; change it after the first log-in)");
            }
            Ok(())
        }
        AdminCommand::BenchTokens {
            customers,
            staff,
            workers,
            out,
        } => {
            let args = crate::bench_tokens::BenchTokens {
                customers,
                staff,
                workers,
                out: &out,
            };
            crate::bench_tokens::run(cfg, args).await
        }
        AdminCommand::RotateKeys => {
            let store = daojia_server::open_store(cfg).await?;
            store.migrate().await?;
            let n = daojia_store::repo::rotation::reencrypt_all(&store).await?;
            println!(
                "re-encrypted {n} row(s) under key `{}`",
                store.vault().active_key_id()
            );
            Ok(())
        }
    }
}

fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
