//! The demo city loads once, in one piece, on every database, and its accounts can log in.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, backends};
use daojia_domain::access::Role;
use daojia_server::demo::{self, DemoError};
use serde_json::json;

#[tokio::test]
async fn the_demo_city_loads_once_and_its_accounts_log_in() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let store = &app.state.store;
        let first = demo::load(store, 11).await.unwrap();
        assert!(first.fresh, "{b:?}");
        assert_eq!(
            (
                first.areas,
                first.categories,
                first.workers,
                first.customers
            ),
            (7, 6, 40, 200)
        );
        let counts = daojia_store::repo::accounts::counts(store.db())
            .await
            .unwrap();
        assert_eq!(
            (
                counts.customers,
                counts.workers,
                counts.staff,
                counts.service_areas,
                counts.service_items
            ),
            (200, 40, 6, 7, first.items as u64),
            "{b:?}"
        );

        // Loading again (even with another seed) changes nothing and reports the city there.
        let again = demo::load(store, 12).await.unwrap();
        assert!(!again.fresh, "{b:?}");
        assert_eq!(again.seed, 11);
        assert_eq!(again.sample_customer_phone, first.sample_customer_phone);
        let after = daojia_store::repo::accounts::counts(store.db())
            .await
            .unwrap();
        assert_eq!(
            (after.customers, after.workers, after.staff),
            (200, 40, 6),
            "{b:?}: no duplicates"
        );

        // Every role's demo account logs in with the demo password.
        for username in &first.staff_usernames {
            let r = app
                .post(
                    "/api/v1/public/auth/staff/login",
                    json!({"login": username, "password": first.staff_password}),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {username}: {}", r.text);
            if username == "partner" {
                // The partner's staff see their eight workers, none of the platform's.
                let token = r.body["access_token"].as_str();
                let list = app.get("/api/v1/admin/workers?limit=200", token).await;
                assert_eq!(list.status, StatusCode::OK, "{}", list.text);
                let codes: Vec<&str> = list.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|w| w["code"].as_str())
                    .collect();
                let members: Vec<String> = daojia_demo::city(11)
                    .workers
                    .into_iter()
                    .filter(|w| w.partner.is_some())
                    .map(|w| w.code)
                    .collect();
                assert_eq!(codes.len(), 8, "{b:?}: {codes:?}");
                assert!(
                    codes.iter().all(|c| members.iter().any(|m| m == c)),
                    "{codes:?}"
                );
            }
        }

        // The sample customer and worker are the city's, found through the blind index.
        let city = daojia_demo::city(11);
        let c = app
            .otp_login(&first.sample_customer_phone, "customer")
            .await;
        let me = app
            .get("/api/v1/customer/me", c["access_token"].as_str())
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["nickname"], city.customers[0].nickname, "{b:?}");
        let w = app.otp_login(&first.sample_worker_phone, "worker").await;
        let me = app
            .get("/api/v1/worker/me", w["access_token"].as_str())
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["name"], city.workers[0].name, "{b:?}");
        assert_eq!(
            me.body["skills"].as_array().unwrap().len(),
            city.workers[0].skills.len()
        );

        // Areas are stored as GeoJSON that parses back into the same outline.
        let areas = daojia_store::repo::catalog::areas(store.db())
            .await
            .unwrap();
        let xuhui = areas.iter().find(|a| a.code == "sh-xuhui").unwrap();
        let geo: daojia_domain::geo::GeoJsonPolygon = serde_json::from_str(&xuhui.polygon).unwrap();
        let polygon = daojia_domain::geo::Polygon::from_geojson(&geo).unwrap();
        assert!(
            polygon.contains(daojia_domain::geo::LatLng::new(31.1950, 121.4365)),
            "Xujiahui is in Xuhui"
        );

        // Its running promotion, and the flag that shows it as a banner, on for a visitor.
        let shown = app
            .get("/api/v1/public/promotions?area=sh-xuhui", None)
            .await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
        assert_eq!(shown.body[0]["standing"], "open", "{b:?}: {}", shown.text);
        assert_eq!(shown.body[0]["remaining"], 100);
        let flags = app.get("/api/v1/public/flags?area=sh-xuhui", None).await;
        assert_eq!(
            flags.body["flags"][daojia_app::demo_city::PROMOTIONS_BANNER_FLAG],
            true,
            "{b:?}: {}",
            flags.text
        );
    }
}

