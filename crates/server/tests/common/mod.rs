//! An in-process Daojia for integration tests: a fresh database per test (on each backend
//! the run tests), the real router, and helpers to call it.

#![allow(dead_code)]

pub mod city;
pub mod door;
pub mod finance;
pub mod grab;
pub mod pay;
pub mod sse;
pub mod visit;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::access::Role;
use daojia_domain::phone::Phone;
use daojia_server::config::{Config, Secrets};
use daojia_server::state::AppState;
use daojia_store::repo::accounts;
use daojia_store::testing::{Backend, TestDb};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;

#[allow(unused_imports)]
pub use daojia_store::testing::backends;

/// The demo city's sample customer, logged in ([`TestApp::demo_customer`]).
pub struct DemoCustomer {
    /// What the demo loaded.
    pub loaded: daojia_server::demo::Loaded,
    /// The log-in's answer: the token pair.
    pub login: Value,
    /// The access token.
    pub token: String,
    /// The customer.
    pub id: uuid::Uuid,
    /// Their first saved address.
    pub address: uuid::Uuid,
}

/// A response, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: Router,
    pub now: Arc<Mutex<DateTime<Utc>>>,
}

pub fn test_config() -> Config {
    let mut cfg = Config::default();
    let s = Secrets::generate();
    cfg.auth.token_secret = Some(s.token_secret);
    cfg.pii.keys = s.pii_keys;
    cfg.pii.index_key = Some(s.pii_index_key);
    cfg.sms.expose_dev_code = true;
    cfg.server.body_limit_bytes = 64 * 1024;
    cfg.booking.uploads_dir = Some(std::env::temp_dir().join(format!(
        "daojia-test-uploads-{}",
        uuid::Uuid::now_v7().simple()
    )));
    cfg
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        Self::with_config(backend, test_config()).await
    }

    pub async fn with_config(backend: Backend, cfg: Config) -> TestApp {
        Self::with_options(backend, cfg, Default::default()).await
    }

    /// With build options (an SMS provider, a code source...); the clock is the test's.
    pub async fn with_options(
        backend: Backend,
        cfg: Config,
        opts: daojia_server::BuildOptions,
    ) -> TestApp {
        let db = TestDb::new(backend).await;
        // The test database has its own vault; the app must use the same one.
        let store = db.store.clone();
        Self::over(db, store, cfg, opts).await
    }

    /// Over `store` opened on `db` (with the configuration's own keys, say, so that a
    /// server process started on the same database and configuration reads what this
    /// one writes).
    pub async fn over(
        db: TestDb,
        store: daojia_store::Store,
        cfg: Config,
        opts: daojia_server::BuildOptions,
    ) -> TestApp {
        let now = Arc::new(Mutex::new(Utc::now()));
        let clock_now = now.clone();
        let shared = daojia_server::connect_shared(&cfg)
            .await
            .expect("shared state (Redis when the test sets redis.url)");
        let opts = daojia_server::BuildOptions {
            clock: Arc::new(move || *clock_now.lock().unwrap()),
            shared: Some(shared),
            ..opts
        };
        let state = daojia_server::build(cfg, store, opts).expect("build state");
        let router = daojia_server::app(state.clone());
        TestApp {
            db,
            state,
            router,
            now,
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    /// Sends `req` from the socket address it carries as `ConnectInfo`, 10.0.0.7 when none.
    pub async fn send(&self, req: Request<Body>) -> Reply {
        send_to(&self.router, req).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, None, token).await
    }

    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Reply {
        self.call(Method::POST, path, Some(body), token).await
    }

    /// A call as a real client makes it: a bearer token and a fresh `Idempotency-Key` (some
    /// writes demand one, and answer 400 before checking permissions without it).
    pub async fn call_keyed(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: &str,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", uuid::Uuid::now_v7().to_string());
        let body = match body {
            Some(b) => {
                req = req.header("content-type", "application/json");
                Body::from(b.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap()).await
    }

    /// POSTs `body` with a bearer token and, when given, an `Idempotency-Key`.
    pub async fn post_keyed(
        &self,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: &Value,
    ) -> Reply {
        let mut req = Request::builder()
            .method("POST")
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// Logs in with a one-time code; returns the token pair.
    pub async fn otp_login(&self, phone: &str, audience: &str) -> Value {
        let sent = self
            .post(
                "/api/v1/public/auth/otp",
                json!({ "phone": phone, "audience": audience }),
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        let code = sent.body["dev_code"]
            .as_str()
            .expect("dev code in test mode")
            .to_string();
        let r = self
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({ "phone": phone, "code": code, "audience": audience }),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        // The next code for the same phone may be sent only after the resend interval.
        self.advance(Duration::seconds(61));
        r.body
    }

    /// Loads the demo city (`seed`) and logs its sample customer in with a one-time code:
    /// what the demo loaded, the token pair, the customer and their first saved address.
    pub async fn demo_customer(&self, seed: u64) -> DemoCustomer {
        let loaded = daojia_server::demo::load(&self.state.store, seed)
            .await
            .unwrap();
        let login = self
            .otp_login(&loaded.sample_customer_phone, "customer")
            .await;
        let token = login["access_token"].as_str().unwrap().to_string();
        let me = self.get("/api/v1/customer/me", Some(&token)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        let id: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let address = accounts::addresses(self.state.store.db(), id)
            .await
            .unwrap()[0]
            .id;
        DemoCustomer {
            loaded,
            login,
            token,
            id,
            address,
        }
    }

    /// Creates a staff member with `role` and logs them in; returns the access token.
    pub async fn staff_token(&self, username: &str, role: Role) -> String {
        let s = &self.state;
        let new = accounts::NewStaff {
            username: username.into(),
            name: format!("{username} name"),
            phone: None,
            password_hash: daojia_server::password::hash("correct horse"),
            role,
        };
        accounts::create_staff(&s.store, s.store.db(), new, Utc::now())
            .await
            .unwrap();
        let r = self
            .post(
                "/api/v1/public/auth/staff/login",
                json!({ "login": username, "password": "correct horse" }),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["access_token"].as_str().unwrap().to_string()
    }

    /// An access token of worker `id`, as a log-in would give (a session in the store,
    /// signed with the app's key, valid for a day from the wall clock, so that a server
    /// process with the same key believes it too, or from the test's clock when the test
    /// has moved it ahead: a visit tomorrow at 10:00 is more than a day away after
    /// midnight).
    pub async fn worker_token(&self, id: uuid::Uuid) -> String {
        use daojia_domain::access::Audience;
        use daojia_store::repo::sessions;
        let now = Utc::now().max(self.state.now());
        let new = sessions::NewSession {
            audience: Audience::Worker,
            subject_id: id,
            user_agent: None,
            ip: None,
            ttl: Duration::days(1),
        };
        let (session, _) = sessions::open(self.state.store.db(), new, now)
            .await
            .unwrap();
        self.state.tokens.sign(&daojia_server::token::Claims {
            sid: session.id,
            sub: id,
            aud: Audience::Worker,
            iat: now.timestamp(),
            exp: now.timestamp() + 24 * 3600,
        })
    }

    /// Enrols a worker directly in the store.
    pub async fn enrol_worker(&self, phone: &str) -> uuid::Uuid {
        use daojia_store::entity::worker;
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let s = &self.state.store;
        let p = Phone::parse(phone).unwrap();
        let now = Utc::now();
        worker::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            code: Set(format!("t{}", &phone[7..])),
            phone_enc: Set(s.vault().encrypt(accounts::WORKER_PHONE, p.expose())),
            phone_index: Set(accounts::phone_index(s, &p)),
            name_enc: Set(accounts::seal_worker_name(s, "测试师傅")),
            gender: Set("female".into()),
            skills: Set(r#"["cleaning"]"#.into()),
            rating_tenths: Set(48),
            years_experience: Set(3),
            home_lat: Set(31.2),
            home_lng: Set(121.44),
            area_code: Set(Some("sh-xuhui".into())),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(s.db())
        .await
        .unwrap()
        .id
    }
}

/// Sends `req` to `router` (an app, or a second node on the same database) from the socket
/// address it carries as `ConnectInfo`, 10.0.0.7 when none.
pub async fn send_to(router: &Router, mut req: Request<Body>) -> Reply {
    type Peer = axum::extract::ConnectInfo<SocketAddr>;
    if req.extensions().get::<Peer>().is_none() {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(SocketAddr::from((
                [10, 0, 0, 7],
                40000,
            ))));
    }
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), 64 * 1024 * 1024).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// Asserts a problem document with `status` and `code`.
pub fn assert_problem(r: &Reply, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(
        r.content_type().starts_with("application/problem+json"),
        "content type {} for {}",
        r.content_type(),
        r.text
    );
    assert_eq!(r.body["code"], code, "{}", r.text);
    assert_eq!(r.body["status"], status.as_u16());
}

/// The area where most customers of the demo city of `seed` live, and those customers' phones.
pub fn busiest_area(seed: u64) -> (String, Vec<String>) {
    let city = daojia_demo::city(seed);
    let mut by_area: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for c in &city.customers {
        by_area
            .entry(c.addresses[0].area_code)
            .or_default()
            .push(c.phone.clone());
    }
    let (area, phones) = by_area
        .into_iter()
        .max_by_key(|(_, p)| p.len())
        .expect("customers");
    (area.to_string(), phones)
}

/// `hour`:00 in Shanghai on `date`.
pub fn at(date: chrono::NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    date.and_time(chrono::NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - chrono::Duration::hours(8)
}

/// Books and pays (demo autopay on) up to `n` orders on `date`, one for each customer of
/// `phones` at their first saved address, the items taken in turn from `items`; a full
/// hour moves the booking to another. Returns the ids of the orders placed.
pub async fn book(
    app: &TestApp,
    phones: &[String],
    date: chrono::NaiveDate,
    items: &[&str],
    n: usize,
) -> Vec<String> {
    let hours = [9, 10, 14, 11, 15, 16, 13, 9, 17, 10];
    let mut ids = vec![];
    for (k, phone) in phones.iter().take(n).enumerate() {
        let login = app.otp_login(phone, "customer").await;
        let token = login["access_token"].as_str().unwrap().to_string();
        let list = app.get("/api/v1/customer/addresses", Some(&token)).await;
        let address = list.body[0]["id"].as_str().unwrap().to_string();
        for attempt in 0..6 {
            let hour = hours[(k + attempt) % hours.len()];
            let body = json!({"items": [{"item": items[k % items.len()]}], "address_id": address,
                              "window_start": at(date, hour).to_rfc3339()});
            let key = format!("book-{k}-{attempt}");
            let r = app
                .post_keyed("/api/v1/customer/orders", &token, Some(&key), &body)
                .await;
            if r.status == StatusCode::CREATED {
                assert_eq!(r.body["state"], "pending_dispatch", "autopay: {}", r.text);
                ids.push(r.body["id"].as_str().unwrap().to_string());
                break;
            }
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        }
    }
    ids
}
