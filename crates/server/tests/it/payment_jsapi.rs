//! Paying inside WeChat (JSAPI) on every backend, against the pay simulator in process: the
//! customer app starts WeChat's silent authorisation (a state bound to the log-in
//! session), the simulator sends the browser back with a code, the server checks the state
//! (another session's, a made-up one, a spent one and a late one are refused) and keeps
//! the openid encrypted; a JSAPI payment before that is 409 `openid_required` and writes
//! nothing; afterwards it answers the bridge's signed parameters, which the simulator's
//! cashier verifies (a changed signature is refused), the payer pays there, and the signed,
//! encrypted callback marks the order paid, once. A top-up takes the same channel.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::pay::*;
use common::*;
use daojia_store::repo::customer_wechat::{self, StateCheck};
use serde_json::{Value, json};

const BASE: &str = "http://127.0.0.1:9";

/// Starts an authorisation for `token`'s session; the URL and its state.
async fn authorize(app: &TestApp, token: &str, back: &str) -> (String, String) {
    let r = app
        .post(
            "/api/v1/customer/wechat/authorize",
            json!({ "redirect_uri": back }),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (
        r.body["url"].as_str().unwrap().to_owned(),
        r.body["state"].as_str().unwrap().to_owned(),
    )
}

/// Follows the authorisation URL to the simulator, which sends the browser back to the
/// redirect URI with a code and the state: both, as the app reads them from its address.
async fn come_back(app: &TestApp, url: &str, back: &str) -> (String, String) {
    let path = url.strip_prefix(BASE).unwrap();
    let path = path.split('#').next().unwrap();
    let r = app.get(path, None).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    let location = r.headers["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("{back}?code=")), "{location}");
    let query = location.split('?').nth(1).unwrap();
    let get = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap()
            .to_owned()
    };
    (get("code"), get("state"))
}

async fn bind(app: &TestApp, token: &str, code: &str, state: &str) -> crate::common::Reply {
    app.call(
        axum::http::Method::PUT,
        "/api/v1/customer/wechat",
        Some(json!({ "code": code, "state": state })),
        Some(token),
    )
    .await
}

/// A 422 whose one field error is `code` on `field`.
fn refused_on(r: &crate::common::Reply, field: &str, code: &str) {
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], field, "{}", r.text);
    assert_eq!(r.body["errors"][0]["code"], code, "{}", r.text);
}

fn page_path(url: &str) -> &str {
    url.strip_prefix(BASE).unwrap()
}