#[tokio::test]
async fn the_demo_refuses_a_database_with_real_accounts() {
    for b in backends() {
        let app = TestApp::new(b).await;
        app.staff_token("ops1", Role::Dispatcher).await;
        let err = demo::load(&app.state.store, 1).await.unwrap_err();
        assert!(matches!(err, DemoError::NotEmpty(_)), "{b:?}: {err}");
        assert!(err.to_string().contains("1 staff"), "{err}");
        assert_eq!(demo::loaded_seed(&app.state.store).await.unwrap(), None);
    }
}

/// The apps' map settings, and the demo's offline base map (only when serving the demo).
#[tokio::test]
async fn the_demo_serves_its_base_map_and_the_apps_learn_how_to_draw_maps() {
    let b = backends()[0];
    let app = TestApp::new(b).await;
    let cfg = app.get("/api/v1/public/config", None).await;
    assert_eq!(cfg.body["map"]["tile_coord"], "wgs84");
    assert_eq!(cfg.body["map"]["basemap"], false);
    assert!(cfg.body["map"]["amap_js_key"].is_null());
    let r = app.get("/api/v1/public/basemap", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let demo_state = daojia_server::build(
        common::test_config(),
        app.state.store.clone(),
        daojia_server::BuildOptions {
            demo: true,
            ..Default::default()
        },
    )
    .unwrap();
    let router = daojia_server::app(demo_state);
    let req = axum::http::Request::builder()
        .uri("/api/v1/public/basemap")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let map: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let kinds: std::collections::BTreeSet<&str> = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains("district") && kinds.contains("river"),
        "{kinds:?}"
    );
}

