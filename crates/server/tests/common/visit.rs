//! The visit tests' town (door_visit, door_safety, visit_extras, service_record, job_card):
//! the demo city with a logged-in customer and their first address, a dispatcher, and two
//! active cleaners; the clock moved to a visit's day with fresh log-ins.

use super::{DemoCustomer, TestApp, test_config};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use daojia_domain::access::Role;
use daojia_server::config::Config;
use daojia_store::entity::worker;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

pub struct Town {
    pub app: TestApp,
    /// The customer's phone (to log in again after the clock moved).
    pub phone: String,
    /// The customer's access token.
    pub customer: String,
    /// The customer's first address.
    pub address: Uuid,
    /// A dispatcher's access token.
    pub disp: String,
    /// Two active cleaners.
    pub workers: [Uuid; 2],
}

/// The demo city (eight days of history) on `b`, with the demo's automatic payment and the
/// test's own settings (`tune`).
pub async fn town(b: daojia_store::testing::Backend, tune: impl FnOnce(&mut Config)) -> Town {
    let mut cfg = test_config();
    cfg.booking.demo_autopay = Some(true);
    tune(&mut cfg);
    let app = TestApp::with_config(b, cfg).await;
    let DemoCustomer {
        loaded,
        token: customer,
        address,
        ..
    } = app.demo_customer(8).await;
    let cleaners: Vec<Uuid> = worker::Entity::find()
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::Skills.contains("cleaning"))
        .order_by_asc(worker::Column::Id)
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|w| w.id)
        .collect();
    let disp = app.staff_token("disp", Role::Dispatcher).await;
    Town {
        app,
        phone: loaded.sample_customer_phone.clone(),
        customer,
        address,
        disp,
        workers: [cleaners[0], cleaners[1]],
    }
}

/// Moves the clock to `at` and logs the customer and a new dispatcher in again (tokens
/// from before have expired by then).
pub async fn move_to(t: &mut Town, at: DateTime<Utc>) {
    t.app.advance(at - t.app.state.now());
    let login = t.app.otp_login(&t.phone, "customer").await;
    t.customer = login["access_token"].as_str().unwrap().to_string();
    let name = format!("disp{}", Uuid::now_v7().simple());
    t.disp = t.app.staff_token(&name[..20], Role::Dispatcher).await;
}

/// `hour`:00 tomorrow in Shanghai.
pub fn tomorrow(app: &TestApp, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}
