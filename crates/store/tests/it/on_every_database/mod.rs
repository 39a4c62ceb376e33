//! Store behaviour on every database this run tests (SQLite, PostgreSQL, MariaDB).

use chrono::{Duration, Utc};
use daojia_domain::access::Audience;
use daojia_domain::phone::Phone;
use daojia_store::repo::{accounts, idempotency, meta, otp, sessions};
use daojia_store::testing::{Backend, TestDb, backends};
use sea_orm::{ConnectionTrait, Statement};

async fn each(f: impl AsyncFn(TestDb)) {
    for b in backends() {
        f(TestDb::new(b).await).await;
    }
}

#[tokio::test]
async fn migrations_apply_and_leave_nothing_pending() {
    each(async |t| {
        assert!(
            t.store.pending_migrations().await.unwrap().is_empty(),
            "{:?}",
            t.backend
        );
        t.store.migrate().await.unwrap();
        t.store.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_customer_phone_is_unreadable_in_the_database_but_found_by_lookup() {
    each(async |t| {
        let phone = Phone::parse("13912345678").unwrap();
        let now = Utc::now();
        let c = accounts::customer_for_login(&t.store, &phone, now)
            .await
            .unwrap();
        let again = accounts::customer_for_login(&t.store, &phone, now)
            .await
            .unwrap();
        assert_eq!(c.id, again.id, "second log-in finds the same customer");
        let found = accounts::customer_by_phone(&t.store, &phone)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.id, c.id);
        // Nothing in the row holds the digits.
        let db = t.store.db();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT phone_enc, phone_index, nickname_enc FROM customer",
            ))
            .await
            .unwrap();
        for r in rows {
            let enc: String = r.try_get("", "phone_enc").unwrap();
            let idx: String = r.try_get("", "phone_index").unwrap();
            assert!(
                !enc.contains("13912345678") && !idx.contains("13912345678"),
                "{:?}",
                t.backend
            );
            // The nickname is encrypted and no longer ends in the phone's last digits.
            let nick: String = r.try_get("", "nickname_enc").unwrap();
            let nick = t
                .store
                .vault()
                .decrypt(accounts::CUSTOMER_NICKNAME, &nick)
                .unwrap();
            assert!(nick.starts_with("用户") && !nick.contains("5678"), "{nick}");
        }
        let plain = t
            .store
            .vault()
            .decrypt(accounts::CUSTOMER_PHONE, &found.phone_enc)
            .unwrap();
        assert_eq!(plain, "13912345678");
    })
    .await;
}

#[tokio::test]
async fn a_refresh_token_rotates_and_its_reuse_revokes_the_family() {
    each(async |t| {
        let now = Utc::now();
        let new = sessions::NewSession {
            audience: Audience::Customer,
            subject_id: uuid::Uuid::now_v7(),
            user_agent: Some("test".into()),
            ip: Some("127.0.0.1".into()),
            ttl: Duration::days(30),
        };
        let (s, first) = sessions::open(t.store.db(), new, now).await.unwrap();
        let (s2, second) = sessions::rotate(t.store.db(), &first, now).await.unwrap();
        assert_eq!(s.id, s2.id);
        assert_ne!(first, second);
        // The thief replays the first token: refused, and the family dies.
        assert!(matches!(
            sessions::rotate(t.store.db(), &first, now).await,
            Err(sessions::RefreshError::Reused)
        ));
        assert!(matches!(
            sessions::rotate(t.store.db(), &second, now).await,
            Err(sessions::RefreshError::Revoked)
        ));
        assert!(
            sessions::live(t.store.db(), s.id, now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            sessions::rotate(t.store.db(), "rt_nonsense", now).await,
            Err(sessions::RefreshError::Unknown)
        ));
    })
    .await;
}

#[tokio::test]
async fn an_idempotency_key_replays_and_refuses_a_different_body() {
    each(async |t| {
        let db = t.store.db();
        let v = t.store.vault();
        let now = Utc::now();
        let lease = Duration::seconds(40);
        let idempotency::Claim::New(held) =
            idempotency::claim(db, v, "c:1", "k1", "h1", now, lease)
                .await
                .unwrap()
        else {
            panic!("first claim is new")
        };
        assert!(matches!(
            idempotency::claim(db, v, "c:1", "k1", "h1", now, lease)
                .await
                .unwrap(),
            idempotency::Claim::InProgress { .. }
        ));
        assert!(
            idempotency::complete(
                db,
                v,
                &held,
                201,
                "{\"ok\":true}",
                Some("application/json"),
                now
            )
            .await
            .unwrap()
        );
        assert_eq!(
            idempotency::claim(db, v, "c:1", "k1", "h1", now, lease)
                .await
                .unwrap(),
            idempotency::Claim::Replay {
                status: 201,
                body: "{\"ok\":true}".into(),
                content_type: Some("application/json".into())
            }
        );
        assert_eq!(
            idempotency::claim(db, v, "c:1", "k1", "h2", now, lease)
                .await
                .unwrap(),
            idempotency::Claim::Mismatch
        );
        // Another caller's identical key is theirs alone.
        assert!(matches!(
            idempotency::claim(db, v, "c:2", "k1", "h1", now, lease)
                .await
                .unwrap(),
            idempotency::Claim::New(_)
        ));
        // A completed key is kept a day (not just the lease), then may be claimed again.
        let later = now + lease + Duration::seconds(1);
        assert!(matches!(
            idempotency::claim(db, v, "c:1", "k1", "h1", later, lease)
                .await
                .unwrap(),
            idempotency::Claim::Replay { .. }
        ));
        let after = now + idempotency::KEEP + Duration::seconds(1);
        assert!(matches!(
            idempotency::claim(db, v, "c:1", "k1", "h9", after, lease)
                .await
                .unwrap(),
            idempotency::Claim::New(_)
        ));
    })
    .await;
}

#[tokio::test]
async fn a_one_time_code_is_spent_once() {
    each(async |t| {
        let db = t.store.db();
        let now = Utc::now();
        let c = otp::insert(
            db,
            "idx",
            "customer",
            "hash",
            Some("10.0.0.1"),
            now,
            now + Duration::minutes(5),
        )
        .await
        .unwrap();
        assert_eq!(
            otp::sent_to_phone_since(db, "idx", now - Duration::minutes(1))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            otp::sent_from_ip_since(db, "10.0.0.1", now - Duration::minutes(1))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            otp::current(db, "idx", "customer", now)
                .await
                .unwrap()
                .unwrap()
                .id,
            c.id
        );
        assert!(otp::consume(db, c.id, now).await.unwrap());
        assert!(!otp::consume(db, c.id, now).await.unwrap());
        assert!(
            otp::current(db, "idx", "customer", now)
                .await
                .unwrap()
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn meta_values_are_replaced_not_duplicated() {
    each(async |t| {
        let db = t.store.db();
        meta::set(db, "demo_seed", "1", Utc::now()).await.unwrap();
        meta::set(db, "demo_seed", "2", Utc::now()).await.unwrap();
        assert_eq!(
            meta::get(db, "demo_seed").await.unwrap().as_deref(),
            Some("2")
        );
    })
    .await;
}

#[test]
fn all_three_databases_are_tested_by_default() {
    if std::env::var("DAOJIA_TEST_DATABASES").is_err() {
        assert_eq!(
            backends(),
            vec![Backend::Sqlite, Backend::Postgres, Backend::MySql]
        );
    }
}

mod catalog_cache;
mod concurrent_migrations;
mod encryption;
mod held_connection;
mod job_queue;
mod staff_cache;
