//! The notification service on every database: order events become one notification per
//! person however often the relay delivers them; opted-out channels are recorded as
//! skipped while the inbox still gets everything; quiet hours hold SMS and push until they
//! end (a moved clock); reminders are written once per visit.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use daojia_app::App;
use daojia_app::notifications::deliver::{self, Channels};
use daojia_app::notifications::inbox::{self, PreferenceInput};
use daojia_app::notifications::push::NoSubscriptions;
use daojia_app::notifications::{consumer, reminders};
use daojia_app::orders::{By, offers};
use daojia_app::outbox::Consumer;
use daojia_app::outbox::relay::{Relay, RelayOptions};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::notification::Audience;
use daojia_domain::order::machine::{Action, Actor, PaymentMethod, PaymentPlan, Window};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_notify::sms::LogSms;
use daojia_store::entity::{job, notification, notification_delivery, sms_outbox, worker};
use daojia_store::repo::{accounts, orders};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use uuid::Uuid;

fn app(t: &TestDb) -> App {
    App::new(
        t.store.clone(),
        Arc::new(daojia_domain::travel::TravelModel::default()),
    )
}

/// 2026-12-06 `h`:`m` in Shanghai.
fn shanghai(h: u32, m: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .from_local_datetime(
            &NaiveDate::from_ymd_opt(2026, 12, 6)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap(),
        )
        .unwrap()
        .with_timezone(&Utc)
}

/// A placed and paid order whose window starts at `start`.
async fn paid_order(t: &TestDb, start: DateTime<Utc>, now: DateTime<Utc>) -> (Uuid, CustomerId) {
    let phone = Phone::parse("13912345678").unwrap();
    let c = CustomerId(
        accounts::customer_for_login(&t.store, &phone, now)
            .await
            .unwrap()
            .id,
    );
    let new = orders::NewOrder {
        customer: c,
        area_code: None,
        address_id: None,
        contact_name: "陈女士".into(),
        contact_phone: phone,
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
    };
    let (row, _) = orders::place(&t.store, new, now, None, None).await.unwrap();
    let pay = Action::RecordPayment {
        amount: Money::fen(15_900),
        method: PaymentMethod::Demo,
        reference: format!("demo-{}", row.order_no),
    };
    orders::apply(&t.store, row.id, Actor::System, pay, now, None)
        .await
        .unwrap();
    (row.id, c)
}

async fn add_worker(t: &TestDb, phone: &str, now: DateTime<Utc>) -> Uuid {
    let p = Phone::parse(phone).unwrap();
    worker::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(format!("w{}", &phone[7..])),
        phone_enc: Set(t.store.vault().encrypt(accounts::WORKER_PHONE, p.expose())),
        phone_index: Set(accounts::phone_index(&t.store, &p)),
        name_enc: Set(accounts::seal_worker_name(&t.store, "王建国")),
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

fn relay(app: &App, now: DateTime<Utc>) -> Relay {
    let opts = RelayOptions {
        owner: "node-a".into(),
        grace: std::time::Duration::ZERO,
        ..RelayOptions::default()
    };
    let c: Arc<dyn Consumer> = Arc::new(consumer::Notifications::new(
        app.clone(),
        Arc::new(move || now),
    ));
    Relay::new(app.clone(), opts).with(c)
}

fn channels() -> Channels {
    Channels {
        sms: Arc::new(LogSms),
        push: vec![],
        subscriptions: Arc::new(NoSubscriptions),
    }
}

async fn notes(t: &TestDb) -> Vec<notification::Model> {
    notification::Entity::find()
        .all(t.store.db())
        .await
        .unwrap()
}

async fn deliveries(t: &TestDb, n: Uuid) -> Vec<notification_delivery::Model> {
    daojia_store::repo::notifications::deliveries_of(t.store.db(), n)
        .await
        .unwrap()
}

fn by_channel<'a>(
    ds: &'a [notification_delivery::Model],
    c: &str,
) -> &'a notification_delivery::Model {
    ds.iter()
        .find(|d| d.channel == c)
        .expect("a delivery of the channel")
}

