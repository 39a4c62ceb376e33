//! Operations edit the catalog and the service areas from the console: what they change is
//! what customers see, are quoted, may book and agree to; bad input is named field by
//! field; every write is in the audit log; only roles with `catalog.write` may write.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{Reply, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use serde_json::{Value, json};

fn new_item() -> Value {
    json!({
        "code": "glass_cleaning",
        "category_code": "cleaning",
        "name": "玻璃清洁",
        "name_en": "Window cleaning",
        "description": "<p>内外<b>双面</b>擦洗</p><script>alert('x')</script><img src=x onerror=alert(1)>",
        "unit": "次",
        "base_price_fen": 12_000,
        "base_duration_min": 120,
        "buffer_min": 15,
        "skills": ["cleaning"],
        "tools": ["伸缩杆", "刮水器"],
        "notes": "高层外窗不在服务范围内",
        "options": [{
            "code": "panes", "name": "窗户数量", "name_en": "Windows",
            "choices": [
                {"code": "upto6", "name": "6扇以内", "name_en": "Up to 6", "price_delta_fen": 0, "duration_delta_min": 0},
                {"code": "upto12", "name": "7-12扇", "name_en": "7 to 12", "price_delta_fen": 6_000, "duration_delta_min": 60}
            ]
        }],
        "payment_mode": "full",
        "deposit_fen": 0,
        "on_shelf": true,
        "sort": 5,
        "policy": null
    })
}

fn square(lng: f64, lat: f64, d: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[lng, lat], [lng + d, lat], [lng + d, lat + d], [lng, lat + d], [lng, lat]]]})
}

fn new_area() -> Value {
    json!({
        "code": "sh-test",
        "name": "测试区", "name_en": "Test district", "city": "上海",
        "timezone": "Asia/Shanghai",
        "polygon": square(121.0, 30.7, 0.05),
        "open_minute": 480, "close_minute": 1200, "lead_minutes": 120, "horizon_days": 14,
        "window_minutes": 60, "active": false, "policy": null
    })
}

fn fields(r: &Reply) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or("").to_string(),
                        e["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(Method::PUT, path, Some(body), Some(token)).await
}

