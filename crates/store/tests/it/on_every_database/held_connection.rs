//! One connection held for a request's statements (`daojia_store::held`): the same server
//! session for all of them, a transaction that still gets a connection from a pool of one,
//! a cut-off statement that costs the connection, and a failed one that does not.

use super::each;
use daojia_store::testing::Backend;
use daojia_store::{PoolOptions, Store, held};
use sea_orm::{ConnectionTrait, Statement};
use std::time::Duration;

/// The server's id of the session a statement through `db` runs on.
async fn session(db: &held::Db) -> i64 {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "SELECT CAST(pg_backend_pid() AS BIGINT) AS id",
        _ => "SELECT CAST(CONNECTION_ID() AS SIGNED) AS id",
    };
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .expect("one row");
    row.try_get("", "id").unwrap()
}

async fn pool_of(url: &str, store: &Store, max: u32) -> Store {
    let opts = PoolOptions {
        max_connections: max,
        acquire_timeout: Duration::from_secs(5),
        ..PoolOptions::default()
    };
    Store::open(url, store.vault().clone(), &opts)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_request_runs_its_statements_on_one_connection_and_its_transaction_on_another() {
    each(async |t| {
        let store = pool_of(&t.url, &t.store, 1).await;
        let db = store.db();
        if t.backend == Backend::Sqlite {
            assert!(
                !db.holds(),
                "SQLite's pool is in the process: nothing is held"
            );
            return;
        }
        assert!(db.holds(), "{:?}", t.backend);
        held::hold(async {
            let first = session(db).await;
            for _ in 0..5 {
                assert_eq!(session(db).await, first, "{:?}: one session", t.backend);
            }
            // The pool has one connection, and the request holds it: the transaction
            // gets it only because beginning one gives the held connection back.
            let tx = tokio::time::timeout(Duration::from_secs(3), daojia_store::begin(db))
                .await
                .expect("begun without waiting for the pool")
                .unwrap();
            tx.execute_raw(Statement::from_string(
                tx.get_database_backend(),
                "SELECT 1",
            ))
            .await
            .unwrap();
            tx.commit().await.unwrap();
            // After it, the request takes a connection again (the only one).
            session(db).await;
        })
        .await;
        // Outside `hold`, statements take the pool's connections as they always did.
        session(db).await;
        store.db().pool().clone().close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_failed_statement_keeps_the_connection_and_a_cut_off_one_loses_it() {
    each(async |t| {
        if t.backend == Backend::Sqlite {
            return;
        }
        let store = pool_of(&t.url, &t.store, 2).await;
        let db = store.db();
        let backend = db.get_database_backend();
        held::hold(async {
            let first = session(db).await;
            let bad = db
                .execute_raw(Statement::from_string(
                    backend,
                    "SELECT * FROM no_such_table_here",
                ))
                .await;
            assert!(bad.is_err(), "{:?}", t.backend);
            assert_eq!(
                session(db).await,
                first,
                "{:?}: an error from the database leaves the connection usable",
                t.backend
            );
            let sleep = match backend {
                sea_orm::DbBackend::Postgres => "SELECT pg_sleep(5)",
                _ => "SELECT SLEEP(5)",
            };
            let cut = tokio::time::timeout(
                Duration::from_millis(200),
                db.execute_raw(Statement::from_string(backend, sleep)),
            )
            .await;
            assert!(cut.is_err(), "{:?}: the statement was cut off", t.backend);
            let next = tokio::time::timeout(Duration::from_secs(3), session(db))
                .await
                .expect("the next statement does not wait for the cut-off one");
            assert_ne!(
                next, first,
                "{:?}: a connection whose statement was cut off is not used again",
                t.backend
            );
        })
        .await;
        store.db().pool().clone().close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn statements_of_one_request_running_at_once_take_turns() {
    each(async |t| {
        if t.backend == Backend::Sqlite {
            return;
        }
        let store = pool_of(&t.url, &t.store, 4).await;
        let db = store.db();
        held::hold(async {
            let (a, b, c) = tokio::join!(session(db), session(db), session(db));
            assert!(a == b && b == c, "{:?}: {a} {b} {c}", t.backend);
        })
        .await;
        store.db().pool().clone().close().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn holding_can_be_turned_off() {
    each(async |t| {
        let opts = PoolOptions {
            max_connections: 2,
            hold_per_request: false,
            ..PoolOptions::default()
        };
        let store = Store::open(&t.url, t.store.vault().clone(), &opts)
            .await
            .unwrap();
        assert!(!store.db().holds(), "{:?}", t.backend);
        store.db().pool().clone().close().await.unwrap();
    })
    .await;
}
