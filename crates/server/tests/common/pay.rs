//! Online payment helpers: a server with the channel simulator in process, a customer of
//! the demo city, an order to pay, a payment opened, a simulator callback delivered.

use super::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveTime};
use daojia_pay::sim::Callback;
use serde_json::{Value, json};

pub fn config() -> daojia_server::config::Config {
    let mut cfg = test_config();
    cfg.pay.simulator = true;
    // Nobody listens there: the tests deliver the simulator's callbacks themselves.
    cfg.pay.notify_base_url = Some("http://127.0.0.1:9".into());
    cfg
}

pub fn ten_am(app: &TestApp, days: i64) -> String {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    let local = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    (local.and_utc() - Duration::hours(8)).to_rfc3339()
}

pub struct Customer {
    pub token: String,
    pub address: uuid::Uuid,
}

pub async fn customer(app: &TestApp) -> Customer {
    let DemoCustomer { token, address, .. } = app.demo_customer(5).await;
    Customer { token, address }
}

pub async fn order(app: &TestApp, c: &Customer, days: i64) -> (String, i64) {
    let body = json!({"items": [{"item": "window_cleaning"}], "address_id": c.address,
                      "window_start": ten_am(app, days)});
    let key = uuid::Uuid::now_v7().to_string();
    let r = app
        .post_keyed("/api/v1/customer/orders", &c.token, Some(&key), &body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["state"], "pending_payment");
    (
        r.body["id"].as_str().unwrap().to_string(),
        r.body["total_fen"].as_i64().unwrap(),
    )
}

pub async fn pay_with(
    app: &TestApp,
    c: &Customer,
    order: &str,
    channel: &str,
) -> (StatusCode, Value) {
    let r = app
        .post(
            &format!("/api/v1/orders/{order}/payments"),
            json!({ "channel": channel }),
            Some(&c.token),
        )
        .await;
    (r.status, r.body)
}

pub async fn deliver(app: &TestApp, cb: &Callback, body: &str) -> (StatusCode, String) {
    let path = cb.url.strip_prefix("http://127.0.0.1:9").unwrap();
    let mut req = Request::builder().method("POST").uri(path);
    for (k, v) in &cb.headers {
        req = req.header(k, v);
    }
    let r = app
        .send(req.body(Body::from(body.to_owned())).unwrap())
        .await;
    (r.status, r.text)
}