/// A test app serving the demo with `history_days` of history and up to `booked` orders a
/// booked day, its clock at 10:10 in Shanghai on 2 December 2026.
async fn demo_app(b: daojia_store::testing::Backend, history_days: u32, booked: u32) -> TestApp {
    let mut cfg = common::test_config();
    cfg.demo.seed = 11;
    cfg.demo.history_days = history_days;
    cfg.demo.booked_per_day = booked;
    let app = TestApp::with_config(b, cfg).await;
    *app.now.lock().unwrap() = "2026-12-02T02:10:00Z".parse().unwrap();
    app
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

/// Local midnight of `date` in Shanghai.
fn midnight(date: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    daojia_store::repo::slots::midnight(chrono_tz::Asia::Shanghai, date)
}

async fn all_orders(app: &TestApp) -> Vec<daojia_store::entity::service_order::Model> {
    use sea_orm::EntityTrait;
    daojia_store::entity::service_order::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
}

async fn all_events(app: &TestApp) -> Vec<daojia_store::entity::order_event::Model> {
    use sea_orm::EntityTrait;
    daojia_store::entity::order_event::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_history_has_completed_orders_ratings_complaints_and_cancellations_and_loads_once() {
    use daojia_store::entity::{review, worker};
    use sea_orm::EntityTrait;
    for b in backends() {
        let app = demo_app(b, 21, 0).await;
        let db = app.state.store.db();
        let now = app.state.now();
        let started = demo::start(&app.state).await.unwrap();
        let h = &started.history;
        assert!(h.fresh, "{b:?}");
        // The first customers and workers have messages from their orders, the newest two
        // of each unread.
        let notes = daojia_store::entity::notification::Entity::find()
            .all(db)
            .await
            .unwrap();
        for audience in ["customer", "worker"] {
            assert!(
                notes.iter().any(|n| n.audience == audience),
                "{b:?}: {audience} messages"
            );
        }
        let mut unread: std::collections::HashMap<_, usize> = Default::default();
        for n in notes.iter().filter(|n| n.read_at.is_none()) {
            *unread.entry(n.recipient_id).or_default() += 1;
        }
        assert!(unread.values().all(|&u| u <= 2), "{b:?}: {unread:?}");
        assert!((21 * 20..=21 * 40).contains(&h.orders), "{b:?}: {h:?}");
        assert!(started.days.iter().all(|d| d.placed == 0));

        let orders = all_orders(&app).await;
        assert_eq!(orders.len(), h.orders, "{b:?}");
        let completed = orders.iter().filter(|o| o.state == "completed").count();
        let cancelled = orders.iter().filter(|o| o.state == "cancelled").count();
        assert_eq!((completed, cancelled), (h.completed, h.cancelled), "{b:?}");
        assert!(completed * 10 > orders.len() * 8, "{b:?}: mostly completed");
        for o in &orders {
            assert!(o.window_start < midnight(today()), "{b:?}: in the past");
            assert!(o.updated_at < now && o.created_at < o.window_start);
            match o.state.as_str() {
                "completed" => assert!(o.paid_fen == o.total_fen && o.completed_at.is_some()),
                "cancelled" => assert_eq!(o.paid_fen - o.refunded_fen, o.fee_fen, "{b:?}"),
                s => panic!("{b:?}: a past order is {s}"),
            }
        }
        // Timelines: in time order, every step before now, the visit's steps by its worker.
        let events = all_events(&app).await;
        let mut by_order: std::collections::BTreeMap<_, Vec<_>> = Default::default();
        for e in &events {
            by_order.entry(e.order_id).or_default().push(e);
        }
        for (_, mut es) in by_order {
            es.sort_by_key(|e| e.seq);
            assert!(es.windows(2).all(|w| w[0].at <= w[1].at), "{b:?}: {es:?}");
            assert!(es.iter().all(|e| e.at < now));
            assert_eq!(es[0].action, "place");
        }
        // Every past order has its service record, the past days are anchored: clean.
        let report = daojia_app::records::verify(&app.state.app, daojia_app::records::Scope::All)
            .await
            .unwrap();
        assert!(report.clean(), "{b:?}: {:?}", report.problems);
        // One entry per event, plus the service records' entries (checklist, note,
        // materials of the completed visits; the evidence of a customer not home).
        use daojia_store::entity::service_record;
        use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
        let recorded = service_record::Entity::find()
            .filter(service_record::Column::Kind.ne("event"))
            .count(app.state.store.db())
            .await
            .unwrap() as usize;
        assert!(
            recorded > completed,
            "{b:?}: {recorded} service record entries"
        );
        assert_eq!(
            (report.orders as usize, report.entries as usize),
            (orders.len(), events.len() + recorded),
            "{b:?}"
        );
        assert!(report.anchors >= 20, "{b:?}: {report:?}");
        let actions = |name: &str| events.iter().filter(|e| e.action == name).count();
        assert_eq!(actions("complete"), completed, "{b:?}");
        assert!(actions("offer") > 0 && actions("accept") > 0 && actions("assign") > 0);
        assert!(actions("open_after_sales") > 0, "{b:?}: some complaints");
        assert_eq!(actions("open_after_sales"), h.complaints);
        let refunded = orders
            .iter()
            .filter(|o| o.state == "completed" && o.refunded_fen > 0)
            .count();
        assert!(
            refunded > 0 && refunded < h.complaints,
            "{b:?}: some complaints upheld, some declined ({refunded} of {})",
            h.complaints
        );
        // Late arrivals: checked in after the window.
        let late = events
            .iter()
            .filter(|e| e.action == "check_in")
            .filter(|e| {
                orders
                    .iter()
                    .any(|o| o.id == e.order_id && e.at > o.window_end)
            })
            .count();
        assert!(late > 0, "{b:?}: some late arrivals");
        // Cancellations by customers (some with the late fee) and after workers let them down.
        let reasons: Vec<&str> = events
            .iter()
            .filter(|e| e.action == "cancel")
            .map(|e| e.detail.as_str())
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains("爽约")),
            "{b:?}: a no-show"
        );
        assert!(reasons.iter().any(|r| r.contains("师傅临时取消")), "{b:?}");
        assert!(
            events
                .iter()
                .any(|e| e.action == "cancel" && e.actor_type == "customer")
        );

        // Reviews: mostly good, some low with tags, most with a text; each worker's rating is
        // the Bayesian average of their reviews (the prior without any).
        let reviews = review::Entity::find().all(db).await.unwrap();
        assert_eq!(reviews.len(), h.reviews, "{b:?}");
        assert!(reviews.len() * 2 > completed, "{b:?}: most visits reviewed");
        let good = reviews.iter().filter(|r| r.rating >= 4).count();
        assert!(
            good * 10 >= reviews.len() * 8,
            "{b:?}: {good} of {}",
            reviews.len()
        );
        assert!(reviews.iter().any(|r| r.rating <= 3 && r.tags != "[]"));
        for r in &reviews {
            let o = orders.iter().find(|o| o.id == r.order_id).unwrap();
            assert_eq!(
                (o.state.as_str(), o.worker_id),
                ("completed", Some(r.worker_id))
            );
            assert_eq!(o.customer_id, r.customer_id);
        }
        let ids: Vec<_> = worker::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|w| (w.id, w.rating_tenths))
            .collect();
        let ratings = daojia_store::repo::reviews::ratings(
            db,
            &ids.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            &app.state.app.settings.reviews,
        )
        .await
        .unwrap();
        assert!(!ratings.is_empty());
        let prior = app.state.app.settings.reviews.rating_tenths([]);
        for (id, tenths) in &ids {
            match ratings.get(id) {
                Some(r) => assert_eq!(r.tenths, *tenths, "{b:?}: the rating is the reviews'"),
                None => assert_eq!(*tenths, prior, "{b:?}: no reviews, the prior"),
            }
        }
        // Most say something; the complaints too.
        let texts = reviews.iter().filter(|r| r.body.is_some()).count();
        assert!(texts * 2 > reviews.len(), "{b:?}: {texts} with text");
        assert!(
            reviews
                .iter()
                .any(|r| r.rating <= 2 && r.body.as_deref().is_some_and(|t| !t.is_empty()))
        );

        // Starting again adds nothing.
        app.advance(chrono::Duration::hours(1));
        let again = demo::start(&app.state).await.unwrap();
        assert!(!again.history.fresh && !again.loaded.fresh);
        assert_eq!(again.history.orders, h.orders);
        assert_eq!(all_orders(&app).await.len(), orders.len(), "{b:?}");
        assert_eq!(
            review::Entity::find().all(db).await.unwrap().len(),
            reviews.len()
        );
    }
}

