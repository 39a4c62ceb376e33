//! A city whose paid orders wait in the grab pool, for the claim races: the grab race on
//! every database, the two-node test (`crates/cli/tests/it/two_nodes.rs`) and the claims
//! benchmark (`crates/server/benches/grab_claims.rs`) all start here.
//!
//! The demo city of seed 8 with more workers enrolled, everyone online but pausing
//! offers, so that a paid order finds nobody to offer it to and goes straight to the grab
//! pool, where pausing offers does not matter; every worker can do the test item and is on
//! shift 07:00–21:00 every day, so every claimant is eligible and a race is real.

use super::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use daojia_app::dispatch::auto::Step;
use daojia_dispatch::matching::grab_pool;
use daojia_domain::access::Role;
use daojia_store::entity::{
    order_event, service_item, worker, worker_shift, worker_shift_exception, worker_skill,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// The configuration of a grab city's app: automatic dispatch, and a grab radius over the
/// whole city.
pub fn config() -> daojia_server::config::Config {
    let mut cfg = super::test_config();
    cfg.dispatch.mode = Some(daojia_app::dispatch::Mode::Auto);
    cfg.dispatch.grab_radius_km = 60.0;
    cfg
}

/// What every grab pool order is.
pub const ITEM: &str = "daily_cleaning";

/// The city, ready for orders.
pub struct GrabCity {
    /// The demo's seed.
    pub seed: u64,
    /// A customer's access token.
    pub customer: String,
    /// Their first address.
    pub address: Uuid,
    /// A finance staff member's access token (records the payments).
    pub finance: String,
    /// The active workers.
    pub workers: Vec<Uuid>,
}

/// Loads the city into `app` (built with [`config`]), with `workers` active workers (the
/// demo's 40 and more enrolled, at most 10,040).
pub async fn city(app: &TestApp, workers: usize) -> GrabCity {
    let db = app.state.store.db();
    let loaded = daojia_server::demo::load(&app.state.store, 8)
        .await
        .unwrap();
    for i in 0..workers.saturating_sub(loaded.workers) {
        app.enrol_worker(&format!("1370001{i:04}")).await;
    }
    worker::Entity::update_many()
        .col_expr(worker::Column::Online, Expr::value(true))
        .col_expr(worker::Column::Accepting, Expr::value(false))
        .filter(worker::Column::Status.eq("active"))
        .exec(db)
        .await
        .unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    let login = app
        .otp_login(&loaded.sample_customer_phone, "customer")
        .await;
    let customer = login["access_token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/customer/me", Some(&customer)).await;
    let cid: Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let address = daojia_store::repo::accounts::addresses(db, cid)
        .await
        .unwrap()[0]
        .id;
    let item = service_item::Entity::find()
        .filter(service_item::Column::Code.eq(ITEM))
        .one(db)
        .await
        .unwrap()
        .expect("the demo sells the test item");
    let skills: Vec<String> = serde_json::from_str(&item.skills).unwrap();
    let all = worker::Entity::find()
        .filter(worker::Column::Status.eq("active"))
        .all(db)
        .await
        .unwrap();
    worker_shift::Entity::delete_many().exec(db).await.unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    worker_shift_exception::Entity::delete_many()
        .exec(db)
        .await
        .unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    worker_skill::Entity::delete_many()
        .filter(worker_skill::Column::Skill.is_in(skills.clone()))
        .exec(db)
        .await
        .unwrap();
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
        .await
        .unwrap();
    let mut shifts = vec![];
    let mut levels = vec![];
    for w in &all {
        for weekday in 0..7 {
            shifts.push(worker_shift::ActiveModel {
                id: Set(Uuid::now_v7()),
                worker_id: Set(w.id),
                weekday: Set(weekday),
                start_minute: Set(7 * 60),
                end_minute: Set(21 * 60),
                break_start_minute: Set(None),
                break_end_minute: Set(None),
            });
        }
        for s in &skills {
            levels.push(worker_skill::ActiveModel {
                id: Set(Uuid::now_v7()),
                worker_id: Set(w.id),
                skill: Set(s.clone()),
                level: Set(3),
            });
        }
    }
    for chunk in shifts.chunks(50) {
        worker_shift::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap();
    }
    for chunk in levels.chunks(50) {
        worker_skill::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await
            .unwrap();
        daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF)
            .await
            .unwrap();
    }
    let finance = app.staff_token("grab-finance", Role::Finance).await;
    GrabCity {
        seed: loaded.seed,
        customer,
        address,
        finance,
        workers: all.iter().map(|w| w.id).collect(),
    }
}

/// Places the test item for `start`, pays it and runs automatic dispatch once: it lands
/// in the grab pool. The order id.
pub async fn pooled_order(app: &TestApp, c: &GrabCity, start: DateTime<Utc>, key: &str) -> Uuid {
    let body = json!({"items": [{"item": ITEM}], "address_id": c.address, "window_start": start.to_rfc3339()});
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {}", c.customer))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    let placed = app.send(req).await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
    let id: Uuid = placed.body["id"].as_str().unwrap().parse().unwrap();
    let r = app
        .post(
            &format!("/api/v1/admin/orders/{id}/payments"),
            json!({"amount_fen": placed.body["total_fen"], "method": "cash", "reference": format!("R-{key}")}),
            Some(&c.finance),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let step = daojia_app::dispatch::auto::step(&app.state.app, id, app.state.now())
        .await
        .unwrap();
    assert!(matches!(step, Step::NoTaker { grab: true, .. }), "{step:?}");
    id
}

/// The workers who may claim order `id` now, nearest first.
pub async fn eligible(app: &TestApp, id: Uuid) -> Vec<Uuid> {
    let a = &app.state.app;
    let now = app.state.now();
    let l = daojia_app::dispatch::load::load(a, id, now)
        .await
        .unwrap()
        .unwrap();
    let settings = a.settings.dispatch.engine(&l.area.code, a.settings.reach_m);
    grab_pool(&l.pool, &l.order, &settings, a.travel.as_ref(), now)
        .ranked
        .iter()
        .map(|c| c.worker.0)
        .collect()
}

/// Order `id` went to `winner` once: accepted by them, one assignment event, out of the
/// grab pool.
pub async fn assert_claimed_once(app: &TestApp, id: Uuid, winner: Uuid) {
    let db = app.state.store.db();
    let o = daojia_store::repo::orders::get(db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((o.state.as_str(), o.worker_id), ("accepted", Some(winner)));
    let assigns = order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(id))
        .filter(order_event::Column::Action.eq("assign"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(assigns.len(), 1, "one assignment: {assigns:?}");
    assert!(
        daojia_store::repo::dispatch::grab_entry(db, id)
            .await
            .unwrap()
            .is_none(),
        "out of the grab pool"
    );
}
