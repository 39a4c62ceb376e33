//! `Idempotency-Key` on order placement: the stored answer holds no personal data in clear,
//! a cut-off request holds its key only for a short lease, keys belong to the logged-in
//! account (anonymous requests store nothing), and the answer is what was committed
//! (order and demo payment together).

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends, test_config};
use daojia_server::http::idempotency::{lease, request_hash, scope};
use daojia_store::entity::{idempotency_key, service_order};
use daojia_store::repo::idempotency as repo;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use uuid::Uuid;

const PATH: &str = "/api/v1/customer/orders";
/// The route as the layer sees it (under `/api/v1`): what scopes and hashes name.
const ROUTE: &str = "/customer/orders";

async fn place(app: &TestApp, token: Option<&str>, key: &str, body: &Value) -> Reply {
    let mut req = Request::builder()
        .method("POST")
        .uri(PATH)
        .header("content-type", "application/json")
        .header("idempotency-key", key);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

/// A demo customer logged in, and an order body for their first saved address.
struct Customer {
    id: Uuid,
    token: String,
    body: Value,
}

async fn customer(app: &TestApp) -> Customer {
    let DemoCustomer {
        token, id, address, ..
    } = app.demo_customer(5).await;
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let local = date.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap());
    let start = (local.and_utc() - Duration::hours(8)).to_rfc3339();
    let body = json!({
        "items": [{"item": "window_cleaning"}],
        "address_id": address,
        "window_start": start,
    });
    Customer { id, token, body }
}

async fn keys(app: &TestApp) -> Vec<idempotency_key::Model> {
    idempotency_key::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
}

async fn order_count(app: &TestApp) -> u64 {
    service_order::Entity::find()
        .count(app.state.store.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_order_is_answered_as_committed_with_its_payment_and_replayed_from_a_sealed_record() {
    for b in backends() {
        let mut cfg = test_config();
        cfg.booking.demo_autopay = Some(true);
        let app = TestApp::with_config(b, cfg).await;
        let c = customer(&app).await;
        let r = place(&app, Some(&c.token), "k-1", &c.body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        // The answer is the order with the demo payment that committed with it.
        assert_eq!(r.body["view"], "awaiting_worker", "{b:?}: {}", r.text);
        assert!(r.body["paid_fen"].as_i64().unwrap() > 0, "{}", r.text);
        let address = r.body["address"].as_str().unwrap().to_string();
        let house = r.body["house_number"].as_str().unwrap().to_string();
        assert!(address.starts_with("上海市"), "{address}");

        // At rest, the answer is sealed: neither the address nor the house number is there.
        let rows = keys(&app).await;
        assert_eq!(rows.len(), 1, "{b:?}");
        let stored = rows[0].response_body.clone().unwrap();
        assert!(rows[0].completed_at.is_some());
        assert!(!stored.contains(&address), "{b:?}: {stored}");
        assert!(!stored.contains(&house), "{b:?}: {stored}");
        assert!(!stored.contains("awaiting_worker"), "{b:?}: {stored}");

        // A retry gets the same answer, marked as a replay; no second order.
        let again = place(&app, Some(&c.token), "k-1", &c.body).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.body, r.body, "{b:?}");
        assert_eq!(order_count(&app).await, 1, "{b:?}");
    }
}

#[tokio::test]
async fn a_request_cut_off_holds_its_key_only_for_its_lease() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let c = customer(&app).await;
        // A request that claimed the key and died with its process (nothing committed).
        let bytes = c.body.to_string();
        let s = scope("customer", c.id, "POST", ROUTE);
        let hash = request_hash("POST", ROUTE, bytes.as_bytes());
        let db = app.state.store.db();
        let vault = app.state.store.vault();
        let held = repo::claim(
            db,
            vault,
            &s,
            "k-cut",
            &hash,
            app.state.now(),
            lease(&app.state),
        )
        .await
        .unwrap();
        assert!(matches!(held, repo::Claim::New(_)), "{b:?}: {held:?}");

        // While its lease runs, a retry is told to wait, and nothing is placed.
        app.advance(lease(&app.state) - Duration::seconds(1));
        let r = place(&app, Some(&c.token), "k-cut", &c.body).await;
        assert_problem(&r, StatusCode::CONFLICT, "idempotency_in_progress");
        assert!(r.headers.contains_key("retry-after"));
        assert_eq!(order_count(&app).await, 0);

        // After the lease, a retry runs and places the order; once.
        app.advance(Duration::seconds(1));
        let r = place(&app, Some(&c.token), "k-cut", &c.body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let r2 = place(&app, Some(&c.token), "k-cut", &c.body).await;
        assert_eq!(r2.body["id"], r.body["id"]);
        assert_eq!(order_count(&app).await, 1, "{b:?}");
        assert!(
            keys(&app).await.iter().all(|k| k.completed_at.is_some()),
            "{b:?}: no key left in progress"
        );
    }
}

#[tokio::test]
async fn keys_belong_to_the_logged_in_account_and_anonymous_requests_store_nothing() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let c = customer(&app).await;
        // No log-in, a forged token: refused, and nothing stored under any scope.
        let r = place(&app, None, "k-1", &c.body).await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
        let r = place(&app, Some("not-a-token"), "k-1", &c.body).await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "token_invalid");
        assert!(keys(&app).await.is_empty(), "{b:?}: {:?}", keys(&app).await);

        // A token whose session ended is refused before the key is looked at, so the
        // refusal is not replayed to the customer once they log in again.
        let r = app
            .call(
                axum::http::Method::POST,
                "/api/v1/public/auth/logout",
                None,
                Some(&c.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let r = place(&app, Some(&c.token), "k-1", &c.body).await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "session_revoked");
        assert!(keys(&app).await.is_empty(), "{b:?}");
        let phone = daojia_demo::city(5).customers[0].phone.clone();
        let login = app.otp_login(&phone, "customer").await;
        let token = login["access_token"].as_str().unwrap();
        let r = place(&app, Some(token), "k-1", &c.body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);

        // The key is the account's: its scope names the customer.
        let rows = keys(&app).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].scope, scope("customer", c.id, "POST", ROUTE));
        // A missing key is asked for only once the caller is known.
        let r = app.post(PATH, c.body.clone(), None).await;
        assert_problem(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
        let r = app.post(PATH, c.body.clone(), Some(token)).await;
        assert_problem(&r, StatusCode::BAD_REQUEST, "idempotency_key_required");
    }
}

