//! Photos: a customer uploads a photo of the problem (checked by its bytes, its EXIF gone),
//! books with it, staff see it on the order; after the visit the customer confirms and
//! opens an after-sales case with a photo of the damage. Files that are not images, too
//! large, or someone else's are refused with named problems.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends, test_config};
use daojia_domain::access::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A 16×16 baseline JPEG header with an EXIF segment holding a position.
fn jpeg_with_exif() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    let payload = b"Exif\0\0GPS 31.2304N 121.4737E";
    b.extend_from_slice(&[0xFF, 0xE1]);
    b.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(payload);
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    b
}

async fn upload(app: &TestApp, token: &str, purpose: &str, file: &[u8]) -> Reply {
    let boundary = "daojia-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tap.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/customer/uploads")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn raw_get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = app.router.clone();
    let resp = tower::ServiceExt::oneshot(r, req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

/// Photos made by a real encoder (Pillow; see fixtures/make_photo_fixtures.py), each with
/// a GPS position in EXIF, an XMP packet and, for PNG, text chunks and a time.
const FIXTURES: [(&str, &[u8]); 3] = [
    ("image/jpeg", include_bytes!("../fixtures/gps.jpg")),
    ("image/png", include_bytes!("../fixtures/gps.png")),
    ("image/webp", include_bytes!("../fixtures/gps.webp")),
];

#[tokio::test]
async fn photos_with_a_gps_position_come_back_without_it_in_every_format() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let token = app.otp_login("13700003333", "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        for (kind, file) in FIXTURES {
            let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
            assert!(find(file, b"DAOJIA-SECRET"), "{kind}");
            let r = upload(&app, &token, "problem", file).await;
            assert_eq!(r.status, StatusCode::CREATED, "{b:?} {kind}: {}", r.text);
            assert_eq!(r.body["content_type"], kind);
            let (status, back) = raw_get(&app, r.body["url"].as_str().unwrap(), &token).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(r.body["size_bytes"].as_u64(), Some(back.len() as u64));
            for needle in [
                &b"DAOJIA-SECRET"[..],
                b"Exif",
                b"eXIf",
                b"tEXt",
                b"zTXt",
                b"iTXt",
                b"tIME",
                b"EXIF",
                b"XMP ",
                b"xmpmeta",
                b"Photoshop",
            ] {
                assert!(!find(&back, needle), "{b:?} {kind} still holds {needle:?}");
            }
            // Still the same picture to a reader.
            let size = imagesize::blob_size(&back).unwrap();
            assert_eq!((size.width, size.height), (32, 24), "{kind}");
            assert!(back.len() < file.len(), "{kind}: something was taken out");
        }
        // A PNG whose chunk fails its checksum is refused by name, not stored as it is.
        let mut broken = FIXTURES[1].1.to_vec();
        let at = broken.len() - 20;
        broken[at] ^= 0x55;
        let r = upload(&app, &token, "problem", &broken).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert_eq!(r.body["errors"][0]["field"], "file");
        assert_eq!(r.body["errors"][0]["code"], "bad_image");
    }
}

fn ten_am(app: &TestApp, days: i64) -> String {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(days);
    let local = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    (local.and_utc() - Duration::hours(8)).to_rfc3339()
}

