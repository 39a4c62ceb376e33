//! Notifications over HTTP on every database: the message list of both apps (list, unread
//! count, mark one and all read, another person's not found, English on request), the
//! settings with their field errors, the console's list of sends, and a text message to a
//! vendor that is down, retried by the job runner with doubling pauses until given up.

use crate::common;

use axum::http::{Method, StatusCode};
use chrono::Duration;
use common::{Reply, TestApp, assert_problem, backends, test_config};
use daojia_app::notifications::{Notice, notify};
use daojia_domain::access::Role;
use daojia_domain::notification::template::Vars;
use daojia_domain::notification::{Audience, Kind};
use daojia_domain::phone::Phone;
use daojia_notify::vendor::{Templates, VendorTemplate};
use daojia_store::entity::{notification_delivery, sms_outbox};
use daojia_store::repo::accounts;
use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn tell(app: &TestApp, audience: Audience, who: Uuid, kind: Kind, order_no: &str) -> Uuid {
    let n = Notice {
        audience,
        recipient_id: who,
        kind,
        vars: vars(&[
            ("service", "日常保洁"),
            ("order_no", order_no),
            ("start", "12-07 09:00"),
            ("worker", "王"),
            ("eta_min", "12"),
        ]),
        order_id: None,
        url: Some("/orders".into()),
        dedupe_key: format!("test:{order_no}:{}", who.simple()),
        tz: chrono_tz::Asia::Shanghai,
    };
    notify(&app.state.app, n, app.state.now())
        .await
        .unwrap()
        .expect("a new notification")
}

async fn customer(app: &TestApp, phone: &str) -> (String, Uuid) {
    let login = app.otp_login(phone, "customer").await;
    let token = login["access_token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/customer/me", Some(&token)).await;
    (token, me.body["id"].as_str().unwrap().parse().unwrap())
}

