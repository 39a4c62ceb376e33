//! Reviews on every database: one per order, 1 to 5 stars (the database refuses others
//! too), and a worker's rating is the Bayesian average of their reviews (prior 4.6, weight 5).

use chrono::Utc;
use daojia_store::entity::{review, worker};
use daojia_store::repo::reviews::{self, NewReview, Rating, ReviewError, ReviewRules};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use uuid::Uuid;

async fn worker(t: &TestDb, code: &str, rating_tenths: i32) -> Uuid {
    let now = Utc::now();
    let id = Uuid::now_v7();
    worker::ActiveModel {
        id: Set(id),
        code: Set(code.into()),
        phone_enc: Set(String::new()),
        phone_index: Set(format!("idx-{code}")),
        name_enc: Set(String::new()),
        gender: Set("female".into()),
        skills: Set("[]".into()),
        rating_tenths: Set(rating_tenths),
        years_experience: Set(3),
        home_lat: Set(31.2),
        home_lng: Set(121.44),
        area_code: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(t.store.db())
    .await
    .unwrap();
    id
}

fn review(worker: Uuid, rating: u8, tags: &[&str]) -> NewReview {
    NewReview {
        order_id: Uuid::now_v7(),
        customer_id: Uuid::now_v7(),
        worker_id: worker,
        rating,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        body: None,
    }
}

async fn rating_of(t: &TestDb, w: Uuid) -> i32 {
    worker::Entity::find_by_id(w)
        .one(t.store.db())
        .await
        .unwrap()
        .unwrap()
        .rating_tenths
}

#[tokio::test]
async fn a_review_is_written_once_per_order_and_sets_the_workers_rating() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let db = t.store.db();
        let now = Utc::now();
        let rules = ReviewRules::default();
        let (w, other) = (worker(&t, "W1", 48).await, worker(&t, "W2", 45).await);
        let first = review(w, 5, &["punctual", "tidy"]);
        let stored = reviews::insert(db, &first, &rules, now).await.unwrap();
        assert_eq!(stored.rating, 5);
        assert_eq!(stored.tags, r#"["punctual","tidy"]"#);
        assert_eq!(rating_of(&t, w).await, 47, "{b:?}: (5·4.6 + 5) / 6 = 4.67");
        reviews::insert(db, &review(w, 4, &[]), &rules, now)
            .await
            .unwrap();
        reviews::insert(db, &review(w, 4, &["late"]), &rules, now)
            .await
            .unwrap();
        assert_eq!(
            rating_of(&t, w).await,
            45,
            "{b:?}: (5·4.6 + 5 + 4 + 4) / 8 = 4.5"
        );
        assert_eq!(
            rating_of(&t, other).await,
            45,
            "{b:?}: no reviews, unchanged"
        );

        // The same order again.
        let again = NewReview {
            rating: 1,
            ..first.clone()
        };
        assert!(matches!(
            reviews::insert(db, &again, &rules, now).await,
            Err(ReviewError::Exists)
        ));
        assert_eq!(rating_of(&t, w).await, 45);
        assert_eq!(
            reviews::of_order(db, first.order_id)
                .await
                .unwrap()
                .unwrap()
                .rating,
            5
        );
        assert_eq!(reviews::of_worker(db, w, 10).await.unwrap().len(), 3);

        // Stars out of range are refused before and by the database.
        assert!(matches!(
            reviews::insert(db, &review(w, 6, &[]), &rules, now).await,
            Err(ReviewError::Invalid {
                field: "rating",
                ..
            })
        ));
        let raw = review::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(Uuid::now_v7()),
            customer_id: Set(Uuid::now_v7()),
            worker_id: Set(w),
            rating: Set(6),
            tags: Set("[]".into()),
            created_at: Set(now),
            ..Default::default()
        };
        assert!(
            review::Entity::insert(raw).exec(db).await.is_err(),
            "{b:?}: the CHECK constraint"
        );

        // In bulk, then the ratings of all at once.
        let bulk: Vec<_> = [1, 2, 2]
            .into_iter()
            .map(|r| (Uuid::now_v7(), now, review(other, r, &["careless"])))
            .collect();
        reviews::insert_many(db, &bulk).await.unwrap();
        assert_eq!(rating_of(&t, other).await, 45, "insert_many leaves ratings");
        reviews::refresh_ratings(db, &[w, other], &rules)
            .await
            .unwrap();
        assert_eq!(
            rating_of(&t, other).await,
            35,
            "{b:?}: (5·4.6 + 1 + 2 + 2) / 8 = 3.5"
        );
        let all = reviews::ratings(db, &[w, other], &rules).await.unwrap();
        assert_eq!(
            all[&w],
            Rating {
                tenths: 45,
                average_tenths: 43,
                count: 3
            }
        );
    }
}
