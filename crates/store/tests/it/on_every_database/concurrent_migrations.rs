//! Nodes started together migrate one at a time: on an empty database, several stores (each
//! its own pool, as separate nodes have) migrating at once all succeed, every migration is
//! applied once, and nothing is left pending.

use daojia_store::testing::{Backend, TestDb, backends};
use daojia_store::{PoolOptions, Store};
use sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn nodes_starting_together_migrate_once() {
    for b in backends() {
        if b == Backend::Sqlite {
            // One file on one machine: not a multi-node database.
            continue;
        }
        let t = TestDb::unmigrated(b).await;
        let pool = PoolOptions {
            max_connections: 4,
            ..PoolOptions::default()
        };
        let mut nodes = vec![];
        for _ in 0..3 {
            nodes.push(
                Store::open(&t.url, t.store.vault().clone(), &pool)
                    .await
                    .unwrap(),
            );
        }
        let runs: Vec<_> = nodes
            .iter()
            .map(|s| {
                let s = s.clone();
                tokio::spawn(async move { s.migrate().await })
            })
            .collect();
        for (i, r) in runs.into_iter().enumerate() {
            let r = r.await.unwrap();
            assert!(r.is_ok(), "{b:?}: node {i} failed to migrate: {r:?}");
        }
        assert!(
            t.store.pending_migrations().await.unwrap().is_empty(),
            "{b:?}"
        );
        let db = t.store.db();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT version, COUNT(*) AS n FROM seaql_migrations GROUP BY version HAVING COUNT(*) > 1",
            ))
            .await
            .unwrap();
        assert!(rows.is_empty(), "{b:?}: a migration recorded twice");
        // The lock was given back: a later start takes it at once.
        t.store.migrate().await.unwrap();
        for n in nodes {
            n.db().pool().clone().close().await.unwrap();
        }
    }
}

/// The lock is the database's, not the server's: while a node holds it on one database, a
/// node of another database on the same server migrates at once, and a second node of the
/// first database still waits.
#[tokio::test]
async fn a_migration_lock_holds_back_its_own_database_only() {
    use daojia_store::migration_lock::MigrationLock;
    use std::time::Duration;
    for b in backends() {
        if b == Backend::Sqlite {
            continue;
        }
        let held = TestDb::unmigrated(b).await;
        let lock = MigrationLock::take(held.store.db(), held.store.kind(), Duration::ZERO)
            .await
            .unwrap();
        let other = TestDb::unmigrated(b).await;
        let started = std::time::Instant::now();
        let taken = MigrationLock::take(other.store.db(), other.store.kind(), Duration::ZERO)
            .await
            .unwrap_or_else(|e| panic!("{b:?}: the first database's lock held another's: {e}"));
        taken.release().await;
        assert!(started.elapsed() < Duration::from_secs(5), "{b:?}");
        other.store.migrate().await.unwrap();
        // Another session on the held database is kept out.
        let second = Store::open(
            &held.url,
            held.store.vault().clone(),
            &PoolOptions::default(),
        )
        .await
        .unwrap();
        let refused = MigrationLock::take(second.db(), second.kind(), Duration::ZERO).await;
        assert!(
            refused.is_err(),
            "{b:?}: two sessions held one database's lock"
        );
        lock.release().await;
        MigrationLock::take(second.db(), second.kind(), Duration::ZERO)
            .await
            .unwrap()
            .release()
            .await;
        second.db().pool().clone().close().await.unwrap();
    }
}