/// Runs every delivery job due at `now`, as the server's runner does.
async fn run_due(t: &TestDb, app: &App, now: DateTime<Utc>) -> usize {
    let due = daojia_store::repo::jobs::claim(t.store.db(), "test", 50, Duration::seconds(60), now)
        .await
        .unwrap();
    let mut n = 0;
    for j in due {
        if j.kind == daojia_app::notifications::DELIVER_JOB {
            let p: serde_json::Value = serde_json::from_str(&j.payload).unwrap();
            deliver::run(app, &channels(), &p, now).await.unwrap();
            n += 1;
        }
        daojia_store::repo::jobs::complete(t.store.db(), j.id, "test", now)
            .await
            .unwrap();
    }
    n
}

#[tokio::test]
async fn an_event_delivered_twice_makes_one_notification_per_person() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let now = shanghai(10, 0);
        let app = app(&t);
        let r = relay(&app, now);
        r.register(now).await.unwrap();
        let (id, customer) = paid_order(&t, now + Duration::days(1), now).await;
        let w = add_worker(&t, "13700002222", now).await;
        offers::offer(&app, &By::System, id, w, now).await.unwrap();
        let worker = Actor::Worker { id: WorkerId(w) };
        orders::apply(&t.store, id, worker, Action::Accept, now, None)
            .await
            .unwrap();
        orders::apply(&t.store, id, worker, Action::Depart, now, None)
            .await
            .unwrap();
        r.tick(now).await.unwrap();
        let rows = notes(&t).await;
        let kinds: Vec<(&str, &str)> = rows
            .iter()
            .map(|n| (n.audience.as_str(), n.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("worker", "offer"),
                ("customer", "accepted"),
                ("customer", "departed")
            ],
            "{b:?}"
        );
        let departed = &rows[2];
        assert_eq!(departed.recipient_id, customer.0);
        assert!(
            departed.body.starts_with("王师傅已出发，预计 ")
                && departed.body.contains("分钟后到达"),
            "{}",
            departed.body
        );
        assert_eq!(
            departed.url.as_deref(),
            Some(format!("/orders/{id}").as_str())
        );
        // Departed goes to the inbox at once and by SMS and push through jobs.
        let ds = deliveries(&t, departed.id).await;
        assert_eq!(by_channel(&ds, "inbox").state, "sent");
        assert_eq!(by_channel(&ds, "sms").state, "pending");
        assert_eq!(by_channel(&ds, "push").state, "pending");
        // Accepted is not a text-message kind.
        assert!(
            deliveries(&t, rows[1].id)
                .await
                .iter()
                .all(|d| d.channel != "sms")
        );

        // The relay loses its progress (a crash) and delivers every event again.
        sea_orm::ConnectionTrait::execute_unprepared(
            t.store.db(),
            "UPDATE outbox_consumer SET position = 0",
        )
        .await
        .unwrap();
        r.tick(now).await.unwrap();
        assert_eq!(
            notes(&t).await.len(),
            3,
            "{b:?}: one notification per event and person"
        );
        let jobs = job::Entity::find()
            .filter(job::Column::Kind.eq(daojia_app::notifications::DELIVER_JOB))
            .all(t.store.db())
            .await
            .unwrap();
        // push for each of three, SMS for departed.
        assert_eq!(jobs.len(), 4, "{b:?}");

        // The jobs run: the text goes out (the offline provider records it), push has
        // nowhere to go on a node without subscriptions.
        assert_eq!(run_due(&t, &app, now).await, 4);
        let ds = deliveries(&t, departed.id).await;
        let sms = by_channel(&ds, "sms");
        assert_eq!((sms.state.as_str(), sms.attempts), ("sent", 1), "{b:?}");
        assert_eq!(sms.target.as_deref(), Some("139****5678 via log"));
        assert_eq!(by_channel(&ds, "push").state, "skipped");
        let texts = sms_outbox::Entity::find().all(t.store.db()).await.unwrap();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].template, "notify_departed");
        // Later: nothing more is due, nothing more is sent.
        assert_eq!(run_due(&t, &app, now + Duration::hours(1)).await, 0);
        assert_eq!(
            sms_outbox::Entity::find()
                .all(t.store.db())
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn an_opted_out_channel_is_recorded_as_skipped_and_the_inbox_still_gets_it() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let now = shanghai(10, 0);
        let app = app(&t);
        let r = relay(&app, now);
        r.register(now).await.unwrap();
        let (id, customer) = paid_order(&t, now + Duration::days(1), now).await;
        let off = PreferenceInput {
            off: vec!["departed:sms".into(), "departed:push".into()],
            ..Default::default()
        };
        inbox::set_preferences(&app, Audience::Customer, customer.0, &off, now)
            .await
            .unwrap();
        let w = add_worker(&t, "13700003333", now).await;
        offers::offer(&app, &By::System, id, w, now).await.unwrap();
        let worker = Actor::Worker { id: WorkerId(w) };
        orders::apply(&t.store, id, worker, Action::Accept, now, None)
            .await
            .unwrap();
        orders::apply(&t.store, id, worker, Action::Depart, now, None)
            .await
            .unwrap();
        r.tick(now).await.unwrap();
        let departed = notes(&t)
            .await
            .into_iter()
            .find(|n| n.kind == "departed")
            .expect("the inbox gets it");
        let ds = deliveries(&t, departed.id).await;
        assert_eq!(by_channel(&ds, "inbox").state, "sent", "{b:?}");
        for c in ["sms", "push"] {
            let d = by_channel(&ds, c);
            assert_eq!(d.state, "skipped", "{b:?} {c}");
            assert_eq!(d.last_error.as_deref(), Some("opted out"));
        }
        assert_eq!(
            inbox::unread(&app, Audience::Customer, customer.0)
                .await
                .unwrap(),
            2,
            "{b:?}: accepted and departed"
        );
    }
}

