//! A demo customer places an order at a saved address, retries it safely, follows it,
//! reschedules and cancels it; bad input gets field-named problems.

use crate::common;

use axum::http::StatusCode;
use chrono::{Duration, NaiveTime, Utc};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends};
use serde_json::{Value, json};

async fn place(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> Reply {
    app.post_keyed("/api/v1/customer/orders", token, key, body)
        .await
}

/// 10:00 in Shanghai, `days` days from the test clock's today.
fn ten_am(app: &TestApp, days: i64) -> String {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    let local = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    (local.and_utc() - Duration::hours(8)).to_rfc3339()
}

#[tokio::test]
async fn a_customer_orders_follows_reschedules_and_cancels() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let DemoCustomer { token, address, .. } = app.demo_customer(5).await;

        let body = json!({
            "items": [
                {"item": "deep_cleaning", "options": [{"option": "area", "choice": "60_90"}]},
                {"item": "window_cleaning"}
            ],
            "address_id": address,
            "window_start": ten_am(&app, 1),
            "notes": "请带鞋套"
        });
        let r = place(&app, &token, None, &body).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "idempotency_key_required");

        let r = place(&app, &token, Some("order-1"), &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let id = r.body["id"].as_str().unwrap().to_string();
        // One worker does both (a cleaner who also deep-cleans); the server's prices.
        assert_eq!(r.body["lines"][0]["total_fen"], 49_900);
        assert_eq!(
            r.body["total_fen"].as_i64().unwrap(),
            49_900 + r.body["lines"][1]["total_fen"].as_i64().unwrap()
        );
        assert_eq!(
            (r.body["state"].as_str(), r.body["view"].as_str()),
            (Some("pending_payment"), Some("awaiting_payment"))
        );
        assert_eq!(r.body["lines"].as_array().unwrap().len(), 2);
        assert_eq!(r.body["events"][0]["action"], "place");
        assert!(r.body["address"].as_str().unwrap().starts_with("上海市"));

        // What people order comes first when sorting by popularity.
        let r = app
            .get(
                "/api/v1/public/catalog/search?category=cleaning&sort=popular",
                None,
            )
            .await;
        let codes: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        let mut top = codes[..2].to_vec();
        top.sort();
        assert_eq!(
            top,
            ["deep_cleaning", "window_cleaning"],
            "{b:?}: {codes:?}"
        );
        let r = app
            .get("/api/v1/public/catalog/search?sort=price_asc", None)
            .await;
        let prices: Vec<i64> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["base_price_fen"].as_i64().unwrap())
            .collect();
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        let r = app
            .get("/api/v1/public/catalog/search?sort=random", None)
            .await;
        assert_eq!(r.body["errors"][0]["field"], "sort");

        // A retry with the same key is the same order, not a second one.
        let again = place(&app, &token, Some("order-1"), &body).await;
        assert_eq!(again.body["id"], id.as_str(), "{}", again.text);
        let list = app.get("/api/v1/customer/orders", Some(&token)).await;
        assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.text);

        // Bad input, each named.
        let mut odd = body.clone();
        odd["window_start"] = json!(ten_am(&app, 1).replace("T02:00:00", "T02:17:00"));
        let r = place(&app, &token, Some("order-2"), &odd).await;
        assert_eq!(r.body["errors"][0]["field"], "window_start", "{}", r.text);
        let mut late = body.clone();
        late["window_start"] = json!(ten_am(&app, 1).replace("T02:00:00", "T14:00:00"));
        let r = place(&app, &token, Some("order-3"), &late).await;
        assert_eq!(
            r.body["errors"][0]["code"], "window_unavailable",
            "22:00 is after closing: {}",
            r.text
        );
        let mut far = body.clone();
        far["window_start"] = json!(ten_am(&app, 30));
        let r = place(&app, &token, Some("order-4"), &far).await;
        assert_eq!(r.body["errors"][0]["field"], "window_start");
        let mut stranger = body.clone();
        stranger["address_id"] = json!(uuid::Uuid::now_v7());
        let r = place(&app, &token, Some("order-5"), &stranger).await;
        assert_eq!(r.body["errors"][0]["field"], "address_id");
        let mut wrong = body.clone();
        wrong["items"][0]["options"][0]["choice"] = json!("tank");
        let r = place(&app, &token, Some("order-6"), &wrong).await;
        assert_eq!(
            r.body["errors"][0]["field"], "items[0].options[0].choice",
            "{}",
            r.text
        );
        let mut coupon = body.clone();
        coupon["coupon"] = json!("WELCOME10");
        let r = place(&app, &token, Some("order-c"), &coupon).await;
        assert_eq!(
            r.body["errors"][0]["code"], "coupons_unavailable",
            "{}",
            r.text
        );
        let mut priced = body.clone();
        priced["total_fen"] = json!(1);
        let r = place(&app, &token, Some("order-7"), &priced).await;
        assert_eq!(
            r.body["errors"][0]["code"], "unknown_field",
            "the client's price is refused: {}",
            r.text
        );
        assert_eq!(
            app.get("/api/v1/customer/orders", Some(&token))
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            1,
            "nothing half-written"
        );

        // An item the area does not offer: gone from its catalog, refused by the quote and
        // by an order there; offered again, it is back.
        let area = app
            .get(&format!("/api/v1/customer/orders/{id}"), Some(&token))
            .await
            .body["area_code"]
            .as_str()
            .unwrap()
            .to_string();
        let admin = app
            .staff_token("catalog-admin", daojia_domain::access::Role::SuperAdmin)
            .await;
        let off = |offered: bool| {
            let (app, admin, area) = (&app, admin.clone(), area.clone());
            async move {
                app.call(
                    axum::http::Method::PUT,
                    &format!("/api/v1/admin/catalog/areas/{area}/offered/window_cleaning"),
                    Some(json!({"offered": offered})),
                    Some(&admin),
                )
                .await
            }
        };
        let r = off(false).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let listed = |v: &Value| {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["code"] == "window_cleaning")
        };
        let c = app
            .get(&format!("/api/v1/public/catalog?area={area}"), None)
            .await;
        assert!(!listed(&c.body), "{b:?}");
        assert!(listed(&app.get("/api/v1/public/catalog", None).await.body));
        let q = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "window_cleaning", "area_code": area}),
                None,
            )
            .await;
        assert_eq!(
            q.body["errors"][0]["code"], "not_offered_here",
            "{}",
            q.text
        );
        let mut elsewhere = body.clone();
        elsewhere["window_start"] = json!(ten_am(&app, 2));
        let r = place(&app, &token, Some("order-off"), &elsewhere).await;
        assert_eq!(r.body["errors"][0]["field"], "items[1].item", "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], "not_offered_here");
        let r = app
            .get(
                &format!("/api/v1/admin/catalog/areas/{area}/not-offered"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.body, json!(["window_cleaning"]));
        off(true).await;
        let c = app
            .get(&format!("/api/v1/public/catalog?area={area}"), None)
            .await;
        assert!(listed(&c.body), "{b:?}");

        // Views, reschedule, cancel.
        let r = app
            .get(
                "/api/v1/customer/orders?view=awaiting_payment",
                Some(&token),
            )
            .await;
        assert_eq!(r.body.as_array().unwrap().len(), 1);
        let r = app
            .get("/api/v1/customer/orders?view=completed", Some(&token))
            .await;
        assert_eq!(r.body.as_array().unwrap().len(), 0);
        let r = app
            .get("/api/v1/customer/orders?view=someday", Some(&token))
            .await;
        assert_eq!(r.body["errors"][0]["field"], "view");
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/reschedule"),
                json!({"window_start": ten_am(&app, 2)}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            r.body["window_start"]
                .as_str()
                .map(|s| s.starts_with(&ten_am(&app, 2)[..13])),
            Some(true),
            "{}",
            r.text
        );
        assert_eq!(r.body["events"][1]["action"], "reschedule");
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "家里有事"}),
                Some(&token),
            )
            .await;
        assert_eq!(
            (r.status, r.body["state"].as_str()),
            (StatusCode::OK, Some("cancelled")),
            "{}",
            r.text
        );
        assert_eq!(r.body["fee_fen"], 0);
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "again"}),
                Some(&token),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "a retried cancel is harmless: {}",
            r.text
        );
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/reschedule"),
                json!({"window_start": ten_am(&app, 3)}),
                Some(&token),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        assert_eq!(r.body["errors"][0]["code"], "cancelled", "{}", r.text);
        let detail = app
            .get(&format!("/api/v1/customer/orders/{id}"), Some(&token))
            .await;
        let actions: Vec<&str> = detail.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["place", "reschedule", "cancel"]);

        // Someone else's order does not exist for them.
        let other = app.otp_login("13700000001", "customer").await;
        let r = app
            .get(
                &format!("/api/v1/customer/orders/{id}"),
                other["access_token"].as_str(),
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let _ = Utc::now();
    }
}
