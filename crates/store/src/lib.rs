//! Persistence for Daojia: entities, migrations and repositories over SQLite, PostgreSQL and
//! MySQL/MariaDB, with one code path for all three.
//!
//! `Store` owns the connection pool and the personal-information [`pii::Vault`]; repository
//! functions live in [`repo`] and take plain domain values, so handlers never build SQL.

pub mod entity;
pub mod held;
pub mod migration;
pub mod migration_lock;
pub mod pii;
pub mod repo;
#[cfg(feature = "testing")]
pub mod testing;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DbBackend, DbErr, SqlErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

pub use sea_orm::DbErr as Error;

/// The database connection and the vault for personal information.
#[derive(Clone, Debug)]
pub struct Store {
    db: held::Db,
    vault: pii::Vault,
    kind: DbKind,
}

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    /// The embedded default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

impl DbKind {
    /// The kind named by a database URL's scheme.
    pub fn of_url(url: &str) -> Option<DbKind> {
        let scheme = url.split(':').next()?;
        match scheme {
            "sqlite" => Some(DbKind::Sqlite),
            "postgres" | "postgresql" => Some(DbKind::Postgres),
            "mysql" | "mariadb" => Some(DbKind::MySql),
            _ => None,
        }
    }

    /// A short name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
            DbKind::MySql => "mysql",
        }
    }
}

/// Why the store could not open.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL's scheme is not one we support.
    #[error("database URL must start with sqlite:, postgres: or mysql: (got `{0}`)")]
    Scheme(String),
    /// The database refused or could not be reached.
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] DbErr),
}

/// By default a pooled connection idle for at least this long is pinged before it is
/// handed out ([`PoolOptions::ping_idle_after`]).
///
/// The pool pings every connection it takes back (sqlx tests it on release), so one that
/// was used a moment ago is known to be live: pinging it again before every statement, the
/// pool's default, made three round trips of every statement instead of two (measured in
/// bench/load/README.md: 8 % more refused placements a second). A connection that
/// has sat idle (a quiet node, a firewall that drops idle connections, a database that
/// restarted meanwhile) is still pinged, and replaced if dead. One that died within this
/// time fails its statement, which answers 503 `database_unavailable` with `Retry-After`,
/// as a statement cut off by a restart always did; the pool drops it.
pub const PING_IDLE_AFTER: Duration = Duration::from_secs(10);

/// Pool settings.
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// Most connections held open.
    pub max_connections: u32,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
    /// Ping a pooled connection before use only once it has been idle this long
    /// ([`PING_IDLE_AFTER`] by default); `None` pings before every use.
    pub ping_idle_after: Option<Duration>,
    /// Inside [`held::hold`], run a request's statements on one connection (PostgreSQL and
    /// MySQL; see [`held`]).
    pub hold_per_request: bool,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            ping_idle_after: Some(PING_IDLE_AFTER),
            hold_per_request: true,
        }
    }
}