#[tokio::test]
async fn today_and_tomorrow_are_booked_through_the_slots_some_assigned_and_a_few_at_risk() {
    use daojia_domain::slots::DayPlan;
    use daojia_store::repo::{alarms, slots};
    for b in backends() {
        let app = demo_app(b, 0, 40).await;
        let db = app.state.store.db();
        let now = app.state.now();
        let started = demo::start(&app.state).await.unwrap();
        let tomorrow = today().succ_opt().unwrap();
        let dates: Vec<_> = started.days.iter().map(|d| d.date).collect();
        assert_eq!(dates, [today(), tomorrow]);
        let orders = all_orders(&app).await;
        for d in &started.days {
            assert!(d.fresh && d.placed >= 25, "{b:?}: {d:?}");
            assert!(d.assigned > 0 && d.waiting > 0, "{b:?}: {d:?}");
            let on_day: Vec<_> = orders
                .iter()
                .filter(|o| {
                    o.window_start >= midnight(d.date)
                        && o.window_start < midnight(d.date.succ_opt().unwrap())
                })
                .collect();
            assert_eq!(on_day.len(), d.placed, "{b:?} {}", d.date);
            let with_worker = on_day.iter().filter(|o| o.worker_id.is_some()).count();
            assert_eq!(with_worker, d.assigned + d.offered, "{b:?}");
            assert!(on_day.iter().all(|o| o.paid_fen > 0), "paid");
            // Some of the workers' jobs carry the customer's notes for the job card.
            let noted = on_day
                .iter()
                .filter(|o| o.worker_id.is_some())
                .filter(|o| {
                    !daojia_store::repo::orders::notes(&app.state.store, o)
                        .unwrap()
                        .is_empty()
                })
                .count();
            assert!(noted > 0, "{b:?} {}: no job with notes", d.date);
        }
        // A few orders need two trades: each is two visits sharing the first one's id.
        let mut bundles: std::collections::BTreeMap<uuid::Uuid, usize> = Default::default();
        for o in &orders {
            if let Some(id) = o.bundle_id {
                *bundles.entry(id).or_default() += 1;
            }
        }
        assert!(!bundles.is_empty(), "{b:?}: no order of two trades");
        assert!(bundles.len() <= 6, "{b:?}: {bundles:?}");
        assert!(bundles.values().all(|n| *n == 2), "{b:?}: {bundles:?}");
        let today_ = &started.days[0];
        assert!((1..=3).contains(&today_.at_risk), "{b:?}: {today_:?}");
        // The morning is under way: visits done, in service, on the way.
        let states: std::collections::BTreeSet<&str> =
            orders.iter().map(|o| o.state.as_str()).collect();
        for s in ["completed", "in_service", "accepted", "pending_dispatch"] {
            assert!(states.contains(s), "{b:?}: no {s} order in {states:?}");
        }
        // Nobody waits for a worker in a window that has started.
        for o in &orders {
            if o.worker_id.is_none() {
                assert!(
                    o.window_start > now + chrono::Duration::minutes(20),
                    "{b:?}"
                );
            }
        }
        // The sample customer's account has no open order (it may be deleted on the
        // privacy page).
        let sample =
            daojia_domain::phone::Phone::parse(&started.loaded.sample_customer_phone).unwrap();
        let c = daojia_store::repo::accounts::customer_by_phone(&app.state.store, &sample)
            .await
            .unwrap()
            .unwrap();
        assert!(orders.iter().all(|o| o.customer_id != c.id));

        // Slot search's own day plan places every order (so the planner can plan them).
        let areas = daojia_store::repo::catalog::areas(db).await.unwrap();
        let pool = slots::pool_of(&areas, &areas[0]);
        for (date, workers, pending) in
            slots::load_days(db, &pool, chrono_tz::Asia::Shanghai, today(), 2, None)
                .await
                .unwrap()
        {
            let plan = DayPlan::build(workers, pending, app.state.travel.as_ref());
            assert!(
                plan.unplaced().is_empty(),
                "{b:?} {date}: {:?}",
                plan.unplaced()
            );
        }

        // The job queue runs every timer that is due: nothing is cancelled, and the orders
        // starting soon without a worker are in the exceptions queue.
        while daojia_server::jobs::tick(&app.state, "t").await.unwrap() > 0 {}
        let after = all_orders(&app).await;
        assert!(after.iter().all(|o| o.state != "cancelled"), "{b:?}");
        let open = alarms::open(db).await.unwrap();
        let unassigned = open
            .iter()
            .filter(|a| a.kind == alarms::kind::UNASSIGNED_NEAR_START)
            .count();
        assert_eq!(unassigned, today_.at_risk, "{b:?}: {open:?}");

        // A second start the same day books nothing more.
        app.advance(chrono::Duration::minutes(30));
        let again = demo::start(&app.state).await.unwrap();
        assert!(again.days.iter().all(|d| !d.fresh));
        assert_eq!(again.days[0].placed, today_.placed);
        assert_eq!(all_orders(&app).await.len(), orders.len(), "{b:?}");
    }
}