async fn place(app: &TestApp, token: &str, body: Value, key: &str) -> Reply {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn what_operations_change_is_what_customers_see_pay_and_agree_to() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let loaded = daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        let admin = app.staff_token("boss", Role::SuperAdmin).await;

        // A new item, with a script in its description.
        let r = app
            .post("/api/v1/admin/catalog/items", new_item(), Some(&admin))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let desc = r.body["description"].as_str().unwrap();
        assert_eq!(desc, "<p>内外<b>双面</b>擦洗</p>", "{b:?}");
        let stamp = r.body["updated_at"].clone();

        let catalog = app.get("/api/v1/public/catalog", None).await;
        let mine = catalog.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "glass_cleaning")
            .cloned()
            .expect("the new item is in the public catalog");
        assert_eq!(mine["options"][0]["choices"][1]["price_delta_fen"], 6_000);
        assert!(!mine["description"].as_str().unwrap().contains("script"));

        // Edited: a new price shows in the catalog and in a quote.
        let mut edit = new_item();
        edit["base_price_fen"] = json!(13_500);
        edit["updated_at"] = stamp.clone();
        app.advance(Duration::seconds(5));
        let r = put(
            &app,
            "/api/v1/admin/catalog/items/glass_cleaning",
            edit.clone(),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let q = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "glass_cleaning", "options": [{"option": "panes", "choice": "upto12"}]}),
                None,
            )
            .await;
        assert_eq!(q.body["unit_price_fen"], 19_500, "{}", q.text);
        // The same stale copy again is a conflict, not a silent overwrite.
        let r = put(
            &app,
            "/api/v1/admin/catalog/items/glass_cleaning",
            edit,
            &admin,
        )
        .await;
        assert_problem(&r, StatusCode::CONFLICT, "edit_conflict");
        assert_eq!(r.body["errors"][0]["field"], "updated_at");

        // The customer's address and its area.
        let login = app
            .otp_login(&loaded.sample_customer_phone, "customer")
            .await;
        let customer = login["access_token"].as_str().unwrap().to_string();
        let addresses = app.get("/api/v1/customer/addresses", Some(&customer)).await;
        let address = addresses.body[0].clone();
        let address_id = address["id"].as_str().unwrap().to_string();
        let area = address["area_code"].as_str().unwrap().to_string();

        // A per-area policy is what the slots say the order would get.
        let a = app
            .get(&format!("/api/v1/admin/catalog/areas/{area}"), Some(&admin))
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        let mut body = a.body.clone();
        for k in ["code", "price_overrides", "created_at"] {
            body.as_object_mut().unwrap().remove(k);
        }
        body["policy"] = json!({
            "free_cancel_minutes": 240, "late_cancel_fee_percent": 30, "late_cancel_fee_cap": 8_000,
            "reschedule_minutes": 180, "max_reschedules": 1, "after_sales_days": 3,
            "confirm_hours": 48, "unpaid_minutes": 20
        });
        let r = put(
            &app,
            &format!("/api/v1/admin/catalog/areas/{area}"),
            body,
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["policy"]["free_cancel_minutes"], 240);
        let slots = app
            .post(
                "/api/v1/customer/slots",
                json!({"items": [{"item": "daily_cleaning"}], "address_id": address_id, "days": 2}),
                Some(&customer),
            )
            .await;
        assert_eq!(slots.status, StatusCode::OK, "{}", slots.text);
        assert_eq!(
            slots.body["policy"]["free_cancel_minutes"], 240,
            "{}",
            slots.text
        );
        assert_eq!(slots.body["policy"]["max_reschedules"], 1);

        // An area price override changes what the order costs there.
        let r = put(
            &app,
            &format!("/api/v1/admin/catalog/areas/{area}/prices/daily_cleaning"),
            json!({"base_price_fen": 20_000, "markup_percent": 10}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["default_unit_price_fen"], 22_000, "{}", r.text);
        let list = app
            .get(
                &format!("/api/v1/admin/catalog/areas/{area}/prices"),
                Some(&admin),
            )
            .await;
        assert!(
            list.body
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["item_code"] == "daily_cleaning" && p["markup_percent"] == 10),
            "{}",
            list.text
        );
        let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
        let start = date
            .and_time(NaiveTime::from_hms_opt(14, 0, 0).unwrap())
            .and_utc()
            - Duration::hours(8);
        let order = json!({"items": [{"item": "daily_cleaning"}], "address_id": address_id, "window_start": start.to_rfc3339()});
        let placed = place(&app, &customer, order, "k-override").await;
        assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
        assert_eq!(placed.body["total_fen"], 22_000, "{}", placed.text);
        // The public quote for the area says the same before booking.
        let area_code = placed.body["area_code"].as_str().unwrap().to_string();
        let q = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "daily_cleaning", "area_code": area_code}),
                None,
            )
            .await;
        assert_eq!(q.body["total_fen"], 22_000, "{}", q.text);
        let q = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "daily_cleaning", "area_code": "nowhere"}),
                None,
            )
            .await;
        assert_eq!(q.body["errors"][0]["field"], "area_code", "{}", q.text);
        assert_eq!(placed.body["policy"]["late_cancel_fee_percent"], 30);
        let r = app
            .call(
                Method::DELETE,
                &format!("/api/v1/admin/catalog/areas/{area}/prices/daily_cleaning"),
                None,
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

        // Off shelf: out of the catalog, and neither quoted nor bookable.
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/admin/catalog/items/glass_cleaning",
                Some(json!({"on_shelf": false})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.body["on_shelf"], false, "{}", r.text);
        let catalog = app.get("/api/v1/public/catalog", None).await;
        assert!(
            !catalog.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["code"] == "glass_cleaning")
        );
        let all = app.get("/api/v1/admin/catalog/items", Some(&admin)).await;
        assert!(
            all.body
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i["code"] == "glass_cleaning" && i["on_shelf"] == false),
            "the console still lists it"
        );
        let q = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "glass_cleaning"}),
                None,
            )
            .await;
        assert_eq!(q.body["errors"][0]["code"], "unknown_item", "{}", q.text);
        let later = start + Duration::hours(2);
        let order = json!({"items": [{"item": "glass_cleaning"}], "address_id": address_id, "window_start": later.to_rfc3339()});
        let refused = place(&app, &customer, order, "k-off-shelf").await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.text
        );
        assert_eq!(
            fields(&refused),
            [("items[0].item".to_string(), "unknown_item".to_string())]
        );

        // Every write is in the audit log with what it changed.
        let log = app
            .get(
                "/api/v1/admin/audit-log?target_type=service_item&target_id=glass_cleaning",
                Some(&admin),
            )
            .await;
        let actions: Vec<&str> = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "catalog.item.off_shelf",
                "catalog.item.update",
                "catalog.item.create"
            ],
            "{}",
            log.text
        );
        let update = &log.body["items"][1];
        assert_eq!(update["before"]["base_price_fen"], 12_000, "{}", log.text);
        assert_eq!(update["after"]["base_price_fen"], 13_500);
    }
}

