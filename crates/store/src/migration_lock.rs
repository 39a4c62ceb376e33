//! One node migrates at a time. Nodes started together (a rolling deploy, a compose file's
//! two replicas) would otherwise both find the same migrations pending and both apply them:
//! the second fails half-way on "table already exists", or worse, runs a data migration twice.
//!
//! The lock is the database's own: a session-level advisory lock on PostgreSQL
//! (`pg_try_advisory_lock`) and a named lock on MySQL/MariaDB (`GET_LOCK`), held on one
//! connection taken aside from the pool for the whole migration. Both are released when
//! that connection ends, so a node killed while migrating frees the lock for the next one.
//! SQLite is one file on one machine; its writers already wait on the file's lock.
//!
//! The lock is per database, on both servers. PostgreSQL scopes advisory locks to the
//! database of the session; `GET_LOCK` names are server-wide, so the MySQL name carries the
//! database's (hashed, to fit the 64 characters a name may have). One name for the whole
//! server made every database on it migrate one after another: two installations on one
//! MariaDB server, and every test database of concurrent test runs, each migration
//! polling for a lock that the others kept taking first (a test once waited past its
//! 5-minute limit).

use crate::DbKind;
use sea_orm::sqlx::{self, MySql, Postgres, pool::PoolConnection};
use sea_orm::{DatabaseConnection, DbErr};
use std::time::{Duration, Instant};

/// The PostgreSQL advisory lock's key: "daojia" as bytes, so it is recognisable in `pg_locks`.
const PG_KEY: i64 = 0x6461_6f6a_6961;
/// Takes the MySQL lock, named `daojia.migrate.` and the MD5 of the session's database. A
/// timeout of 0 answers at once: 1 taken, 0 held by another session.
const MYSQL_TAKE: &str =
    "SELECT GET_LOCK(CONCAT('daojia.migrate.', MD5(COALESCE(DATABASE(), ''))), 0)";
/// Gives the MySQL lock back.
const MYSQL_RELEASE: &str =
    "SELECT RELEASE_LOCK(CONCAT('daojia.migrate.', MD5(COALESCE(DATABASE(), ''))))";
/// How long a node waits for another node's migrations before giving up.
pub const WAIT: Duration = Duration::from_secs(600);

/// A held migration lock; give it back with [`MigrationLock::release`].
pub enum MigrationLock {
    /// PostgreSQL: the session holding the advisory lock.
    Postgres(PoolConnection<Postgres>),
    /// MySQL/MariaDB: the session holding the named lock.
    MySql(PoolConnection<MySql>),
    /// SQLite: nothing to hold.
    None,
}

fn err(e: sqlx::Error) -> DbErr {
    DbErr::Custom(format!("migration lock: {e}"))
}

impl MigrationLock {
    /// Takes the lock, waiting (up to `wait`) while another node holds it.
    pub async fn take(
        db: &DatabaseConnection,
        kind: DbKind,
        wait: Duration,
    ) -> Result<MigrationLock, DbErr> {
        let started = Instant::now();
        let mut told = false;
        loop {
            let held = match kind {
                DbKind::Sqlite => return Ok(MigrationLock::None),
                DbKind::Postgres => {
                    let mut c = db
                        .get_postgres_connection_pool()
                        .acquire()
                        .await
                        .map_err(err)?;
                    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                        .bind(PG_KEY)
                        .fetch_one(&mut *c)
                        .await
                        .map_err(err)?;
                    got.then_some(MigrationLock::Postgres(c))
                }
                DbKind::MySql => {
                    let mut c = db
                        .get_mysql_connection_pool()
                        .acquire()
                        .await
                        .map_err(err)?;
                    let got: Option<i64> = sqlx::query_scalar(MYSQL_TAKE)
                        .fetch_one(&mut *c)
                        .await
                        .map_err(err)?;
                    (got == Some(1)).then_some(MigrationLock::MySql(c))
                }
            };
            if let Some(lock) = held {
                return Ok(lock);
            }
            if started.elapsed() >= wait {
                return Err(DbErr::Custom(format!(
                    "another node has been migrating the database for over {} s; \
                     if no node is running migrations, a stuck session holds the lock",
                    wait.as_secs()
                )));
            }
            if !told {
                tracing::info!("another node is migrating the database; waiting for it");
                told = true;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Gives the lock back. If the unlock itself fails the session is closed, which
    /// releases the lock too.
    pub async fn release(self) {
        match self {
            MigrationLock::None => {}
            MigrationLock::Postgres(mut c) => {
                let r = sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(PG_KEY)
                    .execute(&mut *c)
                    .await;
                if r.is_err() {
                    let _ = c.close().await;
                }
            }
            MigrationLock::MySql(mut c) => {
                let r = sqlx::query(MYSQL_RELEASE).execute(&mut *c).await;
                if r.is_err() {
                    let _ = c.close().await;
                }
            }
        }
    }
}
