//! Location tracking on every backend (docs/location.md): batches of points from the
//! worker app while online and consented, hostile batches refused whole with every point
//! named and counted in the metrics, impossible jumps dropped and counted, a resent batch
//! stored once, the visit's downsampled track and last position for its customer only
//! while the worker is on the way (and for the worker and staff), the position published
//! on the order's topic, and raw points deleted by the hourly retention job.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends, test_config};
use daojia_domain::access::Role;
use daojia_domain::ids::WorkerId;
use daojia_shared::Received;
use daojia_store::entity::{job_track, track_point, worker};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::sync::OnceLock;
use uuid::Uuid;

const LOCATIONS: &str = "/api/v1/worker/locations";
const CONSENT: &str = "/api/v1/worker/me/tracking-consent";

struct Town {
    app: TestApp,
    customer: String,
    address: Uuid,
    disp: String,
    worker: Uuid,
    token: String,
}

fn metrics_handle() -> metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| daojia_server::ops::install_metrics_recorder().expect("the first recorder"))
        .clone()
}

async fn town(b: daojia_store::testing::Backend) -> Town {
    let mut cfg = test_config();
    cfg.booking.demo_autopay = Some(true);
    // The visit is tomorrow; the test checks in today, without a reason.
    cfg.visit.check_in.early_min = 3 * 24 * 60;
    let app = TestApp::with_options(
        b,
        cfg,
        daojia_server::BuildOptions {
            metrics: Some(metrics_handle()),
            ..Default::default()
        },
    )
    .await;
    let DemoCustomer {
        token: customer,
        address,
        ..
    } = app.demo_customer(8).await;
    let worker = worker::Entity::find()
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::Skills.contains("cleaning"))
        .order_by_asc(worker::Column::Id)
        .one(app.state.store.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let disp = app.staff_token("disp", Role::Dispatcher).await;
    let token = app.worker_token(worker).await;
    Town {
        app,
        customer,
        address,
        disp,
        worker,
        token,
    }
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(Method::PUT, path, Some(body), Some(token)).await
}