#[tokio::test]
async fn a_start_a_week_later_books_that_days_today_and_tomorrow_and_keeps_the_history() {
    for b in backends() {
        let app = demo_app(b, 7, 15).await;
        let first = demo::start(&app.state).await.unwrap();
        let before = all_orders(&app).await.len();
        assert_eq!(
            before,
            first.history.orders + first.days.iter().map(|d| d.placed).sum::<usize>()
        );
        app.advance(chrono::Duration::days(7));
        let later = demo::start(&app.state).await.unwrap();
        assert!(!later.history.fresh, "{b:?}: the history loads once");
        let week = today() + chrono::Duration::days(7);
        assert_eq!(later.days[0].date, week);
        assert!(
            later.days.iter().all(|d| d.fresh && d.placed > 0),
            "{b:?}: {later:?}"
        );
        let added: usize = later.days.iter().map(|d| d.placed).sum();
        let orders = all_orders(&app).await;
        assert_eq!(orders.len(), before + added, "{b:?}");
        assert_eq!(
            orders
                .iter()
                .filter(|o| o.window_start >= midnight(week))
                .count(),
            added
        );
    }
}

/// The worker the demo's banner offers (the browser walks log in as them).
async fn banner_worker(
    app: &TestApp,
    loaded: &demo::Loaded,
) -> daojia_store::entity::worker::Model {
    daojia_store::repo::accounts::worker_by_phone(
        &app.state.store,
        &daojia_app::demo_city::phone(&loaded.sample_worker_phone),
    )
    .await
    .unwrap()
    .expect("the banner's worker exists")
}

