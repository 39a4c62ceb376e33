//! Worker positions (issue 10, "Geo and state"): the worker app's reports
//! (`PUT /api/v1/worker/me/position`: validated, rate-limited, only while online), what
//! feeds the index besides (presence changes, check-ins) and who reads it (the dispatch
//! loader, the grab pool's distances, the board), the erasure of a worker, and a Redis
//! outage, after which dispatch goes by the database (home base, last job).

use crate::common;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use common::{Reply, TestApp, assert_problem, at, backends, grab, test_config};
use daojia_domain::access::Role;
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::{PositionSource, Presence};
use serde_json::{Value, json};
use uuid::Uuid;

const POSITION: &str = "/api/v1/worker/me/position";
const PRESENCE: &str = "/api/v1/worker/me/presence";

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(Method::PUT, path, Some(body), Some(token)).await
}

/// A worker of their own, online, with a token.
async fn online_worker(app: &TestApp, phone: &str) -> (Uuid, String) {
    let id = app.enrol_worker(phone).await;
    let token = app.worker_token(id).await;
    let r = put(
        app,
        PRESENCE,
        json!({"online": true, "accepting": true}),
        &token,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (id, token)
}

/// What the index holds for `id`.
async fn indexed(app: &TestApp, id: Uuid) -> Option<Presence> {
    app.state
        .shared
        .positions()
        .get(WorkerId(id))
        .await
        .unwrap()
}

/// How the dispatch loader places the workers of order `id`'s city now.
async fn pool(app: &TestApp, order: Uuid) -> Vec<(Uuid, Presence)> {
    let l = daojia_app::dispatch::load::load(&app.state.app, order, app.state.now())
        .await
        .unwrap()
        .unwrap();
    l.pool
        .workers()
        .iter()
        .map(|w| (w.id.0, w.presence))
        .collect()
}

/// How the dispatch loader places worker `w` for order `id` now.
async fn loaded(app: &TestApp, order: Uuid, w: Uuid) -> Presence {
    pool(app, order)
        .await
        .into_iter()
        .find(|(id, _)| *id == w)
        .expect("in the pool")
        .1
}

/// The grab pool's distance to order `id` as worker `token` sees it.
async fn grab_distance(app: &TestApp, token: &str, id: Uuid) -> f64 {
    let r = app.get("/api/v1/worker/grab-pool", Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["order_id"] == json!(id))
        .unwrap_or_else(|| panic!("order {id} in the pool: {}", r.text))["distance_m"]
        .as_f64()
        .unwrap()
}

#[tokio::test]
async fn a_position_report_is_checked_field_by_field() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (id, token) = online_worker(&app, "13700020001").await;
        let now = app.state.now();
        let ok = json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 25.0});
        for (body, field, code) in [
            (
                json!({"lat": 95.0, "lng": 121.44, "accuracy_m": 25.0}),
                "lat",
                "out_of_range",
            ),
            (
                json!({"lat": 31.2, "lng": 181.0, "accuracy_m": 25.0}),
                "lng",
                "out_of_range",
            ),
            (
                json!({"lat": 31.2, "lng": 121.44, "accuracy_m": -3.0}),
                "accuracy_m",
                "out_of_range",
            ),
            (
                json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 2500.0}),
                "accuracy_m",
                "too_inaccurate",
            ),
            (
                json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 25.0, "measured_at": (now + Duration::minutes(5)).to_rfc3339()}),
                "measured_at",
                "in_the_future",
            ),
            (
                json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 25.0, "measured_at": (now - Duration::minutes(30)).to_rfc3339()}),
                "measured_at",
                "too_old",
            ),
        ] {
            let r = put(&app, POSITION, body.clone(), &token).await;
            assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(
                (
                    r.body["errors"][0]["field"].as_str(),
                    r.body["errors"][0]["code"].as_str()
                ),
                (Some(field), Some(code)),
                "{b:?} {body}: {}",
                r.text
            );
        }
        // Malformed: a missing field, an unknown one, text for a number.
        for body in [
            json!({"lat": 31.2, "lng": 121.44}),
            json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 5.0, "speed": 3}),
            json!({"lat": "north", "lng": 121.44, "accuracy_m": 5.0}),
        ] {
            let r = put(&app, POSITION, body.clone(), &token).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{b:?} {body}: {}",
                r.text
            );
            assert!(r.body["errors"][0]["field"].is_string(), "{}", r.text);
        }
        assert_eq!(
            indexed(&app, id).await.map(|p| p.source),
            Some(PositionSource::HomeBase)
        );

        // A good one, measured a little ahead of the server's clock (the phone's skew).
        let mut body = ok.clone();
        body["measured_at"] = json!((now + Duration::seconds(20)).to_rfc3339());
        let r = put(&app, POSITION, body, &token).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["source"], "live");
        assert_eq!(
            (r.body["lat"].as_f64(), r.body["lng"].as_f64()),
            (Some(31.2), Some(121.44))
        );
        assert_eq!(
            r.body["seen_at"],
            json!(now.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        );
        let p = indexed(&app, id).await.unwrap();
        assert_eq!(
            (p.source, p.at, p.seen_at),
            (
                PositionSource::Live,
                LatLng::new(31.2, 121.44),
                now.timestamp()
            )
        );

        // One measured before it, arriving after it, changes nothing.
        let mut late = json!({"lat": 31.3, "lng": 121.5, "accuracy_m": 5.0});
        late["measured_at"] = json!((now - Duration::minutes(2)).to_rfc3339());
        let r = put(&app, POSITION, late, &token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["lat"], 31.2, "{}", r.text);
        assert_eq!(
            indexed(&app, id).await.unwrap().at,
            LatLng::new(31.2, 121.44)
        );

        // Off duty, nobody is followed.
        let r = put(
            &app,
            PRESENCE,
            json!({"online": false, "accepting": false}),
            &token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = put(&app, POSITION, ok.clone(), &token).await;
        assert_problem(&r, StatusCode::CONFLICT, "worker_offline");
        // Nor by anyone but a worker.
        let staff = app.staff_token("disp", Role::Dispatcher).await;
        let r = put(&app, POSITION, ok, &staff).await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN,
            "{}",
            r.text
        );
        // Going offline, or being suspended, is seen in the index.
        assert!(!indexed(&app, id).await.unwrap().online, "{b:?}");
        let (other, _) = online_worker(&app, "13700020002").await;
        assert!(indexed(&app, other).await.unwrap().accepting, "{b:?}");
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let r = put(
            &app,
            &format!("/api/v1/admin/workers/{other}/status"),
            json!({"status": "suspended", "reason": "documents expired"}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let p = indexed(&app, other).await.unwrap();
        assert_eq!((p.online, p.accepting), (false, false), "{b:?}");
    }
}

#[tokio::test]
async fn position_reports_are_rate_limited_per_worker() {
    for b in backends() {
        let mut cfg = test_config();
        cfg.workers.position_reports_per_minute = 3;
        let app = TestApp::with_config(b, cfg).await;
        let (_, one) = online_worker(&app, "13700020011").await;
        let (_, other) = online_worker(&app, "13700020012").await;
        let body = json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 10.0});
        for i in 0..3 {
            let r = put(&app, POSITION, body.clone(), &one).await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} report {i}: {}", r.text);
        }
        let r = put(&app, POSITION, body.clone(), &one).await;
        assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=20).contains(&wait), "{wait}");
        // Another worker has their own allowance.
        let r = put(&app, POSITION, body, &other).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dispatch_places_a_worker_by_their_report_before_their_home() {
    for b in backends() {
        let app = TestApp::with_config(b, grab::config()).await;
        let city = grab::city(&app, 50).await;
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let id = grab::pooled_order(&app, &city, at(date, 10), "geo").await;
        let row = daojia_store::repo::orders::get(app.state.store.db(), id)
            .await
            .unwrap()
            .unwrap();
        let place = LatLng::new(row.lat, row.lng);
        // Two workers who may claim it and live more than 2 km from it; the loader places
        // them at home (nothing else is known of them).
        let eligible = grab::eligible(&app, id).await;
        let far: Vec<(Uuid, LatLng)> = pool(&app, id)
            .await
            .into_iter()
            .filter(|(w, p)| eligible.contains(w) && haversine_m(p.at, place) > 2_000.0)
            .map(|(w, p)| {
                assert_eq!(p.source, PositionSource::HomeBase, "{b:?}");
                (w, p.at)
            })
            .collect();
        assert!(far.len() >= 2, "{b:?}: {far:?}");
        let (w, home) = far[0];
        let (x, _) = far[1];
        let row_w = daojia_store::repo::accounts::worker(app.state.store.db(), w)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(home, LatLng::new(row_w.home_lat, row_w.home_lng), "{b:?}");
        let token = app.worker_token(w).await;
        let d = grab_distance(&app, &token, id).await;
        assert_eq!(d, haversine_m(home, place).round(), "{b:?}");

        // 300 m north of the order, as the phone says.
        let here = LatLng::new(place.lat + 0.0027, place.lng);
        let r = put(
            &app,
            POSITION,
            json!({"lat": here.lat, "lng": here.lng, "accuracy_m": 12.0}),
            &token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let p = loaded(&app, id, w).await;
        assert_eq!((p.source, p.at), (PositionSource::Live, here), "{b:?}");
        let d = grab_distance(&app, &token, id).await;
        assert_eq!(d, haversine_m(here, place).round(), "{b:?}");
        assert!((d - 300.0).abs() < 5.0, "{b:?}: {d}");
        // Today's board shows it too.
        let disp = app.staff_token("geo-disp", Role::Dispatcher).await;
        let area = row_w.area_code.clone().unwrap();
        let board = app
            .get(&format!("/api/v1/admin/board?area={area}"), Some(&disp))
            .await;
        assert_eq!(board.status, StatusCode::OK, "{}", board.text);
        let bw = board.body["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == json!(w))
            .unwrap_or_else(|| panic!("{b:?}: {w} on the board of {area}: {}", board.text));
        assert_eq!(bw["position_source"], "live", "{b:?}");
        assert_eq!(
            (
                bw["position"]["lat"].as_f64(),
                bw["position"]["lng"].as_f64()
            ),
            (Some(here.lat), Some(here.lng)),
            "{b:?}"
        );

        // A presence change sets the flags and leaves the position.
        let r = put(
            &app,
            PRESENCE,
            json!({"online": true, "accepting": true}),
            &token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let p = indexed(&app, w).await.unwrap();
        assert_eq!(
            (p.source, p.at, p.online, p.accepting),
            (PositionSource::Live, here, true, true),
            "{b:?}"
        );
        let r = put(
            &app,
            PRESENCE,
            json!({"online": true, "accepting": false}),
            &token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let p = indexed(&app, w).await.unwrap();
        assert_eq!((p.at, p.online, p.accepting), (here, true, false), "{b:?}");

        // Checking in at the job puts the worker at its place.
        let r = app
            .post(
                &format!("/api/v1/worker/grab-pool/{id}/claim"),
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        for step in ["depart", "check_in"] {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{id}/visit"),
                    json!({"step": step}),
                    Some(&disp),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {step}: {}", r.text);
        }
        let p = indexed(&app, w).await.unwrap();
        assert_eq!(
            (p.source, p.at, p.seen_at),
            (PositionSource::LastJob, place, app.state.now().timestamp()),
            "{b:?}"
        );

        // A report goes stale: after two hours dispatch goes by the database again.
        let x_token = app.worker_token(x).await;
        let r = put(
            &app,
            POSITION,
            json!({"lat": here.lat, "lng": here.lng, "accuracy_m": 12.0}),
            &x_token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            loaded(&app, id, x).await.source,
            PositionSource::Live,
            "{b:?}"
        );
        app.advance(Duration::hours(2) + Duration::minutes(1));
        assert_eq!(
            loaded(&app, id, x).await.source,
            PositionSource::HomeBase,
            "{b:?}"
        );

        // An erased worker is forgotten.
        assert!(indexed(&app, x).await.is_some());
        let r = app
            .call(Method::DELETE, "/api/v1/worker/me", None, Some(&x_token))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);
        assert_eq!(indexed(&app, x).await, None, "{b:?}");
    }
}

/// A TCP relay to the test Redis that the test can cut, as an outage would.
struct Relay {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn to(redis_url: &str) -> Relay {
        let target = redis_url
            .trim_start_matches("redis://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                conns.spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
            }
        });
        Relay { url, task }
    }

    /// Closes the listener and every connection through it.
    fn cut(&self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_goes_away_dispatch_goes_by_the_database() {
    let redis = daojia_shared::testing::TestRedis::new();
    let relay = Relay::to(&redis.url).await;
    let mut cfg = grab::config();
    cfg.redis.url = Some(relay.url.clone());
    cfg.redis.prefix = redis.prefix.clone();
    let app = TestApp::with_config(backends()[0], cfg).await;
    assert_eq!(app.state.shared.positions().backend(), "redis");
    let city = grab::city(&app, 50).await;
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let id = grab::pooled_order(&app, &city, at(date, 10), "outage").await;
    let w = grab::eligible(&app, id).await[0];
    let token = app.worker_token(w).await;
    let body = json!({"lat": 31.2, "lng": 121.44, "accuracy_m": 10.0});
    let r = put(&app, POSITION, body.clone(), &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(loaded(&app, id, w).await.source, PositionSource::Live);

    relay.cut();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // Dispatch and the grab pool go on from the home base.
    let p = loaded(&app, id, w).await;
    assert_eq!(p.source, PositionSource::HomeBase);
    grab_distance(&app, &token, id).await;
    // A presence change is stored; a report is refused until Redis is back.
    let r = put(
        &app,
        PRESENCE,
        json!({"online": true, "accepting": false}),
        &token,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = put(&app, POSITION, body, &token).await;
    assert_problem(&r, StatusCode::SERVICE_UNAVAILABLE, "positions_unavailable");
    assert!(r.headers.contains_key("retry-after"));
    // Erasing a worker queues the removal of their position.
    let r = app
        .call(Method::DELETE, "/api/v1/worker/me", None, Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    use daojia_store::entity::job;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let queued = job::Entity::find()
        .filter(job::Column::Kind.eq(daojia_app::workers::positions::FORGET_JOB))
        .all(app.state.store.db())
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
}
