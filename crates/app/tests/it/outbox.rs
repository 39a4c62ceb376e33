//! The transactional outbox on every database: each order transition writes its event in
//! the same transaction (a rolled-back one writes none), the relay delivers each event once
//! per consumer across restarts and with two relays on one database, a failing consumer is
//! retried without holding the others up, and the worker's SMS follows an offer once,
//! fed by the relay or (against the test RabbitMQ) from the broker.

use chrono::{DateTime, Duration, Utc};
use daojia_app::App;
use daojia_app::orders::{By, offers};
use daojia_app::outbox::relay::{Relay, RelayOptions};
use daojia_app::outbox::{Consumer, Event, HandleError, worker_sms};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::CustomerId;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, PaymentMethod, PaymentPlan, Window};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_notify::sms::{SmsError, SmsMessage, SmsProvider, SmsReceipt};
use daojia_store::entity::{sms_outbox, worker};
use daojia_store::repo::{accounts, orders, outbox};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, TransactionTrait};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

async fn each(f: impl AsyncFn(TestDb)) {
    for b in backends() {
        f(TestDb::new(b).await).await;
    }
}

fn app(t: &TestDb) -> App {
    App::new(
        t.store.clone(),
        Arc::new(daojia_domain::travel::TravelModel::default()),
    )
}

fn new_order(customer: CustomerId, now: DateTime<Utc>) -> orders::NewOrder {
    let start = now + Duration::days(1);
    orders::NewOrder {
        customer,
        area_code: None,
        address_id: None,
        contact_name: "陈女士".into(),
        contact_phone: Phone::parse("13912345678").unwrap(),
        address: "上海市徐汇区漕溪北路88号".into(),
        house_number: "3号楼1201室".into(),
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
        skills: vec![],
        photos: vec![],
    }
}

async fn customer(t: &TestDb, now: DateTime<Utc>) -> CustomerId {
    let phone = Phone::parse("13912345678").unwrap();
    CustomerId(
        accounts::customer_for_login(&t.store, &phone, now)
            .await
            .unwrap()
            .id,
    )
}

/// A placed and paid order, waiting for a worker.
async fn paid_order(t: &TestDb, now: DateTime<Utc>) -> Uuid {
    let c = customer(t, now).await;
    let (row, _) = orders::place(&t.store, new_order(c, now), now, None, None)
        .await
        .unwrap();
    let pay = Action::RecordPayment {
        amount: Money::fen(15_900),
        method: PaymentMethod::Demo,
        reference: format!("demo-{}", row.order_no),
    };
    orders::apply(&t.store, row.id, Actor::System, pay, now, None)
        .await
        .unwrap();
    row.id
}

async fn add_worker(t: &TestDb, phone: &str, now: DateTime<Utc>) -> Uuid {
    let p = Phone::parse(phone).unwrap();
    worker::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(format!("w{}", &phone[7..])),
        phone_enc: Set(t.store.vault().encrypt(accounts::WORKER_PHONE, p.expose())),
        phone_index: Set(accounts::phone_index(&t.store, &p)),
        name_enc: Set(accounts::seal_worker_name(&t.store, "王师傅")),
        gender: Set("male".into()),
        skills: Set("[]".into()),
        rating_tenths: Set(48),
        years_experience: Set(3),
        home_lat: Set(31.2),
        home_lng: Set(121.4),
        area_code: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(t.store.db())
    .await
    .unwrap()
    .id
}

/// Remembers every event it was handed; fails the first `fail_first` calls.
struct Recorder {
    name: &'static str,
    seen: Mutex<Vec<Uuid>>,
    fail_first: Mutex<usize>,
}

impl Recorder {
    fn new(name: &'static str, fail_first: usize) -> Arc<Recorder> {
        Arc::new(Recorder {
            name,
            seen: Mutex::default(),
            fail_first: Mutex::new(fail_first),
        })
    }

