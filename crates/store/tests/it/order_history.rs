//! The bulk loader of past orders writes exactly the rows that placing the order and
//! applying each step one transaction at a time writes (ids aside), on every database.

use chrono::{DateTime, Duration, Utc};
use daojia_domain::access::Role;
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, StaffId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{
    Action, Actor, AssignedBy, PaymentMethod, PaymentPlan, Resolution, Window,
};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::pricing::Selection;
use daojia_store::Store;
use daojia_store::entity::{order_event, order_line, order_payment, service_order};
use daojia_store::repo::order_history::{self, PastOrder, Step};
use daojia_store::repo::{accounts, orders, records};
use daojia_store::testing::{TestDb, backends};
use sea_orm::TransactionTrait;
use uuid::Uuid;

fn new_order(customer: CustomerId, phone: Phone, start: DateTime<Utc>) -> orders::NewOrder {
    orders::NewOrder {
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
        plan: PaymentPlan::Deposit {
            deposit: Money::fen(5_000),
        },
        policy: Policy::default(),
        notes: "请带鞋套".into(),
        lines: vec![orders::NewLine {
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
        }],
        duration_min: 195,
        skills: vec!["cleaning".into()],
        photos: vec![],
    }
}

/// Every kind of step: payments, an offer and its acceptance, the visit, the balance, the
/// customer's confirmation and an upheld complaint.
fn steps(customer: CustomerId, start: DateTime<Utc>) -> Vec<Step> {
    let w = WorkerId(Uuid::from_u128(7));
    let worker = Actor::Worker { id: w };
    let staff = |role| Actor::Staff {
        id: StaffId(Uuid::from_u128(9)),
        role,
    };
    let channel = |reference: &str, fen| Action::RecordPayment {
        amount: Money::fen(fen),
        method: PaymentMethod::Channel {
            channel: "wechat".into(),
        },
        reference: reference.into(),
    };
    let at = |minutes: i64| start + Duration::minutes(minutes);
    vec![
        Step {
            at: at(-1400),
            actor: Actor::System,
            action: channel("wx-1", 5_000),
        },
        Step {
            at: at(-300),
            actor: Actor::System,
            action: Action::Offer { worker: w },
        },
        Step {
            at: at(-297),
            actor: worker,
            action: Action::Reject {
                reason: "太远".into(),
            },
        },
        Step {
            at: at(-200),
            actor: staff(Role::Dispatcher),
            action: Action::Assign {
                worker: w,
                by: AssignedBy::Manual,
            },
        },
        Step {
            at: at(-30),
            actor: worker,
            action: Action::Depart,
        },
        Step {
            at: at(12),
            actor: worker,
            action: Action::CheckIn,
        },
        Step {
            at: at(14),
            actor: worker,
            action: Action::StartService,
        },
        Step {
            at: at(192),
            actor: worker,
            action: Action::FinishService,
        },
        Step {
            at: at(195),
            actor: Actor::System,
            action: channel("wx-2", 10_900),
        },
        Step {
            at: at(240),
            actor: Actor::Customer { id: customer },
            action: Action::Complete,
        },
        Step {
            at: at(3000),
            actor: Actor::Customer { id: customer },
            action: Action::OpenAfterSales {
                reason: "厨房没有擦干净".into(),
            },
        },
        Step {
            at: at(4000),
            actor: staff(Role::CustomerService),
            action: Action::ResolveAfterSales {
                resolution: Resolution::Refund {
                    amount: Money::fen(3_000),
                },
                note: "部分退款".into(),
            },
        },
    ]
}

/// The order's row with what differs by construction (its id and the number made from it)
/// blanked, and its encrypted columns decrypted.
fn order_view(store: &Store, mut o: service_order::Model) -> service_order::Model {
    let v = store.vault();
    assert_eq!(
        &o.order_no[8..],
        o.id.simple().to_string()[24..].to_uppercase(),
        "the number ends with the id"
    );
    o.order_no.truncate(8);
    o.id = Uuid::nil();
    use accounts::address_context as ctx;
    o.contact_name_enc = v.decrypt(ctx::CONTACT_NAME, &o.contact_name_enc).unwrap();
    o.contact_phone_enc = v.decrypt(ctx::CONTACT_PHONE, &o.contact_phone_enc).unwrap();
    o.address_enc = v.decrypt(ctx::ADDRESS, &o.address_enc).unwrap();
    o.house_number_enc = v.decrypt(ctx::HOUSE_NUMBER, &o.house_number_enc).unwrap();
    o.notes_enc = orders::notes(store, &o).unwrap();
    o
}

