//! The ledger's migration on every database: on a database from before it (rolled back),
//! with an intent that succeeded, `m0019_ledger` backfills its entry so that the check is
//! clean; a reversal corrects an entry once, and the check then wants the receipt back.
//! (The backfill of offline payments and refunds: `crates/server/tests/it/ledger.rs`.)

use chrono::Utc;
use daojia_domain::ledger::{Account, Clearing};
use daojia_domain::payment::Provider;
use daojia_store::migration::Migrator;
use daojia_store::repo::ledger;
use daojia_store::repo::payments::{self, IntentUpdate};
use daojia_store::testing::{TestDb, backends};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

#[tokio::test]
async fn the_ledger_migration_backfills_what_was_paid_before_it() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let db = t.store.db();
        // Back to before the ledger: the migrations after it, then the ledger's own.
        let after = Migrator::migrations().len()
            - Migrator::migrations()
                .iter()
                .position(|m| m.name() == "m0019_ledger")
                .expect("the ledger's migration");
        Migrator::down(db.pool(), Some(after as u32)).await.unwrap();
        let now = Utc::now();
        let order = Uuid::now_v7();
        // Written as m0017 knew the table (no `purpose`, which m0030 adds).
        let id = Uuid::now_v7();
        {
            use daojia_store::entity::payment_intent;
            use sea_orm::{ActiveValue::Set, EntityTrait};
            payment_intent::Entity::insert(payment_intent::ActiveModel {
                id: Set(id),
                intent_no: Set("P1".into()),
                order_id: Set(Some(order)),
                customer_id: Set(Uuid::now_v7()),
                channel: Set("wechat_native".into()),
                provider: Set("wechat".into()),
                amount_fen: Set(15_900),
                state: Set("created".into()),
                channel_trade_no: Set(None),
                checkout: Set(None),
                failure: Set(None),
                expires_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                succeeded_at: Set(None),
                purpose: sea_orm::ActiveValue::NotSet,
                profit_sharing: sea_orm::ActiveValue::NotSet,
            })
            .exec_without_returning(db)
            .await
            .unwrap();
        }
        struct Written {
            id: Uuid,
        }
        let i = Written { id };
        assert!(
            payments::set_intent_state(
                db,
                i.id,
                &["created"],
                "succeeded",
                IntentUpdate::default(),
                now
            )
            .await
            .unwrap()
        );

        t.store.migrate().await.unwrap();
        let report = ledger::check(db).await.unwrap();
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
        assert_eq!(report.entries, 1, "{b:?}");
        let wechat = ledger::balance(db, Account::Clearing(Clearing::Channel(Provider::Wechat)));
        assert_eq!(wechat.await.unwrap().as_fen(), 15_900);
        let prepaid = ledger::balance(db, Account::CustomerPrepaid).await.unwrap();
        assert_eq!(prepaid.as_fen(), -15_900, "{b:?}");
        let entry = ledger::entry_of(db, ledger::INTENT, &i.id.to_string())
            .await
            .unwrap()
            .expect("the intent's entry");
        assert_eq!(entry.order_id, Some(order));

        // A correction is a reversal, posted once; the original stays.
        assert_eq!(
            ledger::reverse(db, entry.id, "测试冲正", now)
                .await
                .unwrap(),
            Some(true)
        );
        assert_eq!(
            ledger::reverse(db, entry.id, "测试冲正", now)
                .await
                .unwrap(),
            Some(false)
        );
        let wechat = ledger::balance(db, Account::Clearing(Clearing::Channel(Provider::Wechat)));
        assert_eq!(wechat.await.unwrap().as_fen(), 0, "{b:?}");
        let report = ledger::check(db).await.unwrap();
        assert_eq!(report.entries, 2);
        let expected = format!(
            "succeeded payment intent {} is 15900 fen but its entry {} moves 0 fen",
            i.id, entry.id
        );
        assert_eq!(
            report.problems,
            [expected],
            "{b:?}: the receipt is wanted back"
        );
    }
}
