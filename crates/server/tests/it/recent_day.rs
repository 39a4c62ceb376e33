//! A placement refused from the node's recent copy of its day (ADR 0016): a full window is
//! refused again without reading the day, and offered again at once when a worker is added
//! (the `staff` counter changed) or the booking is cancelled through this node. On every
//! backend.
use crate::common;
use crate::slots::{nine_am, one_cleaner, only_nine_to_one, place};
use axum::http::StatusCode;
use common::door::two_customers;
use common::{TestApp, assert_problem, backends};
use daojia_store::entity::worker;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// Puts a second cleaner at (`lat`, `lng`) on shift 09:00-13:00 on `date`'s weekday.
async fn second_cleaner(app: &TestApp, date: chrono::NaiveDate, lat: f64, lng: f64) {
    let db = app.state.store.db();
    let idle = worker::Entity::find()
        .filter(worker::Column::Active.eq(false))
        .all(db)
        .await
        .unwrap();
    let w = idle
        .iter()
        .find(|w| w.skills.contains("\"cleaning\""))
        .expect("the demo city has more than one cleaner")
        .id;
    worker::Entity::update_many()
        .col_expr(worker::Column::Active, Expr::value(true))
        .col_expr(worker::Column::HomeLat, Expr::value(lat))
        .col_expr(worker::Column::HomeLng, Expr::value(lng))
        .filter(worker::Column::Id.eq(w))
        .exec(db)
        .await
        .unwrap();
    only_nine_to_one(app, w, date).await;
}

#[tokio::test]
async fn a_full_window_is_refused_from_the_copy_and_offered_again_when_room_is_made() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (a, c) = two_customers(&app).await;
        let list = app.get("/api/v1/customer/addresses", Some(&a.token)).await;
        let (lat, lng) = (
            list.body[0]["lat"].as_f64().unwrap(),
            list.body[0]["lng"].as_f64().unwrap(),
        );
        let (date, nine) = nine_am(&app, 2);
        one_cleaner(&app, date, lat, lng).await;
        // A three-hour cleaning: one fits between 09:00 and 13:00, two do not.
        let item =
            json!([{"item": "daily_cleaning", "options": [{"option": "hours", "choice": "3h"}]}]);
        let body_a = json!({"items": item, "address_id": a.address, "window_start": nine});
        let body_c = json!({"items": item, "address_id": c.address, "window_start": nine});
        let won = place(&app, &a.token, "a-1", &body_a).await;
        assert_eq!(won.status, StatusCode::CREATED, "{b:?}: {}", won.text);

        // Refused; then refused again from the copy the first refusal kept. (A background
        // commit of the node forgets every copy: try a few times.)
        let days = &app.state.app.recent_days;
        let mut from_copy = false;
        for i in 0..20 {
            let (before, _) = days.counts();
            let lost = place(&app, &c.token, &format!("c-{i}"), &body_c).await;
            assert_problem(&lost, StatusCode::CONFLICT, "slot_unavailable");
            if days.counts().0 > before {
                from_copy = true;
                break;
            }
        }
        assert!(from_copy, "{b:?}: no refusal came from the copy");

        // A second cleaner (the `staff` counter moves): the window is offered at once.
        second_cleaner(&app, date, lat, lng).await;
        let second = place(&app, &c.token, "c-second", &body_c).await;
        assert_eq!(second.status, StatusCode::CREATED, "{b:?}: {}", second.text);

        // Full again; A cancels through this node: the window is offered at once.
        let full = place(&app, &c.token, "c-full", &body_c).await;
        assert_problem(&full, StatusCode::CONFLICT, "slot_unavailable");
        let id = won.body["id"].as_str().unwrap();
        let cancel = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "计划有变"}),
                Some(&a.token),
            )
            .await;
        assert_eq!(cancel.status, StatusCode::OK, "{b:?}: {}", cancel.text);
        let again = place(&app, &c.token, "c-after-cancel", &body_c).await;
        assert_eq!(again.status, StatusCode::CREATED, "{b:?}: {}", again.text);
    }
}
