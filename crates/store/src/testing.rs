//! Throw-away databases for tests: each test gets its own SQLite file, PostgreSQL database or
//! MySQL database, created from the server named by an environment variable and dropped when
//! the handle goes out of scope (also when the test panics), so runs never collide.
//!
//! - `DAOJIA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! - `DAOJIA_TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/test`)
//! - `DAOJIA_TEST_DATABASES` picks the backends that [`backends`] returns (default all three:
//!   `sqlite,postgres,mysql`). A listed backend that cannot be reached fails the test; it is
//!   never skipped silently.
//! - `DAOJIA_TEST_TEMPLATES=0` migrates every test database from scratch.
//!
//! Under cargo-nextest (which runs each test in a process of its own and names the run in
//! `NEXTEST_RUN_ID`), the migrations run once per run into a template on SQLite and
//! PostgreSQL, and each test's database there is a copy of it: a file copy on SQLite
//! (0.03 s against 0.25 s migrating), `CREATE DATABASE .. TEMPLATE` on PostgreSQL (0.65 s
//! against 1.06 s). MariaDB test databases are migrated (see `template`). Templates older
//! than a day are dropped when a new one is made. Tests of the migrations themselves use
//! [`TestDb::unmigrated`], which never copies.

use crate::{PoolOptions, Store, pii::Vault};
use sea_orm::{ConnectionTrait, Database, Statement};

mod template;

/// A database backend under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in the temp directory.
    Sqlite,
    /// A fresh PostgreSQL database.
    Postgres,
    /// A fresh MySQL/MariaDB database.
    MySql,
}

/// The backends this run tests, from `DAOJIA_TEST_DATABASES`.
pub fn backends() -> Vec<Backend> {
    let list =
        std::env::var("DAOJIA_TEST_DATABASES").unwrap_or_else(|_| "sqlite,postgres,mysql".into());
    list.split(',')
        .filter_map(|s| match s.trim() {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" | "mariadb" => Some(Backend::MySql),
            _ => None,
        })
        .collect()
}

/// A migrated store on a database of its own, dropped with the handle.
pub struct TestDb {
    /// The store, migrated.
    pub store: Store,
    /// The URL of the database (to start a server process on it).
    pub url: String,
    /// Which backend.
    pub backend: Backend,
    cleanup: Option<Cleanup>,
}

enum Cleanup {
    File(std::path::PathBuf),
    Server {
        admin_url: String,
        name: String,
        backend: Backend,
    },
}

fn unique_name() -> String {
    format!(
        "dj_t_{}",
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .get(..16)
            .unwrap_or("x")
    )
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((url, None));
    let cut = base
        .rfind('/')
        .filter(|i| *i > base.find("://").map_or(0, |s| s + 2))
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..cut]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn test_pool() -> PoolOptions {
    PoolOptions {
        max_connections: 8,
        // A test's own checks ping before every use: some tests end every session on
        // their database under it (the database drill), and a checker must not fail on
        // a connection it was handed dead. The nodes under test keep the default.
        ping_idle_after: None,
        ..PoolOptions::default()
    }
}

