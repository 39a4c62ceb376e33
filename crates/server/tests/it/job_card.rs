//! The worker's job card (docs/visit.md, "The job card") on every backend: each job of the
//! worker's day carries the customer's notes, the tools the ordered items need, the
//! customer's phone masked and links that open a route to the address in the map apps
//! with the destination converted into each vendor's system. The worker asks for a number
//! to call the customer through (`POST …/call`): their own job while accepted, on the way,
//! at the door or in service; another worker's order is 404, a wrong state 409, each
//! request is recorded without a phone number, and requests per order are limited.

use crate::common;
use common::visit::{self, Town, tomorrow};

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, assert_problem, backends};
use daojia_app::orders::By;
use daojia_domain::access::Role;
use daojia_domain::geo::{LatLng, wgs84_to_bd09, wgs84_to_gcj02};
use daojia_domain::phone::mask_phone;
use daojia_store::entity::{outbox, service_item};
use daojia_store::repo::accounts::address_context as ctx;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

const NOTES: &str = "门禁请按 1201#，家里有猫，进门请关好门";

async fn town(b: daojia_store::testing::Backend) -> Town {
    visit::town(b, |c| {
        c.visit.calls.per_order_per_hour = 3;
        c.visit.navigation.app_name = "daojia-test".into();
    })
    .await
}

/// A paid order of the customer's for tomorrow at `hour`:00 with `notes`.
async fn place(t: &Town, hour: u32, notes: &str) -> Uuid {
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": t.address,
                      "window_start": tomorrow(&t.app, hour).to_rfc3339(), "notes": notes});
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
    r.body["id"].as_str().unwrap().parse().unwrap()
}