#[tokio::test]
async fn a_customer_authorises_in_wechat_once_and_pays_with_jsapi_through_the_simulator() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().expect("the simulator runs");
        let c = customer(&app).await;
        let me = app.get("/api/v1/customer/me", Some(&c.token)).await;
        let customer_id: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let (id, total) = order(&app, &c, 2).await;

        let w = app.get("/api/v1/customer/wechat", Some(&c.token)).await;
        assert_eq!(
            (&w.body["available"], &w.body["bound"]),
            (&json!(true), &json!(false)),
            "{b:?}: {}",
            w.text
        );

        // Before any authorisation: 409 openid_required, and no payment is written.
        let (status, body) = pay_with(&app, &c, &id, "wechat_jsapi").await;
        assert_eq!(status, StatusCode::CONFLICT, "{b:?}: {body}");
        assert_eq!(body["code"], "openid_required");
        assert_eq!(body["errors"][0]["field"], "channel");
        let list = app
            .get(&format!("/api/v1/orders/{id}/payments"), Some(&c.token))
            .await;
        assert_eq!(list.body, json!([]), "{b:?}");

        // The authorisation: the simulator's page, silent, back with a code and the state.
        let back = format!("{BASE}/orders/{id}");
        let r = app
            .post(
                "/api/v1/customer/wechat/authorize",
                json!({ "redirect_uri": "javascript:alert(1)" }),
                Some(&c.token),
            )
            .await;
        refused_on(&r, "redirect_uri", "invalid");
        let (url, state) = authorize(&app, &c.token, &back).await;
        assert!(
            url.starts_with(&format!(
                "{BASE}/paysim/wechat/open/connect/oauth2/authorize?appid=wx0000000000000001&redirect_uri="
            )) && url.ends_with(&format!("&scope=snsapi_base&state={state}#wechat_redirect")),
            "{url}"
        );
        let (code, returned) = come_back(&app, &url, &back).await;
        assert_eq!(returned, state);

        // The same customer in another session (another browser) cannot take it back,
        // nor can anyone with a state we never issued.
        let other = app.demo_customer(5).await.token;
        refused_on(
            &bind(&app, &other, &code, &state).await,
            "state",
            "state_mismatch",
        );
        refused_on(
            &bind(&app, &c.token, &code, "0123456789abcdef0123456789abcdef").await,
            "state",
            "state_mismatch",
        );

        // Its own session takes it back: bound.
        let r = bind(&app, &c.token, &code, &state).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["bound"], true);
        assert_eq!(r.body["app_id"], "wx0000000000000001");
        // A replay of the same return is refused.
        refused_on(
            &bind(&app, &c.token, &code, &state).await,
            "state",
            "state_used",
        );
        // A fresh state with the spent code: WeChat refuses the code.
        let (_, state2) = authorize(&app, &c.token, &back).await;
        refused_on(
            &bind(&app, &c.token, &code, &state2).await,
            "code",
            "invalid_code",
        );

        // A state that waited too long.
        let db = app.state.store.db();
        let now = app.state.now();
        let session = uuid::Uuid::now_v7();
        customer_wechat::issue_state(
            db,
            "late1",
            customer_id,
            session,
            "wx0000000000000001",
            now - Duration::minutes(11),
        )
        .await
        .unwrap();
        assert_eq!(
            customer_wechat::take_state(db, "late1", customer_id, session, now)
                .await
                .unwrap(),
            StateCheck::Expired
        );

        // The openid is kept encrypted, never in the clear.
        let row = customer_wechat::get(db, customer_id, "wx0000000000000001")
            .await
            .unwrap()
            .expect("bound");
        let openid = customer_wechat::openid(&app.state.store, customer_id, "wx0000000000000001")
            .await
            .unwrap()
            .unwrap();
        assert!(openid.starts_with("oSIM"), "{openid}");
        assert!(!row.openid_enc.contains(&openid));

        // The JSAPI payment: the bridge's signed parameters, and the simulator's cashier.
        let (status, intent) = pay_with(&app, &c, &id, "wechat_jsapi").await;
        assert_eq!(status, StatusCode::CREATED, "{b:?}: {intent}");
        assert_eq!(intent["channel"], "wechat_jsapi");
        assert_eq!(intent["state"], "pending");
        assert_eq!(intent["amount_fen"], total);
        let bridge = &intent["jsapi"];
        assert_eq!(bridge["appId"], "wx0000000000000001");
        assert_eq!(bridge["signType"], "RSA");
        assert!(
            bridge["package"]
                .as_str()
                .unwrap()
                .starts_with("prepay_id=wx"),
            "{bridge}"
        );
        for k in ["timeStamp", "nonceStr", "paySign"] {
            assert!(!bridge[k].as_str().unwrap().is_empty(), "{k}: {bridge}");
        }
        let cashier = intent["pay_url"].as_str().unwrap();
        assert!(
            cashier.starts_with(&format!("{BASE}/paysim/wechat/jsapi/cashier?appId=")),
            "{cashier}"
        );
        assert!(cashier.contains("&return_url="), "{cashier}");

        // A second press: the same payment, its parameters signed anew, the same prepay id.
        let (status, again) = pay_with(&app, &c, &id, "wechat_jsapi").await;
        assert_eq!((status, &again["id"]), (StatusCode::OK, &intent["id"]));
        assert_eq!(again["jsapi"]["package"], bridge["package"]);

        // The cashier verifies the pay-sign: a changed one is refused, the real one shows
        // the trade's page.
        let sig = bridge["paySign"].as_str().unwrap();
        let forged_sig = format!(
            "{}{}",
            if sig.starts_with('A') { "B" } else { "A" },
            &sig[1..]
        );
        let forged = page_path(cashier).replacen(
            &format!("paySign={}", daojia_pay::http::percent_encode(sig)),
            &format!("paySign={}", daojia_pay::http::percent_encode(&forged_sig)),
            1,
        );
        assert_ne!(forged, page_path(cashier));
        let r = app.get(&forged, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert!(r.text.contains("支付验证签名失败"), "{}", r.text);
        let page = app
            .get(page_path(again["pay_url"].as_str().unwrap()), None)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("data-test=\"pay\""));

        // The payer pays on it; WeChat's signed, encrypted callback marks the order paid.
        let no = intent["intent_no"].as_str().unwrap();
        let req = Request::builder()
            .method("POST")
            .uri(format!("/paysim/pay/{no}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("action=pay"))
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK);
        let cb = sim.callbacks_of(no).remove(0);
        assert_eq!(deliver(&app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        assert_eq!(deliver(&app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        let o = app
            .get(&format!("/api/v1/customer/orders/{id}"), Some(&c.token))
            .await
            .body;
        assert_eq!(
            (o["state"].as_str(), o["paid_fen"].as_i64()),
            (Some("pending_dispatch"), Some(total)),
            "{b:?}: paid once"
        );
        let one: Value = app
            .get(
                &format!(
                    "/api/v1/orders/{id}/payments/{}",
                    intent["id"].as_str().unwrap()
                ),
                Some(&c.token),
            )
            .await
            .body;
        assert_eq!(one["state"], "succeeded");

        // A top-up goes through the same channel.
        let r = app
            .post_keyed(
                "/api/v1/wallet/top-ups",
                &c.token,
                Some(&uuid::Uuid::now_v7().to_string()),
                &json!({ "amount_fen": 10_000, "channel": "wechat_jsapi" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        assert_eq!(r.body["jsapi"]["appId"], "wx0000000000000001");

        let check = daojia_store::repo::ledger::check(db).await.unwrap();
        assert!(check.problems.is_empty(), "{b:?}: {:?}", check.problems);
    }
}
