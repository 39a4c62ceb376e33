//! The node's copy of what a placement prices and checks (`repo::catalog_rows`) is used
//! while the `catalog` counter is unchanged and read again after any write the application
//! makes: entity writes (the hooks) and the bulk ones (a delete by id, a delete of many).

use super::each;
use chrono::Utc;
use daojia_store::repo::{catalog, catalog_admin, catalog_rows, versions};
use std::sync::Arc;

#[tokio::test]
async fn catalog_rows_are_kept_until_a_write_bumps_the_catalog_counter() {
    each(async |t| {
        let db = t.store.db();
        let now = Utc::now();
        let b = t.backend;
        assert!(
            versions::read(db, versions::CATALOG)
                .await
                .unwrap()
                .is_some(),
            "{b:?}: the migrations make the counter"
        );
        let first = catalog_rows::get(db).await.unwrap();
        let again = catalog_rows::get(db).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "{b:?}: kept");

        // An entity insert, then an update (the hooks).
        catalog_admin::put_area_price(db, "sh-jingan", "window_cleaning", Some(9900), 0, now)
            .await
            .unwrap();
        let priced = catalog_rows::get(db).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &priced), "{b:?}: an insert bumps");
        assert_eq!(
            priced.prices_in("sh-jingan")[0].base_price_fen,
            Some(9900),
            "{b:?}"
        );
        catalog_admin::put_area_price(db, "sh-jingan", "window_cleaning", Some(8800), 5, now)
            .await
            .unwrap();
        let repriced = catalog_rows::get(db).await.unwrap();
        assert_eq!(
            repriced.prices_in("sh-jingan")[0].base_price_fen,
            Some(8800)
        );
        assert_eq!(repriced.prices_in("sh-jingan")[0].markup_percent, 5);
        assert!(repriced.prices_in("sh-xuhui").is_empty(), "{b:?}: by area");

        // A delete by id (no hook: bumped by the repository).
        catalog_admin::delete_area_price(db, "sh-jingan", "window_cleaning")
            .await
            .unwrap();
        let unpriced = catalog_rows::get(db).await.unwrap();
        assert!(unpriced.prices_in("sh-jingan").is_empty(), "{b:?}");

        // Not offered (an entity insert), offered again (a delete of many).
        catalog::set_offered(db, "sh-jingan", "window_cleaning", false, now)
            .await
            .unwrap();
        let off = catalog_rows::get(db).await.unwrap();
        assert_eq!(off.not_offered_in("sh-jingan"), vec!["window_cleaning"]);
        catalog::set_offered(db, "sh-jingan", "window_cleaning", true, now)
            .await
            .unwrap();
        let on = catalog_rows::get(db).await.unwrap();
        assert!(on.not_offered_in("sh-jingan").is_empty(), "{b:?}");
        let kept = catalog_rows::get(db).await.unwrap();
        assert!(Arc::ptr_eq(&on, &kept), "{b:?}: kept again");
    })
    .await;
}
