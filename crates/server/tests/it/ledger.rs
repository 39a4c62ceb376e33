//! The ledger end to end: the demo's ledger passes `ledger check` and a tampered posting
//! does not; a channel payment and its refund post their entries once; a cancellation
//! whose refund step was lost in a crash is refunded from its outbox event, and an event
//! delivered again books nothing twice; a payment recorded offline and its cancellation
//! leave the refund owed by hand in the ledger.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::*;
use daojia_app::outbox::Consumer;
use daojia_app::payments::consumer::RefundsConsumer;
use daojia_app::payments::refunds::{self, Booked};
use daojia_domain::ledger::{Account, Clearing};
use daojia_domain::money::Money;
use daojia_domain::order::machine::Event;
use daojia_domain::order::machine::{Action, Actor};
use daojia_domain::payment::Provider;
use daojia_pay::sim::{Callback, Delivery};
use daojia_store::entity::{
    ledger_entry, ledger_posting, order_earning, outbox, withdrawal, worker_balance,
};
use daojia_store::repo::ledger;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::sync::Arc;

const WECHAT: Account = Account::Clearing(Clearing::Channel(Provider::Wechat));

fn config() -> daojia_server::config::Config {
    let mut cfg = test_config();
    cfg.pay.simulator = true;
    // Nobody listens there: the tests deliver the simulator's callbacks themselves.
    cfg.pay.notify_base_url = Some("http://127.0.0.1:9".into());
    cfg
}

fn ten_am(app: &TestApp, days: i64) -> String {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    let local = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    (local.and_utc() - Duration::hours(8)).to_rfc3339()
}

struct Customer {
    id: uuid::Uuid,
    token: String,
    address: uuid::Uuid,
}

async fn customer(app: &TestApp) -> Customer {
    let DemoCustomer {
        token, id, address, ..
    } = app.demo_customer(5).await;
    Customer { id, token, address }
}

async fn order(app: &TestApp, c: &Customer, days: i64) -> (uuid::Uuid, i64) {
    let body = json!({"items": [{"item": "window_cleaning"}], "address_id": c.address,
                      "window_start": ten_am(app, days)});
    let key = uuid::Uuid::now_v7().to_string();
    let r = app
        .post_keyed("/api/v1/customer/orders", &c.token, Some(&key), &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.body["id"].as_str().unwrap().parse().unwrap(),
        r.body["total_fen"].as_i64().unwrap(),
    )
}

async fn deliver(app: &TestApp, cb: &Callback) -> StatusCode {
    let path = cb.url.strip_prefix("http://127.0.0.1:9").unwrap();
    let mut req = Request::builder().method("POST").uri(path);
    for (k, v) in &cb.headers {
        req = req.header(k, v);
    }
    app.send(req.body(Body::from(cb.body.clone())).unwrap())
        .await
        .status
}

