//! Reviews on every backend (docs/reviews.md): the customer reviews a completed order once
//! (stars, tags, text, a photo), edits it once within the window; bad input is a problem
//! naming each field; the worker's rating (Bayesian, prior 4.6 with weight 5) is rewritten
//! with every write, including staff hiding a review (audited) and showing it again; the
//! worker replies once; the public list masks names and leaves hidden reviews out.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends, test_config};
use daojia_domain::access::Role;
use daojia_domain::review::ReviewRules;
use daojia_store::entity::{audit_log, worker};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

struct Town {
    app: TestApp,
    phone: String,
    customer: String,
    address: Uuid,
    disp: String,
    cs: String,
    /// An active cleaner.
    worker: Uuid,
}

async fn town(b: daojia_store::testing::Backend) -> Town {
    let mut cfg = test_config();
    cfg.booking.demo_autopay = Some(true);
    let app = TestApp::with_config(b, cfg).await;
    let DemoCustomer {
        loaded,
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
    Town {
        app,
        phone: loaded.sample_customer_phone.clone(),
        customer,
        address,
        disp,
        cs,
        worker: cleaner.id,
    }
}

/// Moves the clock by `by` and logs everyone in again (tokens expire).
async fn advance(t: &mut Town, by: Duration) {
    t.app.advance(by);
    let login = t.app.otp_login(&t.phone, "customer").await;
    t.customer = login["access_token"].as_str().unwrap().to_string();
    let name = format!("d{}", Uuid::now_v7().simple());
    t.disp = t.app.staff_token(&name[..20], Role::Dispatcher).await;
    let name = format!("c{}", Uuid::now_v7().simple());
    t.cs = t.app.staff_token(&name[..20], Role::CustomerService).await;
}

fn tomorrow(app: &TestApp, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

/// A paid order for tomorrow at `hour`:00 assigned to the town's worker, taken through
/// the steps given.
async fn order(t: &Town, hour: u32, steps: &[&str]) -> Uuid {
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
            json!({"worker_id": t.worker, "override_reason": "test: reviews"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.body["state"], "accepted", "{}", r.text);
    for s in steps {
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

const DONE: [&str; 3] = ["check_in", "finish", "complete"];

fn review_url(id: Uuid) -> String {
    format!("/api/v1/customer/orders/{id}/review")
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(axum::http::Method::PUT, path, Some(body), Some(token))
        .await
}

async fn rating_of(app: &TestApp, w: Uuid) -> i32 {
    worker::Entity::find_by_id(w)
        .one(app.state.store.db())
        .await
        .unwrap()
        .unwrap()
        .rating_tenths
}

fn fields(r: &Reply) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A 16×16 baseline JPEG header, the smallest picture the upload checks accept.
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

async fn upload(app: &TestApp, token: &str, purpose: &str) -> Reply {
    let boundary = "daojia-review-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&jpeg());
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

#[tokio::test]
async fn a_customer_reviews_a_completed_order_once_and_the_workers_rating_follows() {
    let rules = ReviewRules::default();
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let before = rating_of(app, t.worker).await;
        let open = order(&t, 9, &[]).await;
        let done = order(&t, 14, &DONE).await;

        // Not completed yet: nothing to review.
        let r = app.get(&review_url(open), Some(&t.customer)).await;
        assert_eq!(r.body["can_post"], false, "{b:?}: {}", r.text);
        let good =
            json!({"rating": 1, "tags": ["late", "careless"], "text": "迟到一小时，也没打招呼。"});
        let r = app
            .post(&review_url(open), good.clone(), Some(&t.customer))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "order_not_completed");

        // Completed: the form's choices.
        let r = app.get(&review_url(done), Some(&t.customer)).await;
        assert_eq!(r.body["can_post"], true, "{b:?}: {}", r.text);
        assert!(r.body["review"].is_null());
        assert_eq!(r.body["tags"].as_array().unwrap().len(), 10);
        assert_eq!(r.body["max_text_chars"], 500);

        // Bad input, every field named.
        for (body, want) in [
            (json!({"rating": 0}), vec!["rating"]),
            (json!({"rating": 6}), vec!["rating"]),
            (
                json!({"rating": 6, "tags": ["great"], "text": "长".repeat(501)}),
                vec!["rating", "tags", "text"],
            ),
            (json!({"rating": 4, "tags": ["late", "late"]}), vec!["tags"]),
        ] {
            let r = app.post(&review_url(done), body, Some(&t.customer)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
            assert_eq!(fields(&r), want, "{b:?}: {}", r.text);
        }
        // Someone else's order, and a photo that is not a review upload of theirs.
        let other = app.otp_login("13911112222", "customer").await;
        let other = other["access_token"].as_str().unwrap().to_string();
        let r = app
            .post(&review_url(done), good.clone(), Some(&other))
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app.get(&review_url(done), Some(&other)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let problem = upload(app, &t.customer, "problem").await;
        assert_eq!(problem.status, StatusCode::CREATED, "{}", problem.text);
        let mut with = good.clone();
        with["photo_ids"] = json!([problem.body["id"]]);
        let r = app.post(&review_url(done), with, Some(&t.customer)).await;
        assert_eq!(fields(&r), ["photo_ids"], "{b:?}: {}", r.text);
        assert_eq!(rating_of(app, t.worker).await, before, "nothing written");

        // Posted with a photo: the worker's rating moves from the prior, not to 1 star.
        let photo = upload(app, &t.customer, "review").await;
        assert_eq!(photo.status, StatusCode::CREATED, "{}", photo.text);
        let mut with = good.clone();
        with["photo_ids"] = json!([photo.body["id"]]);
        let r = app.post(&review_url(done), with, Some(&t.customer)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let review = &r.body["review"];
        assert_eq!(review["rating"], 1);
        assert_eq!(review["tags"], json!(["late", "careless"]));
        assert_eq!(review["photo_ids"], json!([photo.body["id"]]));
        assert!(review["editable_until"].is_string());
        assert_eq!(r.body["can_post"], false);
        let review_id = review["id"].as_str().unwrap().to_string();
        assert_eq!(rating_of(app, t.worker).await, rules.rating_tenths([1]));
        assert_eq!(rules.rating_tenths([1]), 40, "(5·4.6 + 1) / 6");

        // Once per order.
        let r = app.post(&review_url(done), good, Some(&t.customer)).await;
        assert_problem(&r, StatusCode::CONFLICT, "review_exists");

        // Edited once, within the window; bad input is refused first.
        let r = put(
            app,
            &review_url(done),
            json!({"rating": 0, "text": "x"}),
            &t.customer,
        )
        .await;
        assert_eq!(fields(&r), ["rating"], "{}", r.text);
        let fixed = json!({"rating": 5, "tags": ["punctual"], "text": "后来沟通了，其实很好。"});
        let r = put(app, &review_url(done), fixed.clone(), &t.customer).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["review"]["rating"], 5);
        assert!(r.body["review"]["edited_at"].is_string());
        assert!(r.body["review"]["editable_until"].is_null());
        assert_eq!(r.body["review"]["photo_ids"], json!([]), "photos replaced");
        assert_eq!(rating_of(app, t.worker).await, rules.rating_tenths([5]));
        let r = put(app, &review_url(done), fixed, &t.customer).await;
        assert_problem(&r, StatusCode::CONFLICT, "review_already_edited");
        // Their data export carries it.
        let export = app
            .get("/api/v1/customer/me/export", Some(&t.customer))
            .await;
        let reviewed = export.body["orders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == json!(done))
            .unwrap();
        assert_eq!(
            reviewed["review"]["text"], "后来沟通了，其实很好。",
            "{b:?}"
        );

        // The worker sees it, with the order number, and replies once.
        let wt = app.worker_token(t.worker).await;
        let r = app.get("/api/v1/worker/reviews", Some(&wt)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["rating"]["rating_tenths"], rules.rating_tenths([5]));
        assert_eq!(r.body["rating"]["count"], 1);
        assert_eq!(r.body["items"][0]["id"], review_id.as_str());
        assert!(r.body["items"][0]["order_no"].is_string());
        let reply = format!("/api/v1/worker/reviews/{review_id}/reply");
        let r = app
            .post(&reply, json!({"text": "长".repeat(301)}), Some(&wt))
            .await;
        assert_eq!(fields(&r), ["text"], "{}", r.text);
        let r = app
            .post(&reply, json!({"text": "谢谢您的认可！"}), Some(&wt))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["reply"], "谢谢您的认可！");
        let r = app
            .post(&reply, json!({"text": "再说一次"}), Some(&wt))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "review_already_replied");
        let r = app.get(&review_url(done), Some(&t.customer)).await;
        assert_eq!(r.body["review"]["replies"][0]["text"], "谢谢您的认可！");
        // Another worker cannot reply to it.
        let someone = worker::Entity::find()
            .filter(worker::Column::Id.ne(t.worker))
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        let st = app.worker_token(someone.id).await;
        let r = app
            .post(&reply, json!({"text": "我来回复"}), Some(&st))
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");

        // The public list: masked name, the reply, nothing personal.
        let public = format!("/api/v1/public/workers/{}/reviews", t.worker);
        let r = app.get(&public, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
        let name = r.body["items"][0]["customer"].as_str().unwrap();
        assert!(name.contains('*'), "{b:?}: masked {name}");
        assert!(!r.text.contains(&t.phone[3..]), "no phone");
        assert!(r.body["items"][0].get("order_no").unwrap().is_null());

        // Staff hide it with a reason (audited): it stops counting and showing.
        let r = app
            .post(
                &format!("/api/v1/admin/reviews/{review_id}/hide"),
                json!({}),
                Some(&t.disp),
            )
            .await;
        assert_eq!(fields(&r), ["reason"], "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/reviews/{review_id}/hide"),
                json!({"reason": "含辱骂内容"}),
                Some(&t.cs),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        let r = app
            .post(
                &format!("/api/v1/admin/reviews/{review_id}/hide"),
                json!({"reason": "含辱骂内容"}),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["hidden_reason"], "含辱骂内容");
        assert_eq!(rating_of(app, t.worker).await, rules.rating_tenths([]));
        let r = app.get(&public, None).await;
        assert_eq!(r.body["items"], json!([]), "{}", r.text);
        assert_eq!(r.body["rating"]["count"], 0);
        let r = app.get("/api/v1/worker/reviews", Some(&wt)).await;
        assert_eq!(r.body["items"][0]["hidden"], true);
        assert!(r.body["items"][0]["text"].is_null(), "text withheld");
        let r = app.get(&review_url(done), Some(&t.customer)).await;
        assert_eq!(r.body["review"]["hidden"], true);
        let r = app
            .post(
                &format!("/api/v1/admin/reviews/{review_id}/hide"),
                json!({"reason": "again"}),
                Some(&t.disp),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "review_hidden");
        let audit = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("review.hide"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(audit.len(), 1, "{b:?}");
        assert_eq!(audit[0].target_id.as_deref(), Some(review_id.as_str()));
        assert!(
            audit[0]
                .after_json
                .as_deref()
                .unwrap()
                .contains("含辱骂内容")
        );

        // The console filters.
        let list = |q: String| {
            let disp = t.disp.clone();
            async move {
                app.get(&format!("/api/v1/admin/reviews?{q}"), Some(&disp))
                    .await
            }
        };
        let r = list("hidden=true".into()).await;
        assert_eq!(r.body["items"][0]["id"], review_id.as_str(), "{}", r.text);
        assert!(r.body["items"][0]["worker"].is_string());
        let r = list("hidden=false".into()).await;
        assert!(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["id"] != review_id.as_str())
        );
        let r = list(format!("rating=5&worker_id={}", t.worker)).await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
        let r = list("rating=4".into()).await;
        assert!(
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["rating"] == 4)
        );
        let r = list("rating=9".into()).await;
        assert_eq!(fields(&r), ["rating"]);

        // Shown again (audited): it counts again.
        let r = app
            .post(
                &format!("/api/v1/admin/reviews/{review_id}/unhide"),
                json!({"reason": "复核后无问题"}),
                Some(&t.disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert!(r.body["hidden_at"].is_null());
        assert_eq!(rating_of(app, t.worker).await, rules.rating_tenths([5]));
        let unhide = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("review.unhide"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(unhide.len(), 1);
    }
}

#[tokio::test]
async fn reviews_are_posted_and_edited_only_within_their_windows() {
    for b in backends() {
        let mut t = town(b).await;
        let one = order(&t, 9, &DONE).await;
        let two = order(&t, 14, &DONE).await;
        let body = json!({"rating": 4, "tags": ["tidy"]});
        let r = t
            .app
            .post(&review_url(one), body.clone(), Some(&t.customer))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);

        // A customer who complained (after-sales) may rate the visit too.
        let three = order(&t, 11, &DONE).await;
        let r = t
            .app
            .post(
                &format!("/api/v1/customer/orders/{three}/after-sales"),
                json!({"reason": "厨房没擦干净"}),
                Some(&t.customer),
            )
            .await;
        assert_eq!(r.body["state"], "after_sales", "{b:?}: {}", r.text);
        let r = t
            .app
            .post(
                &review_url(three),
                json!({"rating": 2, "tags": ["incomplete"]}),
                Some(&t.customer),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);

        // A day later the edit window (24 h) has closed.
        advance(&mut t, Duration::hours(25)).await;
        let r = put(&t.app, &review_url(one), body.clone(), &t.customer).await;
        assert_problem(&r, StatusCode::CONFLICT, "review_edit_window_closed");

        // A week after completion no review is accepted.
        advance(&mut t, Duration::days(6)).await;
        let r = t.app.get(&review_url(two), Some(&t.customer)).await;
        assert_eq!(r.body["can_post"], false, "{b:?}: {}", r.text);
        assert!(r.body["post_until"].is_string());
        let r = t.app.post(&review_url(two), body, Some(&t.customer)).await;
        assert_problem(&r, StatusCode::CONFLICT, "review_window_closed");
    }
}
