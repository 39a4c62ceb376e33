//! The job queue: claims, leases, retries and dedupe on every database.

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
async fn a_job_whose_worker_died_runs_again_after_the_lease_and_the_dead_worker_cannot_finish_it() {
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
                    let got =
                        jobs::claim(store.db(), &format!("w{w}"), 3, Duration::seconds(60), now)
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
