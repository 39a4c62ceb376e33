//! Two customers at one door: the demo city of seed 5, its sample customer with their
//! first address, and a second, new customer with an address at the same spot (the slot
//! and booking-lock tests race them for one window).

use super::{DemoCustomer, TestApp};
use axum::http::StatusCode;
use serde_json::json;

/// A customer who books: their access token and the address they book at.
pub struct Customer {
    pub token: String,
    pub address: String,
}

/// Loads the demo city of seed 5 and returns the sample customer and a second customer at
/// the same spot, in the same area.
pub async fn two_customers(app: &TestApp) -> (Customer, Customer) {
    let DemoCustomer { token, .. } = app.demo_customer(5).await;
    let list = app.get("/api/v1/customer/addresses", Some(&token)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let first = list.body[0].clone();
    let a = Customer {
        token,
        address: first["id"].as_str().unwrap().to_string(),
    };
    let login = app.otp_login("13700001111", "customer").await;
    let token = login["access_token"].as_str().unwrap().to_string();
    let r = app
        .post(
            "/api/v1/customer/addresses",
            json!({"contact_name": "赵先生", "contact_phone": "13700001111", "address": first["address"],
                   "house_number": "2号楼301", "lat": first["lat"], "lng": first["lng"]}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.body["is_default"], true,
        "the first address is the default"
    );
    assert_eq!(r.body["area_code"], first["area_code"]);
    let b = Customer {
        token,
        address: r.body["id"].as_str().unwrap().to_string(),
    };
    (a, b)
}
