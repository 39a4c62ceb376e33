//! Service records on every database: each step of an order appends one chained entry in
//! the step's transaction, holding no personal values; concurrent steps never fork a chain
//! (and two appends that read the same head cannot both commit, on PostgreSQL); the daily
//! anchors chain each day's heads and are published in the audit log; erasing the customer
//! deletes the salts and leaves the chain verifiable.

use chrono::{DateTime, Duration, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{
    Action, Actor, AssignedBy, PaymentMethod, PaymentPlan, Window,
};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::record;
use daojia_store::entity::service_record;
use daojia_store::repo::records::{self, anchor};
use daojia_store::repo::{accounts, audit, orders, privacy};
use daojia_store::testing::{Backend, TestDb, backends};
use sea_orm::{EntityTrait, TransactionTrait};
use uuid::Uuid;

/// An order of one 159-yuan line placed at `at` by the customer with `phone`.
async fn placed(t: &TestDb, phone: &str, at: DateTime<Utc>) -> (Uuid, CustomerId) {
    let phone = Phone::parse(phone).unwrap();
    let c = accounts::customer_for_login(&t.store, &phone, at)
        .await
        .unwrap();
    let customer = CustomerId(c.id);
    let start = at + Duration::hours(20);
    let new = orders::NewOrder {
        customer,
        area_code: Some("sh-xuhui".into()),
        address_id: None,
        contact_name: "林先生".into(),
        contact_phone: phone,
        address: "上海市徐汇区天钥桥路100号".into(),
        house_number: "2号楼302室".into(),
        at: LatLng::new(31.19, 121.44),
        window: Window {
            start,
            end: start + Duration::hours(2),
        },
        plan: PaymentPlan::Full,
        policy: Policy::default(),
        notes: String::new(),
        lines: vec![orders::NewLine {
            item_code: "daily_cleaning".into(),
            item_name: "日常保洁".into(),
            quantity: 1,
            unit_price: Money::fen(15_900),
            total: Money::fen(15_900),
            duration_min: 120,
            selections: vec![],
        }],
        duration_min: 120,
        skills: vec![],
        photos: vec![],
    };
    let (row, _) = orders::place(&t.store, new, at, None, None).await.unwrap();
    (row.id, customer)
}

fn pay(reference: &str, fen: i64) -> Action {
    Action::RecordPayment {
        amount: Money::fen(fen),
        method: PaymentMethod::Cash,
        reference: reference.into(),
    }
}

/// The order's chain, verified; its length.
async fn verified(t: &TestDb, id: Uuid) -> usize {
    let rows = records::of_order(t.store.db(), id).await.unwrap();
    let entries: Vec<_> = rows.iter().map(records::entry).collect();
    record::verify_chain(&entries).unwrap_or_else(|m| panic!("{:?}: {m}", t.backend));
    rows.len()
}

/// Walks a paid order through the visit at `at`.
async fn walk(t: &TestDb, id: Uuid, customer: CustomerId, w: WorkerId, at: DateTime<Utc>) {
    let me = Actor::Worker { id: w };
    let steps = [
        (Actor::System, pay("CASH-1", 15_900)),
        (
            Actor::System,
            Action::Assign {
                worker: w,
                by: AssignedBy::Manual,
            },
        ),
        (me, Action::Depart),
        (me, Action::CheckIn),
        (me, Action::StartService),
        (me, Action::FinishService),
        (Actor::Customer { id: customer }, Action::Complete),
    ];
    for (actor, action) in steps {
        orders::apply(&t.store, id, actor, action, at, None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn every_step_appends_one_chained_entry_without_personal_values() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let now = Utc::now();
        let (id, customer) = placed(&t, "13912340001", now).await;
        let w = WorkerId(Uuid::now_v7());
        walk(&t, id, customer, w, now).await;
        let events = orders::events(t.store.db(), id).await.unwrap();
        assert_eq!(verified(&t, id).await, events.len(), "{b:?}");
        let rows = records::of_order(t.store.db(), id).await.unwrap();
        for (r, e) in rows.iter().zip(&events) {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(body["event_seq"], e.seq, "{b:?}");
            assert_eq!(body["action"], e.action.as_str());
            assert!(r.salt.is_some());
            for secret in [
                customer.0.to_string(),
                w.0.to_string(),
                "林先生".into(),
                "天钥桥路".into(),
            ] {
                assert!(!r.body.contains(&secret), "{b:?}: {secret} in {}", r.body);
            }
        }
        assert_eq!(rows.last().unwrap().kind, "event");
    }
}

#[tokio::test]
async fn concurrent_steps_on_one_order_never_fork_its_chain() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let now = Utc::now();
        let (id, _) = placed(&t, "13912340002", now).await;
        // Eight partial payments at once: each that lands is one entry after the last.
        let refs: Vec<String> = (0..8).map(|i| format!("CASH-{i}")).collect();
        let results = futures_join(&t, id, &refs, now).await;
        let applied = results.iter().filter(|r| r.is_ok()).count();
        assert!(applied >= 1, "{b:?}: {results:?}");
        let events = orders::events(t.store.db(), id).await.unwrap();
        assert_eq!(events.len(), applied + 1, "{b:?}");
        assert_eq!(verified(&t, id).await, events.len(), "{b:?}");

        if b == Backend::Postgres {
            // Two transactions read the same head and append: the second waits on the
            // unique (order, seq) index and is refused once the first commits.
            let tx1 = t.store.db().begin().await.unwrap();
            let tx2 = t.store.db().begin().await.unwrap();
            let content = || records::Content {
                kind: "event",
                body: serde_json::json!({"probe": true}),
                salt: records::new_salt(),
            };
            records::append(&tx1, id, content(), now).await.unwrap();
            let second = tokio::spawn(async move {
                let r = records::append(&tx2, id, content(), now).await;
                let _ = tx2.rollback().await;
                r
            });
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            tx1.commit().await.unwrap();
            let err = second.await.unwrap().unwrap_err();
            assert!(daojia_store::is_unique_violation(&err), "{err}");
            let rows = records::of_order(t.store.db(), id).await.unwrap();
            let entries: Vec<_> = rows.iter().map(records::entry).collect();
            record::verify_chain(&entries).unwrap();
        }
    }
}

