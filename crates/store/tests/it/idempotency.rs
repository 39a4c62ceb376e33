//! Idempotency records on every database: answers sealed at rest, short leases that a retry
//! may take over (and then the old holder cannot complete), completion in the transaction
//! of the work, the records of earlier versions sealed by migration m0009, and rotation.

use chrono::{DateTime, Duration, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::CustomerId;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, PaymentMethod, PaymentPlan, Window};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_store::entity::{idempotency_key, service_order};
use daojia_store::pii::{DataKey, Vault};
use daojia_store::repo::idempotency::{self, Claim, Held};
use daojia_store::repo::{accounts, orders, rotation};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

async fn each(f: impl AsyncFn(TestDb)) {
    for b in backends() {
        f(TestDb::new(b).await).await;
    }
}

const ADDRESS: &str = "上海市徐汇区漕溪北路88号 梅园新村";
const HOUSE: &str = "3号楼1201室";
const LEASE: Duration = Duration::seconds(40);

async fn row(t: &TestDb, scope: &str, key: &str) -> Option<idempotency_key::Model> {
    idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(t.store.db())
        .await
        .unwrap()
}

async fn new_claim(t: &TestDb, scope: &str, key: &str, now: DateTime<Utc>) -> Held {
    match idempotency::claim(t.store.db(), t.store.vault(), scope, key, "h", now, LEASE)
        .await
        .unwrap()
    {
        Claim::New(h) => h,
        other => panic!("{:?}: expected a new claim, got {other:?}", t.backend),
    }
}

#[tokio::test]
async fn a_stored_answer_is_unreadable_in_the_database_and_replayed_in_clear() {
    each(async |t| {
        let now = Utc::now();
        let held = new_claim(&t, "customer:1 POST /o", "k", now).await;
        let body = format!(r#"{{"address":"{ADDRESS}","house_number":"{HOUSE}"}}"#);
        let db = t.store.db();
        let v = t.store.vault();
        assert!(
            idempotency::complete(db, v, &held, 201, &body, Some("application/json"), now)
                .await
                .unwrap()
        );
        let stored = row(&t, "customer:1 POST /o", "k").await.unwrap();
        let text = stored.response_body.unwrap();
        assert!(!text.contains("漕溪北路"), "{:?}: {text}", t.backend);
        assert!(!text.contains("1201"), "{:?}: {text}", t.backend);
        assert!(text.starts_with("v1:"), "{:?}: {text}", t.backend);
        let again = idempotency::claim(db, v, "customer:1 POST /o", "k", "h", now, LEASE)
            .await
            .unwrap();
        assert_eq!(
            again,
            Claim::Replay {
                status: 201,
                body,
                content_type: Some("application/json".into())
            }
        );
        // The answer is bound to its row: copied into another caller's row it does not open.
        let other = new_claim(&t, "customer:2 POST /o", "k", now).await;
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::ResponseBody,
                sea_orm::sea_query::Expr::value(text),
            )
            .col_expr(
                idempotency_key::Column::StatusCode,
                sea_orm::sea_query::Expr::value(201),
            )
            .col_expr(
                idempotency_key::Column::CompletedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(idempotency_key::Column::Id.eq(other.id))
            .exec(db)
            .await
            .unwrap();
        assert!(
            idempotency::claim(db, v, "customer:2 POST /o", "k", "h", now, LEASE)
                .await
                .is_err(),
            "{:?}",
            t.backend
        );
    })
    .await;
}

#[tokio::test]
async fn a_claim_whose_lease_ran_out_is_taken_over_and_its_holder_can_no_longer_complete_it() {
    each(async |t| {
        let (db, v) = (t.store.db(), t.store.vault());
        let now = Utc::now();
        let first = new_claim(&t, "s", "k", now).await;
        // Within the lease the key is busy...
        let busy = idempotency::claim(
            db,
            v,
            "s",
            "k",
            "h",
            now + LEASE - Duration::seconds(1),
            LEASE,
        )
        .await
        .unwrap();
        // (Databases keep microseconds at most.)
        assert!(
            matches!(busy, Claim::InProgress { until } if (until - (now + LEASE)).num_milliseconds().abs() < 1),
            "{:?}: {busy:?}",
            t.backend
        );
        // ...after it, a retry takes it over.
        let second = new_claim(&t, "s", "k", now + LEASE).await;
        assert_ne!(first.id, second.id);
        let late = now + LEASE + Duration::seconds(2);
        assert!(
            !idempotency::complete(db, v, &first, 201, "first", None, late)
                .await
                .unwrap(),
            "{:?}: the first holder lost its claim",
            t.backend
        );
        // Releasing a lost claim does not touch the new holder's.
        idempotency::release(db, first.id).await.unwrap();
        assert_eq!(row(&t, "s", "k").await.unwrap().id, second.id);
        assert!(
            idempotency::complete(db, v, &second, 201, "second", None, late)
                .await
                .unwrap()
        );
        // Completed once: neither a second completion nor a release changes it.
        assert!(
            !idempotency::complete(db, v, &second, 500, "again", None, late)
                .await
                .unwrap()
        );
        idempotency::release(db, second.id).await.unwrap();
        let replay = idempotency::claim(db, v, "s", "k", "h", late, LEASE)
            .await
            .unwrap();
        assert!(
            matches!(&replay, Claim::Replay { status: 201, body, .. } if body == "second"),
            "{:?}: {replay:?}",
            t.backend
        );
    })
    .await;
}

async fn new_order(t: &TestDb, now: DateTime<Utc>) -> orders::NewOrder {
    let phone = Phone::parse("13912345678").unwrap();
    let c = accounts::customer_for_login(&t.store, &phone, now)
        .await
        .unwrap();
    let start = now + Duration::days(1);
    orders::NewOrder {
        customer: CustomerId(c.id),
        area_code: Some("sh-xuhui".into()),
        address_id: None,
        contact_name: "陈女士".into(),
        contact_phone: phone,
        address: ADDRESS.into(),
        house_number: HOUSE.into(),
        at: LatLng::new(31.195, 121.4365),
        window: Window {
            start,
            end: start + Duration::hours(1),
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
            duration_min: 180,
            selections: vec![],
        }],
        duration_min: 180,
        skills: vec!["cleaning".into()],
        photos: vec![],
    }
}

