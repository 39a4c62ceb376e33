//! The migrated templates test databases are copied from: one per nextest run on SQLite and
//! PostgreSQL, made by whichever test of the run asks first while the others wait, and named
//! `dj_tpl_<run>` (with the time it was made on the server, so that the next run can drop a
//! template a killed run left behind).
//!
//! MariaDB has no database templates. Recreating the template's tables from `SHOW CREATE
//! TABLE` and copying its rows was measured at 3.3 s a test database against 0.7–1.4 s for
//! running the migrations, so MariaDB test databases are migrated.

use super::with_database;
use crate::{PoolOptions, Store, pii::Vault};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A template this old belongs to a run that is over.
const STALE: Duration = Duration::from_secs(24 * 3600);

pub(super) async fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), DbErr> {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|_| ())
}

async fn strings(db: &DatabaseConnection, sql: &str) -> Result<Vec<String>, DbErr> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a server template's name says it is older than [`STALE`] (`dj_tpl_<run>_<secs>`).
fn stale_name(name: &str) -> bool {
    name.strip_prefix("dj_tpl_")
        .and_then(|rest| rest.rsplit_once('_'))
        .and_then(|(_, secs)| secs.parse::<u64>().ok())
        .is_some_and(|made| now_secs().saturating_sub(made) > STALE.as_secs())
}

/// Runs every migration on the database at `url`, then lets go of it.
async fn migrate_at(url: &str) {
    let pool = PoolOptions {
        max_connections: 2,
        ..PoolOptions::default()
    };
    let store = Store::open(url, Vault::random_for_tests(), &pool)
        .await
        .expect("open the template database");
    store
        .migrate()
        .await
        .expect("migrate the template database");
    store.close().await.expect("close the template database");
}

/// SQLite: a migrated file in the temp directory, `dj_tpl_<run>.db`.
pub(super) async fn sqlite(run: &str) -> PathBuf {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("dj_tpl_{run}.db"));
    if path.exists() {
        return path;
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE);
            if name.starts_with("dj_tpl_") && name.ends_with(".db") && old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    // Tests that start together may each build one; the first rename wins and the others
    // replace it with the same thing. A test copies only a finished file.
    let own = uuid::Uuid::new_v4().simple().to_string();
    let build = dir.join(format!("dj_tpb_{run}_{own}.db"));
    let copy = dir.join(format!("dj_tpb_{run}_{own}.copy"));
    let url = format!("sqlite://{}", build.display());
    let pool = PoolOptions {
        max_connections: 1,
        ..PoolOptions::default()
    };
    let store = Store::open(&url, Vault::random_for_tests(), &pool)
        .await
        .expect("open the SQLite template");
    store.migrate().await.expect("migrate the SQLite template");
    // One self-contained file (no write-ahead log beside it).
    exec(
        store.db(),
        &format!(
            "VACUUM INTO '{}'",
            copy.display().to_string().replace('\'', "''")
        ),
    )
    .await
    .expect("write the SQLite template");
    let _ = store.close().await;
    std::fs::rename(&copy, &path).expect("move the SQLite template into place");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", build.display()));
    }
    path
}

/// A 64-bit advisory lock key for the run (FNV-1a of its name).
fn lock_key(run: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("dj_tpl_{run}").bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// PostgreSQL: the run's template database, migrated under `dj_tpb_<run>` and renamed to
/// `dj_tpl_<run>_<secs>` when done, so that no test ever copies a half-built one.
pub(super) async fn postgres(admin: &DatabaseConnection, admin_url: &str, run: &str) -> String {
    let key = lock_key(run);
    // The test that builds the template holds the lock for as long as migrating takes; a
    // holder stuck far longer fails the waiting tests with this message rather than leaving
    // them silent until the runner's limit.
    exec(admin, "SET lock_timeout = '240s'")
        .await
        .expect("bound the wait for the template lock");
    exec(admin, &format!("SELECT pg_advisory_lock({key})"))
        .await
        .unwrap_or_else(|e| {
            panic!("the run's template database was not ready within 4 minutes (another test holds its advisory lock {key}): {e}")
        });
    let name = postgres_locked(admin, admin_url, run).await;
    let _ = exec(admin, &format!("SELECT pg_advisory_unlock({key})")).await;
    name
}

async fn postgres_locked(admin: &DatabaseConnection, admin_url: &str, run: &str) -> String {
    let names = strings(
        admin,
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'dj%'",
    )
    .await
    .expect("list templates");
    let prefix = format!("dj_tpl_{run}_");
    if let Some(found) = names.iter().find(|n| n.starts_with(&prefix)) {
        return found.clone();
    }
    for old in names.iter().filter(|n| stale_name(n)) {
        let _ = exec(
            admin,
            &format!("DROP DATABASE IF EXISTS {old} WITH (FORCE)"),
        )
        .await;
    }
    let build = format!("dj_tpb_{run}");
    exec(
        admin,
        &format!("DROP DATABASE IF EXISTS {build} WITH (FORCE)"),
    )
    .await
    .expect("drop an unfinished template");
    exec(admin, &format!("CREATE DATABASE {build}"))
        .await
        .expect("create the template");
    migrate_at(&with_database(admin_url, &build)).await;
    let name = format!("{prefix}{}", now_secs());
    exec(admin, &format!("ALTER DATABASE {build} RENAME TO {name}"))
        .await
        .expect("name the finished template");
    name
}

#[cfg(test)]
mod tests {
    use super::{lock_key, now_secs, stale_name};

    #[test]
    fn a_template_made_more_than_a_day_ago_is_stale() {
        let now = now_secs();
        assert!(stale_name(&format!("dj_tpl_0a1b_{}", now - 90_000)));
        assert!(!stale_name(&format!("dj_tpl_0a1b_{}", now - 60)));
        assert!(!stale_name("dj_tpb_0a1b"));
        assert!(!stale_name("dj_t_0123456789abcdef"));
    }

    #[test]
    fn each_run_locks_its_own_key() {
        assert_eq!(lock_key("abc"), lock_key("abc"));
        assert_ne!(lock_key("abc"), lock_key("abd"));
    }
}