#[tokio::test]
async fn quiet_hours_hold_sms_and_push_until_they_end() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let late = shanghai(23, 0);
        let app = app(&t);
        let r = relay(&app, late);
        r.register(late).await.unwrap();
        let (id, customer) = paid_order(&t, late + Duration::hours(10), late).await;
        let quiet = PreferenceInput {
            quiet_start: Some("22:00".into()),
            quiet_end: Some("08:00".into()),
            ..Default::default()
        };
        inbox::set_preferences(&app, Audience::Customer, customer.0, &quiet, late)
            .await
            .unwrap();
        let w = add_worker(&t, "13700004444", late).await;
        offers::offer(&app, &By::System, id, w, late).await.unwrap();
        let worker = Actor::Worker { id: WorkerId(w) };
        orders::apply(&t.store, id, worker, Action::Accept, late, None)
            .await
            .unwrap();
        orders::apply(&t.store, id, worker, Action::Depart, late, None)
            .await
            .unwrap();
        r.tick(late).await.unwrap();
        let departed = notes(&t)
            .await
            .into_iter()
            .find(|n| n.kind == "departed")
            .unwrap();
        let morning = shanghai(8, 0) + Duration::days(1);
        let ds = deliveries(&t, departed.id).await;
        assert_eq!(
            by_channel(&ds, "inbox").state,
            "sent",
            "{b:?}: the inbox is silent"
        );
        assert_eq!(by_channel(&ds, "sms").not_before, morning, "{b:?}");
        assert_eq!(by_channel(&ds, "push").not_before, morning, "{b:?}");
        // Through the night only the worker's offer push is due (the worker has no quiet
        // hours); at 07:59 nothing.
        assert_eq!(
            run_due(&t, &app, late + Duration::hours(3)).await,
            1,
            "{b:?}"
        );
        assert_eq!(
            run_due(&t, &app, morning - Duration::minutes(1)).await,
            0,
            "{b:?}"
        );
        assert!(
            sms_outbox::Entity::find()
                .all(t.store.db())
                .await
                .unwrap()
                .is_empty()
        );
        // 08:00: the customer's held sends go (accepted's push, departed's SMS and push).
        assert_eq!(run_due(&t, &app, morning).await, 3, "{b:?}");
        let ds = deliveries(&t, departed.id).await;
        let sms = by_channel(&ds, "sms");
        assert_eq!(sms.state, "sent", "{b:?}");
        assert_eq!(sms.sent_at, Some(morning));
    }
}