// A placement refused on reads alone (the window's day already full) wrote nothing: its
// answer is stored completed in one statement, with no claim before it, and a retry with
// the key gets it replayed; another request's key and a key held by a running request
// answer as before.
#[tokio::test]
async fn a_refused_placement_is_stored_once_and_replayed_for_its_key() {
    use crate::booking_lock::{city, open_days, placement};
    for b in backends() {
        let app = TestApp::new(b).await;
        let (a, _, _) = city(&app).await;
        let day = open_days(&app, &a).await[0];
        let r = app.send(placement(&a, "k-first", day)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let before = keys(&app).await.len();

        // The cleaner's morning is taken: refused, and stored completed.
        let r = app.send(placement(&a, "k-refused", day)).await;
        assert_problem(&r, StatusCode::CONFLICT, "slot_unavailable");
        let rows = keys(&app).await;
        assert_eq!(rows.len(), before + 1, "{b:?}");
        let row = rows.iter().find(|k| k.key == "k-refused").unwrap();
        assert_eq!(row.status_code, Some(409), "{b:?}");
        assert!(row.completed_at.is_some(), "{b:?}");
        assert!(
            row.expires_at > app.state.now() + Duration::hours(23),
            "{b:?}"
        );

        // The same key again: the stored refusal, replayed; nothing new stored.
        let again = app.send(placement(&a, "k-refused", day)).await;
        assert_problem(&again, StatusCode::CONFLICT, "slot_unavailable");
        assert_eq!(again.headers["idempotent-replayed"], "true", "{b:?}");
        assert_eq!(again.body, r.body, "{b:?}");
        assert_eq!(keys(&app).await.len(), before + 1, "{b:?}");

        // The same key for another request: refused as a reused key, even though this
        // request too would have been refused.
        let other = app
            .send(placement(&a, "k-refused", day.succ_opt().unwrap()))
            .await;
        assert_problem(
            &other,
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
        );

        // A key held by a request still running: a refusal does not take it over.
        let me = app.get("/api/v1/customer/me", Some(&a.token)).await;
        let id: Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let refused = placement(&a, "k-held", day);
        let (parts, body) = refused.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        let s = scope("customer", id, "POST", ROUTE);
        let hash = request_hash("POST", ROUTE, &bytes);
        let held = repo::claim(
            app.state.store.db(),
            app.state.store.vault(),
            &s,
            "k-held",
            &hash,
            app.state.now(),
            lease(&app.state),
        )
        .await
        .unwrap();
        assert!(matches!(held, repo::Claim::New(_)), "{b:?}: {held:?}");
        let r = app
            .send(Request::from_parts(parts, Body::from(bytes)))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "idempotency_in_progress");
        let row = keys(&app)
            .await
            .into_iter()
            .find(|k| k.key == "k-held")
            .unwrap();
        assert!(
            row.completed_at.is_none(),
            "{b:?}: the running request's claim stays"
        );
        assert_eq!(order_count(&app).await, 1, "{b:?}");
    }
}
