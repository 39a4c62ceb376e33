//! Push subscriptions on every backend (docs/push.md): a worker subscribes through the
//! local push service with the server's VAPID key, registers the subscription (again:
//! the same row), bad subscriptions are refused naming the field, the notification
//! service's functions push to it over HTTP (the push service verifies the VAPID signature
//! and decrypts), a subscription the push service calls gone is deleted, and one may remove
//! only one's own.

use crate::common;

use axum::http::{Method, StatusCode};
use common::{TestApp, assert_problem, backends, test_config};
use daojia_app::push::{self, Recipient, Recorded};
use daojia_notify::push::{PushMessage, sim};
use serde_json::{Value, json};

const CONFIG: &str = "/api/v1/worker/push/config";
const SUBS: &str = "/api/v1/worker/push/subscriptions";

fn webpush(s: &sim::SubscriptionJson) -> Value {
    json!({"kind": "webpush", "endpoint": s.endpoint, "p256dh": s.keys.p256dh, "auth": s.keys.auth})
}

#[tokio::test]
async fn a_worker_subscribes_and_is_pushed_to_through_the_local_push_service() {
    let (svc, addr) = sim::start("127.0.0.1:0").await.unwrap();
    for b in backends() {
        let mut cfg = test_config();
        cfg.push.allow_http_endpoints = true;
        let app = TestApp::with_config(b, cfg).await;
        let worker = app.enrol_worker("13900001234").await;
        let token = app.worker_token(worker).await;

        let c = app.get(CONFIG, Some(&token)).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.text);
        assert_eq!(c.body["kinds"], json!(["webpush"]));
        let key = c.body["vapid_public_key"].as_str().unwrap().to_string();
        // The key is stable: derived from the token secret, the same on every call.
        assert_eq!(
            app.get(CONFIG, Some(&token)).await.body["vapid_public_key"],
            key.as_str()
        );

        let sub = svc.subscribe(&key).unwrap();
        let r = app.post(SUBS, webpush(&sub), Some(&token)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let id = r.body["id"].as_str().unwrap().to_string();
        assert_eq!(r.body["push_service"], addr.to_string());
        assert!(
            r.body.get("endpoint").is_none(),
            "the endpoint is a credential"
        );
        // Registering the same browser again updates its row.
        let again = app.post(SUBS, webpush(&sub), Some(&token)).await;
        assert_eq!(again.body["id"], id.as_str());
        assert_eq!(
            app.get(SUBS, Some(&token))
                .await
                .body
                .as_array()
                .unwrap()
                .len(),
            1
        );

        // Bad input, each naming its field.
        let mut https_only = webpush(&sub);
        https_only["endpoint"] = json!("ftp://push.example.net/x");
        let mut bad_key = webpush(&sub);
        bad_key["p256dh"] = json!("BAAA");
        let mut bad_auth = webpush(&sub);
        bad_auth["auth"] = json!("AAAA");
        for (body, field, code) in [
            (json!({"kind": "sms"}), "kind", "unknown_kind"),
            (
                json!({"kind": "jpush", "device_id": "1a0018970af8c7b2e94"}),
                "kind",
                "not_configured",
            ),
            (json!({"kind": "webpush"}), "endpoint", "required"),
            (https_only, "endpoint", "invalid_endpoint"),
            (bad_key, "p256dh", "invalid_key"),
            (bad_auth, "auth", "invalid_key"),
        ] {
            let r = app.post(SUBS, body, Some(&token)).await;
            assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
            assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
        }

        // The notification service's functions: routes, send, record.
        let msg = PushMessage {
            title: "新派单".into(),
            body: "保洁 2 小时，明天 09:00".into(),
            url: Some("/offers".into()),
            tag: Some("offer-1".into()),
            ..Default::default()
        };
        let who = Recipient::Worker(worker);
        let sent = push::push_to(&app.state.app, who, &msg).await.unwrap();
        assert!(
            matches!(sent.as_slice(), [("webpush", Recorded::Accepted(Some(_)))]),
            "{sent:?}"
        );
        let sub_id = svc.id_of(&sub.endpoint).unwrap();
        let got = svc.received(Some(&sub_id));
        assert_eq!(got.len(), 1);
        assert_eq!(
            serde_json::from_str::<PushMessage>(&got[0].payload).unwrap(),
            msg
        );
        let listed = app.get(SUBS, Some(&token)).await;
        assert!(
            listed.body[0]["last_success_at"].is_string(),
            "{}",
            listed.text
        );
        assert_eq!(listed.body[0]["failures"], 0);

        // Gone at the push service: the subscription is deleted.
        assert!(svc.mark_gone(&sub_id));
        let sent = push::push_to(&app.state.app, who, &msg).await.unwrap();
        assert!(
            matches!(sent.as_slice(), [("webpush", Recorded::Deleted)]),
            "{sent:?}"
        );
        assert_eq!(app.get(SUBS, Some(&token)).await.body, json!([]));
        assert!(
            push::routes(&app.state.app, &app.state.app.push, who)
                .await
                .unwrap()
                .is_empty()
        );

        // One removes only one's own.
        let sub = svc.subscribe(&key).unwrap();
        let id = app.post(SUBS, webpush(&sub), Some(&token)).await.body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let customer = app.otp_login("13800001111", "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let other = app
            .call(
                Method::DELETE,
                &format!("/api/v1/customer/push/subscriptions/{id}"),
                None,
                Some(&customer),
            )
            .await;
        assert_problem(&other, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            app.get("/api/v1/customer/push/subscriptions", Some(&customer))
                .await
                .body,
            json!([])
        );
        let mine = app
            .call(Method::DELETE, &format!("{SUBS}/{id}"), None, Some(&token))
            .await;
        assert_eq!(mine.status, StatusCode::NO_CONTENT, "{}", mine.text);
        assert_eq!(app.get(SUBS, Some(&token)).await.body, json!([]));
        // Without a log-in: 401.
        assert_eq!(app.get(SUBS, None).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn without_allow_http_the_local_push_service_is_refused_and_with_webpush_off_there_is_no_key()
{
    let b = backends()[0];
    let app = TestApp::with_config(b, test_config()).await;
    let worker = app.enrol_worker("13900002345").await;
    let token = app.worker_token(worker).await;
    let key = app.get(CONFIG, Some(&token)).await.body["vapid_public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let (svc, _) = sim::start("127.0.0.1:0").await.unwrap();
    let sub = svc.subscribe(&key).unwrap();
    let r = app.post(SUBS, webpush(&sub), Some(&token)).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "invalid_endpoint");

    let mut cfg = test_config();
    cfg.push.webpush = false;
    let off = TestApp::with_config(b, cfg).await;
    let worker = off.enrol_worker("13900003456").await;
    let token = off.worker_token(worker).await;
    let c = off.get(CONFIG, Some(&token)).await;
    assert_eq!(c.body, json!({"vapid_public_key": null, "kinds": []}));
}

#[tokio::test]
async fn a_customer_registers_for_wechat_subscribe_messages_with_a_code_and_is_sent_one() {
    use daojia_notify::push::wechat::Template;
    use daojia_notify::push::wechat_sim;
    let (wx, addr) = wechat_sim::start("127.0.0.1:0", "wx-daojia-test", "fake-wx-secret")
        .await
        .unwrap();
    let b = backends()[0];
    let mut cfg = test_config();
    cfg.push.wechat.app_id = Some("wx-daojia-test".into());
    cfg.push.wechat.app_secret = Some(daojia_domain::secret::Secret::new("fake-wx-secret".into()));
    cfg.push.wechat.endpoint = Some(format!("http://{addr}"));
    cfg.push.wechat.templates.insert(
        "refund".into(),
        Template {
            template_id: "tplRefund".into(),
            page: Some("pages/order/detail?id={order_id}".into()),
            data: [
                ("character_string1".to_string(), "{order_no}".to_string()),
                ("amount2".to_string(), "{amount}".to_string()),
            ]
            .into_iter()
            .collect(),
        },
    );
    let app = TestApp::with_config(b, cfg).await;
    let customer = app.otp_login("13800002222", "customer").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let subs = "/api/v1/customer/push/subscriptions";
    let c = app
        .get("/api/v1/customer/push/config", Some(&customer))
        .await;
    assert!(
        c.body["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("wechat")),
        "{}",
        c.text
    );

    // The openid comes from WeChat for the app's code, never from the client.
    for (body, code) in [
        (json!({"kind": "wechat"}), "required"),
        (
            json!({"kind": "wechat", "code": "never-issued"}),
            "invalid_code",
        ),
    ] {
        let r = app.post(subs, body, Some(&customer)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "code", "{}", r.text);
        assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
    }
    let r = app
        .post(
            subs,
            json!({"kind": "wechat", "code": wx.code_for("oCustomerA")}),
            Some(&customer),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["kind"], "wechat");
    assert!(!r.text.contains("oCustomerA"), "the openid is not shown");

    let me = app.get("/api/v1/customer/me", Some(&customer)).await;
    let who = Recipient::Customer(me.body["id"].as_str().unwrap().parse().unwrap());
    let msg = PushMessage {
        title: "退款通知".into(),
        body: "订单 DJ1 的退款 ¥128.50 已发起".into(),
        kind: Some("refund".into()),
        vars: [
            ("order_no", "DJ20261206001"),
            ("amount", "¥128.50"),
            ("order_id", "o-1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..Default::default()
    };
    // Before the customer accepts the template WeChat refuses (not retried, kept).
    let sent = push::push_to(&app.state.app, who, &msg).await.unwrap();
    assert!(
        matches!(
            sent.as_slice(),
            [(
                "wechat",
                Recorded::Failed {
                    retryable: false,
                    ..
                }
            )]
        ),
        "{sent:?}"
    );
    wx.grant("oCustomerA", "tplRefund", 1);
    let sent = push::push_to(&app.state.app, who, &msg).await.unwrap();
    assert!(
        matches!(sent.as_slice(), [("wechat", Recorded::Accepted(Some(_)))]),
        "{sent:?}"
    );
    let got = wx.sent();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].touser, "oCustomerA");
    assert_eq!(got[0].data["amount2"], "¥128.50");
    assert_eq!(got[0].page.as_deref(), Some("pages/order/detail?id=o-1"));
}
