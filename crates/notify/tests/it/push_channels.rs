//! The push channels over real HTTP: Web Push to the local push service (which verifies the
//! VAPID signature and decrypts), JPush and Getui to local servers that check what their
//! documentation says the vendor checks, WeChat subscribe messages to the simulated WeChat API.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use daojia_domain::secret::Secret;
use daojia_notify::push::webpush::{SendOptions, Urgency, VapidKey, WebPush};
use daojia_notify::push::{
    PushChannel, PushError, PushMessage, PushOutcome, PushTarget, getui, jpush, sim, wechat,
    wechat_sim,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn msg() -> PushMessage {
    PushMessage {
        title: "师傅已出发".into(),
        body: "预计 12 分钟到达".into(),
        url: Some("/orders/42".into()),
        tag: Some("order-42".into()),
        ..Default::default()
    }
}

fn channel(key: &VapidKey) -> WebPush {
    WebPush::new(
        key.clone(),
        SendOptions {
            subject: "mailto:ops@daojia.invalid".into(),
            ttl: 600,
            urgency: Urgency::High,
            token_lifetime: 3600,
        },
        Duration::from_secs(5),
        true,
    )
    .unwrap()
}

fn target(s: &sim::SubscriptionJson) -> PushTarget {
    PushTarget::WebPush {
        endpoint: s.endpoint.clone(),
        p256dh: s.keys.p256dh.clone(),
        auth: s.keys.auth.clone(),
    }
}

#[tokio::test]
async fn web_push_is_delivered_to_the_local_push_service() {
    let (svc, _addr) = sim::start("127.0.0.1:0").await.unwrap();
    let key = VapidKey::generate();
    let wp = channel(&key);
    let sub = svc.subscribe(&wp.public_key()).unwrap();
    let out = wp.send(&target(&sub), &msg()).await.unwrap();
    assert_eq!(out, PushOutcome::Accepted(Some("/messages/1".into())));
    let id = svc.id_of(&sub.endpoint).unwrap();
    let got = svc.received(Some(&id));
    assert_eq!(got.len(), 1);
    let r = &got[0];
    let payload: PushMessage = serde_json::from_str(&r.payload).unwrap();
    assert_eq!(payload, msg());
    assert_eq!(r.vapid_subject, "mailto:ops@daojia.invalid");
    assert_eq!(r.ttl, 600);
    assert_eq!(r.urgency.as_deref(), Some("high"));
    assert_eq!(r.topic.as_deref(), Some("order-42"));

    // The list over HTTP, as `daojia pushsim` shows it.
    let listed: Vec<sim::Received> = reqwest::get(format!("http://{_addr}/messages"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, got);

    // Gone: the service answers 410, the channel says Gone.
    assert!(svc.mark_gone(&id));
    assert_eq!(
        wp.send(&target(&sub), &msg()).await.unwrap(),
        PushOutcome::Gone
    );
    // An endpoint the service never issued: 404, gone too.
    let unknown = PushTarget::WebPush {
        endpoint: format!("http://{_addr}/push/nosuch"),
        p256dh: sub.keys.p256dh.clone(),
        auth: sub.keys.auth.clone(),
    };
    assert_eq!(wp.send(&unknown, &msg()).await.unwrap(), PushOutcome::Gone);
    assert_eq!(svc.rejected(), 0);
}

#[tokio::test]
async fn the_push_service_refuses_another_key_and_a_wrong_secret() {
    let (svc, _addr) = sim::start("127.0.0.1:0").await.unwrap();
    let ours = VapidKey::generate();
    let sub = svc.subscribe(&ours.public_base64url()).unwrap();
    // Signed by a key the subscription was not made with: 403, permanent.
    let other = channel(&VapidKey::generate());
    let err = other.send(&target(&sub), &msg()).await.unwrap_err();
    assert!(
        matches!(&err, PushError::Permanent(m) if m.contains("403")),
        "{err:?}"
    );
    // Encrypted for the wrong secret: the service cannot decrypt it: 400.
    let mut wrong = target(&sub);
    if let PushTarget::WebPush { auth, .. } = &mut wrong {
        *auth = "AAAAAAAAAAAAAAAAAAAAAA".into();
    }
    let err = channel(&ours).send(&wrong, &msg()).await.unwrap_err();
    assert!(
        matches!(&err, PushError::Permanent(m) if m.contains("400")),
        "{err:?}"
    );
    assert_eq!(svc.rejected(), 2);
    assert!(svc.received(None).is_empty());
    // Not a Web Push target, an https-less endpoint without allow_http: refused before sending.
    let strict = WebPush::new(
        ours.clone(),
        SendOptions::default(),
        Duration::from_secs(5),
        false,
    )
    .unwrap();
    assert!(matches!(
        strict.send(&target(&sub), &msg()).await,
        Err(PushError::Permanent(_))
    ));
    assert!(matches!(
        strict
            .send(
                &PushTarget::Jpush {
                    registration_id: "x".into()
                },
                &msg()
            )
            .await,
        Err(PushError::Permanent(_))
    ));
}

#[tokio::test]
async fn a_dead_push_service_is_retryable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let key = VapidKey::generate();
    let t = PushTarget::WebPush {
        endpoint: format!("http://{addr}/push/x"),
        p256dh: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
            .into(),
        auth: "BTBZMqHH6r4Tts7J_aSIgg".into(),
    };
    assert!(matches!(
        channel(&key).send(&t, &msg()).await,
        Err(PushError::Retryable(_))
    ));
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

const JPUSH_KEY: &str = "7d431e42dfa6a6d693ac2d04";
const JPUSH_SECRET: &str = "5e987ac6d2e04d95a9d8f0d1";

/// A JPush stand-in: Basic authentication as documented, 1011 for an unknown registration id.
async fn jpush_push(
    State(seen): State<Arc<Mutex<Vec<Value>>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let expected = "Basic N2Q0MzFlNDJkZmE2YTZkNjkzYWMyZDA0OjVlOTg3YWM2ZDJlMDRkOTVhOWQ4ZjBkMQ==";
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"code": 1004, "message": "Authen failed"}})),
        );
    }
    let rid = body["audience"]["registration_id"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    seen.lock().unwrap().push(body);
    if rid == "unknown" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": 1011, "message": "cannot find user by this audience"}})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"sendno": "0", "msg_id": "54043195528000000"})),
    )
}