/// Pays order `id` through WeChat in the simulator, the callback delivered.
async fn pay_wechat(app: &TestApp, c: &Customer, id: uuid::Uuid) -> String {
    let sim = app.state.paysim.clone().unwrap();
    let r = app
        .post(
            &format!("/api/v1/orders/{id}/payments"),
            json!({ "channel": "wechat_native" }),
            Some(&c.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let no = r.body["intent_no"].as_str().unwrap().to_string();
    sim.pay(&no, Delivery::Once, app.state.now()).unwrap();
    let cb = sim.take_callbacks().remove(0);
    assert_eq!(deliver(app, &cb).await, StatusCode::NO_CONTENT);
    no
}

async fn check(app: &TestApp) -> ledger::Report {
    ledger::check(app.state.store.db()).await.unwrap()
}

async fn balance(app: &TestApp, a: Account) -> i64 {
    ledger::balance(app.state.store.db(), a)
        .await
        .unwrap()
        .as_fen()
}

/// The customer cancels order `id` (the transition committed, nothing after it run); its step.
async fn cancel(app: &TestApp, c: &Customer, id: uuid::Uuid) -> Event {
    let (outcome, _) = daojia_store::repo::orders::apply_checked(
        &app.state.store,
        id,
        Actor::Customer {
            id: daojia_domain::ids::CustomerId(c.id),
        },
        Action::Cancel {
            reason: "改天".into(),
        },
        app.state.now(),
        None,
        None,
        None,
    )
    .await
    .unwrap();
    let daojia_domain::order::machine::Outcome::Applied(step) = outcome else {
        panic!("cancelled")
    };
    step
}

/// The outbox event of order `id`'s transition `action`.
async fn event_of(app: &TestApp, id: uuid::Uuid, action: &str) -> daojia_app::outbox::Event {
    let row = outbox::Entity::find()
        .filter(outbox::Column::AggregateId.eq(id))
        .filter(outbox::Column::Topic.eq(format!("order.{action}")))
        .one(app.state.store.db())
        .await
        .unwrap()
        .expect("the transition wrote its event");
    daojia_app::outbox::Event::from_row(row)
}

#[tokio::test]
async fn the_demo_ledger_is_clean_and_check_finds_a_tampered_posting() {
    for b in backends() {
        let mut cfg = test_config();
        cfg.demo.seed = 11;
        cfg.demo.history_days = 5;
        cfg.demo.booked_per_day = 6;
        let app = TestApp::with_config(b, cfg).await;
        *app.now.lock().unwrap() = "2026-12-02T02:10:00Z".parse().unwrap();
        let started = daojia_server::demo::start(&app.state).await.unwrap();
        assert!(started.history.orders > 0);
        let report = check(&app).await;
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
        assert!(
            report.entries >= started.history.orders / 2,
            "{b:?}: {report:?}"
        );
        // Money at the channels and in hand equals what customers are owed or owed back.
        let held: i64 = report
            .balances
            .iter()
            .filter(|(a, _)| a.starts_with("clearing:"))
            .map(|(_, fen)| fen)
            .sum();
        assert!(held > 0 && report.balances["clearing:offline"] > 0, "{b:?}");
        // ...what customers are owed, what was recognised of the completed orders (the
        // demo's finance records the split of the latest), what workers have pending,
        // withdrawable or in flight.
        let owed: i64 = report
            .balances
            .iter()
            .filter(|(a, _)| !a.starts_with("clearing:"))
            .map(|(_, fen)| fen)
            .sum();
        assert_eq!(held, -owed, "{b:?}");
        assert!(report.balances["platform_revenue"] < 0, "{b:?}");
        assert!(report.balances["withdrawals_in_flight"] < 0, "{b:?}");
        // The demo's workers lodged deposits (and one was fined), through the same use cases.
        assert!(
            report
                .balances
                .iter()
                .any(|(a, fen)| a.starts_with("worker_deposit:") && *fen < 0),
            "{b:?}"
        );
        assert!(report.balances["deposit_fines"] < 0, "{b:?}");
        let clearing = |r: &ledger::Report| -> Vec<(String, i64)> {
            r.balances
                .iter()
                .filter(|(a, _)| a.starts_with("clearing:"))
                .map(|(a, f)| (a.clone(), *f))
                .collect()
        };

        // A database from before the ledger: the same money, no entries (and no earnings
        // or withdrawals, which came after it). The migration's backfill posts them, once.
        let db = app.state.store.db();
        order_earning::Entity::delete_many().exec(db).await.unwrap();
        withdrawal::Entity::delete_many().exec(db).await.unwrap();
        worker_balance::Entity::delete_many()
            .exec(db)
            .await
            .unwrap();
        // Nor deposits: what their lodgings brought to the channels goes with them.
        let mut expected = clearing(&report);
        let lodged = daojia_store::entity::payment_intent::Entity::find()
            .filter(daojia_store::entity::payment_intent::Column::Purpose.eq("deposit"))
            .filter(daojia_store::entity::payment_intent::Column::State.eq("succeeded"))
            .all(db)
            .await
            .unwrap();
        assert!(!lodged.is_empty(), "{b:?}");
        for i in &lodged {
            let code = format!("clearing:{}", i.provider);
            let e = expected.iter_mut().find(|(a, _)| *a == code).unwrap();
            e.1 -= i.amount_fen;
        }
        daojia_store::entity::worker_deposit::Entity::delete_many()
            .exec(db)
            .await
            .unwrap();
        daojia_store::entity::deposit_fine::Entity::delete_many()
            .exec(db)
            .await
            .unwrap();
        daojia_store::entity::payment_intent::Entity::delete_many()
            .filter(daojia_store::entity::payment_intent::Column::Purpose.eq("deposit"))
            .exec(db)
            .await
            .unwrap();
        ledger_posting::Entity::delete_many()
            .exec(db)
            .await
            .unwrap();
        ledger_entry::Entity::delete_many().exec(db).await.unwrap();
        let bare = check(&app).await;
        assert!(
            bare.problems
                .iter()
                .any(|p| p.starts_with("payment recorded on its order")
                    && p.ends_with("has no ledger entry")),
            "{b:?}: {:?}",
            bare.problems
        );
        let posted = ledger::backfill(db, app.state.now()).await.unwrap();
        assert!(posted > 0);
        assert_eq!(ledger::backfill(db, app.state.now()).await.unwrap(), 0);
        let backfilled = check(&app).await;
        assert!(
            backfilled.problems.is_empty(),
            "{b:?}: {:?}",
            backfilled.problems
        );
        assert_eq!(clearing(&backfilled), expected, "{b:?}");

        // Someone edits one posting: the entry no longer balances.
        let p = ledger_posting::Entity::find()
            .filter(ledger_posting::Column::Account.eq("clearing:offline"))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let (entry, fen) = (p.entry_id, p.amount_fen);
        let mut edit: ledger_posting::ActiveModel = p.into();
        edit.amount_fen = Set(fen - 100);
        edit.update(db).await.unwrap();
        let report = check(&app).await;
        let expected = format!("entry {entry}: postings sum to -100 fen, not zero");
        assert!(
            report.problems.contains(&expected),
            "{b:?}: {:?}",
            report.problems
        );
        // ...and the payment it records is no longer covered for its amount.
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.starts_with("payment recorded on its order")
                    && p.contains(&format!("{entry}"))),
            "{b:?}: {:?}",
            report.problems
        );
    }
}