/// The worker online (and taking orders) with tracking consent.
async fn on_duty(t: &Town) {
    let r = put(
        &t.app,
        "/api/v1/worker/me/presence",
        json!({"online": true, "accepting": true}),
        &t.token,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = put(&t.app, CONSENT, json!({"granted": true}), &t.token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

fn point(at: DateTime<Utc>, lat: f64, lng: f64) -> Value {
    json!({"at": at.to_rfc3339(), "lat": lat, "lng": lng, "accuracy_m": 8.0,
           "speed_mps": 5.0, "heading_deg": 90.0, "battery_pct": 71.0})
}

fn batch(points: Vec<Value>) -> Value {
    json!({"batch_id": Uuid::now_v7(), "points": points})
}

async fn send(t: &Town, body: &Value) -> Reply {
    t.app.post(LOCATIONS, body.clone(), Some(&t.token)).await
}

async fn points_stored(app: &TestApp) -> u64 {
    track_point::Entity::find()
        .count(app.state.store.db())
        .await
        .unwrap()
}

fn field_codes(r: &Reply) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `hour`:00 tomorrow in Shanghai.
fn tomorrow(app: &TestApp, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

/// A paid order of the customer's for tomorrow, assigned to the town's worker, who sets
/// off for it.
async fn on_the_way(t: &Town) -> Uuid {
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": t.address,
                      "window_start": tomorrow(&t.app, 10).to_rfc3339()});
    let r = t
        .app
        .post_keyed(
            "/api/v1/customer/orders",
            &t.customer,
            Some(&Uuid::now_v7().to_string()),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let order: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/orders/{order}/assign"),
            json!({"worker_id": t.worker, "override_reason": "test: tracks"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t
        .app
        .post(
            &format!("/api/v1/worker/jobs/{order}/depart"),
            json!({}),
            Some(&t.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Three minutes on the road: the points after departure are the visit's.
    t.app.advance(Duration::minutes(3));
    order
}

async fn metrics_text(app: &TestApp) -> String {
    let r = app
        .send(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    r.text
}

/// The value of the counter line that starts with `prefix`, 0 when absent.
fn counter(text: &str, name: &str, labels: &[(&str, &str)]) -> u64 {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

#[tokio::test]
async fn hostile_batches_are_refused_whole_named_and_counted() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let now = app.state.now();
        let good = batch(vec![point(now, 31.2, 121.4)]);
        // Not consented, not online: 409 with their codes.
        let r = send(&t, &good).await;
        assert_problem(&r, StatusCode::CONFLICT, "tracking_consent_required");
        let r = put(app, CONSENT, json!({"granted": true}), &t.token).await;
        assert_eq!(r.body["granted"], true, "{}", r.text);
        let r = app.get(CONSENT, Some(&t.token)).await;
        assert_eq!(r.body["granted"], true, "{}", r.text);
        let r = send(&t, &good).await;
        assert_problem(&r, StatusCode::CONFLICT, "worker_offline");
        on_duty(&t).await;
        let before = metrics_text(app).await;

        // NaN is not JSON: 400 before anything is read.
        let raw = format!(
            r#"{{"batch_id":"{}","points":[{{"at":"{}","lat":NaN,"lng":121.4,"accuracy_m":5}}]}}"#,
            Uuid::now_v7(),
            now.to_rfc3339()
        );
        let r = app
            .send(
                Request::builder()
                    .method("POST")
                    .uri(LOCATIONS)
                    .header("authorization", format!("Bearer {}", t.token))
                    .header("content-type", "application/json")
                    .body(Body::from(raw))
                    .unwrap(),
            )
            .await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "malformed_json");
        // Out of range, too old, ahead of the clock, among good points: every bad point
        // named, nothing stored.
        let mut bad = point(now, 91.0, 121.4);
        bad["heading_deg"] = json!(400.0);
        let r = send(
            &t,
            &batch(vec![
                point(now - Duration::seconds(30), 31.2, 121.4),
                bad,
                point(now - Duration::days(3), 31.2, 121.4),
                point(now + Duration::hours(1), 31.2, 121.4),
                point(now, 31.2, 181.0),
            ]),
        )
        .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [
                ("points[1].lat", "out_of_range"),
                ("points[1].heading_deg", "out_of_range"),
                ("points[2].at", "too_old"),
                ("points[3].at", "in_the_future"),
                ("points[4].lng", "out_of_range"),
            ]
            .map(|(f, c)| (f.to_string(), c.to_string())),
            "{b:?}"
        );
        // Ten thousand points: refused by count, read in full (not cut off by the body
        // limit) so that it is counted.
        let many: Vec<Value> = (0..10_000)
            .map(|i| json!({"at": (now - Duration::seconds(i)).to_rfc3339(), "lat": 31.2, "lng": 121.4, "accuracy_m": 5}))
            .collect();
        let r = send(&t, &batch(many)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [("points".to_string(), "too_many".to_string())]
        );
        let r = send(&t, &batch(vec![])).await;
        assert_eq!(field_codes(&r)[0].1, "empty", "{}", r.text);
        assert_eq!(points_stored(app).await, 0, "{b:?}: nothing stored half");

        let after = metrics_text(app).await;
        let rejected = |text: &str, reason: &str| {
            counter(
                text,
                "location_batches_total",
                &[("outcome", "rejected"), ("reason", reason)],
            )
        };
        for (reason, n) in [
            ("malformed_json", 1),
            ("out_of_range", 1),
            ("too_many", 1),
            ("empty", 1),
        ] {
            assert_eq!(
                rejected(&after, reason) - rejected(&before, reason),
                n,
                "{b:?} {reason}: {after}"
            );
        }
        let refused_points =
            |text: &str| counter(text, "location_points_total", &[("outcome", "rejected")]);
        assert_eq!(refused_points(&after) - refused_points(&before), 10_005);

        // Withdrawn consent stops it again.
        put(app, CONSENT, json!({"granted": false}), &t.token).await;
        let r = send(&t, &good).await;
        assert_problem(&r, StatusCode::CONFLICT, "tracking_consent_required");
    }
}

#[tokio::test]
async fn a_visit_is_tracked_for_its_customer_only_on_the_way() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        on_duty(&t).await;
        let order = on_the_way(&t).await;
        let mut sub = app
            .state
            .shared
            .hub()
            .subscribe(&format!("order:{order}"))
            .unwrap();
        let row = daojia_store::repo::orders::get(app.state.store.db(), order)
            .await
            .unwrap()
            .unwrap();
        // Towards the address from 2 km south: 50 m every 4 s (45 km/h) in a straight
        // line, one point 40 km off, one point doubled.
        let now = app.state.now();
        let start = now - Duration::seconds(166);
        let mut pts: Vec<Value> = (0..40)
            .map(|i| {
                point(
                    start + Duration::seconds(4 * i),
                    row.lat - 0.018 + 0.00045 * i as f64,
                    row.lng,
                )
            })
            .collect();
        pts[20] = point(start + Duration::seconds(80), row.lat + 0.4, row.lng);
        pts.push(pts[5].clone());
        let body = batch(pts);
        let before = metrics_text(app).await;
        let r = send(&t, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["points"], 41);
        assert_eq!(r.body["accepted"], 39);
        assert_eq!(r.body["dropped_jumps"], 1);
        assert_eq!(r.body["dropped_duplicates"], 1);
        assert_eq!(r.body["order_id"], json!(order));
        assert_eq!(r.body["resent"], false);
        let after = metrics_text(app).await;
        let dropped = |text: &str| {
            counter(
                text,
                "location_points_total",
                &[("outcome", "dropped_jump")],
            )
        };
        assert_eq!(dropped(&after) - dropped(&before), 1, "{b:?}");
        // The app did not get the answer and sends the batch again: stored once.
        let r2 = send(&t, &body).await;
        assert_eq!(r2.status, StatusCode::OK, "{}", r2.text);
        assert_eq!(r2.body["resent"], true);
        assert_eq!(r2.body["accepted"], 39);
        assert_eq!(points_stored(app).await, 39, "{b:?}");

        // The position went to the order's topic, rounded; and to dispatch's index.
        let Received::Message(m) = sub.recv().await else {
            panic!("a message")
        };
        let m: Value = serde_json::from_str(&m).unwrap();
        assert_eq!(m["event"], "order.position");
        let newest_lat = row.lat - 0.018 + 0.00045 * 39.0;
        assert!((m["data"]["lat"].as_f64().unwrap() - newest_lat).abs() <= 0.0005 + 1e-9);
        let p = app
            .state
            .shared
            .positions()
            .get(WorkerId(t.worker))
            .await
            .unwrap()
            .unwrap();
        assert!((p.at.lat - newest_lat).abs() < 1e-6, "{b:?}: {p:?}");

        // The visit's track: a straight line is its two ends.
        let track = job_track::Entity::find_by_id(order)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((track.point_count, track.raw_count), (2, 39), "{b:?}");

        // The customer: rounded, with the age and an ETA.
        let path = format!("/api/v1/customer/orders/{order}/track");
        let r = app.get(&path, Some(&t.customer)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["points"].as_array().unwrap().len(), 2);
        let last = &r.body["last"];
        assert_eq!(last["age_secs"], 10, "{}", r.text);
        assert_eq!(last["accuracy_m"], 100.0);
        let lat = last["lat"].as_f64().unwrap();
        assert_eq!(lat, (lat * 1000.0).round() / 1000.0, "rounded: {lat}");
        assert!(r.body["eta_secs"].as_i64().unwrap() > 0, "{}", r.text);
        // The screen locks: nothing more arrives, the age grows.
        app.advance(Duration::minutes(5));
        let r = app.get(&path, Some(&t.customer)).await;
        assert_eq!(r.body["last"]["age_secs"], 310, "{}", r.text);
        // Another customer: not found.
        let other = app.otp_login("13900000123", "customer").await;
        let other = other["access_token"].as_str().unwrap();
        let r = app.get(&path, Some(other)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // Staff and the worker see it as recorded.
        let r = app
            .get(
                &format!("/api/v1/admin/orders/{order}/track"),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!((r.body["last"]["lat"].as_f64().unwrap() - newest_lat).abs() < 1e-9);
        let mine = format!("/api/v1/worker/jobs/{order}/track");
        let r = app.get(&mine, Some(&t.token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["raw_count"], 39);

        // Checked in: the customer sees nothing any more; the worker still does.
        let r = app
            .post(
                &format!("/api/v1/worker/jobs/{order}/check-in"),
                json!({"lat": row.lat, "lng": row.lng}),
                Some(&t.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app.get(&path, Some(&t.customer)).await;
        assert_problem(&r, StatusCode::CONFLICT, "not_on_the_way");
        let r = app.get(&mine, Some(&t.token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["eta_secs"], Value::Null);
    }
}

#[tokio::test]
async fn the_hourly_job_deletes_raw_points_after_thirty_days() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        on_duty(&t).await;
        let order = on_the_way(&t).await;
        let now = app.state.now();
        let r = send(
            &t,
            &batch(vec![
                point(now - Duration::seconds(20), 31.2, 121.4),
                point(now - Duration::seconds(10), 31.2003, 121.4),
            ]),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // The same batch from two connections at once (a resend racing the first send):
        // stored once, one of the answers says so.
        let twice = batch(vec![point(now - Duration::seconds(5), 31.2006, 121.4)]);
        let (a, b2) = tokio::join!(send(&t, &twice), send(&t, &twice));
        assert_eq!(
            (a.status, b2.status),
            (StatusCode::OK, StatusCode::OK),
            "{b:?}: {} {}",
            a.text,
            b2.text
        );
        let mut resent = [a.body["resent"].as_bool(), b2.body["resent"].as_bool()];
        resent.sort();
        assert_eq!(resent, [Some(false), Some(true)], "{b:?}");
        assert_eq!(points_stored(app).await, 3);
        // The worker's export carries where they were.
        let x = app.get("/api/v1/worker/me/export", Some(&t.token)).await;
        assert_eq!(x.status, StatusCode::OK, "{}", x.text);
        assert_eq!(x.body["location_points"].as_array().unwrap().len(), 3);
        assert_eq!(x.body["visit_tracks"][0]["order_id"], json!(order));
        let run = || {
            let state = app.state.clone();
            async move {
                daojia_server::jobs::schedule_periodic(&state)
                    .await
                    .unwrap();
                while daojia_server::jobs::tick(&state, "node").await.unwrap() > 0 {}
            }
        };
        app.advance(Duration::days(29));
        run().await;
        assert_eq!(points_stored(app).await, 3, "{b:?}: kept 29 days");
        app.advance(Duration::days(1) + Duration::hours(1));
        run().await;
        assert_eq!(points_stored(app).await, 0, "{b:?}: gone after 30 days");
        // The visit's track stays with the order (job_days = 0).
        assert!(
            job_track::Entity::find_by_id(order)
                .one(app.state.store.db())
                .await
                .unwrap()
                .is_some()
        );
    }
}
