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
                "SELECT phone_enc, phone_index, nickname FROM customer",
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

mod job_queue {
    use super::*;
    use daojia_store::repo::jobs;

    fn job(key: Option<&str>, run_at: chrono::DateTime<Utc>) -> jobs::NewJob {
        jobs::NewJob {
            kind: "test".into(),
            payload: serde_json::json!({"n": 1}),
            run_at,
            dedupe_key: key.map(str::to_string),
            max_attempts: 3,
        }
    }

    #[tokio::test]
    async fn a_dedupe_key_makes_one_job_however_often_it_is_enqueued() {
        each(async |t| {
            let db = t.store.db();
            let now = Utc::now();
            assert!(
                jobs::enqueue(db, job(Some("daily:2026-11-25"), now), now)
                    .await
                    .unwrap()
                    .is_some()
            );
            assert!(
                jobs::enqueue(db, job(Some("daily:2026-11-25"), now), now)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert_eq!(
                jobs::claim(db, "a", 10, Duration::seconds(30), now)
                    .await
                    .unwrap()
                    .len(),
                1
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_job_is_not_due_before_its_time_and_is_claimed_once() {
        each(async |t| {
            let db = t.store.db();
            let now = Utc::now();
            let id = jobs::enqueue(db, job(None, now + Duration::minutes(5)), now)
                .await
                .unwrap()
                .unwrap();
            assert!(
                jobs::claim(db, "a", 10, Duration::seconds(30), now)
                    .await
                    .unwrap()
                    .is_empty()
            );
            let later = now + Duration::minutes(6);
            assert_eq!(
                jobs::claim(db, "a", 10, Duration::seconds(30), later)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            assert!(
                jobs::claim(db, "b", 10, Duration::seconds(30), later)
                    .await
                    .unwrap()
                    .is_empty(),
                "leased to a"
            );
            assert!(jobs::complete(db, id, "a", later).await.unwrap());
            assert!(
                jobs::claim(
                    db,
                    "b",
                    10,
                    Duration::seconds(30),
                    later + Duration::hours(1)
                )
                .await
                .unwrap()
                .is_empty(),
                "done jobs never run again"
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_job_whose_worker_died_runs_again_after_the_lease_and_the_dead_worker_cannot_finish_it()
     {
        each(async |t| {
            let db = t.store.db();
            let now = Utc::now();
            let id = jobs::enqueue(db, job(None, now), now)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                jobs::claim(db, "dead", 1, Duration::seconds(30), now)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            // The node restarts; before the lease ends nobody else takes the job.
            assert!(
                jobs::claim(
                    db,
                    "new",
                    1,
                    Duration::seconds(30),
                    now + Duration::seconds(10)
                )
                .await
                .unwrap()
                .is_empty()
            );
            let after = now + Duration::seconds(31);
            let again = jobs::claim(db, "new", 1, Duration::seconds(30), after)
                .await
                .unwrap();
            assert_eq!(again.len(), 1);
            assert_eq!(again[0].attempts, 2);
            assert!(
                !jobs::complete(db, id, "dead", after).await.unwrap(),
                "a lost lease cannot complete"
            );
            assert!(jobs::complete(db, id, "new", after).await.unwrap());
        })
        .await;
    }

    #[tokio::test]
    async fn a_failing_job_is_retried_then_marked_failed() {
        each(async |t| {
            let db = t.store.db();
            let mut now = Utc::now();
            let id = jobs::enqueue(db, job(None, now), now)
                .await
                .unwrap()
                .unwrap();
            for attempt in 1..=3 {
                let c = jobs::claim(db, "w", 1, Duration::seconds(30), now)
                    .await
                    .unwrap();
                assert_eq!(c.len(), 1, "attempt {attempt}");
                jobs::fail(db, &c[0], "w", "boom", Duration::seconds(10), now)
                    .await
                    .unwrap();
                now += Duration::seconds(11);
            }
            let j = jobs::get(db, id).await.unwrap().unwrap();
            assert!(j.failed_at.is_some());
            assert_eq!(j.last_error.as_deref(), Some("boom"));
            assert!(
                jobs::claim(db, "w", 1, Duration::seconds(30), now)
                    .await
                    .unwrap()
                    .is_empty()
            );
        })
        .await;
    }

    #[tokio::test]
    async fn concurrent_claimers_each_get_different_jobs() {
        each(async |t| {
            let now = Utc::now();
            for _ in 0..40 {
                jobs::enqueue(t.store.db(), job(None, now), now)
                    .await
                    .unwrap();
            }
            let mut handles = vec![];
            for w in 0..4 {
                let store = t.store.clone();
                handles.push(tokio::spawn(async move {
                    let mut mine = vec![];
                    loop {
                        let got = jobs::claim(
                            store.db(),
                            &format!("w{w}"),
                            3,
                            Duration::seconds(60),
                            now,
                        )
                        .await
                        .unwrap();
                        if got.is_empty() {
                            break;
                        }
                        mine.extend(got.into_iter().map(|j| j.id));
                    }
                    mine
                }));
            }
            let mut all = vec![];
            for h in handles {
                all.extend(h.await.unwrap());
            }
            let unique: std::collections::HashSet<_> = all.iter().collect();
            assert_eq!(all.len(), 40, "{:?}: every job claimed", t.backend);
            assert_eq!(unique.len(), 40, "{:?}: no job claimed twice", t.backend);
        })
        .await;
    }
}

#[tokio::test]
async fn rotating_the_data_key_reencrypts_everything_so_the_old_key_can_go() {
    use daojia_store::pii::{DataKey, Vault};
    use daojia_store::repo::rotation;
    each(async |t| {
        let index = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let k1 = DataKey::generate_text("k1");
        let k2 = DataKey::generate_text("k2");
        let old = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k1).unwrap()], index).unwrap());
        let phone = Phone::parse("13811112222").unwrap();
        let c = accounts::customer_for_login(&old, &phone, Utc::now())
            .await
            .unwrap();
        let addr = accounts::NewAddress {
            label: "家".into(),
            contact_name: "李".into(),
            contact_phone: phone.clone(),
            address: "上海市黄浦区南京东路 1 号".into(),
            house_number: "1201".into(),
            lat: 31.23,
            lng: 121.48,
            area_code: None,
            is_default: true,
        };
        accounts::add_address(&old, old.db(), c.id, addr, Utc::now())
            .await
            .unwrap();
        let both = t.store.with_vault(
            Vault::new(
                vec![DataKey::parse(&k2).unwrap(), DataKey::parse(&k1).unwrap()],
                index,
            )
            .unwrap(),
        );
        assert_eq!(rotation::reencrypt_all(&both).await.unwrap(), 2);
        assert_eq!(
            rotation::reencrypt_all(&both).await.unwrap(),
            0,
            "a second run has nothing to do"
        );
        let only_new = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k2).unwrap()], index).unwrap());
        let found = accounts::customer_by_phone(&only_new, &phone)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            only_new
                .vault()
                .decrypt(accounts::CUSTOMER_PHONE, &found.phone_enc)
                .unwrap(),
            "13811112222"
        );
    })
    .await;
}
