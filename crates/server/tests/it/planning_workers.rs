//! The planner's day and the slots' day have the same workers: the same people on shift,
//! the same hours (weekly shift and its exceptions: leave, an extra shift) and the same
//! skills that may be dispatched (certificates). Booking promises with one, planning plans
//! with the other, so any difference is an order promised that the plan cannot serve.

use crate::common;

use axum::http::{Method, StatusCode};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::{TestApp, backends};
use daojia_domain::access::Role;
use daojia_store::entity::{service_area, worker};
use daojia_store::repo::{accounts, planning, slots};
use sea_orm::EntityTrait;
use serde_json::json;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Shift start, end, break and skills (sorted) per worker on shift.
type Staffing = BTreeMap<Uuid, (i64, i64, Option<(i64, i64)>, Vec<String>)>;

/// The workers on shift on `date` as slot search sees them (the area's pool) and as the
/// planner's day input for `area` has them.
async fn both(app: &TestApp, area: &str, date: NaiveDate) -> (Staffing, Staffing) {
    let db = app.state.store.db();
    let areas = service_area::Entity::find().all(db).await.unwrap();
    let a = areas.iter().find(|x| x.code == area).unwrap();
    let pool = slots::pool_of(&areas, a);
    let days = slots::load_days(db, &pool, slots::zone(a), date, 1, None)
        .await
        .unwrap();
    let slot: Staffing = days[0]
        .1
        .iter()
        .map(|w| {
            let mut skills = w.skills.clone();
            skills.sort();
            (w.worker, (w.shift.start, w.shift.end, w.shift.rest, skills))
        })
        .collect();
    let day = planning::load_day(db, area, date).await.unwrap().unwrap();
    let input = daojia_app::planning::day_input(&day, Utc::now());
    let plan: Staffing = input
        .workers
        .iter()
        .map(|w| {
            let mut skills = w.skills.clone();
            skills.sort();
            (w.id, (w.shift_start, w.shift_end, w.rest, skills))
        })
        .collect();
    (slot, plan)
}

#[tokio::test]
async fn the_planner_loads_the_same_workers_hours_and_skills_as_the_slots() {
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 5)
            .await
            .unwrap();
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let db = app.state.store.db();
        let w = worker::Entity::find().all(db).await.unwrap()[0].clone();
        let area = w.area_code.clone().unwrap();
        let shifts = accounts::worker_shifts(db, w.id).await.unwrap();
        let works = |d: NaiveDate| {
            shifts
                .iter()
                .any(|s| s.weekday == d.weekday().num_days_from_monday() as i16)
        };
        let tomorrow = Utc::now().date_naive() + Duration::days(1);
        let week: Vec<NaiveDate> = (0..7).map(|k| tomorrow + Duration::days(k)).collect();
        let on: Vec<NaiveDate> = week.iter().copied().filter(|d| works(*d)).collect();
        let off = week
            .iter()
            .copied()
            .find(|d| !works(*d))
            .expect("a day off");
        let (leave_day, cert_day) = (on[0], on[1]);

        // As loaded from the weekly shifts.
        for d in [leave_day, off, cert_day] {
            let (slot, plan) = both(&app, &area, d).await;
            assert_eq!(slot, plan, "{b:?} {d}");
        }
        assert!(!both(&app, &area, off).await.1.contains_key(&w.id));

        // Whole-day leave: off the day in both.
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{}/shift-exceptions", w.id),
                json!({"date": leave_day, "kind": "leave"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let (slot, plan) = both(&app, &area, leave_day).await;
        assert!(!plan.contains_key(&w.id), "{b:?}: on leave, not planned");
        assert_eq!(slot, plan, "{b:?}");

        // An extra shift on the day off, 10:00–18:00 with a break 12:30–13:00: on it in
        // both, with those hours.
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{}/shift-exceptions", w.id),
                json!({"date": off, "kind": "extra", "start_minute": 600, "end_minute": 1080,
                       "break_start_minute": 750, "break_end_minute": 780}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let (slot, plan) = both(&app, &area, off).await;
        let (start, end, rest, _) = plan.get(&w.id).expect("planned on the extra shift");
        assert_eq!((end - start) / 60, 8 * 60);
        assert_eq!(rest.map(|(a, b)| (b - a) / 60), Some(30));
        assert_eq!(slot, plan, "{b:?}");

        // A certificate now required for one of the worker's skills, which they do not
        // hold: that skill leaves both.
        let items = app.get("/api/v1/admin/catalog/items", Some(&admin)).await;
        let skills: Vec<String> = serde_json::from_str(&w.skills).unwrap();
        let item = items
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|i| {
                i["skills"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| skills.iter().any(|k| s == k.as_str()))
            })
            .unwrap()
            .clone();
        let skill = item["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .find(|s| skills.contains(s))
            .unwrap();
        let r = app
            .call(
                Method::PUT,
                &format!(
                    "/api/v1/admin/catalog/items/{}/certificates",
                    item["code"].as_str().unwrap()
                ),
                Some(json!({"kinds": ["electrician"]})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let (slot, plan) = both(&app, &area, cert_day).await;
        let planned = &plan.get(&w.id).expect("still on shift").3;
        assert!(!planned.contains(&skill), "{b:?}: {planned:?}");
        assert_eq!(slot, plan, "{b:?}");
    }
}