#[tokio::test]
async fn bad_input_is_named_field_by_field_and_only_catalog_writers_write() {
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 3)
            .await
            .unwrap();
        let admin = app.staff_token("boss", Role::SuperAdmin).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;

        // Reading is for every role with catalog.read; writing needs catalog.write.
        let r = app
            .get("/api/v1/admin/catalog/items", Some(&dispatcher))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .post("/api/v1/admin/catalog/items", new_item(), Some(&dispatcher))
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        let r = app
            .post("/api/v1/admin/catalog/areas", new_area(), Some(&dispatcher))
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        let finance = app.staff_token("fin", Role::Finance).await;
        let r = app.get("/api/v1/admin/catalog/areas", Some(&finance)).await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");

        // A bad option, a skill nobody has, a deposit on a full payment.
        let mut item = new_item();
        item["options"][0]["choices"][1]["code"] = json!("upto6");
        item["options"]
            .as_array_mut()
            .unwrap()
            .push(json!({"code": "extras", "name": "附加", "name_en": "Extras", "choices": []}));
        item["skills"] = json!(["cleaning", "rocket_science"]);
        item["deposit_fen"] = json!(500);
        item["policy"] = json!({
            "free_cancel_minutes": 120, "late_cancel_fee_percent": 120, "late_cancel_fee_cap": 5_000,
            "reschedule_minutes": 120, "max_reschedules": 2, "after_sales_days": 7,
            "confirm_hours": 24, "unpaid_minutes": 30
        });
        let r = app
            .post("/api/v1/admin/catalog/items", item, Some(&admin))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let got = fields(&r);
        for want in [
            ("options[0].choices[1].code", "duplicate"),
            ("options[1].choices", "required"),
            ("skills[1]", "unknown_skill"),
            ("deposit_fen", "unexpected"),
            ("policy.late_cancel_fee_percent", "out_of_range"),
        ] {
            assert!(
                got.contains(&(want.0.to_string(), want.1.to_string())),
                "{want:?} in {got:?}"
            );
        }
        let mut item = new_item();
        item["code"] = json!("daily_cleaning");
        let r = app
            .post("/api/v1/admin/catalog/items", item, Some(&admin))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "duplicate_code");

        // Areas: an open ring, a time zone that is not one, a window of 45 minutes.
        let mut area = new_area();
        area["polygon"]["coordinates"][0]
            .as_array_mut()
            .unwrap()
            .pop();
        area["timezone"] = json!("Asia/Beijing");
        area["window_minutes"] = json!(45);
        let r = app
            .post("/api/v1/admin/catalog/areas", area, Some(&admin))
            .await;
        let got = fields(&r);
        for want in [
            ("polygon.coordinates[0]", "not_closed"),
            ("timezone", "unknown_timezone"),
            ("window_minutes", "out_of_range"),
        ] {
            assert!(
                got.contains(&(want.0.to_string(), want.1.to_string())),
                "{want:?} in {got:?}"
            );
        }
        let mut area = new_area();
        area["polygon"] = json!({"type": "Polygon", "coordinates": [[[121.0, 30.7], [121.1, 30.8], [121.1, 30.7], [121.0, 30.8], [121.0, 30.7]]]});
        let r = app
            .post("/api/v1/admin/catalog/areas", area, Some(&admin))
            .await;
        assert_eq!(
            fields(&r),
            [(
                "polygon.coordinates[0]".to_string(),
                "self_intersecting".to_string()
            )]
        );
        let mut area = new_area();
        area["polygon"] = square(139.7, 35.6, 0.05);
        let r = app
            .post("/api/v1/admin/catalog/areas", area, Some(&admin))
            .await;
        assert_eq!(
            fields(&r),
            [(
                "polygon.coordinates[0][0]".to_string(),
                "out_of_bounds".to_string()
            )]
        );

        // A good area, inactive: listed in the console, not to customers.
        let r = app
            .post("/api/v1/admin/catalog/areas", new_area(), Some(&admin))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let public = app.get("/api/v1/public/areas", None).await;
        assert!(!public.text.contains("sh-test"));
        let all = app.get("/api/v1/admin/catalog/areas", Some(&admin)).await;
        assert!(all.text.contains("sh-test"));

        // Import: one update, one new area, all or nothing.
        let upload = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"code": "sh-test", "active": true}, "geometry": square(121.0, 30.7, 0.08)},
            {"type": "Feature", "properties": {"code": "sh-new", "name": "新区", "window_minutes": 90}, "geometry": square(121.2, 30.7, 0.05)},
            {"type": "Feature", "properties": {"code": "sh-bad", "timezone": "Mars/Olympus"}, "geometry": square(121.4, 30.7, 0.05)}
        ]});
        let r = app
            .post(
                "/api/v1/admin/catalog/areas/import",
                upload.clone(),
                Some(&admin),
            )
            .await;
        assert_eq!(
            fields(&r),
            [(
                "features[2].properties.timezone".to_string(),
                "unknown_timezone".to_string()
            )]
        );
        let mut upload = upload;
        upload["features"].as_array_mut().unwrap().pop();
        let r = app
            .post("/api/v1/admin/catalog/areas/import", upload, Some(&admin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(
            r.body,
            json!({"created": ["sh-new"], "updated": ["sh-test"]})
        );
        let t = app
            .get("/api/v1/admin/catalog/areas/sh-test", Some(&admin))
            .await;
        assert_eq!(t.body["active"], true);
        assert_eq!(
            t.body["polygon"]["coordinates"][0][2],
            json!([121.08, 30.78])
        );
        let n = app
            .get("/api/v1/admin/catalog/areas/sh-new", Some(&admin))
            .await;
        assert_eq!(
            (
                &n.body["name"],
                &n.body["window_minutes"],
                &n.body["active"]
            ),
            (&json!("新区"), &json!(90), &json!(false))
        );
        let public = app.get("/api/v1/public/areas", None).await;
        assert!(public.text.contains("sh-test") && !public.text.contains("sh-new"));

        // Categories: a tree two levels deep.
        let r = app
            .post(
                "/api/v1/admin/catalog/categories",
                json!({"code": "glass", "parent_code": "cleaning", "name": "玻璃", "name_en": "Glass", "sort": 9}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let r = app
            .post(
                "/api/v1/admin/catalog/categories",
                json!({"code": "mirrors", "parent_code": "glass", "name": "镜子", "name_en": "Mirrors"}),
                Some(&admin),
            )
            .await;
        assert_eq!(
            fields(&r),
            [("parent_code".to_string(), "too_deep".to_string())]
        );
        let tree = app
            .get("/api/v1/admin/catalog/categories", Some(&admin))
            .await;
        let cleaning = tree
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "cleaning")
            .unwrap();
        assert!(
            cleaning["children"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["code"] == "glass")
        );
        let r = put(
            &app,
            "/api/v1/admin/catalog/categories/glass",
            json!({"parent_code": null, "name": "玻璃清洁", "name_en": "Glass", "sort": 7}),
            &admin,
        )
        .await;
        assert_eq!(
            (r.status, &r.body["parent_code"]),
            (StatusCode::OK, &Value::Null),
            "{}",
            r.text
        );

        // Price overrides are checked too.
        let r = put(
            &app,
            "/api/v1/admin/catalog/areas/sh-test/prices/daily_cleaning",
            json!({"base_price_fen": 0, "markup_percent": 900}),
            &admin,
        )
        .await;
        assert_eq!(
            fields(&r),
            [
                ("base_price_fen".to_string(), "out_of_range".to_string()),
                ("markup_percent".to_string(), "out_of_range".to_string())
            ]
        );
    }
}
