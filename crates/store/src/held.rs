//! One pooled connection for all of a request's statements ([`hold`]), instead of one
//! taken from the pool and given back for each.
//!
//! sqlx's pool tests every connection it takes back with a round trip to the database (a
//! ping, unconditionally: there is no setting for it), in a task of its own. A request that
//! runs four statements through the pool therefore makes eight round trips and spawns four
//! tasks; held for the request, the same four statements make five round trips (the
//! statements, and one test when the request gives the connection back). bench/load's
//! README has what that was worth.
//!
//! - **What is held.** Inside [`hold`], the statements that [`Db`] runs outside a
//!   transaction (`execute`, `query_one`, `query_all`) go to one connection, taken from the
//!   pool at the first of them and given back when the held future ends (or is dropped).
//!   A request that runs no statement takes none.
//! - **Transactions are not.** A transaction begun through [`Db`] gives the held
//!   connection back first and takes one of its own from the pool, as before: a request
//!   never holds two connections because of this module, so a pool of N connections
//!   serves N such requests without one waiting on another.
//! - **Where.** PostgreSQL and MySQL only; on SQLite (the pool is in the process, and its
//!   test costs no network round trip) [`Db`] is the pool. Only the routes that run
//!   several statements and call no outside service (a payment provider, an SMS vendor)
//!   are wrapped: a request waiting on someone else should not sit on a connection.
//! - **Concurrency inside a request.** Two statements of one request run at the same time
//!   (`join!`) take turns on the held connection.
//! - **Cancelled statements.** A statement cut off half way (the request timed out, its
//!   future was dropped) leaves the connection in an unknown state: it is closed, not
//!   given back, and the next statement of the request takes a fresh one.
//! - **Failed statements.** A database error (a unique violation, a deadlock) leaves the
//!   connection usable and it stays held; any other error (the connection broke) closes it,
//!   and the next statement takes another.

use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, MySql, Postgres, pool::PoolConnection};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, IsolationLevel, QueryResult, RuntimeErr, Statement, TransactionError,
    TransactionOptions, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

tokio::task_local! {
    static HELD: Arc<Slot>;
}

/// Runs `fut` with one connection held for the statements it runs through a [`Db`] outside
/// a transaction (see the module's text). Nesting is harmless: the inner call holds its
/// own.
pub async fn hold<F: Future>(fut: F) -> F::Output {
    HELD.scope(Arc::new(Slot::default()), fut).await
}

/// The connection pool, holding one connection per request inside [`hold`] on PostgreSQL
/// and MySQL. Dereferences to the pool itself (sea-orm's [`DatabaseConnection`]) for
/// everything else.
#[derive(Clone, Debug)]
pub struct Db {
    pool: DatabaseConnection,
    hold: bool,
}

impl Db {
    /// Wraps `pool`; `hold` false makes [`hold`] have no effect on it.
    pub fn new(pool: DatabaseConnection, hold: bool) -> Db {
        let hold = hold
            && matches!(
                pool.get_database_backend(),
                DbBackend::Postgres | DbBackend::MySql
            );
        Db { pool, hold }
    }

    /// The pool itself: every statement through it takes a connection of its own.
    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Whether statements inside [`hold`] share one connection.
    pub fn holds(&self) -> bool {
        self.hold
    }

    /// The request's slot, when this runs inside [`hold`] and holding is on.
    fn slot(&self) -> Option<Arc<Slot>> {
        if !self.hold {
            return None;
        }
        HELD.try_with(Arc::clone).ok()
    }

    /// Gives the held connection back before a transaction takes its own (unless a
    /// statement of the request is running on it at this moment: then it stays).
    fn let_go(&self) {
        if let Some(slot) = self.slot()
            && let Ok(mut conn) = slot.conn.try_lock()
        {
            conn.take();
        }
    }
}

impl std::ops::Deref for Db {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        &self.pool
    }
}

#[derive(Default)]
struct Slot {
    conn: Mutex<Option<Conn>>,
}

enum Conn {
    Postgres(PoolConnection<Postgres>),
    MySql(PoolConnection<MySql>),
}

impl Conn {
    fn close_on_drop(&mut self) {
        match self {
            Conn::Postgres(c) => c.close_on_drop(),
            Conn::MySql(c) => c.close_on_drop(),
        }
    }
}

/// Closes the held connection if the statement running on it is dropped before it ends.
struct Running<'a> {
    conn: MutexGuard<'a, Option<Conn>>,
    done: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if !self.done
            && let Some(mut c) = self.conn.take()
        {
            c.close_on_drop();
        }
    }
}