/// What the placement handler does: place, pay, complete the key, in one transaction;
/// `Ok(None)` when the key was no longer this request's and everything was rolled back.
async fn place_pay_complete(
    t: &TestDb,
    held: &Held,
    now: DateTime<Utc>,
) -> Option<service_order::Model> {
    let tx = t.store.db().begin().await.unwrap();
    let new = new_order(t, now).await;
    let (m, _) = orders::place_tx(&tx, &t.store, new, now, None, None)
        .await
        .unwrap();
    let pay = Action::RecordPayment {
        amount: Money::fen(15_900),
        method: PaymentMethod::Demo,
        reference: format!("demo-{}", m.order_no),
    };
    orders::apply_tx(&tx, &t.store, m.id, Actor::System, pay, now, None)
        .await
        .unwrap();
    let m = orders::get(&tx, m.id).await.unwrap().unwrap();
    let body = format!(r#"{{"id":"{}"}}"#, m.id);
    let v = t.store.vault();
    if idempotency::complete(&tx, v, held, 201, &body, None, now)
        .await
        .unwrap()
    {
        tx.commit().await.unwrap();
        Some(m)
    } else {
        tx.rollback().await.unwrap();
        None
    }
}

#[tokio::test]
async fn placing_paying_and_completing_the_key_commit_together_or_not_at_all() {
    each(async |t| {
        let now = Utc::now();
        let db = t.store.db();
        // The claim is still this request's: order, payment and answer commit together.
        let held = new_claim(&t, "customer:c POST /o", "k1", now).await;
        let m = place_pay_complete(&t, &held, now).await.expect("committed");
        assert_eq!((m.state.as_str(), m.paid_fen), ("pending_dispatch", 15_900));
        let r = row(&t, "customer:c POST /o", "k1").await.unwrap();
        assert!(r.completed_at.is_some(), "{:?}", t.backend);
        let replay = idempotency::claim(
            db,
            t.store.vault(),
            "customer:c POST /o",
            "k1",
            "h",
            now,
            LEASE,
        )
        .await
        .unwrap();
        assert!(
            matches!(&replay, Claim::Replay { body, .. } if body.contains(&m.id.to_string())),
            "{:?}: {replay:?}",
            t.backend
        );

        // The lease ran out and a retry took the key over: the late request's order, payment
        // and jobs are rolled back, and the retry alone places.
        let late = new_claim(&t, "customer:c POST /o", "k2", now).await;
        let retry = new_claim(&t, "customer:c POST /o", "k2", now + LEASE).await;
        let before = service_order::Entity::find().count(db).await.unwrap();
        assert!(place_pay_complete(&t, &late, now + LEASE).await.is_none());
        assert_eq!(
            service_order::Entity::find().count(db).await.unwrap(),
            before,
            "{:?}: nothing of the late request stays",
            t.backend
        );
        assert!(place_pay_complete(&t, &retry, now + LEASE).await.is_some());
        assert_eq!(
            service_order::Entity::find().count(db).await.unwrap(),
            before + 1
        );
    })
    .await;
}

#[tokio::test]
async fn records_stored_in_clear_by_earlier_versions_are_sealed_by_the_migration() {
    each(async |t| {
        let now = Utc::now();
        let db = t.store.db();
        let insert = |scope: &str, key: &str, body: Option<&str>, expires: DateTime<Utc>| {
            idempotency_key::ActiveModel {
                id: Set(Uuid::now_v7()),
                scope: Set(scope.into()),
                key: Set(key.into()),
                request_hash: Set("h".into()),
                status_code: Set(body.map(|_| 201)),
                response_body: Set(body.map(str::to_string)),
                content_type: Set(body.map(|_| "application/json".to_string())),
                created_at: Set(now),
                completed_at: Set(body.map(|_| now)),
                expires_at: Set(expires),
            }
        };
        let clear = format!(r#"{{"address":"{ADDRESS}"}}"#);
        insert(
            "customer:1 POST /o",
            "done",
            Some(&clear),
            now + Duration::hours(20),
        )
        .insert(db)
        .await
        .unwrap();
        insert(
            "customer:1 POST /o",
            "open",
            None,
            now + Duration::hours(24),
        )
        .insert(db)
        .await
        .unwrap();
        insert(
            "anonymous POST /o",
            "anon",
            Some(r#"{"code":"unauthenticated"}"#),
            now + Duration::hours(24),
        )
        .insert(db)
        .await
        .unwrap();
        // Without the keys the migration refuses rather than leaving data in clear.
        let refused = idempotency::seal_legacy_rows(
            db,
            || Err(sea_orm::DbErr::Migration("no keys".into())),
            now,
        )
        .await;
        assert!(refused.is_err(), "{:?}", t.backend);
        let vault = t.store.vault().clone();
        for _ in 0..2 {
            // A second run (after an interruption) changes nothing more.
            idempotency::seal_legacy_rows(db, || Ok(vault.clone()), now)
                .await
                .unwrap();
        }
        assert!(
            row(&t, "anonymous POST /o", "anon").await.is_none(),
            "{:?}",
            t.backend
        );
        let open = row(&t, "customer:1 POST /o", "open").await.unwrap();
        assert!(
            open.expires_at <= now + Duration::minutes(1),
            "{:?}: a short lease",
            t.backend
        );
        let done = row(&t, "customer:1 POST /o", "done").await.unwrap();
        assert!(!done.response_body.as_deref().unwrap().contains("漕溪北路"));
        let replay = idempotency::claim(db, &vault, "customer:1 POST /o", "done", "h", now, LEASE)
            .await
            .unwrap();
        assert!(
            matches!(&replay, Claim::Replay { body, .. } if *body == clear),
            "{:?}: {replay:?}",
            t.backend
        );
    })
    .await;
}

#[tokio::test]
async fn rotating_the_data_key_reseals_stored_answers() {
    each(async |t| {
        let index = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let k1 = DataKey::generate_text("k1");
        let k2 = DataKey::generate_text("k2");
        let old = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k1).unwrap()], index).unwrap());
        let now = Utc::now();
        let Claim::New(held) = idempotency::claim(old.db(), old.vault(), "s", "k", "h", now, LEASE)
            .await
            .unwrap()
        else {
            panic!("new")
        };
        idempotency::complete(old.db(), old.vault(), &held, 201, ADDRESS, None, now)
            .await
            .unwrap();
        let both = t.store.with_vault(
            Vault::new(
                vec![DataKey::parse(&k2).unwrap(), DataKey::parse(&k1).unwrap()],
                index,
            )
            .unwrap(),
        );
        rotation::reencrypt_all(&both).await.unwrap();
        let only_new = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k2).unwrap()], index).unwrap());
        let replay = idempotency::claim(only_new.db(), only_new.vault(), "s", "k", "h", now, LEASE)
            .await
            .unwrap();
        assert!(
            matches!(&replay, Claim::Replay { body, .. } if body == ADDRESS),
            "{:?}: {replay:?}",
            t.backend
        );
    })
    .await;
}
