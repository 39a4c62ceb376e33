//! A town for the finance tests: the demo city on one backend with demo auto-pay and small
//! withdrawal limits, a customer with an address, staff for dispatch, customer service and
//! finance, a cleaner; and a paid order done by the cleaner and completed.

use super::{DemoCustomer, TestApp, test_config};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use daojia_domain::access::Role;
use daojia_store::entity::worker;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

pub struct Town {
    pub app: TestApp,
    pub customer: String,
    pub address: Uuid,
    pub disp: String,
    pub cs: String,
    pub finance: String,
    pub worker: Uuid,
}

pub async fn town(b: daojia_store::testing::Backend) -> Town {
    town_with(b, |_| {}).await
}

/// [`town`] with its configuration changed by `tweak` first.
pub async fn town_with(
    b: daojia_store::testing::Backend,
    tweak: impl FnOnce(&mut daojia_server::config::Config),
) -> Town {
    let mut cfg = test_config();
    cfg.booking.demo_autopay = Some(true);
    cfg.finance.withdrawal_min_fen = 100;
    cfg.finance.withdrawal_fee_bp = 60;
    cfg.finance.withdrawal_fee_min_fen = 10;
    tweak(&mut cfg);
    let app = TestApp::with_config(b, cfg).await;
    let DemoCustomer {
        token: customer,
        address,
        ..
    } = app.demo_customer(8).await;
    let cleaner = worker::Entity::find()
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::Skills.contains("cleaning"))
        .order_by_asc(worker::Column::Id)
        .one(app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    let disp = app.staff_token("disp", Role::Dispatcher).await;
    let cs = app.staff_token("cs", Role::CustomerService).await;
    let finance = app.staff_token("cashier", Role::Finance).await;
    Town {
        app,
        customer,
        address,
        disp,
        cs,
        finance,
        worker: cleaner.id,
    }
}

pub fn tomorrow(app: &TestApp, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

/// A paid order for tomorrow at `hour`:00 done by the town's worker and completed.
pub async fn completed(t: &Town, hour: u32) -> Uuid {
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": t.address,
                      "window_start": tomorrow(&t.app, hour).to_rfc3339()});
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
    let id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/orders/{id}/assign"),
            json!({"worker_id": t.worker, "override_reason": "test: settlement"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.body["state"], "accepted", "{}", r.text);
    for s in ["check_in", "finish", "complete"] {
        let r = t
            .app
            .post(
                &format!("/api/v1/admin/orders/{id}/visit"),
                json!({"step": s}),
                Some(&t.cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.text);
    }
    id
}