#[tokio::test]
async fn a_cancellation_whose_refund_step_was_lost_is_refunded_from_its_event_once() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().unwrap();
        let relay = daojia_server::relay(&app.state);
        relay.register(app.state.now()).await.unwrap();
        let c = customer(&app).await;
        let (id, total) = order(&app, &c, 2).await;
        pay_wechat(&app, &c, id).await;
        assert_eq!(balance(&app, WECHAT).await, total, "{b:?}");
        assert_eq!(balance(&app, Account::CustomerPrepaid).await, -total);

        // The cancellation commits, then the process dies before its refund step.
        let step = cancel(&app, &c, id).await;
        assert_eq!(step.money.refunded.as_fen(), total);
        assert!(
            refunds::of_order(&app.state.app, id)
                .await
                .unwrap()
                .is_empty()
        );
        let gap = check(&app).await;
        assert!(
            gap.problems
                .iter()
                .any(|p| p.contains(&format!("{total} fen refunded on the order, 0 fen booked"))),
            "{b:?}: check sees the refund missing: {:?}",
            gap.problems
        );

        // After the restart the relay delivers the cancellation's event.
        assert!(relay.tick(app.state.now()).await.unwrap() > 0);
        let rs = refunds::of_order(&app.state.app, id).await.unwrap();
        assert_eq!(rs.len(), 1, "{b:?}");
        assert_eq!(
            (
                rs[0].amount_fen,
                rs[0].origin.as_str(),
                rs[0].state.as_str()
            ),
            (total, "cancellation", "processing")
        );
        assert_eq!(
            rs[0].source.as_deref(),
            Some(format!("{id}#{}", step.seq).as_str())
        );
        assert_eq!(sim.refunds().len(), 1);

        // The same event again (a redelivery), and the use case's own step late: nothing new.
        let consumer = RefundsConsumer::new(app.state.app.clone(), Arc::new(chrono::Utc::now));
        let event = event_of(&app, id, "cancel").await;
        consumer.handle(&event).await.unwrap();
        consumer.handle(&event).await.unwrap();
        let again = refunds::book(
            &app.state.app,
            id,
            step.seq,
            Money::fen(total),
            "cancellation",
            app.state.now(),
        )
        .await
        .unwrap();
        assert_eq!(again, Booked::Already);
        assert_eq!(
            refunds::of_order(&app.state.app, id).await.unwrap().len(),
            1
        );
        assert_eq!(
            sim.refunds().len(),
            1,
            "{b:?}: refunded once at the channel"
        );

        // The channel confirms; the refund posts once even when confirmed twice.
        let rcb = sim.callbacks_of(&rs[0].refund_no).remove(0);
        assert_eq!(deliver(&app, &rcb).await, StatusCode::NO_CONTENT);
        assert_eq!(deliver(&app, &rcb).await, StatusCode::NO_CONTENT);
        let rs = refunds::of_order(&app.state.app, id).await.unwrap();
        assert_eq!(rs[0].state, "succeeded");
        assert_eq!(balance(&app, WECHAT).await, 0, "{b:?}");
        assert_eq!(balance(&app, Account::CustomerPrepaid).await, 0);
        let entries = ledger::entries_of_order(app.state.store.db(), id)
            .await
            .unwrap();
        let kinds: Vec<&str> = entries.iter().map(|e| e.source_type.as_str()).collect();
        assert_eq!(kinds, ["intent", "refund"], "{b:?}");
        let report = check(&app).await;
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
    }
}