    fn seen(&self) -> Vec<Uuid> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Consumer for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        {
            let mut f = self.fail_first.lock().unwrap();
            if *f > 0 {
                *f -= 1;
                return Err("not now".into());
            }
        }
        // A slow consumer makes two relays overlap if the lease does not keep them apart.
        tokio::task::yield_now().await;
        self.seen.lock().unwrap().push(event.id);
        Ok(())
    }
}

fn relay(app: &App, owner: &str, consumers: Vec<Arc<dyn Consumer>>) -> Relay {
    let opts = RelayOptions {
        owner: owner.into(),
        grace: std::time::Duration::ZERO,
        ..RelayOptions::default()
    };
    consumers
        .into_iter()
        .fold(Relay::new(app.clone(), opts), Relay::with)
}

fn assert_once(seen: &[Uuid], backend: impl std::fmt::Debug) {
    let mut unique = seen.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        seen.len(),
        "an event was delivered twice on {backend:?}"
    );
}

#[tokio::test]
async fn every_order_transition_writes_one_outbox_event_in_its_transaction() {
    each(async |t| {
        let now = Utc::now();
        let app = app(&t);
        let id = paid_order(&t, now).await;
        let w = add_worker(&t, "13700001111", now).await;
        offers::offer(&app, &By::System, id, w, now).await.unwrap();
        offers::reject(&app, w, id, "太远".into(), now)
            .await
            .unwrap();
        let events = outbox::of_aggregate(t.store.db(), id).await.unwrap();
        let topics: Vec<&str> = events.iter().map(|e| e.topic.as_str()).collect();
        assert_eq!(
            topics,
            [
                "order.place",
                "order.record_payment",
                "order.offer",
                "order.reject"
            ],
            "{:?}",
            t.backend
        );
        let timeline = orders::events(t.store.db(), id).await.unwrap();
        assert_eq!(timeline.len(), events.len());
        let offer: serde_json::Value = serde_json::from_str(&events[2].payload).unwrap();
        assert_eq!(offer["worker_id"], serde_json::json!(w));
        assert_eq!(offer["from"], "pending_dispatch");
        assert_eq!(offer["to"], "pending_accept");
        assert_eq!(offer["seq"], 2);
        assert!(events.windows(2).all(|p| p[0].position < p[1].position));
    })
    .await;
}

