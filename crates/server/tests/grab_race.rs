//! The grab pool under contention: 50 workers claim the same order at once, on every
//! database the run tests. Exactly one wins, the order is assigned once with one order
//! event, and every other claimant is told the order is taken.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Datelike, Duration, NaiveTime};
use common::{TestApp, backends, test_config};
use daojia_app::dispatch::{Mode, auto::Step};
use daojia_dispatch::matching::grab_pool;
use daojia_domain::access::Role;
use daojia_store::entity::{order_event, worker, worker_shift, worker_skill};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_claims_make_one_winner() {
    for b in backends() {
        let mut cfg = test_config();
        cfg.dispatch.mode = Some(Mode::Auto);
        cfg.dispatch.grab_radius_km = 60.0;
        let app = TestApp::with_config(b, cfg).await;
        let db = app.state.store.db();
        let loaded = daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        // The demo city has 40 workers: ten more.
        for i in 0..10 {
            app.enrol_worker(&format!("1370001{i:04}")).await;
        }
        // Online but pausing offers: nobody can be offered the order, so it goes straight to
        // the grab pool, where pausing offers does not matter.
        worker::Entity::update_many()
            .col_expr(worker::Column::Online, Expr::value(true))
            .col_expr(worker::Column::Accepting, Expr::value(false))
            .filter(worker::Column::Status.eq("active"))
            .exec(db)
            .await
            .unwrap();
        let login = app
            .otp_login(&loaded.sample_customer_phone, "customer")
            .await;
        let token = login["access_token"].as_str().unwrap().to_string();
        let me = app.get("/api/v1/customer/me", Some(&token)).await;
        let cid: Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let address = daojia_store::repo::accounts::addresses(db, cid)
            .await
            .unwrap()[0]
            .id;
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = date
            .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
            .and_utc()
            - Duration::hours(8);
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address, "window_start": start.to_rfc3339()});
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/customer/orders")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "race")
            .body(Body::from(body.to_string()))
            .unwrap();
        let placed = app.send(req).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
        let finance = app.staff_token("fin", Role::Finance).await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/payments"),
                json!({"amount_fen": placed.body["total_fen"], "method": "cash", "reference": "R-race"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // Everyone of the city can do it and works that day, so all 50 claimants are
        // eligible and the race is real.
        let row = daojia_store::repo::orders::get(db, id)
            .await
            .unwrap()
            .unwrap();
        let skills: Vec<String> = serde_json::from_str(row.skills.as_deref().unwrap()).unwrap();
        let weekday = date.weekday().num_days_from_monday() as i16;
        let all = worker::Entity::find()
            .filter(worker::Column::Status.eq("active"))
            .all(db)
            .await
            .unwrap();
        worker_shift::Entity::delete_many()
            .filter(worker_shift::Column::Weekday.eq(weekday))
            .exec(db)
            .await
            .unwrap();
        worker_skill::Entity::delete_many()
            .filter(worker_skill::Column::Skill.is_in(skills.clone()))
            .exec(db)
            .await
            .unwrap();
        for w in &all {
            worker_shift::ActiveModel {
                id: Set(Uuid::now_v7()),
                worker_id: Set(w.id),
                weekday: Set(weekday),
                start_minute: Set(7 * 60),
                end_minute: Set(21 * 60),
                break_start_minute: Set(None),
                break_end_minute: Set(None),
            }
            .insert(db)
            .await
            .unwrap();
            for s in &skills {
                worker_skill::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    worker_id: Set(w.id),
                    skill: Set(s.clone()),
                    level: Set(3),
                }
                .insert(db)
                .await
                .unwrap();
            }
        }
        let a = app.state.app.clone();
        let now = app.state.now();
        let step = daojia_app::dispatch::auto::step(&a, id, now).await.unwrap();
        assert!(
            matches!(step, Step::NoTaker { grab: true, .. }),
            "{b:?}: {step:?}"
        );
        // Who may claim it.
        let l = daojia_app::dispatch::load::load(&a, id, now)
            .await
            .unwrap()
            .unwrap();
        let settings = a.settings.dispatch.engine(&l.area.code, a.settings.reach_m);
        let eligible: Vec<Uuid> = grab_pool(&l.pool, &l.order, &settings, a.travel.as_ref(), now)
            .ranked
            .iter()
            .map(|c| c.worker.0)
            .take(50)
            .collect();
        assert_eq!(eligible.len(), 50, "{b:?}: {} eligible", eligible.len());
        let mut claimants = eligible.clone();
        let others: Vec<Uuid> = l
            .pool
            .workers()
            .iter()
            .map(|w| w.id.0)
            .filter(|w| !eligible.contains(w))
            .collect();
        claimants.extend(others.into_iter().take(50 - eligible.len()));
        assert_eq!(claimants.len(), 50);
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(claimants.len()));
        let tasks: Vec<_> = claimants
            .iter()
            .map(|w| {
                let (a, w, barrier) = (a.clone(), *w, barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    (w, daojia_app::dispatch::grab::claim(&a, w, id, now).await)
                })
            })
            .collect();
        let mut winners = vec![];
        let mut taken = 0;
        for t in tasks {
            let (w, r) = t.await.unwrap();
            match r {
                Ok(o) => {
                    assert_eq!(o.worker.map(|x| x.0), Some(w));
                    winners.push(w);
                }
                Err(daojia_app::Error::Conflict { code, .. }) => {
                    assert!(
                        code == "order_taken" || code == "not_eligible",
                        "{b:?}: {code}"
                    );
                    // An eligible loser is told the order is taken.
                    if eligible.contains(&w) {
                        assert_eq!(code, "order_taken", "{b:?}");
                        taken += 1;
                    }
                }
                Err(e) => panic!("{b:?}: {w}: {e}"),
            }
        }
        assert_eq!(winners.len(), 1, "{b:?}: {winners:?}");
        assert!(eligible.contains(&winners[0]));
        assert_eq!(
            taken,
            eligible.len() - 1,
            "{b:?}: every other eligible worker was told"
        );
        let o = daojia_store::repo::orders::get(db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (o.state.as_str(), o.worker_id),
            ("accepted", Some(winners[0]))
        );
        let assigns = order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(id))
            .filter(order_event::Column::Action.eq("assign"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(assigns.len(), 1, "{b:?}");
        assert!(
            daojia_store::repo::dispatch::grab_entry(db, id)
                .await
                .unwrap()
                .is_none()
        );
    }
}