/// The use case books a cancellation's refund at once and the outbox consumer books it from
/// the event: the two may run at the same moment. Whatever the interleaving, the refund is
/// made once through the channel and nothing is taken for a refund owed by hand (a booking
/// that read "nothing booked yet" before the other committed, and "nothing left to refund"
/// after, would have posted the whole amount as owed offline).
#[tokio::test]
async fn concurrent_bookings_of_one_cancellation_refund_it_once_through_the_channel() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = customer(&app).await;
        for round in 0..4 {
            let (id, total) = order(&app, &c, 2 + round).await;
            pay_wechat(&app, &c, id).await;
            let step = cancel(&app, &c, id).await;
            let now = app.state.now();
            let tasks: Vec<_> = (0..6)
                .map(|_| {
                    let a = app.state.app.clone();
                    tokio::spawn(async move {
                        refunds::book(&a, id, step.seq, Money::fen(total), "cancellation", now)
                            .await
                    })
                })
                .collect();
            let mut booked = Vec::new();
            for t in tasks {
                booked.push(t.await.unwrap().unwrap());
            }
            let now_booked: Vec<_> = booked.iter().filter(|x| **x != Booked::Already).collect();
            assert_eq!(
                now_booked,
                [&Booked::Now {
                    through_channels: Money::fen(total),
                    to_wallet: Money::ZERO,
                    by_hand: Money::ZERO,
                }],
                "{b:?} round {round}: {booked:?}"
            );
            let rs = refunds::of_order(&app.state.app, id).await.unwrap();
            assert_eq!(rs.len(), 1, "{b:?} round {round}");
            assert_eq!(rs[0].amount_fen, total);
            let kinds: Vec<String> = ledger::entries_of_order(app.state.store.db(), id)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.source_type)
                .collect();
            assert!(
                !kinds.iter().any(|k| k == ledger::OFFLINE_REFUND),
                "{b:?} round {round}: {kinds:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_payment_recorded_offline_and_its_cancellation_leave_the_refund_owed_by_hand() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let c = customer(&app).await;
        let (id, total) = order(&app, &c, 2).await;
        let admin = app
            .staff_token("cashier", daojia_domain::access::Role::Finance)
            .await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/payments"),
                json!({"amount_fen": total, "method": "cash", "reference": "收据0001"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let offline = Account::Clearing(Clearing::Offline);
        assert_eq!(balance(&app, offline).await, total, "{b:?}");
        // The same receipt again is the same payment: nothing posted twice.
        app.post(
            &format!("/api/v1/admin/orders/{id}/payments"),
            json!({"amount_fen": total, "method": "cash", "reference": "收据0001"}),
            Some(&admin),
        )
        .await;
        assert_eq!(balance(&app, offline).await, total, "{b:?}");

        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "不需要了"}),
                Some(&c.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            refunds::of_order(&app.state.app, id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            balance(&app, Account::RefundsPayable).await,
            -total,
            "{b:?}"
        );
        assert_eq!(balance(&app, Account::CustomerPrepaid).await, 0);
        // The cancellation's event delivered again posts nothing more.
        let consumer = RefundsConsumer::new(app.state.app.clone(), Arc::new(chrono::Utc::now));
        consumer
            .handle(&event_of(&app, id, "cancel").await)
            .await
            .unwrap();
        assert_eq!(
            balance(&app, Account::RefundsPayable).await,
            -total,
            "{b:?}"
        );
        let report = check(&app).await;
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
    }
}