#[tokio::test]
async fn with_the_simulator_the_demo_pays_one_wechat_withdrawal_and_the_ledger_stays_clean() {
    use daojia_store::entity::withdrawal;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for b in backends() {
        let mut cfg = common::test_config();
        cfg.demo.seed = 11;
        cfg.demo.history_days = 21;
        cfg.demo.booked_per_day = 0;
        cfg.pay.simulator = true;
        // The seed applies WeChat's callback itself; nobody listens here.
        cfg.pay.notify_base_url = Some("http://127.0.0.1:9".into());
        // The test's clock stays near the wall clock: WeChat's signed callback must be fresh.
        let app = TestApp::with_config(b, cfg).await;
        let db = app.state.store.db();
        let started = demo::start(&app.state).await.unwrap();
        let paid = started
            .wechat_withdrawal
            .unwrap_or_else(|| panic!("{b:?}: a WeChat withdrawal"));
        assert_eq!(
            (paid.channel.as_str(), paid.state.as_str()),
            ("wechat", "paid"),
            "{b:?}: {paid:?}"
        );
        assert!(
            paid.amount_fen > 0 && paid.amount_fen % 100 == 0,
            "{paid:?}"
        );
        assert_eq!(paid.amount_fen, paid.net_fen + paid.fee_fen);
        // Not the worker the banner offers: the browser walk binds that one itself.
        let sample = banner_worker(&app, &started.loaded).await;
        assert_ne!(paid.worker_id, sample.id, "{b:?}");
        let payee = daojia_app::finance::transfers::payee_view(&app.state.app, paid.worker_id)
            .await
            .unwrap();
        assert!(payee.wechat_bound, "{b:?}: {payee:?}");
        // The worker sees it paid, and finance sees the whole flow.
        let token = app.worker_token(paid.worker_id).await;
        let mine = app.get("/api/v1/worker/withdrawals", Some(&token)).await;
        assert_eq!(mine.body[0]["id"], json!(paid.id), "{b:?}: {}", mine.text);
        assert_eq!(mine.body[0]["state"], "paid");
        let fin = app.staff_token("fin", Role::Finance).await;
        let r = app
            .get("/api/v1/admin/withdrawals?state=paid", Some(&fin))
            .await;
        assert!(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["id"] == json!(paid.id) && w["channel"] == "wechat"),
            "{b:?}: {}",
            r.text
        );
        let report = daojia_store::repo::ledger::check(db).await.unwrap();
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
        // A second start adds none.
        let again = demo::start(&app.state).await.unwrap();
        assert!(again.wechat_withdrawal.is_none(), "{b:?}");
        let wechat = withdrawal::Entity::find()
            .filter(withdrawal::Column::Channel.eq("wechat"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(wechat.len(), 1, "{b:?}");
    }
}

#[tokio::test]
/// The browser walks withdraw as the worker the banner offers: on a first start at any
/// date and hour they have a settled balance of their own (the history's latest orders
/// fall on other workers at other hours), and not one already asked for.
async fn the_banner_worker_has_a_settled_balance_whatever_the_hour_of_the_first_start() {
    use daojia_server::config::DemoConfig;
    use daojia_store::entity::withdrawal;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let starts = [
        "2026-12-02T02:10:00Z",
        "2026-12-06T16:30:00Z",
        "2026-12-07T01:00:00Z",
        "2026-12-07T07:45:00Z",
        "2026-12-07T13:20:00Z",
    ];
    for at in starts {
        let mut cfg = common::test_config();
        cfg.demo.seed = DemoConfig::default().seed;
        cfg.demo.history_days = 14;
        cfg.demo.booked_per_day = 0;
        let app = TestApp::with_config(daojia_store::testing::Backend::Sqlite, cfg).await;
        *app.now.lock().unwrap() = at.parse().unwrap();
        let started = demo::start(&app.state).await.unwrap();
        let sample = banner_worker(&app, &started.loaded).await;
        let db = app.state.store.db();
        let have = daojia_store::repo::earnings::withdrawable(db, sample.id)
            .await
            .unwrap()
            .as_fen();
        assert!(have >= 1_000, "{at}: the banner's worker has {have} fen");
        let asked = withdrawal::Entity::find()
            .filter(withdrawal::Column::WorkerId.eq(sample.id))
            .count(db)
            .await
            .unwrap();
        assert_eq!(asked, 0, "{at}");
        let report = daojia_store::repo::ledger::check(db).await.unwrap();
        assert!(report.problems.is_empty(), "{at}: {:?}", report.problems);
    }
}
