//! Certificates deciding which skills may be dispatched.

use super::*;

#[tokio::test]
async fn an_expired_required_certificate_takes_the_skill_out_of_dispatch() {
    use daojia_store::repo::slots::load_days;
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 5)
            .await
            .unwrap();
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let db = app.state.store.db();
        let items = app.get("/api/v1/admin/catalog/items", Some(&admin)).await;
        let item = items
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|i| !i["skills"].as_array().unwrap().is_empty())
            .unwrap()
            .clone();
        let skill = item["skills"][0].as_str().unwrap().to_string();
        let code = item["code"].as_str().unwrap();
        let w = worker::Entity::find()
            .filter(worker::Column::Skills.contains(format!("\"{skill}\"")))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let pool = vec![w.area_code.clone().unwrap()];
        let tz = chrono_tz::Asia::Shanghai;
        // A day the worker has a shift.
        let shifts = daojia_store::repo::accounts::worker_shifts(db, w.id)
            .await
            .unwrap();
        let mut date = Utc::now().date_naive() + Duration::days(1);
        while !shifts.iter().any(|s| {
            use chrono::Datelike;
            s.weekday == date.weekday().num_days_from_monday() as i16
        }) {
            date += Duration::days(1);
        }
        let before = skills_on(
            &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
            w.id,
        )
        .unwrap();
        assert!(before.contains(&skill));

        let r = put(
            &app,
            &format!("/api/v1/admin/catalog/items/{code}/certificates"),
            json!({"kinds": ["electrician"]}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let after = skills_on(
            &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
            w.id,
        )
        .unwrap();
        assert!(!after.contains(&skill), "no certificate: {after:?}");
        let item_skills: Vec<String> = item["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = before
            .iter()
            .filter(|s| !item_skills.contains(s))
            .cloned()
            .collect();
        assert_eq!(after, expected, "only the item's skills go");

        // An approved certificate valid through `date` brings it back for `date` only.
        let doc = upload(&app, "/api/v1/admin/worker-uploads", &admin, "certificate").await;
        let c = app
            .post(
                &format!("/api/v1/admin/workers/{}/certificates", w.id),
                json!({"kind": "electrician", "upload_id": doc.body["id"], "expires_on": date}),
                Some(&admin),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
        let pending = skills_on(
            &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
            w.id,
        )
        .unwrap();
        assert!(
            !pending.contains(&skill),
            "a pending certificate proves nothing"
        );
        let r = app
            .post(
                &format!(
                    "/api/v1/admin/workers/{}/certificates/{}/review",
                    w.id,
                    c.body["id"].as_str().unwrap()
                ),
                json!({"decision": "approve"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let days = load_days(db, &pool, tz, date, 8, None).await.unwrap();
        assert!(
            skills_on(&days, w.id).unwrap().contains(&skill),
            "valid on its last day"
        );
        for (d, workers, _) in &days[1..] {
            if let Some(wd) = workers.iter().find(|x| x.worker == w.id) {
                assert!(!wd.skills.contains(&skill), "expired on {d}");
            }
        }

        // Whole-day leave takes the worker off that day's slots.
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{}/shift-exceptions", w.id),
                json!({"date": date, "kind": "leave"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert!(
            skills_on(
                &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
                w.id
            )
            .is_none()
        );
    }
}

type Days = [(
    NaiveDate,
    Vec<daojia_domain::slots::WorkerDay>,
    Vec<daojia_domain::slots::Pending>,
)];

/// The skills slot search gives `worker` on the first day of `days` (none: not working).
fn skills_on(days: &Days, worker: uuid::Uuid) -> Option<Vec<String>> {
    days[0]
        .1
        .iter()
        .find(|d| d.worker == worker)
        .map(|d| d.skills.clone())
}