impl Running<'_> {
    /// The statement ended with `result`: a broken connection is closed, anything else
    /// keeps it.
    fn end<T>(mut self, result: Result<T, sqlx::Error>) -> Result<T, sqlx::Error> {
        self.done = true;
        if let Err(e) = &result
            && !matches!(e, sqlx::Error::Database(_) | sqlx::Error::RowNotFound)
            && let Some(mut c) = self.conn.take()
        {
            c.close_on_drop();
        }
        result
    }
}

impl Slot {
    /// The held connection, taken from `pool` if there is none yet.
    async fn running(&self, pool: &DatabaseConnection) -> Result<Running<'_>, DbErr> {
        let mut conn = self.conn.lock().await;
        if conn.is_none() {
            *conn = Some(match pool.get_database_backend() {
                DbBackend::Postgres => Conn::Postgres(
                    pool.get_postgres_connection_pool()
                        .acquire()
                        .await
                        .map_err(acquire_err)?,
                ),
                DbBackend::MySql => Conn::MySql(
                    pool.get_mysql_connection_pool()
                        .acquire()
                        .await
                        .map_err(acquire_err)?,
                ),
                other => {
                    return Err(DbErr::Custom(format!("no connection is held on {other:?}")));
                }
            });
        }
        Ok(Running { conn, done: false })
    }

    async fn execute(
        &self,
        pool: &DatabaseConnection,
        stmt: Statement,
    ) -> Result<ExecResult, DbErr> {
        let mut running = self.running(pool).await?;
        let values = SqlxValues(stmt.values.unwrap_or(Values(Vec::new())));
        let sql = sqlx::AssertSqlSafe(stmt.sql.as_str());
        let result = match running.conn.as_mut().expect("taken above") {
            Conn::Postgres(c) => sqlx::query_with(sql, values)
                .execute(&mut **c)
                .await
                .map(ExecResult::from),
            Conn::MySql(c) => sqlx::query_with(sql, values)
                .execute(&mut **c)
                .await
                .map(ExecResult::from),
        };
        running
            .end(result)
            .map_err(|e| DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))))
    }

    async fn query_all(
        &self,
        pool: &DatabaseConnection,
        stmt: Statement,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let mut running = self.running(pool).await?;
        let values = SqlxValues(stmt.values.unwrap_or(Values(Vec::new())));
        let sql = sqlx::AssertSqlSafe(stmt.sql.as_str());
        let result = match running.conn.as_mut().expect("taken above") {
            Conn::Postgres(c) => sqlx::query_with(sql, values)
                .fetch_all(&mut **c)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from).collect()),
            Conn::MySql(c) => sqlx::query_with(sql, values)
                .fetch_all(&mut **c)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from).collect()),
        };
        running.end(result).map_err(query_err)
    }

    async fn query_one(
        &self,
        pool: &DatabaseConnection,
        stmt: Statement,
    ) -> Result<Option<QueryResult>, DbErr> {
        let mut running = self.running(pool).await?;
        let values = SqlxValues(stmt.values.unwrap_or(Values(Vec::new())));
        let sql = sqlx::AssertSqlSafe(stmt.sql.as_str());
        let result = match running.conn.as_mut().expect("taken above") {
            Conn::Postgres(c) => sqlx::query_with(sql, values)
                .fetch_optional(&mut **c)
                .await
                .map(|row| row.map(QueryResult::from)),
            Conn::MySql(c) => sqlx::query_with(sql, values)
                .fetch_optional(&mut **c)
                .await
                .map(|row| row.map(QueryResult::from)),
        };
        running.end(result).map_err(query_err)
    }
}

/// As sea-orm reports a failed acquisition.
fn acquire_err(e: sqlx::Error) -> DbErr {
    match e {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => {
            DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::ConnectionClosed)
        }
        other => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(other))),
    }
}

/// As sea-orm reports a failed query.
fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.pool.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self.slot() {
            Some(slot) => slot.execute(&self.pool, stmt).await,
            None => self.pool.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        // Unprepared SQL (schema changes, session settings) never runs on a held
        // connection: a setting would outlive the request on it.
        self.pool.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self.slot() {
            Some(slot) => slot.query_one(&self.pool, stmt).await,
            None => self.pool.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self.slot() {
            Some(slot) => slot.query_all(&self.pool, stmt).await,
            None => self.pool.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        self.pool.support_returning()
    }
}

#[async_trait::async_trait]
impl TransactionTrait for Db {
    type Transaction = DatabaseTransaction;

    async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        self.let_go();
        self.pool.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.let_go();
        self.pool
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DbErr> {
        self.let_go();
        self.pool.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.let_go();
        self.pool.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c DatabaseTransaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.let_go();
        self.pool
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}