impl Store {
    /// Connects to `url`. A SQLite file is created if missing (`mode=rwc`) and runs in WAL
    /// mode with a busy timeout, so concurrent requests wait rather than fail.
    pub async fn open(
        url: &str,
        vault: pii::Vault,
        pool: &PoolOptions,
    ) -> Result<Store, OpenError> {
        let kind = DbKind::of_url(url).ok_or_else(|| OpenError::Scheme(redact_url(url)))?;
        let url = if kind == DbKind::MySql && url.starts_with("mariadb:") {
            url.replacen("mariadb:", "mysql:", 1)
        } else if kind == DbKind::Sqlite && !url.contains("mode=") && !url.contains(":memory:") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url.to_string()
        };
        let mut opts = ConnectOptions::new(url);
        opts.max_connections(if kind == DbKind::Sqlite {
            pool.max_connections.min(8)
        } else {
            pool.max_connections
        })
        .min_connections(1)
        .acquire_timeout(pool.acquire_timeout)
        .sqlx_logging(false);
        if let Some(idle) = pool.ping_idle_after {
            opts.test_before_acquire_if_idle_for(idle);
        }
        if kind == DbKind::Sqlite {
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        }
        let db = Database::connect(opts).await.map_err(OpenError::Connect)?;
        Ok(Store {
            db: held::Db::new(db, pool.hold_per_request),
            vault,
            kind,
        })
    }

    /// Applies pending migrations, then encrypts personal values an older version stored
    /// in clear (a step that needs the vault, which migrations do not have; see
    /// [`repo::pii_backfill`]).
    ///
    /// One node at a time: the others wait on the database's lock
    /// ([`migration_lock`]) and then find nothing pending.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        self.migrate_waiting(migration_lock::WAIT).await
    }

    /// [`Store::migrate`], waiting at most `wait` for another node's migrations (tests wait
    /// less than their runner's time limit, so that they fail saying why).
    pub async fn migrate_waiting(&self, wait: Duration) -> Result<(), DbErr> {
        let lock = migration_lock::MigrationLock::take(self.db.pool(), self.kind, wait).await?;
        let done = self.migrate_locked().await;
        lock.release().await;
        done
    }

    async fn migrate_locked(&self) -> Result<(), DbErr> {
        // Data migrations that encrypt what older versions stored in clear need the keys.
        migration::with_vault(
            self.vault.clone(),
            migration::Migrator::up(self.db.pool(), None),
        )
        .await?;
        repo::pii_backfill::seal_clear_columns(self).await?;
        Ok(())
    }

    /// Names of migrations not yet applied (empty when current).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, DbErr> {
        Ok(migration::Migrator::get_pending_migrations(self.db.pool())
            .await?
            .iter()
            .map(|m| m.name().to_string())
            .collect())
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    /// The connection pool (holding one connection per request inside [`held::hold`]).
    pub fn db(&self) -> &held::Db {
        &self.db
    }

    /// The same database seen through another vault (key rotation: the new vault holds the
    /// new active key and the old ones).
    pub fn with_vault(&self, vault: pii::Vault) -> Store {
        Store {
            db: self.db.clone(),
            vault,
            kind: self.kind,
        }
    }

    /// The personal-information vault.
    pub fn vault(&self) -> &pii::Vault {
        &self.vault
    }

    /// Which database this is.
    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// Closes the pool.
    pub async fn close(self) -> Result<(), DbErr> {
        self.db.pool().clone().close().await
    }
}

/// Begins a transaction that may write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken at the start, so a transaction that reads and then writes waits its turn (within
/// the busy timeout) instead of failing with "database is locked" (`SQLITE_BUSY_SNAPSHOT`)
/// when another connection committed between its read and its first write. PostgreSQL and
/// MySQL begin as usual. Every transaction in the code base starts here.
pub async fn begin<C>(db: &C) -> Result<C::Transaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    }
}

/// True when `err` is a unique-constraint violation: the database as the last line of
/// validation (two requests racing to create the same phone or username).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Whether an error means "another transaction was in the way; run it again": SQLite's
/// busy snapshot (a reader that may not start writing after another wrote), a deadlock on
/// MariaDB or PostgreSQL, a serialization failure.
pub fn is_retryable(err: &DbErr) -> bool {
    let text = err.to_string();
    [
        "database is locked",
        "Deadlock found",
        "deadlock detected",
        "could not serialize",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// A database URL with its password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/daojia"),
            "postgres://app:***@db:5432/daojia"
        );
        assert_eq!(redact_url("sqlite://daojia.db"), "sqlite://daojia.db");
        assert_eq!(
            redact_url("mysql://root@127.0.0.1/test"),
            "mysql://root@127.0.0.1/test"
        );
    }

    #[test]
    fn the_url_scheme_selects_the_database() {
        assert_eq!(DbKind::of_url("sqlite://x.db"), Some(DbKind::Sqlite));
        assert_eq!(DbKind::of_url("postgresql://h/d"), Some(DbKind::Postgres));
        assert_eq!(DbKind::of_url("mariadb://h/d"), Some(DbKind::MySql));
        assert_eq!(DbKind::of_url("oracle://h/d"), None);
    }
}
