//! Orders on every database: placing one writes everything or nothing, transitions write
//! the order, its event and its payment together, and concurrent writers never both win.

use chrono::{Duration, Utc};
use daojia_domain::access::Role;
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, StaffId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{
    Action, Actor, AssignedBy, Outcome, PaymentMethod, PaymentPlan, Window,
};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::pricing::Selection;
use daojia_store::repo::{accounts, orders};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

async fn each(f: impl AsyncFn(TestDb)) {
    for b in backends() {
        f(TestDb::new(b).await).await;
    }
}

fn staff(role: Role) -> Actor {
    Actor::Staff {
        id: StaffId(Uuid::now_v7()),
        role,
    }
}

async fn placed(t: &TestDb) -> (Uuid, CustomerId) {
    let now = Utc::now();
    let phone = Phone::parse("13912345678").unwrap();
    let c = accounts::customer_for_login(&t.store, &phone, now)
        .await
        .unwrap();
    let customer = CustomerId(c.id);
    let start = now + Duration::days(1);
    let new = orders::NewOrder {
        customer,
        area_code: Some("sh-xuhui".into()),
        address_id: None,
        contact_name: "陈女士".into(),
        contact_phone: phone,
        address: "上海市徐汇区漕溪北路88号 梅园新村".into(),
        house_number: "3号楼1201室".into(),
        at: LatLng::new(31.195, 121.4365),
        window: Window {
            start,
            end: start + Duration::hours(1),
        },
        plan: PaymentPlan::Full,
        policy: Policy::default(),
        notes: "请带鞋套".into(),
        lines: vec![
            orders::NewLine {
                item_code: "daily_cleaning".into(),
                item_name: "日常保洁".into(),
                quantity: 1,
                unit_price: Money::fen(15_900),
                total: Money::fen(15_900),
                duration_min: 180,
                selections: vec![Selection {
                    option: "hours".into(),
                    choice: "3h".into(),
                }],
            },
            orders::NewLine {
                item_code: "ac_cleaning".into(),
                item_name: "空调清洗".into(),
                quantity: 2,
                unit_price: Money::fen(8_900),
                total: Money::fen(17_800),
                duration_min: 120,
                selections: vec![],
            },
        ],
        duration_min: 300,
        skills: vec!["cleaning".into()],
        photos: vec![],
    };
    let (row, order) = orders::place(&t.store, new, now, Some("req-1"), None)
        .await
        .unwrap();
    assert_eq!(order.amounts.total, Money::fen(33_700));
    assert!(row.order_no.starts_with("DJ"), "{}", row.order_no);
    (row.id, customer)
}

fn pay(reference: &str, fen: i64) -> Action {
    Action::RecordPayment {
        amount: Money::fen(fen),
        method: PaymentMethod::BankTransfer,
        reference: reference.into(),
    }
}

#[tokio::test]
async fn an_order_is_placed_whole_and_walked_to_completion_with_a_timeline() {
    each(async |t| {
        let (id, customer) = placed(&t).await;
        let db = t.store.db();
        assert_eq!(orders::lines(db, id).await.unwrap().len(), 2);
        let w = WorkerId(Uuid::now_v7());
        let now = Utc::now();
        let steps = [
            (staff(Role::Finance), pay("TX-1", 33_700)),
            (
                staff(Role::Dispatcher),
                Action::Assign {
                    worker: w,
                    by: AssignedBy::Manual,
                },
            ),
            (Actor::Worker { id: w }, Action::Depart),
            (Actor::Worker { id: w }, Action::CheckIn),
            (Actor::Worker { id: w }, Action::StartService),
            (Actor::Worker { id: w }, Action::FinishService),
            (Actor::Customer { id: customer }, Action::Complete),
        ];
        for (actor, action) in steps {
            let (out, _) = orders::apply(&t.store, id, actor, action, now, None)
                .await
                .unwrap();
            assert!(matches!(out, Outcome::Applied(_)), "{:?}", t.backend);
        }
        let row = orders::get(db, id).await.unwrap().unwrap();
        assert_eq!(
            (row.state.as_str(), row.paid_fen, row.version),
            ("completed", 33_700, 7)
        );
        let timeline: Vec<String> = orders::events(db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            timeline,
            [
                "place",
                "record_payment",
                "assign",
                "depart",
                "check_in",
                "start_service",
                "finish_service",
                "complete"
            ]
        );
        assert_eq!(orders::payments(db, id).await.unwrap().len(), 1);
        // The address snapshot is encrypted in the row.
        let raw = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT address_enc, contact_phone_enc FROM service_order",
            ))
            .await
            .unwrap()
            .unwrap();
        let address: String = raw.try_get("", "address_enc").unwrap();
        let phone: String = raw.try_get("", "contact_phone_enc").unwrap();
        assert!(!address.contains("漕溪北路") && !phone.contains("13912345678"));
    })
    .await;
}