#[tokio::test]
async fn photos_go_with_the_booking_and_the_after_sales_case() {
    for b in backends() {
        let mut cfg = test_config();
        cfg.booking.upload_max_bytes = 16 * 1024;
        let app = TestApp::with_config(b, cfg).await;
        let DemoCustomer { token, .. } = app.demo_customer(5).await;
        let other = app.otp_login("13700002222", "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();

        // Upload: 201 with the checked facts; the stored copy has no position in it.
        let r = upload(&app, &token, "problem", &jpeg_with_exif()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        assert_eq!(
            (r.body["content_type"].as_str(), r.body["width"].as_i64()),
            (Some("image/jpeg"), Some(16))
        );
        let photo = r.body["id"].as_str().unwrap().to_string();
        let (status, bytes) = raw_get(&app, r.body["url"].as_str().unwrap(), &token).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!bytes.windows(3).any(|w| w == b"GPS"), "EXIF stripped");
        assert_eq!(
            raw_get(&app, r.body["url"].as_str().unwrap(), &other)
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        // Not an image, too large, unknown purpose.
        let r = upload(&app, &token, "problem", b"%PDF-1.7 not a photo").await;
        assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_an_image");
        let mut big = jpeg_with_exif();
        big.resize(20 * 1024, 0);
        let r = upload(&app, &token, "problem", &big).await;
        assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "file_too_large");
        let r = upload(&app, &token, "selfie", &jpeg_with_exif()).await;
        assert_eq!(r.body["errors"][0]["field"], "purpose", "{}", r.text);

        // Book with the photo; another customer cannot use it.
        let me = app.get("/api/v1/customer/me", Some(&token)).await;
        let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let address = daojia_store::repo::accounts::addresses(app.state.store.db(), cid)
            .await
            .unwrap()[0]
            .id;
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                          "window_start": ten_am(&app, 1), "photo_ids": [photo]});
        let place = |t: String, key: &'static str, body: Value| {
            let app = &app;
            async move {
                let req = Request::builder()
                    .method("POST")
                    .uri("/api/v1/customer/orders")
                    .header("authorization", format!("Bearer {t}"))
                    .header("content-type", "application/json")
                    .header("idempotency-key", key)
                    .body(Body::from(body.to_string()))
                    .unwrap();
                app.send(req).await
            }
        };
        let r = place(token.clone(), "p-1", body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        assert_eq!(r.body["photos"].as_array().unwrap().len(), 1);
        let id = r.body["id"].as_str().unwrap().to_string();
        let mut stolen = body.clone();
        stolen["photo_ids"] = json!([photo]);
        let r = place(other.clone(), "p-2", stolen).await;
        assert!(r.status.is_client_error(), "{}", r.text);

        // Staff see it; then take the order through the visit.
        let finance = app.staff_token("fin", Role::Finance).await;
        let service = app.staff_token("cs", Role::CustomerService).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let detail = app
            .get(&format!("/api/v1/admin/orders/{id}"), Some(&service))
            .await;
        let url = detail.body["photos"][0]["url"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            raw_get(&app, &url, &service).await.0,
            StatusCode::OK,
            "{b:?}"
        );
        let r = app
            .post(&format!("/api/v1/admin/orders/{id}/payments"), json!({"amount_fen": detail.body["total_fen"], "method": "cash", "reference": "R-1"}), Some(&finance))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let workers = app.get("/api/v1/admin/workers", Some(&service)).await;
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/assign"),
                json!({"worker_id": workers.body["items"][0]["id"], "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        for step in ["check_in", "finish"] {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{id}/visit"),
                    json!({"step": step}),
                    Some(&service),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }

        // The customer confirms, then opens a case with a photo of the damage.
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/confirm"),
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(r.body["state"], "completed", "{b:?}: {}", r.text);
        let damage = upload(&app, &token, "after_sales", &jpeg_with_exif()).await;
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/after-sales"),
                json!({"reason": "地板划伤", "photo_ids": [photo]}),
                Some(&token),
            )
            .await;
        assert_eq!(
            r.body["errors"][0]["field"], "photo_ids[0]",
            "a problem photo is not an after-sales one: {}",
            r.text
        );
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/after-sales"),
                json!({"reason": "地板划伤", "photo_ids": [damage.body["id"]]}),
                Some(&token),
            )
            .await;
        assert_eq!(r.body["state"], "after_sales", "{b:?}: {}", r.text);
        let purposes: Vec<&str> = r.body["photos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["purpose"].as_str().unwrap())
            .collect();
        assert_eq!(purposes, ["problem", "after_sales"]);

        // Staff decide on a rework: a free visit linked to the order, made once.
        let aftersales = app.staff_token("as", Role::CustomerService).await;
        let decide = json!({"decision": "rework", "note": "安排师傅上门返工", "window_start": ten_am(&app, 2)});
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                json!({"decision": "rework", "note": "x"}),
                Some(&aftersales),
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "window_start", "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                decide.clone(),
                Some(&aftersales),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let again = app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                decide,
                Some(&aftersales),
            )
            .await;
        assert!(again.status.is_client_error(), "{}", again.text);
        let reworks = daojia_store::entity::service_order::Entity::find()
            .filter(
                daojia_store::entity::service_order::Column::ReworkOf
                    .eq(id.parse::<uuid::Uuid>().unwrap()),
            )
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(reworks.len(), 1, "{b:?}");
        assert_eq!(
            (reworks[0].total_fen, reworks[0].state.as_str()),
            (0, "pending_dispatch")
        );
        let detail = app
            .get(&format!("/api/v1/admin/orders/{id}"), Some(&aftersales))
            .await;
        assert_eq!(
            detail.body["rework_id"],
            reworks[0].id.to_string(),
            "{}",
            detail.text
        );
        let list = app.get("/api/v1/customer/orders", Some(&token)).await;
        assert_eq!(
            list.body.as_array().unwrap().len(),
            2,
            "the customer sees the rework visit"
        );

        // Catalog photos: staff upload one and show it on an item; anyone may see it, while
        // customers' photos stay private.
        let catalog_admin = app.staff_token("cat", Role::SuperAdmin).await;
        let boundary = "b";
        let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\r\n").into_bytes();
        body.extend_from_slice(&jpeg_with_exif());
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/admin/uploads")
            .header("authorization", format!("Bearer {catalog_admin}"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let up = app.send(req).await;
        assert_eq!(up.status, StatusCode::CREATED, "{b:?}: {}", up.text);
        let r = app
            .call(
                axum::http::Method::PUT,
                "/api/v1/admin/catalog/items/daily_cleaning/photos",
                Some(json!({"photo_ids": [up.body["id"]]})),
                Some(&catalog_admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .call(
                axum::http::Method::PUT,
                "/api/v1/admin/catalog/items/daily_cleaning/photos",
                Some(json!({"photo_ids": [photo]})),
                Some(&catalog_admin),
            )
            .await;
        assert_eq!(
            r.body["errors"][0]["field"], "photo_ids[0]",
            "a customer's photo is not a catalog photo"
        );
        let cat = app.get("/api/v1/public/catalog", None).await;
        let item = cat.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "daily_cleaning")
            .unwrap()
            .clone();
        let url = item["photos"][0].as_str().unwrap().to_string();
        let req = Request::builder().uri(&url).body(Body::empty()).unwrap();
        let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{b:?}");
        let req = Request::builder()
            .uri(format!("/api/v1/public/photos/{photo}"))
            .body(Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::NOT_FOUND,
            "customers' photos are not public"
        );
    }
}
