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

#[tokio::test]
async fn ledger_check_reports_a_profit_sharing_without_its_entry_and_exits_1() {
    use daojia_domain::ids::PartnerId;
    use daojia_domain::ledger::{Account, Entry};
    use daojia_domain::payment::Provider;
    use daojia_store::entity::profit_sharing;
    for b in backends() {
        let db = TestDb::new(b).await;
        let sh = shell::Shell::new("ledger", &db.url);
        let now = chrono::Utc::now();
        let partner = uuid::Uuid::now_v7();
        // A share WeChat paid to the partner's receiver, then returned before a refund,
        // recorded without its entries (a planted gap).
        let id = uuid::Uuid::now_v7();
        profit_sharing::ActiveModel {
            id: Set(id),
            intent_id: Set(uuid::Uuid::now_v7()),
            order_id: Set(uuid::Uuid::now_v7()),
            partner_id: Set(Some(partner)),
            out_order_no: Set("SPI20261206000001".into()),
            transaction_id: Set("4200000000202612060000000001".into()),
            receiver_mchid: Set(Some("1900000201".into())),
            amount_fen: Set(1_200),
            state: Set("returned".into()),
            wx_order_id: Set(Some("30000000002026120600000001".into())),
            fail_reason: Set(None),
            return_no: Set(Some("RPI20261206000001".into())),
            returned_fen: Set(1_200),
            attempts: Set(1),
            requested_at: Set(now),
            finished_at: Set(Some(now)),
            updated_at: Set(now),
        }
        .insert(db.store.db())
        .await
        .unwrap();
        let out = sh.daojia(&["ledger", "check"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{b:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "succeeded profit sharing {id} (1200 fen) has no ledger entry"
            )) && stderr.contains(&format!(
                "returned profit sharing {id} (1200 fen) has no ledger entry"
            )),
            "{b:?}: {stderr}"
        );
        // The share's entry posted, the return's still missing: only that is reported.
        let wechat = Account::Clearing(Clearing::Channel(Provider::Wechat));
        let share = Entry::transfer(
            Account::PartnerWithdrawable(PartnerId(partner)),
            wechat,
            Money::fen(1_200),
        )
        .unwrap();
        let source = |kind| Source {
            kind,
            id: id.to_string(),
            order_id: None,
            memo: "分账",
        };
        ledger::post(
            db.store.db(),
            source(ledger::PROFIT_SHARING),
            &share,
            now,
            now,
        )
        .await
        .unwrap();
        let out = sh.daojia(&["ledger", "check"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{b:?}: {stderr}");
        assert!(
            !stderr.contains("succeeded profit sharing")
                && stderr.contains("returned profit sharing"),
            "{b:?}: {stderr}"
        );
        ledger::post(
            db.store.db(),
            source(ledger::PROFIT_SHARING_RETURN),
            &share.reversal(),
            now,
            now,
        )
        .await
        .unwrap();
        let out = sh.daojia(&["ledger", "check"]);
        assert!(
            out.status.success(),
            "{b:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