async fn rows_of(
    store: &Store,
    id: Uuid,
) -> (
    service_order::Model,
    Vec<order_line::Model>,
    Vec<order_event::Model>,
    Vec<order_payment::Model>,
) {
    let db = store.db();
    let o = orders::get(db, id).await.unwrap().unwrap();
    let mut lines = orders::lines(db, id).await.unwrap();
    for l in &mut lines {
        (l.id, l.order_id) = (Uuid::nil(), Uuid::nil());
    }
    let mut events = orders::events(db, id).await.unwrap();
    for e in &mut events {
        (e.id, e.order_id) = (Uuid::nil(), Uuid::nil());
    }
    let mut payments = orders::payments(db, id).await.unwrap();
    for p in &mut payments {
        (p.id, p.order_id) = (Uuid::nil(), Uuid::nil());
    }
    (order_view(store, o), lines, events, payments)
}

#[tokio::test]
async fn a_past_order_loaded_in_bulk_has_the_rows_placing_and_applying_it_writes() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let store = &t.store;
        let phone = Phone::parse("13912345678").unwrap();
        let c = accounts::customer_for_login(store, &phone, Utc::now())
            .await
            .unwrap();
        let customer = CustomerId(c.id);
        // Whole milliseconds: what every database keeps of a time.
        let start = DateTime::from_timestamp(Utc::now().timestamp() - 20 * 86_400, 0).unwrap();
        let placed_at = start - Duration::days(2);

        // One step at a time, as the API does.
        let tx = store.db().begin().await.unwrap();
        let (m, _) = orders::place_tx(
            &tx,
            store,
            new_order(customer, phone.clone(), start),
            placed_at,
            None,
            None,
        )
        .await
        .unwrap();
        for s in steps(customer, start) {
            orders::apply_tx(&tx, store, m.id, s.actor, s.action, s.at, None)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        // In bulk.
        let past = PastOrder {
            id: Uuid::now_v7(),
            new: new_order(customer, phone, start),
            placed_at,
            steps: steps(customer, start),
        };
        let rows = order_history::rows(store, &past, |_| Uuid::now_v7()).unwrap();
        assert_eq!(rows.domain.state.as_str(), "completed");
        let tx = store.db().begin().await.unwrap();
        order_history::write(&tx, vec![rows]).await.unwrap();
        tx.commit().await.unwrap();

        let (one, bulk) = (rows_of(store, m.id).await, rows_of(store, past.id).await);
        assert_eq!(one.0, bulk.0, "{b:?}: the order");
        assert_eq!(one.1, bulk.1, "{b:?}: the lines");
        assert_eq!(one.2.len(), 13, "{b:?}: placement and twelve steps");
        assert_eq!(one.2, bulk.2, "{b:?}: the events");
        assert_eq!(one.3.len(), 2);
        assert_eq!(one.3, bulk.3, "{b:?}: the payments");
        assert_eq!(
            (bulk.0.paid_fen, bulk.0.refunded_fen, bulk.0.version),
            (15_900, 3_000, 12)
        );
        assert_eq!(
            record_view(store, m.id).await,
            record_view(store, past.id).await,
            "{b:?}: the service records"
        );
    }
}

/// The order's service record, verified, with what differs by construction (the salted
/// values, the hashes over them) left out.
async fn record_view(
    store: &Store,
    id: Uuid,
) -> Vec<(i64, String, DateTime<Utc>, serde_json::Value)> {
    let rows = records::of_order(store.db(), id).await.unwrap();
    let entries: Vec<_> = rows.iter().map(records::entry).collect();
    daojia_domain::record::verify_chain(&entries).unwrap();
    assert_eq!(rows.len(), 13, "one entry per event");
    rows.into_iter()
        .map(|r| {
            let mut body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let o = body.as_object_mut().unwrap();
            assert!(o.remove("actor").is_some() && o.remove("detail").is_some());
            (r.seq, r.kind, r.at, body)
        })
        .collect()
}

#[tokio::test]
async fn a_step_the_state_machine_refuses_fails_the_order() {
    let t = TestDb::new(backends()[0]).await;
    let phone = Phone::parse("13912345678").unwrap();
    let customer = CustomerId(Uuid::now_v7());
    let start = Utc::now() - Duration::days(3);
    let mut past = PastOrder {
        id: Uuid::now_v7(),
        new: new_order(customer, phone, start),
        placed_at: start - Duration::days(1),
        steps: steps(customer, start),
    };
    // Depart before anyone was given the order.
    past.steps.swap(1, 4);
    let err = order_history::rows(&t.store, &past, |_| Uuid::now_v7()).unwrap_err();
    assert!(matches!(err, orders::OrderError::Transition(_)), "{err}");
    past.steps.swap(1, 4);
    assert!(order_history::rows(&t.store, &past, |_| Uuid::now_v7()).is_ok());
}
