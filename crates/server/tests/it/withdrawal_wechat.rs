//! Withdrawals to the worker's WeChat balance (商家转账) on every backend, against the pay
//! simulator in process: the worker binds a payee through the simulator's web
//! authorisation, asks for a withdrawal to WeChat, finance approves, the bill waits for the
//! payee, who confirms on the simulator's page, and the callback marks it paid (`ledger
//! check` clean); a failed transfer returns the money; the same callback twice changes
//! nothing; a lost callback is found by the query job; a forged callback is refused;
//! asking for WeChat without a payee is a 422 on `channel`.

use crate::common::finance::{Town, completed, town_with};
use crate::common::{TestApp, assert_problem, backends};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger::Account;
use daojia_pay::sim::{Delivery, Simulator};
use daojia_store::repo::ledger;
use serde_json::{Value, json};
use std::sync::Arc;

const NOTIFY_BASE: &str = "http://127.0.0.1:9";

async fn clean(app: &TestApp, b: daojia_store::testing::Backend) {
    let r = ledger::check(app.state.store.db()).await.unwrap();
    assert!(r.problems.is_empty(), "{b:?}: {:?}", r.problems);
}

async fn withdrawable(app: &TestApp, w: WorkerId) -> i64 {
    -ledger::balance(app.state.store.db(), Account::WorkerWithdrawable(w))
        .await
        .unwrap()
        .as_fen()
}

fn sim(app: &TestApp) -> Arc<Simulator> {
    app.state.paysim.clone().expect("the simulator runs")
}

/// A town with the simulator whose worker has one settled earning: the town, the
/// earning, the worker's token.
async fn settled(b: daojia_store::testing::Backend) -> (Town, i64, String) {
    let t = town_with(b, |cfg| {
        cfg.pay.simulator = true;
        // Nobody listens there: the tests deliver the simulator's callbacks themselves.
        cfg.pay.notify_base_url = Some(NOTIFY_BASE.into());
    })
    .await;
    completed(&t, 10).await;
    let later = t.app.state.now() + Duration::hours(73);
    let run = daojia_app::finance::settle_due(&t.app.state.app, later)
        .await
        .unwrap();
    assert_eq!(run.settled, 1);
    let earned = withdrawable(&t.app, WorkerId(t.worker)).await;
    let token = t.app.worker_token(t.worker).await;
    (t, earned, token)
}

