//! The service record kept during the visit (服务记录, docs/visit.md "Service record"), on
//! every backend: while in service the worker ticks the item's checklist, adds before and
//! after photos, a note and the materials used; another worker's job is 404, another state
//! 409, bad input 422; finishing needs the record complete when configured; the customer
//! and the console read it; every save is in the order's hash chain, which still verifies.

use crate::common;
use common::visit::{self, Town, move_to, tomorrow};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::Duration;
use common::{Reply, TestApp, assert_problem, backends};
use serde_json::{Value, json};
use uuid::Uuid;

async fn town(b: daojia_store::testing::Backend) -> Town {
    visit::town(b, |c| c.visit.record.require_complete = true).await
}

fn field_codes(r: &Reply) -> Vec<(String, String)> {
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

/// A 16×16 baseline JPEG.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    b.extend_from_slice(&[
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00,
    ]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
    b.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
    b
}

async fn upload(app: &TestApp, path: &str, token: &str, purpose: &str) -> Uuid {
    let boundary = "daojia-record-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&jpeg());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_str().unwrap().parse().unwrap()
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(Method::PUT, path, Some(body), Some(token)).await
}

#[tokio::test]
async fn the_worker_keeps_the_service_record_and_everyone_reads_it_from_the_chain() {
    for b in backends() {
        let mut t = town(b).await;
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": t.address,
                          "window_start": tomorrow(&t.app, 10).to_rfc3339()});
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
        let order: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
        let r = t
            .app
            .post(
                &format!("/api/v1/admin/orders/{order}/assign"),
                json!({"worker_id": t.workers[0], "override_reason": "test: the record"}),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let at = tomorrow(&t.app, 10) - Duration::minutes(10);
        move_to(&mut t, at).await;
        let app = &t.app;
        let me = app.worker_token(t.workers[0]).await;
        let other = app.worker_token(t.workers[1]).await;
        let base = format!("/api/v1/worker/jobs/{order}/record");

        // Before the service: readable, not writable (409 with the state).
        let r = app.get(&base, Some(&me)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let line: Uuid = r.body["checklists"][0]["line_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let steps = r.body["checklists"][0]["steps"].as_array().unwrap().len();
        assert!(
            steps >= 3,
            "the demo's cleaning has a checklist: {}",
            r.text
        );
        let r = put(app, &format!("{base}/note"), json!({"text": "早到了"}), &me).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");
        for step in ["depart", "check-in"] {
            let body = if step == "check-in" {
                let o = daojia_store::repo::orders::get(app.state.store.db(), order)
                    .await
                    .unwrap()
                    .unwrap();
                json!({"lat": o.lat, "lng": o.lng})
            } else {
                json!({})
            };
            let r = app
                .post(
                    &format!("/api/v1/worker/jobs/{order}/{step}"),
                    body,
                    Some(&me),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.text);
        }
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{order}/visit"),
                json!({"step": "start"}),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);

        // Someone else's job: 404 for every part.
        let r = app.get(&base, Some(&other)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = put(
            app,
            &format!("{base}/checklist"),
            json!({"line_id": line, "ticked": [0]}),
            &other,
        )
        .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");

        // Finishing needs the checklist ticked and an after photo.
        let finish = format!("/api/v1/worker/jobs/{order}/finish");
        let r = app.post(&finish, json!({}), Some(&me)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            field_codes(&r),
            [
                (
                    "checklist[0]".to_string(),
                    "checklist_incomplete".to_string()
                ),
                (
                    "after_photo".to_string(),
                    "after_photo_required".to_string()
                )
            ]
        );

        // Bad input: 422 on the field.
        let r = put(
            app,
            &format!("{base}/checklist"),
            json!({"line_id": line, "ticked": [0, 99, 0]}),
            &me,
        )
        .await;
        assert_eq!(
            field_codes(&r),
            [
                ("ticked[1]".to_string(), "unknown_step".to_string()),
                ("ticked[2]".to_string(), "duplicate".to_string())
            ]
        );
        let r = put(
            app,
            &format!("{base}/checklist"),
            json!({"line_id": Uuid::now_v7(), "ticked": [0]}),
            &me,
        )
        .await;
        assert_eq!(
            field_codes(&r),
            [("line_id".to_string(), "unknown_line".to_string())]
        );
        let r = put(
            app,
            &format!("{base}/note"),
            json!({"text": "长".repeat(1001)}),
            &me,
        )
        .await;
        assert_eq!(
            field_codes(&r),
            [("text".to_string(), "too_long".to_string())]
        );
        let r = put(
            app,
            &format!("{base}/materials"),
            json!({"materials": [{"name": "", "quantity": -1, "unit": "瓶"}]}),
            &me,
        )
        .await;
        assert_eq!(
            field_codes(&r),
            [
                ("materials[0].name".to_string(), "invalid".to_string()),
                (
                    "materials[0].quantity".to_string(),
                    "out_of_range".to_string()
                )
            ]
        );
        let customer_photo = upload(app, "/api/v1/customer/uploads", &t.customer, "problem").await;
        let check_in_photo = upload(app, "/api/v1/worker/uploads", &me, "check_in").await;
        for u in [customer_photo, check_in_photo] {
            let r = app
                .post(
                    &format!("{base}/photos"),
                    json!({"upload_id": u}),
                    Some(&me),
                )
                .await;
            assert_eq!(
                field_codes(&r),
                [("upload_id".to_string(), "unknown_photo".to_string())]
            );
        }

        // The record, part by part.
        let before = upload(app, "/api/v1/worker/uploads", &me, "before").await;
        let after = upload(app, "/api/v1/worker/uploads", &me, "after").await;
        for (u, line_id) in [(before, None), (after, Some(line)), (after, Some(line))] {
            let r = app
                .post(
                    &format!("{base}/photos"),
                    json!({"upload_id": u, "line_id": line_id}),
                    Some(&me),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let all: Vec<u32> = (0..steps as u32).collect();
        let r = put(
            app,
            &format!("{base}/checklist"),
            json!({"line_id": line, "ticked": all}),
            &me,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = put(
            app,
            &format!("{base}/note"),
            json!({"text": "厨房油污较重，已重点处理"}),
            &me,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = put(
            app,
            &format!("{base}/materials"),
            json!({"materials": [{"name": "厨房清洁剂", "quantity": 1.5, "unit": "瓶"},
                                 {"name": "抹布", "quantity": 2, "unit": "块"}]}),
            &me,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["missing"], json!([]), "{}", r.text);
        assert_eq!(
            r.body["photos"].as_array().unwrap().len(),
            2,
            "the same photo once"
        );
        assert_eq!(r.body["checklists"][0]["ticked"], json!(all));

        // The customer and the console read it, photos included.
        let r = app
            .get(
                &format!("/api/v1/customer/orders/{order}/record"),
                Some(&t.customer),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["note"], "厨房油污较重，已重点处理");
        assert_eq!(r.body["materials"][0]["quantity"], json!(1.5));
        assert_eq!(r.body["photos"][1]["purpose"], "after");
        let url = r.body["photos"][1]["url"].as_str().unwrap().to_string();
        let img = app.get(&url, Some(&t.customer)).await;
        assert_eq!(img.status, StatusCode::OK, "{url}");
        assert_eq!(img.content_type(), "image/jpeg");
        let stranger = format!("/api/v1/customer/orders/{order}/record/photos/{customer_photo}");
        let r = app.get(&stranger, Some(&t.customer)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .get(
                &format!("/api/v1/admin/orders/{order}/service-record"),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["materials"][1]["name"], "抹布");
        let url = r.body["photos"][0]["url"].as_str().unwrap().to_string();
        assert_eq!(url, format!("/api/v1/admin/uploads/{before}"));
        let img = app.get(&url, Some(&t.disp)).await;
        assert_eq!(img.status, StatusCode::OK, "{}", img.text);

        // Finished now; afterwards the record is closed.
        let r = app.post(&finish, json!({}), Some(&me)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = put(app, &format!("{base}/note"), json!({"text": "补一句"}), &me).await;
        assert_problem(&r, StatusCode::CONFLICT, "invalid_state");

        // Every save is in the chain, which verifies; the note only salted.
        let r = app
            .get(
                &format!("/api/v1/admin/orders/{order}/record"),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["verified"], json!(true), "{}", r.text);
        let kinds: Vec<&str> = r.body["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for k in ["checklist", "photo", "note", "materials"] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
        assert!(
            !r.text.contains("厨房油污"),
            "the note's text is not in the chain"
        );
        assert!(r.text.contains("厨房清洁剂"), "materials are");
        let report = daojia_app::records::verify(&app.state.app, daojia_app::records::Scope::All)
            .await
            .unwrap();
        assert!(report.clean(), "{b:?}: {:?}", report.problems);
    }
}