#[tokio::test]
async fn a_payment_recorded_twice_counts_once_and_a_refused_action_writes_nothing() {
    each(async |t| {
        let (id, _) = placed(&t).await;
        let now = Utc::now();
        let cs = staff(Role::Finance);
        let (first, _) = orders::apply(&t.store, id, cs, pay("TX-9", 10_000), now, None)
            .await
            .unwrap();
        assert!(matches!(first, Outcome::Applied(_)));
        let (again, order) = orders::apply(&t.store, id, cs, pay("TX-9", 10_000), now, None)
            .await
            .unwrap();
        assert_eq!(again, Outcome::AlreadyDone, "{:?}", t.backend);
        assert_eq!(order.amounts.paid, Money::fen(10_000));
        assert_eq!(order.state, OrderState::PendingPayment);
        let err = orders::apply(
            &t.store,
            id,
            staff(Role::Dispatcher),
            Action::Depart,
            now,
            None,
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("pending_payment"), "{err}");
        let db = t.store.db();
        assert_eq!(
            orders::events(db, id).await.unwrap().len(),
            2,
            "place + one payment"
        );
        assert_eq!(orders::payments(db, id).await.unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn racing_transitions_leave_one_winner_and_a_consistent_order() {
    each(async |t| {
        let (id, customer) = placed(&t).await;
        let now = Utc::now();
        orders::apply(&t.store, id, Actor::System, pay("TX-2", 33_700), now, None)
            .await
            .unwrap();
        // Two workers grab the same order and the customer cancels, all at once.
        let (w1, w2) = (WorkerId(Uuid::now_v7()), WorkerId(Uuid::now_v7()));
        let grab = |w: WorkerId| Action::Assign {
            worker: w,
            by: AssignedBy::Grab,
        };
        let (a, b, c) = tokio::join!(
            orders::apply(&t.store, id, Actor::Worker { id: w1 }, grab(w1), now, None),
            orders::apply(&t.store, id, Actor::Worker { id: w2 }, grab(w2), now, None),
            orders::apply(
                &t.store,
                id,
                Actor::Customer { id: customer },
                Action::Cancel {
                    reason: "changed my mind".into()
                },
                now,
                None
            ),
        );
        let wins = [&a, &b, &c]
            .iter()
            .filter(|r| matches!(r, Ok((Outcome::Applied(_), _))))
            .count();
        assert!(
            (1..=2).contains(&wins),
            "{:?}: {a:?} {b:?} {c:?}",
            t.backend
        );
        let grabs = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Ok((Outcome::Applied(_), _))))
            .count();
        assert!(
            grabs <= 1,
            "{:?}: two workers got the same order",
            t.backend
        );
        let db = t.store.db();
        let row = orders::get(db, id).await.unwrap().unwrap();
        let events = orders::events(db, id).await.unwrap();
        assert_eq!(events.len() as i32, row.version + 1, "one event per step");
        for (i, e) in events.iter().enumerate() {
            assert_eq!(e.seq, i as i32);
        }
        assert_eq!(events.last().unwrap().to_state, row.state);
        if row.state == "cancelled" {
            assert_eq!(row.paid_fen, row.refunded_fen + row.fee_fen);
        }
    })
    .await;
}
