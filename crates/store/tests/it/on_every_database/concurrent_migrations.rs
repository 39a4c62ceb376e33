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
            n.db().clone().close().await.unwrap();
        }
    }
}