fn fields(r: &Reply) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_string(),
                        e["code"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn each_app_lists_counts_and_marks_its_own_notifications_read() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (token, me) = customer(&app, "13800000101").await;
        let (other, _) = customer(&app, "13800000102").await;
        let mut ids = vec![];
        for (i, kind) in [Kind::Completed, Kind::ReviewRequest, Kind::Departed]
            .into_iter()
            .enumerate()
        {
            ids.push(tell(&app, Audience::Customer, me, kind, &format!("DJ{i}")).await);
            app.advance(Duration::seconds(1));
        }
        let w = app.enrol_worker("13700000103").await;
        let wt = app.worker_token(w).await;
        tell(&app, Audience::Worker, w, Kind::Offer, "DJW").await;

        // Newest first, two at a time, with the unread count.
        let page = app
            .get("/api/v1/customer/notifications?limit=2", Some(&token))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{b:?}: {}", page.text);
        assert_eq!(page.body["unread"], 3);
        let items = page.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["kind"], "departed");
        assert_eq!(items[0]["title"], "师傅已出发");
        assert_eq!(
            items[0]["body"],
            "王师傅已出发，预计 12 分钟后到达，订单号 DJ2。"
        );
        let cursor = page.body["next_cursor"].as_str().unwrap().to_string();
        let next = app
            .get(
                &format!("/api/v1/customer/notifications?limit=2&cursor={cursor}"),
                Some(&token),
            )
            .await;
        assert_eq!(next.body["items"][0]["kind"], "completed", "{}", next.text);
        assert!(next.body["next_cursor"].is_null());

        // In English when asked.
        let en = app
            .get(
                "/api/v1/customer/notifications?lang=en&limit=1",
                Some(&token),
            )
            .await;
        assert_eq!(
            en.body["items"][0]["title"], "Your worker is on the way",
            "{}",
            en.text
        );

        // Mark one read (twice: no change), another customer's is not found.
        let path = format!("/api/v1/customer/notifications/{}/read", ids[0]);
        let r = app.post(&path, json!({}), Some(&token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let read_at = r.body["read_at"].clone();
        assert!(read_at.is_string());
        app.advance(Duration::minutes(1));
        let again = app.post(&path, json!({}), Some(&token)).await;
        assert_eq!(again.body["read_at"], read_at);
        assert_problem(
            &app.post(&path, json!({}), Some(&other)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        let wpath = format!("/api/v1/worker/notifications/{}/read", ids[1]);
        assert_problem(
            &app.post(&wpath, json!({}), Some(&wt)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        let count = app
            .get("/api/v1/customer/notifications/unread-count", Some(&token))
            .await;
        assert_eq!(count.body, json!({"unread": 2}), "{b:?}");
        let unread = app
            .get("/api/v1/customer/notifications?unread=true", Some(&token))
            .await;
        assert_eq!(unread.body["items"].as_array().unwrap().len(), 2);

        // Mark all read.
        let all = app
            .post(
                "/api/v1/customer/notifications/read-all",
                json!({}),
                Some(&token),
            )
            .await;
        assert_eq!(all.body, json!({"marked": 2}), "{}", all.text);
        let count = app
            .get("/api/v1/customer/notifications/unread-count", Some(&token))
            .await;
        assert_eq!(count.body["unread"], 0);

        // The worker's list is theirs alone; the other customer's is empty.
        let wl = app.get("/api/v1/worker/notifications", Some(&wt)).await;
        assert_eq!(wl.status, StatusCode::OK, "{}", wl.text);
        assert_eq!(wl.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(wl.body["items"][0]["kind"], "offer");
        assert_eq!(wl.body["unread"], 1);
        let ol = app
            .get("/api/v1/customer/notifications", Some(&other))
            .await;
        assert_eq!(ol.body["items"], json!([]));
        let wc = app
            .get("/api/v1/worker/notifications/unread-count", Some(&wt))
            .await;
        assert_eq!(wc.body["unread"], 1);
        let wall = app
            .post(
                "/api/v1/worker/notifications/read-all",
                json!({}),
                Some(&wt),
            )
            .await;
        assert_eq!(wall.body["marked"], 1);

        // Bad paging; no token.
        let r = app
            .get("/api/v1/customer/notifications?limit=0", Some(&token))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            fields(&r),
            [("limit".to_string(), "out_of_range".to_string())]
        );
        let r = app
            .get("/api/v1/customer/notifications?cursor=nope", Some(&token))
            .await;
        assert_eq!(fields(&r)[0].0, "cursor");
        let r = app.get("/api/v1/customer/notifications", None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        // A customer's token on the worker's list.
        let r = app.get("/api/v1/worker/notifications", Some(&token)).await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::FORBIDDEN,
            "{}",
            r.text
        );
    }
}

#[tokio::test]
async fn settings_are_checked_field_by_field_and_saved() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let (token, _) = customer(&app, "13800000201").await;
        let s = app
            .get("/api/v1/customer/notification-settings", Some(&token))
            .await;
        assert_eq!(s.status, StatusCode::OK, "{b:?}: {}", s.text);
        assert_eq!(s.body["off"], json!([]));
        assert!(s.body["quiet_start"].is_null());
        let departed = s.body["choices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "departed")
            .cloned()
            .unwrap();
        assert_eq!(departed["channels"], json!(["sms", "push"]));
        assert!(
            s.body["choices"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["kind"] != "offer")
        );

        let put = |body| {
            let app = &app;
            let token = token.clone();
            async move {
                app.call(
                    Method::PUT,
                    "/api/v1/customer/notification-settings",
                    Some(body),
                    Some(&token),
                )
                .await
            }
        };
        let ok =
            put(json!({"off": ["departed:sms"], "quiet_start": "22:00", "quiet_end": "08:00"}))
                .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
        assert_eq!(ok.body["off"], json!(["departed:sms"]));
        let s = app
            .get("/api/v1/customer/notification-settings", Some(&token))
            .await;
        assert_eq!(s.body["quiet_start"], "22:00");
        assert_eq!(s.body["quiet_end"], "08:00");

        let bad = put(json!({"off": ["departed", "fax:sms", "departed:fax"], "quiet_start": "7pm", "quiet_end": "08:00"})).await;
        assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let f: Vec<String> = fields(&bad)
            .into_iter()
            .map(|(f, c)| format!("{f}:{c}"))
            .collect();
        assert_eq!(
            f,
            [
                "off[0]:invalid",
                "off[1]:unknown_kind",
                "off[2]:unknown_channel",
                "quiet_start:invalid"
            ],
            "{}",
            bad.text
        );
        let inbox = put(json!({"off": ["departed:inbox"]})).await;
        assert_eq!(
            fields(&inbox),
            [("off".to_string(), "inbox_always_on".to_string())]
        );
        let other = put(json!({"off": ["offer:sms"]})).await;
        assert_eq!(
            fields(&other),
            [("off".to_string(), "unknown_kind".to_string())]
        );
        let half = put(json!({"quiet_start": "22:00"})).await;
        assert_eq!(
            fields(&half),
            [("quiet_end".to_string(), "required".to_string())]
        );
        let unknown = put(json!({"off": [], "mute": true})).await;
        assert_eq!(
            unknown.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            unknown.text
        );
        // The bad requests changed nothing.
        let s = app
            .get("/api/v1/customer/notification-settings", Some(&token))
            .await;
        assert_eq!(s.body["off"], json!(["departed:sms"]));

        // The worker's settings offer the worker's kinds.
        let w = app.enrol_worker("13700000203").await;
        let wt = app.worker_token(w).await;
        let ws = app
            .get("/api/v1/worker/notification-settings", Some(&wt))
            .await;
        let kinds: Vec<&str> = ws.body["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["offer", "job_soon"], "{}", ws.text);
        let r = app
            .call(
                Method::PUT,
                "/api/v1/worker/notification-settings",
                Some(json!({"off": ["offer:push"]})),
                Some(&wt),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

fn aliyun_down() -> daojia_server::config::Config {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = test_config();
    let s = &mut cfg.sms;
    s.provider = "aliyun".into();
    s.timeout_secs = 2;
    s.aliyun.access_key_id = Some("FAKE-ACCESS-KEY-ID".into());
    s.aliyun.access_key_secret = Some(daojia_domain::secret::Secret::new(
        "fake-access-key-secret".into(),
    ));
    s.aliyun.sign_name = Some("到家".into());
    s.aliyun.endpoint = Some(format!("http://127.0.0.1:{port}"));
    let templates: Templates = [
        (
            "login_code".to_string(),
            VendorTemplate {
                id: "SMS_000000001".into(),
                params: vec!["code".into(), "minutes".into()],
            },
        ),
        (
            "notify_departed".to_string(),
            VendorTemplate {
                id: "SMS_000000009".into(),
                params: vec!["worker".into(), "eta_min".into(), "order_no".into()],
            },
        ),
    ]
    .into_iter()
    .collect();
    s.aliyun.templates = templates;
    cfg.notifications.max_attempts = 3;
    cfg.notifications.backoff_secs = 30;
    cfg.validate().expect("a valid configuration");
    cfg
}

async fn sms_delivery(app: &TestApp) -> notification_delivery::Model {
    notification_delivery::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.channel == "sms")
        .expect("an SMS delivery")
}

#[tokio::test]
async fn a_text_to_a_vendor_that_is_down_is_retried_with_doubling_pauses_then_given_up() {
    // The databases keep microseconds; the test clock has nanoseconds.
    let micros = |t: chrono::DateTime<chrono::Utc>| t.timestamp_micros();
    for b in backends() {
        let app = TestApp::with_config(b, aliyun_down()).await;
        let phone = Phone::parse("13800000301").unwrap();
        let c = accounts::customer_for_login(&app.state.store, &phone, app.state.now())
            .await
            .unwrap();
        tell(&app, Audience::Customer, c.id, Kind::Departed, "DJ301").await;
        let start = app.state.now();
        let tick = || daojia_server::jobs::tick(&app.state, "node-a");
        // Attempt 1 now (SMS and push), then 30 s, then 60 s.
        assert_eq!(tick().await.unwrap(), 2, "{b:?}");
        let d = sms_delivery(&app).await;
        assert_eq!((d.state.as_str(), d.attempts), ("retrying", 1), "{b:?}");
        assert_eq!(micros(d.not_before), micros(start + Duration::seconds(30)));
        assert!(
            d.last_error
                .as_deref()
                .unwrap()
                .starts_with("aliyun: provider unreachable"),
            "{:?}",
            d.last_error
        );
        assert_eq!(d.target.as_deref(), Some("138****0301"));
        assert_eq!(tick().await.unwrap(), 0, "{b:?}: not before the pause");
        app.advance(Duration::seconds(30));
        assert_eq!(tick().await.unwrap(), 1, "{b:?}");
        let d = sms_delivery(&app).await;
        assert_eq!((d.state.as_str(), d.attempts), ("retrying", 2), "{b:?}");
        assert_eq!(
            micros(d.not_before),
            micros(start + Duration::seconds(90)),
            "{b:?}: twice the first pause"
        );
        app.advance(Duration::seconds(59));
        assert_eq!(tick().await.unwrap(), 0, "{b:?}");
        app.advance(Duration::seconds(1));
        assert_eq!(tick().await.unwrap(), 1, "{b:?}");
        let d = sms_delivery(&app).await;
        assert_eq!(
            (d.state.as_str(), d.attempts),
            ("failed", 3),
            "{b:?}: given up after the last attempt"
        );
        assert!(d.sent_at.is_none());
        app.advance(Duration::hours(2));
        assert_eq!(tick().await.unwrap(), 0, "{b:?}: nothing more");
        // Every attempt is in the SMS outbox too.
        let texts = sms_outbox::Entity::find()
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(texts.len(), 3, "{b:?}");
        assert!(
            texts
                .iter()
                .all(|t| t.status == "failed" && t.template == "notify_departed")
        );

        // The console lists the sends, filtered.
        let staff = app.staff_token("cs", Role::CustomerService).await;
        let r = app
            .get(
                "/api/v1/admin/notification-deliveries?channel=sms&state=failed",
                Some(&staff),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", r.text);
        assert_eq!(items[0]["kind"], "departed");
        assert_eq!(items[0]["attempts"], 3);
        assert_eq!(items[0]["title"], "师傅已出发");
        let all = app
            .get(
                "/api/v1/admin/notification-deliveries?kind=departed",
                Some(&staff),
            )
            .await;
        let channels: Vec<&str> = all.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["channel"].as_str().unwrap())
            .collect();
        assert_eq!(channels.len(), 3, "{}", all.text);
        let none = app
            .get(
                "/api/v1/admin/notification-deliveries?state=sent&channel=sms",
                Some(&staff),
            )
            .await;
        assert_eq!(none.body["items"], json!([]));
        let bad = app
            .get(
                "/api/v1/admin/notification-deliveries?kind=fax&channel=pigeon",
                Some(&staff),
            )
            .await;
        assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(fields(&bad)[0].0, "kind");
        let finance = app.staff_token("fin", Role::Finance).await;
        let r = app
            .get("/api/v1/admin/notification-deliveries", Some(&finance))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
}