#[tokio::test]
async fn a_push_held_by_quiet_hours_set_later_waits_for_their_end() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let late = shanghai(23, 30);
        let app = app(&t);
        let r = relay(&app, late);
        r.register(late).await.unwrap();
        let (id, _) = paid_order(&t, late + Duration::hours(10), late).await;
        let w = add_worker(&t, "13700005555", late).await;
        offers::offer(&app, &By::System, id, w, late).await.unwrap();
        r.tick(late).await.unwrap();
        let offer = notes(&t).await.into_iter().next().unwrap();
        assert_eq!(offer.kind, "offer");
        // The worker sets quiet hours before the job runs.
        let quiet = PreferenceInput {
            quiet_start: Some("23:00".into()),
            quiet_end: Some("07:00".into()),
            ..Default::default()
        };
        inbox::set_preferences(&app, Audience::Worker, w, &quiet, late)
            .await
            .unwrap();
        assert_eq!(run_due(&t, &app, late).await, 1, "{b:?}");
        let push = by_channel(&deliveries(&t, offer.id).await, "push").clone();
        let seven = shanghai(7, 0) + Duration::days(1);
        assert_eq!(
            (push.state.as_str(), push.attempts, push.not_before),
            ("pending", 0, seven),
            "{b:?}"
        );
        assert_eq!(push.last_error.as_deref(), Some("held for quiet hours"));
        assert_eq!(run_due(&t, &app, seven - Duration::seconds(1)).await, 0);
        assert_eq!(run_due(&t, &app, seven).await, 1);
        let push = by_channel(&deliveries(&t, offer.id).await, "push").clone();
        // No subscription on this node: recorded as having nowhere to go.
        assert_eq!(push.state, "skipped", "{b:?}");
        assert_eq!(push.last_error.as_deref(), Some("no push subscription"));
    }
}

#[tokio::test]
async fn reminders_are_written_once_per_visit() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let evening = shanghai(20, 0);
        let app = app(&t);
        let tomorrow_nine = shanghai(9, 0) + Duration::days(1);
        let (id, customer) = paid_order(&t, tomorrow_nine, evening - Duration::days(2)).await;
        let w = add_worker(&t, "13700006666", evening).await;
        offers::offer(&app, &By::System, id, w, evening)
            .await
            .unwrap();
        orders::apply(
            &t.store,
            id,
            Actor::Worker { id: WorkerId(w) },
            Action::Accept,
            evening,
            None,
        )
        .await
        .unwrap();
        // Before the evening hour: nothing.
        let r = reminders::run(&app, shanghai(18, 0)).await.unwrap();
        assert_eq!(r, reminders::Reminded::default(), "{b:?}");
        let r = reminders::run(&app, evening).await.unwrap();
        assert_eq!((r.tomorrow, r.soon), (1, 0), "{b:?}");
        // The next hour's run: already told.
        let r = reminders::run(&app, evening + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!((r.tomorrow, r.soon), (0, 0), "{b:?}");
        // 07:30 tomorrow: starting soon, to the customer and the worker, once.
        let soon = tomorrow_nine - Duration::minutes(90);
        let r = reminders::run(&app, soon).await.unwrap();
        assert_eq!((r.tomorrow, r.soon), (0, 2), "{b:?}");
        let r = reminders::run(&app, soon + Duration::minutes(30))
            .await
            .unwrap();
        assert_eq!(r.soon, 0, "{b:?}");
        let kinds: Vec<(String, Uuid)> = notes(&t)
            .await
            .into_iter()
            .map(|n| (n.kind, n.recipient_id))
            .collect();
        assert_eq!(
            kinds,
            [
                ("visit_tomorrow".to_string(), customer.0),
                ("starting_soon".to_string(), customer.0),
                ("job_soon".to_string(), w),
            ],
            "{b:?}"
        );
    }
}
