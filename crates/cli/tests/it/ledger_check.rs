//! `daojia ledger check` as an operator runs it: clean (exit 0, balances printed) on a
//! migrated database with a payment posted; a tampered journal lists what is wrong and
//! exits 1.

use daojia_domain::ledger::{Clearing, payment_received};
use daojia_domain::money::Money;
use daojia_store::entity::ledger_posting;
use daojia_store::repo::ledger::{self, Source};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::shell;

#[tokio::test]
async fn ledger_check_is_clean_on_a_sound_ledger_and_lists_a_tampered_posting() {
    for b in backends() {
        let db = TestDb::new(b).await;
        let sh = shell::Shell::new("ledger", &db.url);

        let now = chrono::Utc::now();
        let entry = payment_received(Clearing::Offline, Money::fen(15_900)).unwrap();
        let source = Source {
            kind: ledger::ORDER_PAYMENT,
            id: uuid::Uuid::now_v7().to_string(),
            order_id: None,
            memo: "收款（cash）",
        };
        assert!(
            ledger::post(db.store.db(), source, &entry, now, now)
                .await
                .unwrap()
        );
        let out = sh.daojia(&["ledger", "check"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{b:?}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("ledger check: clean"), "{stdout}");
        assert!(
            stdout.contains("clearing:offline") && stdout.contains("15900"),
            "{stdout}"
        );

        let p = ledger_posting::Entity::find()
            .one(db.store.db())
            .await
            .unwrap()
            .unwrap();
        let entry_id = p.entry_id;
        let fen = p.amount_fen;
        let mut edit: ledger_posting::ActiveModel = p.into();
        edit.amount_fen = Set(fen + 1);
        edit.update(db.store.db()).await.unwrap();
        let out = sh.daojia(&["ledger", "check"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{b:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "entry {entry_id}: postings sum to 1 fen, not zero"
            )),
            "{b:?}: {stderr}"
        );
    }
}
