//! The node's copy of a pool's worker rows (`repo::pool_rows`) is used while the `staff`
//! counter is unchanged and read again after any write the application makes.

use super::each;
use chrono::{NaiveDate, Utc};
use daojia_store::entity::{worker, worker_shift};
use daojia_store::repo::{pool_rows, versions};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use uuid::Uuid;

#[tokio::test]
async fn pool_rows_are_kept_until_a_write_bumps_the_staff_counter() {
    each(async |t| {
        let db = t.store.db();
        let now = Utc::now();
        // A pool of its own, so that other tests' rows never meet these.
        let pool = vec![format!("cache-{}", Uuid::new_v4().simple())];
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(); // a Monday
        let id = Uuid::now_v7();
        let before = versions::read(db, versions::STAFF).await.unwrap().unwrap();
        worker::ActiveModel {
            id: Set(id),
            code: Set(format!("W-{}", id.simple())),
            phone_enc: Set("x".into()),
            phone_index: Set(format!("i-{}", id.simple())),
            name_enc: Set("x".into()),
            gender: Set("f".into()),
            skills: Set("[\"cleaning\"]".into()),
            rating_tenths: Set(46),
            years_experience: Set(3),
            home_lat: Set(31.2),
            home_lng: Set(121.4),
            area_code: Set(Some(pool[0].clone())),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let after = versions::read(db, versions::STAFF).await.unwrap().unwrap();
        assert_eq!(
            after.0, before.0,
            "{:?}: one database, one epoch",
            t.backend
        );
        assert!(after.1 > before.1, "{:?}: an insert bumps", t.backend);

        let first = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert_eq!(first.workers.len(), 1, "{:?}", t.backend);
        assert!(first.shifts.is_empty());
        let again = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "{:?}: kept", t.backend);

        // An entity write (the hooks) is seen at once.
        worker_shift::ActiveModel {
            id: Set(Uuid::now_v7()),
            worker_id: Set(id),
            weekday: Set(0),
            start_minute: Set(9 * 60),
            end_minute: Set(18 * 60),
            break_start_minute: Set(None),
            break_end_minute: Set(None),
        }
        .insert(db)
        .await
        .unwrap();
        let with_shift = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &with_shift), "{:?}", t.backend);
        assert_eq!(with_shift.shifts.len(), 1, "{:?}", t.backend);

        let mut w: worker::ActiveModel = with_shift.workers[0].clone().into();
        w.rating_tenths = Set(31);
        w.update(db).await.unwrap();
        let rated = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert_eq!(rated.workers[0].rating_tenths, 31, "{:?}", t.backend);

        // A bulk write bumps itself; until it does, the copy is what was read.
        worker::Entity::update_many()
            .col_expr(worker::Column::RatingTenths, Expr::value(40))
            .filter(worker::Column::Id.eq(id))
            .exec(db)
            .await
            .unwrap();
        let stale = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert!(Arc::ptr_eq(&rated, &stale), "{:?}", t.backend);
        versions::bump(db, versions::STAFF).await.unwrap();
        let fresh = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert_eq!(fresh.workers[0].rating_tenths, 40, "{:?}", t.backend);

        // A delete through the entity is seen too.
        let shift: worker_shift::ActiveModel = fresh.shifts[0].clone().into();
        shift.delete(db).await.unwrap();
        let gone = pool_rows::get(db, &pool, day, day).await.unwrap();
        assert!(gone.shifts.is_empty(), "{:?}", t.backend);

        // Another day is another entry, read on its own.
        let tuesday = day.succ_opt().unwrap();
        let other = pool_rows::get(db, &pool, tuesday, tuesday).await.unwrap();
        assert!(!Arc::ptr_eq(&gone, &other), "{:?}", t.backend);
        assert_eq!(other.workers.len(), 1, "{:?}", t.backend);
    })
    .await;
}