async fn assign(t: &Town, order: Uuid, worker: Uuid) {
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/orders/{order}/assign"),
            json!({"worker_id": worker, "override_reason": "test: the job card"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["state"], "accepted");
}

/// The order's contact phone in clear and its place.
async fn contact_of(app: &TestApp, order: Uuid) -> (String, LatLng) {
    let row = daojia_store::repo::orders::get(app.state.store.db(), order)
        .await
        .unwrap()
        .unwrap();
    let phone = app
        .state
        .store
        .vault()
        .decrypt(ctx::CONTACT_PHONE, &row.contact_phone_enc)
        .unwrap();
    (phone, LatLng::new(row.lat, row.lng))
}

fn job(day: &Value, order: Uuid) -> &Value {
    day["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["order_id"] == order.to_string())
        .unwrap_or_else(|| panic!("job {order} in {day}"))
}

#[tokio::test]
async fn the_job_card_carries_notes_tools_the_masked_phone_and_navigation() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let [w1, _] = t.workers;
        let noted = place(&t, 10, &format!("  {NOTES}\n")).await;
        let plain = place(&t, 14, "").await;
        assign(&t, noted, w1).await;
        assign(&t, plain, w1).await;
        let token = app.worker_token(w1).await;
        let date = (tomorrow(app, 10) + Duration::hours(8)).date_naive();
        let r = app
            .get(&format!("/api/v1/worker/jobs?date={date}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let (phone, at) = contact_of(app, noted).await;
        assert!(
            !r.text.contains(&phone),
            "{b:?}: the clear phone is nowhere in the day"
        );

        let j = job(&r.body, noted);
        // The notes as the customer wrote them, trimmed; none is an empty string.
        assert_eq!(j["notes"], NOTES, "{b:?}: {j}");
        assert_eq!(job(&r.body, plain)["notes"], "", "{b:?}");
        // The tools of the ordered item, from the catalog.
        let item = service_item::Entity::find()
            .filter(service_item::Column::Code.eq("daily_cleaning"))
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        let want: Vec<String> = serde_json::from_str(&item.tools).unwrap();
        assert!(!want.is_empty(), "the demo's cleaning has tools");
        assert_eq!(j["tools"], json!(want), "{b:?}: {j}");
        // The phone masked.
        let masked = j["contact_phone_masked"].as_str().unwrap();
        assert_eq!(masked, mask_phone(&phone), "{b:?}");
        assert_eq!(&masked[3..7], "****");
        // Navigation: the destination in each vendor's system, in each vendor's link.
        let nav = &j["navigation"];
        let (g, bd) = (wgs84_to_gcj02(at), wgs84_to_bd09(at));
        assert!(
            (nav["gcj02"]["lat"].as_f64().unwrap() - g.lat).abs() < 1e-9,
            "{nav}"
        );
        assert!(
            (nav["gcj02"]["lng"].as_f64().unwrap() - g.lng).abs() < 1e-9,
            "{nav}"
        );
        assert!(
            (nav["bd09"]["lat"].as_f64().unwrap() - bd.lat).abs() < 1e-9,
            "{nav}"
        );
        assert!(
            (nav["bd09"]["lng"].as_f64().unwrap() - bd.lng).abs() < 1e-9,
            "{nav}"
        );
        let link = |k: &str| nav[k].as_str().unwrap().to_string();
        let (glat, glng) = (format!("{:.6}", g.lat), format!("{:.6}", g.lng));
        assert!(
            link("amap").starts_with(&format!(
                "amapuri://route/plan/?sourceApplication=daojia-test&dlat={glat}&dlon={glng}&dname="
            )),
            "{nav}"
        );
        assert!(link("amap").ends_with("&dev=0&t=0"), "{nav}");
        assert!(link("amap_ios").starts_with("iosamap://path?"), "{nav}");
        assert!(
            link("tencent").contains(&format!("&tocoord={glat},{glng}&referer=daojia-test")),
            "{nav}"
        );
        assert!(
            link("baidu").contains(&format!(
                "destination=latlng:{:.6},{:.6}%7Cname:",
                bd.lat, bd.lng
            )),
            "{nav}"
        );
        assert!(
            link("baidu").contains("&coord_type=bd09ll&mode=driving"),
            "{nav}"
        );
        assert!(
            link("web").starts_with(&format!(
                "https://uri.amap.com/navigation?to={glng},{glat},"
            )),
            "{nav}"
        );
        // The house number stays out of the map vendors' links.
        let house = j["address"].as_str().unwrap().rsplit(' ').next().unwrap();
        let encoded = daojia_domain::navigation::encode(house);
        assert!(!link("amap").contains(&encoded), "{b:?}: {nav}");
    }
}

#[tokio::test]
async fn a_worker_calls_the_customer_of_their_own_job_through_the_provider() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let [w1, w2] = t.workers;
        let mine = place(&t, 10, NOTES).await;
        assign(&t, mine, w1).await;
        let me = app.worker_token(w1).await;
        let other = app.worker_token(w2).await;
        let url = |o: Uuid| format!("/api/v1/worker/jobs/{o}/call");
        let (phone, _) = contact_of(app, mine).await;

        // Another worker's order, and an unknown one: 404.
        let r = app.post(&url(mine), json!({}), Some(&other)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app.post(&url(Uuid::now_v7()), json!({}), Some(&me)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // Only a worker calls.
        let r = app.post(&url(mine), json!({}), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);

        // Their own accepted job: the log provider's masked number, not to dial.
        let now = app.state.now();
        let r = app.post(&url(mine), json!({}), Some(&me)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["order_id"], mine.to_string());
        assert_eq!(r.body["provider"], "log");
        assert_eq!(r.body["number"], mask_phone(&phone));
        assert_eq!(r.body["dialable"], false);
        let expires: DateTime<Utc> = r.body["expires_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(expires, now + Duration::minutes(30), "{b:?}");
        assert!(!r.text.contains(&phone));

        // On the way: still allowed.
        let r = app
            .post(
                &format!("/api/v1/worker/jobs/{mine}/depart"),
                json!({}),
                Some(&me),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let r = app.post(&url(mine), json!({}), Some(&me)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);

        // Each request recorded: who, which order, when; no phone number.
        let events = outbox::Entity::find()
            .filter(outbox::Column::AggregateId.eq(mine))
            .filter(outbox::Column::Topic.eq("visit.call"))
            .order_by_asc(outbox::Column::Position)
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(events.len(), 2, "{b:?}");
        let first: Value = serde_json::from_str(&events[0].payload).unwrap();
        assert_eq!(first["worker_id"], w1.to_string(), "{first}");
        assert_eq!(first["order_id"], mine.to_string(), "{first}");
        assert_eq!(first["provider"], "log", "{first}");
        assert_eq!(first["state"], "accepted", "{first}");
        let second: Value = serde_json::from_str(&events[1].payload).unwrap();
        assert_eq!(second["state"], "en_route", "{second}");
        for e in &events {
            assert!(!e.payload.contains(&phone[3..]), "{}", e.payload);
            assert!(!e.payload.contains("****"), "{}", e.payload);
        }

        // Three requests an hour for one order (as configured), then 429.
        let r = app.post(&url(mine), json!({}), Some(&me)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let r = app.post(&url(mine), json!({}), Some(&me)).await;
        assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(r.headers.get("retry-after").is_some());

        // Offered but not accepted: not theirs to call yet.
        let offered = place(&t, 14, "").await;
        daojia_app::orders::offers::offer(
            &app.state.app,
            &By::System,
            offered,
            w1,
            app.state.now(),
        )
        .await
        .unwrap();
        let r = app.post(&url(offered), json!({}), Some(&me)).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        assert_eq!(r.body["errors"][0]["code"], "pending_accept", "{}", r.text);

        // After the service: no more calls through the job.
        let done = place(&t, 12, "").await;
        assign(&t, done, w1).await;
        let cs = app.staff_token("cs", Role::CustomerService).await;
        for s in ["check_in", "finish"] {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{done}/visit"),
                    json!({"step": s}),
                    Some(&cs),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        }
        let r = app.post(&url(done), json!({}), Some(&me)).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        assert_eq!(
            r.body["errors"][0]["code"], "pending_settlement",
            "{}",
            r.text
        );
        let recorded = outbox::Entity::find()
            .filter(outbox::Column::Topic.eq("visit.call"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(recorded.len(), 3, "{b:?}: refusals record nothing");
    }
}