/// The worker's name as their profile keeps it (decrypted).
async fn real_name(app: &TestApp, worker: uuid::Uuid) -> String {
    use sea_orm::EntityTrait;
    let w = daojia_store::entity::worker::Entity::find_by_id(worker)
        .one(app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    daojia_store::repo::accounts::worker_name(&app.state.store, &w).unwrap()
}

/// Binds the worker's WeChat payee through the simulator.
async fn bind(app: &TestApp, token: &str) {
    let code = wechat_code(app).await;
    let r = app
        .call(
            axum::http::Method::PUT,
            "/api/v1/worker/payee/wechat",
            Some(json!({ "code": code })),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// The code the simulator's silent web authorisation (`snsapi_base`) hands the worker app.
async fn wechat_code(app: &TestApp) -> String {
    let path = "/paysim/wechat/open/connect/oauth2/authorize?appid=wx0000000000000001\
                &redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fworker%2Fme&response_type=code\
                &scope=snsapi_base&state=bind1";
    let r = app.get(path, None).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.text);
    let location = r.headers["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://127.0.0.1:9/worker/me?code="),
        "{location}"
    );
    location
        .split("code=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .unwrap()
        .to_owned()
}

/// A 422 problem whose one field error is `code` on `field`.
fn field_error(r: &crate::common::Reply, field: &str, code: &str) {
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        r.body["errors"],
        json!([{"field": field, "code": code, "message": r.body["errors"][0]["message"]}]),
        "{}",
        r.text
    );
}

async fn ask(app: &TestApp, token: &str, amount: i64, channel: &str) -> crate::common::Reply {
    let key = uuid::Uuid::now_v7().to_string();
    app.post_keyed(
        "/api/v1/worker/withdrawals",
        token,
        Some(&key),
        &json!({"amount_fen": amount, "channel": channel}),
    )
    .await
}

async fn approve(t: &Town, id: &str) -> Value {
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/withdrawals/{id}/approve"),
            json!({}),
            Some(&t.finance),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

async fn mine(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app.get("/api/v1/worker/withdrawals", Some(token)).await;
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == id)
        .cloned()
        .expect("the worker sees the withdrawal")
}

/// Posts simulator callback `cb` (its body replaced by `body`) to our route.
async fn deliver(
    app: &TestApp,
    cb: &daojia_pay::sim::Callback,
    headers: &[(String, String)],
    body: &str,
) -> StatusCode {
    let path = cb.url.strip_prefix(NOTIFY_BASE).unwrap();
    assert_eq!(path, "/api/v1/pay/notify/wechat-transfer");
    let mut req = Request::builder().method("POST").uri(path);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    app.send(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .status
}

/// The payee acts on the simulator's page of bill `no` (`confirm`, `fail`...).
async fn payee(app: &TestApp, no: &str, form: &str) {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/paysim/transfer/{no}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn a_worker_withdraws_to_wechat_end_to_end_and_every_outcome_is_kept_once() {
    for b in backends() {
        let (t, earned, token) = settled(b).await;
        let app = &t.app;
        let w = WorkerId(t.worker);
        let part = earned / 5;

        // No payee yet: WeChat is not offered, and asking for it is a 422 on `channel`.
        let p = app.get("/api/v1/worker/payee", Some(&token)).await;
        assert_eq!(p.body["wechat_available"], true, "{b:?}: {}", p.text);
        assert_eq!(p.body["channels"], json!(["bank"]));
        let r = ask(app, &token, part, "wechat").await;
        field_error(&r, "channel", "payee_unbound");
        assert_eq!(withdrawable(app, w).await, earned, "{b:?}: nothing moved");

        // A made-up code is refused on `code`; the simulator's code binds the payee.
        let r = app
            .call(
                axum::http::Method::PUT,
                "/api/v1/worker/payee/wechat",
                Some(json!({"code": "not-a-code"})),
                Some(&token),
            )
            .await;
        field_error(&r, "code", "invalid_code");
        let code = wechat_code(app).await;
        let r = app
            .call(
                axum::http::Method::PUT,
                "/api/v1/worker/payee/wechat",
                Some(json!({ "code": code })),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["wechat_bound"], true);
        assert_eq!(r.body["channels"], json!(["bank", "wechat"]));
        assert!(
            !r.text.contains("oSIM"),
            "the openid never leaves the server"
        );

        // Asked, approved: the bill waits for the payee; the withdrawal stays approved.
        let r = ask(app, &token, part, "wechat").await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let first = r.body["id"].as_str().unwrap().to_owned();
        let no = r.body["withdrawal_no"].as_str().unwrap().to_owned();
        let net = r.body["net_fen"].as_i64().unwrap();
        let a = approve(&t, &first).await;
        assert_eq!(a["state"], "approved", "{b:?}: {a}");
        assert_eq!(a["transfer_state"], "WAIT_USER_CONFIRM");
        let bill = sim(app).transfer(&no).expect("the bill was created");
        assert_eq!(bill.amount.as_fen(), net, "the amount less the fee");
        // From 0.3 yuan the bill names the payee as their profile does (the simulator
        // decrypted it with its platform key).
        assert_eq!(
            bill.user_name.as_ref().map(|n| n.expose().to_owned()),
            Some(real_name(app, t.worker).await),
            "{b:?}"
        );
        // Approving again sends the same bill, not a second one.
        approve(&t, &first).await;
        assert_eq!(sim(app).transfers().len(), 1);
        // Finance cannot record the outcome by hand: WeChat tells it.
        for (path, text) in [("paid", "银行回单 123"), ("failed", "工人说没收到")] {
            let r = app
                .post(
                    &format!("/api/v1/admin/withdrawals/{first}/{path}"),
                    json!({"text": text}),
                    Some(&t.finance),
                )
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{b:?} {path}: {}", r.text);
            assert_eq!(r.body["code"], "outcome_from_channel", "{}", r.text);
        }
        assert_eq!(mine(app, &token, &first).await["state"], "approved");

        // What the worker app needs to confirm; the simulator's entry shows the bill.
        let c = app
            .get(
                &format!("/api/v1/worker/withdrawals/{first}/transfer"),
                Some(&token),
            )
            .await;
        assert_eq!(c.status, StatusCode::OK, "{b:?}: {}", c.text);
        assert_eq!(c.body["mchId"], "1900000001");
        assert_eq!(c.body["appId"], "wx0000000000000001");
        assert_eq!(c.body["package"], bill.package_info.as_str());
        let page = c.body["page_url"].as_str().unwrap();
        let page = app.get(page.strip_prefix(NOTIFY_BASE).unwrap(), None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("WAIT_USER_CONFIRM"), "{}", page.text);

        // The payee confirms; the callback marks it paid with WeChat's bill number.
        payee(app, &no, "action=confirm").await;
        let cbs = sim(app).callbacks_of(&no);
        assert_eq!(cbs.len(), 1);
        let cb = &cbs[0];
        // A forged callback (the body changed under the real signature) is refused.
        let forged = format!("{} ", cb.body);
        assert_eq!(
            deliver(app, cb, &cb.headers, &forged).await,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(mine(app, &token, &first).await["state"], "approved");
        assert_eq!(
            deliver(app, cb, &cb.headers, &cb.body).await,
            StatusCode::NO_CONTENT
        );
        let done = mine(app, &token, &first).await;
        assert_eq!(done["state"], "paid", "{b:?}: {done}");
        assert_eq!(done["reference"], bill.transfer_bill_no.as_str());
        assert_eq!(done["transfer_state"], "SUCCESS");
        let after = withdrawable(app, w).await;
        assert_eq!(after, earned - part);
        let fees = ledger::balance(app.state.store.db(), Account::WithdrawalFees)
            .await
            .unwrap();
        // The same callback again changes nothing.
        assert_eq!(
            deliver(app, cb, &cb.headers, &cb.body).await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(mine(app, &token, &first).await, done);
        assert_eq!(withdrawable(app, w).await, after);
        assert_eq!(
            ledger::balance(app.state.store.db(), Account::WithdrawalFees)
                .await
                .unwrap(),
            fees
        );
        let c = app
            .get(
                &format!("/api/v1/worker/withdrawals/{first}/transfer"),
                Some(&token),
            )
            .await;
        assert_problem(&c, StatusCode::CONFLICT, "transfer_not_waiting");
        clean(app, b).await;

        // A failed transfer: failed with WeChat's reason, and the money comes back.
        let r = ask(app, &token, part, "wechat").await;
        let second = r.body["id"].as_str().unwrap().to_owned();
        let no2 = r.body["withdrawal_no"].as_str().unwrap().to_owned();
        approve(&t, &second).await;
        assert_eq!(withdrawable(app, w).await, earned - 2 * part);
        payee(app, &no2, "action=fail&reason=NAME_NOT_CORRECT").await;
        let cb = sim(app).callbacks_of(&no2).remove(0);
        assert_eq!(
            deliver(app, &cb, &cb.headers, &cb.body).await,
            StatusCode::NO_CONTENT
        );
        let failed = mine(app, &token, &second).await;
        assert_eq!(failed["state"], "failed", "{b:?}: {failed}");
        assert!(
            failed["reason"]
                .as_str()
                .unwrap()
                .contains("NAME_NOT_CORRECT"),
            "{failed}"
        );
        assert_eq!(withdrawable(app, w).await, earned - part);
        clean(app, b).await;

        // A lost callback: the query job finds the bill paid.
        let r = ask(app, &token, part, "wechat").await;
        let third = r.body["id"].as_str().unwrap().to_owned();
        let no3 = r.body["withdrawal_no"].as_str().unwrap().to_owned();
        approve(&t, &third).await;
        sim(app)
            .confirm_transfer(&no3, Delivery::Lost, chrono::Utc::now())
            .unwrap();
        assert!(sim(app).take_callbacks().is_empty(), "no callback comes");
        let now = app.state.now();
        // Too soon: the callback may still come; nothing is asked.
        let run = daojia_app::finance::transfers::query_waiting(&app.state.app, now)
            .await
            .unwrap();
        assert_eq!(run.queried, 0);
        assert_eq!(mine(app, &token, &third).await["state"], "approved");
        let later = now + Duration::seconds(150);
        let run = daojia_app::finance::transfers::query_waiting(&app.state.app, later)
            .await
            .unwrap();
        assert_eq!((run.queried, run.finished, run.errors), (1, 1, 0), "{b:?}");
        let paid = mine(app, &token, &third).await;
        assert_eq!(paid["state"], "paid", "{b:?}: {paid}");
        assert_eq!(
            paid["reference"],
            sim(app).transfer(&no3).unwrap().transfer_bill_no.as_str()
        );
        // And once more: nothing left to ask about.
        let run = daojia_app::finance::transfers::query_waiting(&app.state.app, later)
            .await
            .unwrap();
        assert_eq!(run.queried, 0);
        assert_eq!(withdrawable(app, w).await, earned - 2 * part);
        assert_eq!(
            ledger::balance(app.state.store.db(), Account::WithdrawalsInFlight)
                .await
                .unwrap()
                .as_fen(),
            0
        );
        clean(app, b).await;
    }
}

#[tokio::test]
async fn without_transfers_configured_wechat_is_refused_on_channel_and_the_callback_route_is_404() {
    for b in backends() {
        let t = crate::common::finance::town(b).await;
        let token = t.app.worker_token(t.worker).await;
        let p = t.app.get("/api/v1/worker/payee", Some(&token)).await;
        assert_eq!(p.status, StatusCode::OK, "{b:?}: {}", p.text);
        assert_eq!(p.body["wechat_available"], false);
        assert_eq!(p.body["channels"], json!(["bank"]));
        let r = ask(&t.app, &token, 500, "wechat").await;
        field_error(&r, "channel", "channel_unavailable");
        let r = t
            .app
            .call(
                axum::http::Method::PUT,
                "/api/v1/worker/payee/wechat",
                Some(json!({"code": "abc"})),
                Some(&token),
            )
            .await;
        field_error(&r, "code", "not_configured");
        let r = t
            .app
            .post("/api/v1/pay/notify/wechat-transfer", json!({}), None)
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn a_transfer_of_2000_yuan_or_more_carries_the_payees_name_and_is_no_longer_refused() {
    use daojia_store::entity::{withdrawal, worker};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    for b in backends() {
        let (t, earned, token) = settled(b).await;
        let app = &t.app;
        bind(app, &token).await;
        let big = 250_000;
        assert!(earned < big);
        // Named in the profile: asked for more than the balance holds, the refusal is the
        // balance's, not WeChat's limit any more.
        let r = ask(app, &token, big, "wechat").await;
        assert_problem(&r, StatusCode::CONFLICT, "insufficient_balance");
        // Without a name in the profile, 2,000 yuan or more cannot go to WeChat.
        let row = worker::Entity::find_by_id(t.worker)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        let name = daojia_store::repo::accounts::worker_name(&app.state.store, &row).unwrap();
        let mut nameless: worker::ActiveModel = row.clone().into();
        nameless.name_enc = Set(daojia_store::repo::accounts::seal_worker_name(
            &app.state.store,
            " ",
        ));
        nameless.update(app.state.store.db()).await.unwrap();
        let r = ask(app, &token, big, "wechat").await;
        field_error(&r, "amount", "payee_name_missing");
        // ... while less still goes, without a name.
        let r = ask(app, &token, earned / 5, "wechat").await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let small = r.body["id"].as_str().unwrap().to_owned();
        let small_no = r.body["withdrawal_no"].as_str().unwrap().to_owned();
        approve(&t, &small).await;
        assert_eq!(sim(app).transfer(&small_no).unwrap().user_name, None);
        let mut named: worker::ActiveModel = row.into();
        named.name_enc = Set(daojia_store::repo::accounts::seal_worker_name(
            &app.state.store,
            &name,
        ));
        named.update(app.state.store.db()).await.unwrap();

        // A 2,500-yuan withdrawal approved (its payee and name copied when it was asked)
        // whose bill was never sent: the query job sends it, naming the payee, and the
        // simulator (which refuses 2,000 yuan without a name) holds it with the name.
        let held = withdrawal::Entity::find()
            .all(app.state.store.db())
            .await
            .unwrap()
            .into_iter()
            .find(|w| w.id.to_string() == small)
            .unwrap();
        let now = app.state.now();
        let id = uuid::Uuid::now_v7();
        let no = format!("W{}", &id.simple().to_string()[..30]);
        withdrawal::ActiveModel {
            id: Set(id),
            withdrawal_no: Set(no.clone()),
            worker_id: Set(t.worker),
            partner_id: Set(None),
            amount_fen: Set(big),
            fee_fen: Set(0),
            state: Set("approved".into()),
            channel: Set("wechat".into()),
            reference: Set(None),
            reason: Set(None),
            requested_at: Set(now - Duration::minutes(10)),
            decided_by: Set(None),
            decided_at: Set(Some(now - Duration::minutes(10))),
            finished_at: Set(None),
            updated_at: Set(now - Duration::minutes(10)),
            payee_enc: Set(held.payee_enc.clone()),
            transfer_bill_no: Set(None),
            package_info: Set(None),
            transfer_state: Set(None),
            payee_name_enc: Set(Some(
                app.state
                    .store
                    .vault()
                    .encrypt(daojia_store::repo::payees::PAYEE_NAME, &name),
            )),
        }
        .insert(app.state.store.db())
        .await
        .unwrap();
        let run = daojia_app::finance::transfers::query_waiting(&app.state.app, now)
            .await
            .unwrap();
        assert_eq!((run.resent, run.errors), (1, 0), "{b:?}: {run:?}");
        let bill = sim(app).transfer(&no).expect("the bill was sent");
        assert_eq!(bill.amount.as_fen(), big);
        assert_eq!(
            bill.user_name.as_ref().map(|n| n.expose().to_owned()),
            Some(name.clone()),
            "{b:?}"
        );
        let w = withdrawal::Entity::find_by_id(id)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(w.transfer_state.as_deref(), Some("WAIT_USER_CONFIRM"));
        // The name is kept encrypted, never in clear.
        assert!(!w.payee_name_enc.unwrap().contains(&name));
    }
}