fn jpush_cfg(endpoint: &str, secret: &str) -> jpush::JpushConfig {
    jpush::JpushConfig {
        endpoint: endpoint.into(),
        app_key: JPUSH_KEY.into(),
        master_secret: Secret::new(secret.into()),
        apns_production: false,
        time_to_live: 86400,
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn jpush_over_http() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base = serve(
        Router::new()
            .route("/v3/push", post(jpush_push))
            .with_state(seen.clone()),
    )
    .await;
    let ch = jpush::Jpush::new(jpush_cfg(&base, JPUSH_SECRET)).unwrap();
    let to = PushTarget::Jpush {
        registration_id: "1a0018970af8c7b2e94".into(),
    };
    assert_eq!(
        ch.send(&to, &msg()).await.unwrap(),
        PushOutcome::Accepted(Some("54043195528000000".into()))
    );
    assert_eq!(
        seen.lock().unwrap()[0],
        jpush::push_body("1a0018970af8c7b2e94", &msg(), 86400, false)
    );
    let gone = PushTarget::Jpush {
        registration_id: "unknown".into(),
    };
    assert_eq!(ch.send(&gone, &msg()).await.unwrap(), PushOutcome::Gone);
    let bad = jpush::Jpush::new(jpush_cfg(&base, "wrong")).unwrap();
    assert!(matches!(
        bad.send(&to, &msg()).await,
        Err(PushError::Permanent(_))
    ));
}

#[derive(Default)]
struct GetuiState {
    tokens: Vec<String>,
    expired: Vec<String>,
    pushes: Vec<(String, Value)>,
}

const GT_APP: &str = "appIdDaojiaTest01";
const GT_KEY: &str = "YZkTKbz91l84HyM0TGlb38";
const GT_SECRET: &str = "daojiaTestMasterSecret000000";

/// A Getui stand-in: `auth` checks the documented sign; the first token it issues is
/// already expired on the push side (code 10001), to make the client refresh.
async fn getui_auth(
    State(st): State<Arc<Mutex<GetuiState>>>,
    Path(app): Path<String>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let ts = body["timestamp"].as_str().unwrap_or_default();
    let want = hex::encode(Sha256::digest(
        format!("{GT_KEY}{ts}{GT_SECRET}").as_bytes(),
    ));
    if app != GT_APP || body["appkey"] != GT_KEY || body["sign"] != want.as_str() || ts.len() != 13
    {
        return Json(json!({"code": 10002, "msg": "sign error"}));
    }
    let mut st = st.lock().unwrap();
    let token = format!("token{}", st.tokens.len() + 1);
    if st.tokens.is_empty() {
        st.expired.push(token.clone());
    }
    st.tokens.push(token.clone());
    let exp = chrono::Utc::now().timestamp_millis() + 86_400_000;
    Json(json!({"code": 0, "msg": "", "data": {"expire_time": exp.to_string(), "token": token}}))
}

async fn getui_push(
    State(st): State<Arc<Mutex<GetuiState>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let token = headers
        .get("token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut st = st.lock().unwrap();
    if !st.tokens.contains(&token) || st.expired.contains(&token) {
        return Json(json!({"code": 10001, "msg": "token expired"}));
    }
    let cid = body["audience"]["cid"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    st.pushes.push((token, body));
    Json(json!({"code": 0, "msg": "", "data": {"RASS_1206_test": {cid: "successed_online"}}}))
}

#[tokio::test]
async fn getui_over_http_refreshes_an_expired_token() {
    let st = Arc::new(Mutex::new(GetuiState::default()));
    let base = serve(
        Router::new()
            .route("/v2/{app}/auth", post(getui_auth))
            .route("/v2/{app}/push/single/cid", post(getui_push))
            .with_state(st.clone()),
    )
    .await;
    let cfg = |secret: &str| getui::GetuiConfig {
        endpoint: base.clone(),
        app_id: GT_APP.into(),
        app_key: GT_KEY.into(),
        master_secret: Secret::new(secret.into()),
        ttl_ms: 7_200_000,
        timeout: Duration::from_secs(5),
    };
    let ch = getui::Getui::new(cfg(GT_SECRET)).unwrap();
    let to = PushTarget::Getui {
        cid: "cid-1".into(),
    };
    assert_eq!(
        ch.send(&to, &msg()).await.unwrap(),
        PushOutcome::Accepted(Some("RASS_1206_test".into()))
    );
    // a second push reuses the (good) token
    ch.send(&to, &msg()).await.unwrap();
    {
        let st = st.lock().unwrap();
        assert_eq!(st.tokens, ["token1", "token2"]);
        assert_eq!(st.pushes.len(), 2);
        assert!(st.pushes.iter().all(|(t, _)| t == "token2"));
        let (_, body) = &st.pushes[0];
        let rid = body["request_id"].as_str().unwrap();
        assert!((10..=32).contains(&rid.len()));
        assert_eq!(body["audience"], json!({"cid": ["cid-1"]}));
        assert_eq!(body["push_message"]["notification"]["title"], "师傅已出发");
    }
    let bad = getui::Getui::new(cfg("wrong")).unwrap();
    assert!(matches!(
        bad.send(&to, &msg()).await,
        Err(PushError::Permanent(_))
    ));
}

fn wechat_channel(endpoint: &str, kind: daojia_notify::push::wechat::AppKind) -> wechat::Wechat {
    let tpl = wechat::Template {
        template_id: "tplDeparted".into(),
        page: Some("pages/order/detail?id={order_id}".into()),
        data: [
            (
                "thing1".to_string(),
                "{worker}师傅已出发，{service}".to_string(),
            ),
            ("character_string2".to_string(), "{order_no}".to_string()),
            ("number3".to_string(), "{eta_min}".to_string()),
        ]
        .into_iter()
        .collect(),
    };
    wechat::Wechat::new(wechat::WechatConfig {
        endpoint: endpoint.into(),
        app_kind: kind,
        app_id: "wx-test-app".into(),
        app_secret: Secret::new("wx-test-secret".into()),
        miniprogram_state: "trial".into(),
        lang: "zh_CN".into(),
        templates: [("departed".to_string(), tpl)].into_iter().collect(),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

fn departed() -> PushMessage {
    PushMessage {
        title: "师傅已出发".into(),
        body: "…".into(),
        kind: Some("departed".into()),
        vars: [
            ("worker", "王"),
            ("service", "深度保洁（厨房、卫生间、阳台与全屋玻璃）"),
            ("order_no", "DJ20261206-0042"),
            ("eta_min", "约 12"),
            ("order_id", "42"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn wechat_subscribe_messages_go_through_the_simulated_wechat_api() {
    use daojia_notify::push::wechat::AppKind;
    let (wx, addr) = wechat_sim::start("127.0.0.1:0", "wx-test-app", "wx-test-secret")
        .await
        .unwrap();
    let ch = wechat_channel(&format!("http://{addr}"), AppKind::MiniProgram);

    // The app's code becomes the openid; a code works once.
    let code = wx.code_for("oUserOne");
    assert_eq!(ch.openid_for_code(&code).await.unwrap(), "oUserOne");
    assert!(matches!(
        ch.openid_for_code(&code).await,
        Err(wechat::CodeError::Invalid(_))
    ));
    let to = PushTarget::Wechat {
        openid: "oUserOne".into(),
    };

    // Not subscribed to the template: WeChat refuses this message, the openid stays.
    let e = ch.send(&to, &departed()).await.unwrap_err();
    assert!(
        matches!(&e, PushError::Permanent(m) if m.contains("40037")),
        "{e:?}"
    );
    wx.grant("oUserOne", "tplDeparted", 1);
    let out = ch.send(&to, &departed()).await.unwrap();
    assert!(matches!(out, PushOutcome::Accepted(Some(_))), "{out:?}");
    let sent = wx.sent();
    assert_eq!(sent.len(), 1);
    let m = &sent[0];
    assert_eq!(m.api, "send");
    assert_eq!(m.page.as_deref(), Some("pages/order/detail?id=42"));
    assert_eq!(m.miniprogram_state.as_deref(), Some("trial"));
    // Each value fits its field: the long service cut to 20 characters, the order number
    // kept as letters, digits and symbols, the ETA a number.
    assert_eq!(m.data["thing1"].chars().count(), 20);
    assert!(m.data["thing1"].starts_with("王师傅已出发") && m.data["thing1"].ends_with("..."));
    assert_eq!(m.data["character_string2"], "DJ20261206-0042");
    assert_eq!(m.data["number3"], "12");
    // The one acceptance is used: the next is refused for good (no retry).
    let e = ch.send(&to, &departed()).await.unwrap_err();
    assert!(
        matches!(&e, PushError::Permanent(m) if m.contains("43101")),
        "{e:?}"
    );

    // An expired token is renewed once and the send goes through.
    wx.grant("oUserOne", "tplDeparted", 1);
    let before = wx.tokens_issued();
    wx.expire_tokens();
    assert!(matches!(
        ch.send(&to, &departed()).await,
        Ok(PushOutcome::Accepted(_))
    ));
    assert_eq!(wx.tokens_issued(), before + 1);

    // An openid that is not the app's is gone; a message with no template is refused.
    let stranger = PushTarget::Wechat {
        openid: "oNotOfThisApp".into(),
    };
    assert_eq!(ch.send(&stranger, &departed()).await, Ok(PushOutcome::Gone));
    let mut other = departed();
    other.kind = Some("refund".into());
    assert!(matches!(
        ch.send(&to, &other).await,
        Err(PushError::Permanent(m)) if m.contains("no WeChat template")
    ));

    // An official account sends through bizsend, without the mini program's fields.
    let oa = wechat_channel(&format!("http://{addr}"), AppKind::OfficialAccount);
    wx.grant("oUserOne", "tplDeparted", 1);
    assert!(matches!(
        oa.send(&to, &departed()).await,
        Ok(PushOutcome::Accepted(_))
    ));
    let last = wx.sent().pop().unwrap();
    assert_eq!(last.api, "bizsend");
    assert_eq!(last.miniprogram_state, None);

    // Wrong credentials: no token, a permanent failure naming WeChat's code.
    let mut bad = wechat_channel(&format!("http://{addr}"), AppKind::MiniProgram);
    bad = wechat::Wechat::new(wechat::WechatConfig {
        app_secret: Secret::new("wrong".into()),
        ..bad.config().clone()
    })
    .unwrap();
    let e = bad.send(&to, &departed()).await.unwrap_err();
    assert!(
        matches!(&e, PushError::Permanent(m) if m.contains("40125")),
        "{e:?}"
    );
}
