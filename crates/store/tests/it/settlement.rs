//! The settlement migration (`m0022_settlement`) on every database: rolled back, its
//! tables and fixed accounts are gone; migrated again, the default commission rule and the
//! accounts are there once, and the ledger check is clean.

use daojia_store::entity::{commission_rule, ledger_account};
use daojia_store::migration::Migrator;
use daojia_store::repo::{earnings, ledger};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ConnectionTrait, EntityTrait};
use sea_orm_migration::MigratorTrait;

#[tokio::test]
async fn the_settlement_migration_rolls_back_and_applies_again() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let db = t.store.db();
        let after = Migrator::migrations().len()
            - Migrator::migrations()
                .iter()
                .position(|m| m.name() == "m0022_settlement")
                .expect("the settlement migration");
        Migrator::down(db.pool(), Some(after as u32)).await.unwrap();
        assert!(
            db.execute_unprepared("SELECT 1 FROM withdrawal")
                .await
                .is_err(),
            "{b:?}: the table is dropped"
        );
        assert!(
            ledger_account::Entity::find_by_id("withdrawals_in_flight".to_string())
                .one(db)
                .await
                .unwrap()
                .is_none()
        );
        t.store.migrate().await.unwrap();
        let rules = commission_rule::Entity::find().all(db).await.unwrap();
        assert_eq!(rules.len(), 1, "{b:?}");
        assert_eq!(rules[0].id, earnings::DEFAULT_RULE);
        assert_eq!(
            (rules[0].share_kind.as_str(), rules[0].share_value),
            ("percent", 2000)
        );
        for code in ["withdrawals_in_flight", "withdrawal_fees"] {
            assert!(
                ledger_account::Entity::find_by_id(code.to_string())
                    .one(db)
                    .await
                    .unwrap()
                    .is_some(),
                "{b:?}: {code}"
            );
        }
        let report = ledger::check(db).await.unwrap();
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
    }
}