/// The server a backend's test databases are made on, from its environment variable.
fn admin_url(backend: Backend) -> String {
    let (var, default) = match backend {
        Backend::Postgres => (
            "DAOJIA_TEST_POSTGRES_URL",
            "postgres://postgres@127.0.0.1:5432/test",
        ),
        _ => ("DAOJIA_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
    };
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

/// One connection to the test server (a pool of one, so that a session lock taken on it
/// is held by every statement that follows).
async fn single(admin_url: &str) -> sea_orm::DatabaseConnection {
    let mut opts = sea_orm::ConnectOptions::new(admin_url.to_string());
    opts.max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    Database::connect(opts).await.unwrap_or_else(|e| {
        panic!(
            "test server unreachable at {} ({e}); start it or set DAOJIA_TEST_POSTGRES_URL / DAOJIA_TEST_MYSQL_URL / DAOJIA_TEST_DATABASES",
            crate::redact_url(admin_url)
        )
    })
}

/// The run whose template this process copies: nextest's run id, unless templates are off.
fn template_run() -> Option<String> {
    if std::env::var("DAOJIA_TEST_TEMPLATES").is_ok_and(|v| v == "0") {
        return None;
    }
    let id = std::env::var("NEXTEST_RUN_ID").ok()?;
    let run: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    (!run.is_empty()).then_some(run)
}

impl TestDb {
    /// Creates and migrates a fresh database on `backend`.
    pub async fn new(backend: Backend) -> TestDb {
        // MariaDB has no templates (see `template`): its test databases are migrated.
        let run = template_run().filter(|_| backend != Backend::MySql);
        let t = TestDb::created(backend, run.as_deref()).await;
        if run.is_none() {
            // Within nextest's 5-minute limit, so that a lock held elsewhere fails the test
            // with the lock's message instead of a silent timeout.
            t.store
                .migrate_waiting(std::time::Duration::from_secs(240))
                .await
                .expect("migrate test database");
        }
        t
    }

    /// Creates a fresh, empty database on `backend` (no migrations applied).
    pub async fn unmigrated(backend: Backend) -> TestDb {
        TestDb::created(backend, None).await
    }

    /// A fresh database on `backend`: empty, or with `run`, a copy of that run's migrated
    /// template (made first if it is missing; SQLite and PostgreSQL only).
    async fn created(backend: Backend, run: Option<&str>) -> TestDb {
        let name = unique_name();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                if let Some(run) = run {
                    let template = template::sqlite(run).await;
                    std::fs::copy(&template, &path).expect("copy the SQLite template");
                }
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::Postgres | Backend::MySql => {
                let admin_url = admin_url(backend);
                let admin = single(&admin_url).await;
                let sql = match (backend, run) {
                    (Backend::Postgres, Some(run)) => {
                        let template = template::postgres(&admin, &admin_url, run).await;
                        format!("CREATE DATABASE {name} TEMPLATE {template}")
                    }
                    (Backend::Postgres, None) => format!("CREATE DATABASE {name}"),
                    _ => format!(
                        "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                    ),
                };
                template::exec(&admin, &sql)
                    .await
                    .expect("create test database");
                if backend == Backend::Postgres {
                    // A throw-away database need not wait for its commits to reach the disk.
                    template::exec(
                        &admin,
                        &format!("ALTER DATABASE {name} SET synchronous_commit = off"),
                    )
                    .await
                    .expect("set synchronous_commit");
                }
                let _ = admin.close().await;
                (
                    with_database(&admin_url, &name),
                    Cleanup::Server {
                        admin_url,
                        name,
                        backend,
                    },
                )
            }
        };
        let store = Store::open(&url, Vault::random_for_tests(), &test_pool())
            .await
            .expect("open test database");
        TestDb {
            store,
            url,
            backend,
            cleanup: Some(cleanup),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(cleanup) = self.cleanup.take() else {
            return;
        };
        // Dropping may happen inside a runtime (end of a #[tokio::test]) or during a panic;
        // a plain thread with its own small runtime works in both. The test's own pool is
        // not touched here: its connections belong to the test's runtime, which this thread
        // blocks, so the database is dropped out from under them (FORCE on PostgreSQL).
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                match cleanup {
                    Cleanup::File(path) => {
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                        }
                    }
                    Cleanup::Server {
                        admin_url,
                        name,
                        backend,
                    } => {
                        if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                            if backend != Backend::Postgres {
                                // MariaDB has no FORCE: a pooled connection the test left with
                                // an open transaction (a dropped transaction's rollback runs
                                // only when the connection is next used) holds a metadata lock
                                // that DROP DATABASE would wait on for a year. End those
                                // sessions first, and never wait long.
                                kill_sessions(&admin, &name).await;
                            }
                            let sql = if backend == Backend::Postgres {
                                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                            } else {
                                format!("DROP DATABASE IF EXISTS {name}")
                            };
                            let _ = admin
                                .execute_raw(Statement::from_string(
                                    admin.get_database_backend(),
                                    sql,
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// Ends every MariaDB/MySQL session using database `name` (but this one), and caps how
/// long this session waits for metadata locks.
async fn kill_sessions(admin: &sea_orm::DatabaseConnection, name: &str) {
    use sea_orm::ConnectionTrait;
    let b = admin.get_database_backend();
    let _ = admin
        .execute_raw(Statement::from_string(
            b,
            "SET SESSION lock_wait_timeout = 30",
        ))
        .await;
    let ids = admin
        .query_all_raw(Statement::from_string(
            b,
            format!(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{name}' AND ID <> CONNECTION_ID()"
            ),
        ))
        .await
        .unwrap_or_default();
    for row in ids {
        if let Ok(id) = row.try_get_by_index::<u64>(0) {
            let _ = admin
                .execute_raw(Statement::from_string(b, format!("KILL {id}")))
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_replaces_the_one_in_the_url() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@h:3306/test?ssl-mode=disabled", "x"),
            "mysql://root@h:3306/x?ssl-mode=disabled"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
