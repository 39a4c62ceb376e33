//! Real SMS providers configured through `[sms]`: with Aliyun down, a log-in code goes out
//! through the Tencent Cloud fallback and the outbox records the provider that sent it;
//! with both down the client learns only that sending failed, and the outbox keeps the
//! vendors' story. (Signatures and each vendor's errors are tested in daojia-notify
//! against simulators that verify them.)

use crate::common;

use axum::Router;
use axum::http::StatusCode;
use common::{TestApp, assert_problem, backends, test_config};
use daojia_domain::access::Role;
use daojia_notify::vendor::{Templates, VendorTemplate};
use daojia_server::config::Config;
use daojia_store::entity::sms_outbox;
use sea_orm::EntityTrait;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PHONE: &str = "13800138000";

fn login_template(id: &str) -> Templates {
    [(
        "login_code".to_string(),
        VendorTemplate {
            id: id.into(),
            params: vec!["code".into(), "minutes".into()],
        },
    )]
    .into_iter()
    .collect()
}

/// A port nothing listens on.
fn closed_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// A stand-in for the Tencent Cloud API that accepts every message (the signature is the
/// notify crate's simulators' business); counts the calls.
async fn tencent_accepting() -> (String, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let app = Router::new().fallback(move || {
        let c = c.clone();
        async move {
            let n = c.fetch_add(1, Ordering::SeqCst) + 1;
            axum::Json(json!({"Response": {"SendStatusSet": [{
                "SerialNo": format!("2433:{n}"), "PhoneNumber": "+8613800138000", "Fee": 1,
                "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"
            }], "RequestId": "r"}}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), calls)
}

/// The outbox rows as stored (the admin API shows neither the vendor's id nor the error).
async fn stored_outbox(app: &TestApp) -> Vec<sms_outbox::Model> {
    sms_outbox::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
}

fn vendors(aliyun_endpoint: String, tencent_endpoint: String) -> Config {
    let mut cfg = test_config();
    let s = &mut cfg.sms;
    s.provider = "aliyun".into();
    s.fallback = Some("tencent".into());
    s.timeout_secs = 2;
    s.aliyun.access_key_id = Some("FAKE-ACCESS-KEY-ID".into());
    s.aliyun.access_key_secret = Some(daojia_domain::secret::Secret::new(
        "fake-access-key-secret".into(),
    ));
    s.aliyun.sign_name = Some("到家".into());
    s.aliyun.endpoint = Some(aliyun_endpoint);
    s.aliyun.templates = login_template("SMS_000000001");
    s.tencent.secret_id = Some("FAKE-SECRET-ID".into());
    s.tencent.secret_key = Some(daojia_domain::secret::Secret::new("fake-secret-key".into()));
    s.tencent.sdk_app_id = Some("1400000000".into());
    s.tencent.sign_name = Some("到家".into());
    s.tencent.endpoint = Some(tencent_endpoint);
    s.tencent.templates = login_template("1000001");
    cfg.validate().expect("a valid configuration");
    cfg
}

#[tokio::test]
async fn with_aliyun_down_the_code_goes_out_through_tencent_and_the_outbox_says_so() {
    for b in backends() {
        let (tencent, calls) = tencent_accepting().await;
        let app = TestApp::with_config(b, vendors(closed_port(), tencent)).await;
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": PHONE, "audience": "customer"}),
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{b:?}: {}", sent.text);
        // A real provider never shows the code, whatever expose_dev_code says.
        assert!(
            sent.body.get("dev_code").is_none_or(|c| c.is_null()),
            "{}",
            sent.text
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{b:?}");

        let staff = app.staff_token("ops", Role::SuperAdmin).await;
        let outbox = app.get("/api/v1/admin/sms-outbox", Some(&staff)).await;
        assert_eq!(
            outbox.body["items"][0]["provider"], "tencent",
            "{b:?}: {}",
            outbox.text
        );
        let rows = stored_outbox(&app).await;
        assert_eq!(rows.len(), 1, "{b:?}");
        assert_eq!(rows[0].provider, "tencent", "{b:?}");
        assert_eq!(rows[0].status, "sent", "{b:?}");
        assert_eq!(
            rows[0].provider_message_id.as_deref(),
            Some("2433:1"),
            "{b:?}"
        );
    }
}

#[tokio::test]
async fn with_both_vendors_down_the_client_learns_only_that_sending_failed() {
    for b in backends() {
        let app = TestApp::with_config(b, vendors(closed_port(), closed_port())).await;
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": PHONE, "audience": "customer"}),
                None,
            )
            .await;
        assert_problem(&sent, StatusCode::SERVICE_UNAVAILABLE, "sms_unavailable");
        assert!(sent.text.contains("provider unreachable"), "{}", sent.text);
        assert!(!sent.text.contains("127.0.0.1"), "{}", sent.text);

        let staff = app.staff_token("ops", Role::SuperAdmin).await;
        let outbox = app.get("/api/v1/admin/sms-outbox", Some(&staff)).await;
        assert_eq!(
            outbox.body["items"][0]["provider"], "tencent",
            "{b:?}: {}",
            outbox.text
        );
        let rows = stored_outbox(&app).await;
        assert_eq!(rows[0].status, "failed", "{b:?}");
        let error = rows[0].error.clone().unwrap_or_default();
        assert!(
            error.contains("tencent: provider unreachable")
                && error.contains("before that aliyun: provider unreachable"),
            "{b:?}: {error}"
        );
    }
}