async fn futures_join(
    t: &TestDb,
    id: Uuid,
    refs: &[String],
    now: DateTime<Utc>,
) -> Vec<Result<(), String>> {
    let mut tasks = vec![];
    for r in refs {
        let store = t.store.clone();
        let action = pay(r, 100);
        tasks.push(tokio::spawn(async move {
            orders::apply(&store, id, Actor::System, action, now, None)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }));
    }
    let mut out = vec![];
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

#[tokio::test]
async fn past_days_are_anchored_once_in_a_chain_published_in_the_audit_log() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let now = Utc::now();
        let three_ago = now - Duration::days(3);
        let (a, ca) = placed(&t, "13912340003", three_ago).await;
        walk(&t, a, ca, WorkerId(Uuid::now_v7()), now - Duration::days(2)).await;
        let (today, _) = placed(&t, "13912340004", now).await;
        let made = anchor::anchor_days(&t.store, now).await.unwrap();
        let days: Vec<String> = (1..=3)
            .rev()
            .map(|d| (now - Duration::days(d)).date_naive().to_string())
            .collect();
        let grace = now - anchor::GRACE;
        let expected = if grace.date_naive() == now.date_naive() {
            days.clone()
        } else {
            days[..2].to_vec()
        };
        assert_eq!(
            made.iter().map(|m| m.day.clone()).collect::<Vec<_>>(),
            expected,
            "{b:?}"
        );
        assert_eq!(made[0].prev_hash, record::GENESIS);
        assert_eq!(made[1].prev_hash, made[0].hash);
        // Day -3 holds the placement, day -2 the walk's last step, day -1 nothing.
        let heads: Vec<Vec<record::Head>> =
            made.iter().map(|m| anchor::heads(m).unwrap()).collect();
        let last = records::last(t.store.db(), a).await.unwrap().unwrap();
        assert_eq!(heads[0].len(), 1);
        assert_eq!((heads[0][0].order_id, heads[0][0].seq), (a, 1));
        assert_eq!(
            heads[1],
            [record::Head {
                order_id: a,
                seq: last.seq,
                hash: last.hash.clone(),
            }]
        );
        assert!(heads.iter().flatten().all(|h| h.order_id != today));
        for m in &made {
            let day = chrono::NaiveDate::parse_from_str(&m.day, "%Y-%m-%d").unwrap();
            let h = anchor::heads(m).unwrap();
            assert_eq!(m.root, record::anchor_root(&h));
            assert_eq!(
                m.hash,
                record::anchor_hash(day, h.len(), &m.root, &m.prev_hash)
            );
            let published = anchor::published(t.store.db(), &m.day).await.unwrap();
            assert_eq!(published.len(), 1, "{b:?}");
            assert!(
                published[0]
                    .after_json
                    .as_deref()
                    .unwrap()
                    .contains(&m.hash)
            );
        }
        // Once: a second run (another node) anchors nothing more.
        assert!(anchor::anchor_days(&t.store, now).await.unwrap().is_empty());
        let page = audit::list(
            t.store.db(),
            &audit::AuditFilter {
                action: Some(anchor::AUDIT_ACTION.into()),
                ..Default::default()
            },
            daojia_store::repo::PageRequest {
                limit: 50,
                after: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(page.items.len(), made.len());
    }
}

#[tokio::test]
async fn erasing_the_customer_drops_the_salts_and_keeps_the_chain_verifiable() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let now = Utc::now() - Duration::days(40);
        let (id, customer) = placed(&t, "13912340005", now).await;
        walk(&t, id, customer, WorkerId(Uuid::now_v7()), now).await;
        let before = records::of_order(t.store.db(), id).await.unwrap();
        let erased = privacy::erase_customer(&t.store, customer.0, Utc::now())
            .await
            .unwrap();
        assert!(erased.is_ok(), "{b:?}: {erased:?}");
        let after = service_record::Entity::find()
            .all(t.store.db())
            .await
            .unwrap();
        assert_eq!(after.len(), before.len());
        assert!(after.iter().all(|r| r.salt.is_none()), "{b:?}");
        assert_eq!(verified(&t, id).await, before.len(), "{b:?}");
    }
}