#[tokio::test]
async fn a_rolled_back_transition_writes_no_event() {
    each(async |t| {
        let now = Utc::now();
        let id = paid_order(&t, now).await;
        let before = outbox::of_aggregate(t.store.db(), id).await.unwrap().len();
        let tx = t.store.db().begin().await.unwrap();
        let offer = Action::Offer {
            worker: daojia_domain::ids::WorkerId(Uuid::now_v7()),
        };
        orders::apply_tx(&tx, &t.store, id, Actor::System, offer, now, None)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let c = customer(&t, now).await;
        let tx = t.store.db().begin().await.unwrap();
        let (placed, _) = orders::place_tx(&tx, &t.store, new_order(c, now), now, None, None)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let db = t.store.db();
        assert_eq!(
            outbox::of_aggregate(db, id).await.unwrap().len(),
            before,
            "{:?}",
            t.backend
        );
        assert!(
            outbox::of_aggregate(db, placed.id)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn a_consumer_sees_each_event_once_across_a_relay_restart() {
    each(async |t| {
        let now = Utc::now();
        let app = app(&t);
        let rec = Recorder::new("test.recorder", 0);
        let first = relay(&app, "node-a", vec![rec.clone()]);
        first.register(now).await.unwrap();
        let a = paid_order(&t, now).await;
        assert_eq!(first.tick(now).await.unwrap(), 2);
        assert_eq!(first.tick(now).await.unwrap(), 0, "nothing new");
        first.release().await;
        drop(first);
        let b = paid_order(&t, now).await;
        let second = relay(&app, "node-b", vec![rec.clone()]);
        second.register(now).await.unwrap();
        assert_eq!(second.tick(now).await.unwrap(), 2, "{:?}", t.backend);
        let seen = rec.seen();
        assert_once(&seen, t.backend);
        let mut want: Vec<Uuid> = vec![];
        for id in [a, b] {
            want.extend(
                outbox::of_aggregate(t.store.db(), id)
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| e.id),
            );
        }
        assert_eq!(seen, want);
    })
    .await;
}

#[tokio::test]
async fn two_relays_on_one_database_do_not_deliver_an_event_twice() {
    each(async |t| {
        let now = Utc::now();
        let app = app(&t);
        let rec = Recorder::new("test.recorder", 0);
        let a = relay(&app, "node-a", vec![rec.clone()]);
        let b = relay(&app, "node-b", vec![rec.clone()]);
        a.register(now).await.unwrap();
        b.register(now).await.unwrap();
        let mut orders_placed = vec![];
        for _ in 0..4 {
            orders_placed.push(paid_order(&t, now).await);
        }
        for _ in 0..3 {
            let (x, y) = tokio::join!(a.tick(now), b.tick(now));
            x.unwrap();
            y.unwrap();
        }
        assert_eq!(rec.seen().len(), 8, "{:?}", t.backend);
        // The node that holds the lease stops without giving it back (a crash): the other
        // delivers nothing while the lease lasts, then takes over from the recorded position.
        orders_placed.push(paid_order(&t, now).await);
        let progress = outbox::consumers(t.store.db()).await.unwrap();
        let holder = progress[0].lease_owner.clone().unwrap();
        let other = if holder == "node-a" { &b } else { &a };
        assert_eq!(other.tick(now).await.unwrap(), 0, "{:?}", t.backend);
        // The default lease is 5 s: a dead node's consumers move on within seconds.
        assert_eq!(other.tick(now + Duration::seconds(4)).await.unwrap(), 0);
        assert_eq!(other.tick(now + Duration::seconds(6)).await.unwrap(), 2);
        let seen = rec.seen();
        assert_eq!(seen.len(), 10, "{:?}", t.backend);
        assert_once(&seen, t.backend);
    })
    .await;
}

/// Takes a second over each event and counts how many it is handed at once.
struct Slow {
    seen: Mutex<Vec<Uuid>>,
    busy: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl Consumer for Slow {
    fn name(&self) -> &'static str {
        "test.slow"
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        use std::sync::atomic::Ordering::SeqCst;
        let busy = self.busy.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(busy, SeqCst);
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        self.busy.fetch_sub(1, SeqCst);
        self.seen.lock().unwrap().push(event.id);
        Ok(())
    }
}

#[tokio::test]
async fn a_delivery_longer_than_the_lease_keeps_it_from_another_relay() {
    each(async |t| {
        let app = app(&t);
        let slow = Arc::new(Slow {
            seen: Mutex::default(),
            busy: Default::default(),
            most: Default::default(),
        });
        let relay = |owner: &str| {
            let opts = RelayOptions {
                owner: owner.into(),
                lease: Duration::milliseconds(1500),
                grace: std::time::Duration::ZERO,
                ..RelayOptions::default()
            };
            Relay::new(app.clone(), opts).with(slow.clone())
        };
        let (a, b) = (relay("node-a"), relay("node-b"));
        a.register(Utc::now()).await.unwrap();
        paid_order(&t, Utc::now()).await;
        paid_order(&t, Utc::now()).await;
        // Node a delivers the four events (4 s, past the 1.5 s lease) while node b tries
        // to take the consumer every 50 ms.
        let done = std::sync::atomic::AtomicBool::new(false);
        let (by_a, by_b) = tokio::join!(
            async {
                let n = a.tick(Utc::now()).await.unwrap();
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                n
            },
            async {
                // From the moment node a holds the lease.
                loop {
                    let rows = outbox::consumers(t.store.db()).await.unwrap();
                    if rows
                        .iter()
                        .any(|c| c.lease_owner.as_deref() == Some("node-a"))
                    {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                let mut n = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    n += b.tick(Utc::now()).await.unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                n
            }
        );
        let most = slow.most.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(most, 1, "{:?}: two relays delivered at once", t.backend);
        assert_eq!((by_a, by_b), (4, 0), "{:?}", t.backend);
        assert_once(&slow.seen.lock().unwrap(), t.backend);
        // Released (as at a node's shutdown), the consumer is free at once.
        a.release().await;
        paid_order(&t, Utc::now()).await;
        assert_eq!(b.tick(Utc::now()).await.unwrap(), 2, "{:?}", t.backend);
    })
    .await;
}

#[tokio::test]
async fn a_failing_consumer_is_retried_later_without_holding_up_another() {
    each(async |t| {
        let now = Utc::now();
        let app = app(&t);
        let failing = Recorder::new("test.failing", 2);
        let healthy = Recorder::new("test.healthy", 0);
        let r = relay(&app, "node-a", vec![failing.clone(), healthy.clone()]);
        r.register(now).await.unwrap();
        paid_order(&t, now).await;
        r.tick(now).await.unwrap();
        assert_eq!(healthy.seen().len(), 2, "{:?}", t.backend);
        assert!(failing.seen().is_empty());
        r.tick(now).await.unwrap();
        assert!(failing.seen().is_empty(), "retried before its back-off");
        r.tick(now + Duration::seconds(2)).await.unwrap();
        assert!(failing.seen().is_empty(), "second failure");
        let progress = outbox::consumers(t.store.db()).await.unwrap();
        let f = progress.iter().find(|c| c.name == "test.failing").unwrap();
        assert_eq!(f.attempts, 2);
        assert_eq!(f.last_error.as_deref(), Some("not now"));
        r.tick(now + Duration::seconds(10)).await.unwrap();
        assert_eq!(failing.seen(), healthy.seen());
    })
    .await;
}

/// An SMS provider that keeps what it was asked to send.
#[derive(Default)]
struct Outbox(Mutex<Vec<SmsMessage>>);

#[async_trait::async_trait]
impl SmsProvider for Outbox {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        self.0.lock().unwrap().push(msg.clone());
        Ok(SmsReceipt {
            provider: "test",
            provider_message_id: Uuid::now_v7().to_string(),
        })
    }
}

#[tokio::test]
async fn the_offered_worker_gets_one_text_however_often_the_event_is_delivered() {
    each(async |t| {
        let now = Utc::now();
        let app = app(&t);
        let sent = Arc::new(Outbox::default());
        let consumer = Arc::new(worker_sms::WorkerSms::new(
            app.clone(),
            sent.clone(),
            Arc::new(Utc::now),
        ));
        let r = relay(&app, "node-a", vec![consumer]);
        r.register(now).await.unwrap();
        let id = paid_order(&t, now).await;
        let w = add_worker(&t, "13700002222", now).await;
        offers::offer(&app, &By::System, id, w, now).await.unwrap();
        r.tick(now).await.unwrap();
        {
            let msgs = sent.0.lock().unwrap();
            assert_eq!(msgs.len(), 1, "{:?}", t.backend);
            assert_eq!(msgs[0].template, "worker_order");
            assert_eq!(msgs[0].phone.expose(), "13700002222");
            assert!(msgs[0].text().contains("日常保洁"), "{}", msgs[0].text());
        }
        // Delivered again (progress lost in a crash): the outbox knows the event.
        sea_orm::ConnectionTrait::execute_unprepared(
            t.store.db(),
            "UPDATE outbox_consumer SET position = 0",
        )
        .await
        .unwrap();
        r.tick(now).await.unwrap();
        assert_eq!(sent.0.lock().unwrap().len(), 1, "{:?}", t.backend);
        let rows = sms_outbox::Entity::find().all(t.store.db()).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].template, "worker_order");
        assert!(rows[0].event_id.is_some());
    })
    .await;
}

#[tokio::test]
async fn the_relay_waits_for_an_event_still_being_written_before_delivering_later_ones() {
    for b in backends() {
        // SQLite writes one transaction at a time: an event cannot be written while another
        // is visible after it, so there is nothing to wait for there.
        if b == daojia_store::testing::Backend::Sqlite {
            continue;
        }
        let t = TestDb::new(b).await;
        let now = Utc::now();
        let app = app(&t);
        let rec = Recorder::new("test.recorder", 0);
        let opts = RelayOptions {
            owner: "node-a".into(),
            grace: std::time::Duration::from_secs(3600),
            ..RelayOptions::default()
        };
        let r = Relay::new(app.clone(), opts).with(rec.clone());
        r.register(now).await.unwrap();
        let db = t.store.db();
        let slow = db.begin().await.unwrap();
        let payload = serde_json::json!({});
        let first = outbox::append(&slow, "test.first", Uuid::now_v7(), &payload, now)
            .await
            .unwrap();
        let second = outbox::append(db, "test.second", Uuid::now_v7(), &payload, now)
            .await
            .unwrap();
        assert_eq!(
            r.tick(now).await.unwrap(),
            0,
            "{b:?}: delivered past a hole"
        );
        slow.commit().await.unwrap();
        assert_eq!(r.tick(now).await.unwrap(), 2, "{b:?}");
        assert_eq!(rec.seen(), [first, second]);
    }
}

/// A consumer that counts the deliveries it passes on.
struct Counting(Arc<dyn Consumer>, Mutex<usize>);

#[async_trait::async_trait]
impl Consumer for Counting {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn wants(&self, topic: &str) -> bool {
        self.0.wants(topic)
    }

    fn routing_keys(&self) -> Vec<String> {
        self.0.routing_keys()
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        self.0.handle(event).await?;
        *self.1.lock().unwrap() += 1;
        Ok(())
    }
}

/// Polls `f` for up to 20 s.
async fn eventually(what: &str, f: impl Fn() -> bool) {
    let started = std::time::Instant::now();
    while !f() {
        assert!(started.elapsed().as_secs() < 20, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_text_fed_from_the_broker_is_sent_once_however_often_it_is_published() {
    use daojia_app::outbox::broker::{feed::BrokerFeed, publish, testing::TestAmqp};
    each(async |t| {
        let now = Utc::now();
        let app = app(&t);
        let amqp = TestAmqp::new().await;
        amqp.track(worker_sms::NAME);
        let sent = Arc::new(Outbox::default());
        let sms = Arc::new(Counting(
            Arc::new(worker_sms::WorkerSms::new(
                app.clone(),
                sent.clone(),
                Arc::new(Utc::now),
            )),
            Mutex::new(0),
        ));
        let fed: Vec<Arc<dyn Consumer>> = vec![sms.clone()];
        let publisher = publish::Publisher::new(app.clone(), amqp.opts.clone(), fed.clone());
        let r = relay(&app, "node-a", vec![Arc::new(publisher)]);
        r.register(now).await.unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let feed = tokio::spawn(BrokerFeed::new(amqp.opts.clone(), fed).run(stopped));
        let id = paid_order(&t, now).await;
        let w = add_worker(&t, "13700002222", now).await;
        offers::offer(&app, &By::System, id, w, now).await.unwrap();
        while r.tick(now).await.unwrap() > 0 {}
        eventually("the text is sent", || sent.0.lock().unwrap().len() == 1).await;
        assert_eq!(sent.0.lock().unwrap()[0].phone.expose(), "13700002222");
        // Published again (the publisher's progress lost in a crash): delivered twice,
        // applied once.
        sea_orm::ConnectionTrait::execute_unprepared(
            t.store.db(),
            "UPDATE outbox_consumer SET position = 0",
        )
        .await
        .unwrap();
        while r.tick(now).await.unwrap() > 0 {}
        eventually("the duplicate is delivered", || *sms.1.lock().unwrap() == 2).await;
        assert_eq!(sent.0.lock().unwrap().len(), 1, "{:?}", t.backend);
        let rows = sms_outbox::Entity::find().all(t.store.db()).await.unwrap();
        assert_eq!(rows.len(), 1, "{:?}", t.backend);
        let marks = daojia_store::repo::processed::count(t.store.db(), worker_sms::NAME)
            .await
            .unwrap();
        assert_eq!(marks, 1, "{:?}", t.backend);
        stop.send(true).unwrap();
        feed.await.unwrap();
    })
    .await;
}
