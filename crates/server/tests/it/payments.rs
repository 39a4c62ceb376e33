//! Online payment end to end against the channel simulator running in the server
//! (`pay.simulator`): a customer opens WeChat Pay and Alipay intents, the simulator's payer
//! pays, its signed (and for WeChat, encrypted) callback marks the order paid; a duplicate
//! changes nothing, a tampered one is refused and alerted, a lost one is recovered by the
//! scheduled query, and a cancellation's refund flows back through the channel; a
//! cancellation closes the order's open payments, and one paid meanwhile is refunded.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Duration;
use common::pay::*;
use common::*;
use daojia_pay::sim::Delivery;
use serde_json::{Value, json};

async fn order_view(app: &TestApp, c: &Customer, id: &str) -> Value {
    app.get(&format!("/api/v1/customer/orders/{id}"), Some(&c.token))
        .await
        .body
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    daojia_store::entity::audit_log::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

async fn run_due(app: &TestApp) {
    for _ in 0..20 {
        if daojia_server::jobs::tick(&app.state, "test-node")
            .await
            .unwrap()
            == 0
        {
            return;
        }
    }
}

#[tokio::test]
async fn wechat_pays_an_order_once_and_refuses_a_tampered_callback_and_a_cancellation_refunds_it() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app
            .state
            .paysim
            .clone()
            .expect("the simulator runs in the server");
        let c = customer(&app).await;
        let (id, total) = order(&app, &c, 2).await;

        // The customer first picks Alipay's page, then changes to a WeChat QR code.
        let (status, first) = pay_with(&app, &c, &id, "alipay_wap").await;
        assert_eq!(status, StatusCode::CREATED, "{b:?}: {first}");
        assert!(
            first["pay_url"]
                .as_str()
                .unwrap()
                .contains("/paysim/alipay/gateway.do?")
        );
        let (status, intent) = pay_with(&app, &c, &id, "wechat_native").await;
        assert_eq!(status, StatusCode::CREATED, "{intent}");
        assert_eq!(intent["state"], "pending");
        assert_eq!(intent["amount_fen"], total);
        let code_url = intent["code_url"].as_str().unwrap();
        assert!(code_url.contains("/paysim/pay/"), "{code_url}");
        // A second click gives the same intent.
        let (status, again) = pay_with(&app, &c, &id, "wechat_native").await;
        assert_eq!((status, &again["id"]), (StatusCode::OK, &intent["id"]));
        let list = app
            .get(&format!("/api/v1/orders/{id}/payments"), Some(&c.token))
            .await;
        assert_eq!(list.body[0]["state"], "closed", "the abandoned Alipay page");

        // The payer pays; WeChat's callback marks the order paid.
        let no = intent["intent_no"].as_str().unwrap();
        sim.pay(no, Delivery::Once, app.state.now()).unwrap();
        let cb = sim.take_callbacks().remove(0);
        assert_eq!(deliver(&app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        let o = order_view(&app, &c, &id).await;
        assert_eq!(
            (o["state"].as_str(), o["paid_fen"].as_i64()),
            (Some("pending_dispatch"), Some(total))
        );
        let one = app
            .get(
                &format!(
                    "/api/v1/orders/{id}/payments/{}",
                    intent["id"].as_str().unwrap()
                ),
                Some(&c.token),
            )
            .await;
        assert_eq!(one.body["state"], "succeeded", "{}", one.text);

        // The same callback again changes nothing.
        assert_eq!(deliver(&app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        let o = order_view(&app, &c, &id).await;
        assert_eq!(o["paid_fen"].as_i64(), Some(total), "{b:?}: paid once");

        // A tampered one is refused, with the JSON WeChat expects, and alerted.
        let tampered = cb
            .body
            .replacen("\"ciphertext\":\"", "\"ciphertext\":\"A", 1);
        let (status, text) = deliver(&app, &cb, &tampered).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["code"],
            "FAIL"
        );
        assert!(
            audit_actions(&app)
                .await
                .contains(&"payment.notification_refused".to_string())
        );

        // The customer cancels (free, no worker yet): the money goes back through WeChat.
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "改天再约"}),
                Some(&c.token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1);
        assert_eq!(
            (refunds[0].amount_fen, refunds[0].origin.as_str()),
            (total, "cancellation")
        );
        assert_eq!(refunds[0].state, "processing", "WeChat accepted it");
        assert_eq!(sim.refunds()[0].amount.as_fen(), total);
        let rcb = sim.callbacks_of(&refunds[0].refund_no).remove(0);
        assert_eq!(
            deliver(&app, &rcb, &rcb.body).await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            deliver(&app, &rcb, &rcb.body).await.0,
            StatusCode::NO_CONTENT
        );
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(refunds[0].state, "succeeded");
        // Nothing more is owed, nothing more can be paid.
        let (status, body) = pay_with(&app, &c, &id, "wechat_h5").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("nothing_owed"))
        );
    }
}

#[tokio::test]
async fn alipay_pays_through_its_page_and_a_lost_callback_is_found_by_the_scheduled_query() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().unwrap();
        let c = customer(&app).await;

        // Alipay WAP: the browser opens the signed page, the payer pays there.
        let (id, total) = order(&app, &c, 2).await;
        let (status, intent) = pay_with(&app, &c, &id, "alipay_wap").await;
        assert_eq!(status, StatusCode::CREATED, "{b:?}: {intent}");
        let url = intent["pay_url"].as_str().unwrap();
        let path = url.strip_prefix("http://127.0.0.1:9").unwrap();
        let page = app.get(path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("data-test=\"pay\""));
        let no = intent["intent_no"].as_str().unwrap();
        let req = Request::builder()
            .method("POST")
            .uri(format!("/paysim/pay/{no}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("action=pay"))
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK);
        let cb = sim.callbacks_of(no).remove(0);
        let forged = cb.body.replacen(
            &format!("total_amount={}", total / 100),
            "total_amount=1",
            1,
        );
        assert_ne!(forged, cb.body);
        assert_eq!(
            deliver(&app, &cb, &forged).await,
            (StatusCode::OK, "fail".into())
        );
        assert_eq!(
            deliver(&app, &cb, &cb.body).await,
            (StatusCode::OK, "success".into())
        );
        assert_eq!(
            deliver(&app, &cb, &cb.body).await,
            (StatusCode::OK, "success".into())
        );
        let o = order_view(&app, &c, &id).await;
        assert_eq!(
            (o["state"].as_str(), o["paid_fen"].as_i64()),
            (Some("pending_dispatch"), Some(total))
        );

        // Alipay QR code paid, its callback lost: the scheduled query finds the payment.
        let (id2, total2) = order(&app, &c, 3).await;
        let (_, intent) = pay_with(&app, &c, &id2, "alipay_precreate").await;
        let no = intent["intent_no"].as_str().unwrap();
        sim.pay(no, Delivery::Lost, app.state.now()).unwrap();
        assert!(sim.take_callbacks().is_empty());
        run_due(&app).await;
        assert_eq!(
            order_view(&app, &c, &id2).await["state"],
            "pending_payment",
            "not yet due"
        );
        app.advance(Duration::seconds(61));
        run_due(&app).await;
        let o = order_view(&app, &c, &id2).await;
        assert_eq!(
            (o["state"].as_str(), o["paid_fen"].as_i64()),
            (Some("pending_dispatch"), Some(total2))
        );

        // A WeChat H5 payment nobody pays is closed once it expires.
        let (id3, _) = order(&app, &c, 4).await;
        let (_, intent) = pay_with(&app, &c, &id3, "wechat_h5").await;
        assert!(
            intent["pay_url"]
                .as_str()
                .unwrap()
                .contains("redirect_url=")
                || intent["pay_url"]
                    .as_str()
                    .unwrap()
                    .contains("via=wechat_h5")
        );
        for _ in 0..8 {
            app.advance(Duration::minutes(3));
            run_due(&app).await;
        }
        // (The customer's token has expired meanwhile: read the intent from the store.)
        let list = daojia_store::repo::payments::intents_of_order(
            app.state.store.db(),
            id3.parse().unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(list[0].state, "closed", "{b:?}");
        assert_eq!(
            sim.trade(&list[0].intent_no).unwrap().state,
            daojia_pay::sim::TradeState::Closed
        );
    }
}

#[tokio::test]
async fn a_cancellation_closes_open_payments_and_one_paid_meanwhile_is_refunded_and_alerted() {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().unwrap();
        let c = customer(&app).await;
        let cancel = |id: String| {
            let app = &app;
            let token = c.token.clone();
            async move {
                let r = app
                    .post(
                        &format!("/api/v1/customer/orders/{id}/cancel"),
                        json!({"reason": "不需要了"}),
                        Some(&token),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            }
        };

        // An open QR code of an order cancelled: closed at WeChat and here, so it cannot
        // be paid any more.
        let (id, _) = order(&app, &c, 2).await;
        let (_, intent) = pay_with(&app, &c, &id, "wechat_native").await;
        let no = intent["intent_no"].as_str().unwrap();
        cancel(id.clone()).await;
        assert_eq!(
            sim.trade(no).unwrap().state,
            daojia_pay::sim::TradeState::Closed,
            "{b:?}"
        );
        let list = daojia_store::repo::payments::intents_of_order(
            app.state.store.db(),
            id.parse().unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(list[0].state, "closed", "{b:?}");
        assert!(sim.pay(no, Delivery::Once, app.state.now()).is_err());

        // The payer paid just before the cancellation, its callback still on the way: the
        // close finds the payment, which the cancelled order no longer takes.
        let (id, total) = order(&app, &c, 3).await;
        let (_, intent) = pay_with(&app, &c, &id, "wechat_native").await;
        let no = intent["intent_no"].as_str().unwrap();
        sim.pay(no, Delivery::Once, app.state.now()).unwrap();
        let late = sim.callbacks_of(no).remove(0);
        cancel(id.clone()).await;
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!((refunds.len(), refunds[0].amount_fen), (1, total), "{b:?}");
        assert_eq!(refunds[0].origin, "unowed");
        assert_eq!(sim.trade(no).unwrap().refunded.as_fen(), total);
        assert!(
            audit_actions(&app)
                .await
                .contains(&"payment.unowed_payment_refunded".to_string())
        );
        let o = order_view(&app, &c, &id).await;
        assert_eq!(
            (o["state"].as_str(), o["paid_fen"].as_i64()),
            (Some("cancelled"), Some(0))
        );
        // The callback arriving late changes nothing.
        assert_eq!(
            deliver(&app, &late, &late.body).await.0,
            StatusCode::NO_CONTENT
        );
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, id.parse().unwrap())
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1, "{b:?}: refunded once");
    }
}

#[tokio::test]
async fn the_customer_app_reads_what_is_owed_and_the_channels_and_the_payer_comes_back_to_the_payment()
 {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().expect("the simulator");
        let cfg = app.get("/api/v1/public/config", None).await;
        assert_eq!(
            cfg.body["pay_channels"],
            json!([
                "wechat_native",
                "wechat_h5",
                "wechat_jsapi",
                "alipay_precreate",
                "alipay_wap",
                "wallet"
            ]),
            "{b:?}"
        );
        let c = customer(&app).await;
        let (id, total) = order(&app, &c, 2).await;
        assert_eq!(order_view(&app, &c, &id).await["owed_now_fen"], total);

        // The simulator's default return URL: this server's order page, naming the payment.
        let (status, intent) = pay_with(&app, &c, &id, "wechat_h5").await;
        assert_eq!(status, StatusCode::CREATED, "{intent}");
        let back = format!(
            "http://127.0.0.1:9/orders/{id}?payment={}",
            intent["id"].as_str().unwrap()
        );
        let pay_url = intent["pay_url"].as_str().unwrap();
        assert!(
            pay_url.ends_with(&format!(
                "&redirect_url={}",
                daojia_pay::http::percent_encode(&back)
            )),
            "{pay_url}"
        );
        let no = intent["intent_no"].as_str().unwrap();
        sim.pay(no, Delivery::Once, app.state.now()).unwrap();
        let cb = sim.take_callbacks().remove(0);
        assert_eq!(deliver(&app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        let o = order_view(&app, &c, &id).await;
        assert_eq!(o["paid_fen"], total);
        assert_eq!(o["owed_now_fen"], 0, "{b:?}: paid in full, nothing owed");
    }
}

/// Confirming and paying the balance are separate steps (docs/visit.md): a deposit order
/// confirmed with its balance owed awaits the balance, and the online payment of the
/// balance completes it, recognising the worker's earning then and not before.
#[tokio::test]
async fn confirming_with_a_balance_owed_awaits_it_and_paying_it_online_completes_the_order() {
    use daojia_app::outbox::Event;
    use daojia_store::entity::{order_earning, outbox};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let sim = app.state.paysim.clone().expect("the simulator");
        let c = customer(&app).await;
        let body = json!({"items": [{"item": "move_in_cleaning"}], "address_id": c.address,
                          "window_start": ten_am(&app, 2)});
        let key = uuid::Uuid::now_v7().to_string();
        let r = app
            .post_keyed("/api/v1/customer/orders", &c.token, Some(&key), &body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);
        let id = r.body["id"].as_str().unwrap().to_string();
        let total = r.body["total_fen"].as_i64().unwrap();
        let deposit = r.body["owed_now_fen"].as_i64().unwrap();
        assert!(
            0 < deposit && deposit < total,
            "{b:?}: a deposit: {}",
            r.text
        );
        let pay_online = async |expected: i64| {
            let (status, intent) = pay_with(&app, &c, &id, "wechat_h5").await;
            assert_eq!(status, StatusCode::CREATED, "{b:?}: {intent}");
            assert_eq!(intent["amount_fen"], expected, "{b:?}: {intent}");
            sim.pay(
                intent["intent_no"].as_str().unwrap(),
                Delivery::Once,
                app.state.now(),
            )
            .unwrap();
            let cb = sim.take_callbacks().remove(0);
            assert_eq!(deliver(&app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        };
        pay_online(deposit).await;
        assert_eq!(order_view(&app, &c, &id).await["state"], "pending_dispatch");

        let dispatcher = app
            .staff_token("disp", daojia_domain::access::Role::Dispatcher)
            .await;
        let service = app
            .staff_token("cs", daojia_domain::access::Role::CustomerService)
            .await;
        let workers = app.get("/api/v1/admin/workers", Some(&dispatcher)).await;
        let worker = workers.body["items"][0]["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/assign"),
                json!({"worker_id": worker, "override_reason": "the test's worker"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.body["state"], "accepted", "{b:?}: {}", r.text);
        for step in ["check_in", "finish"] {
            let r = app
                .post(
                    &format!("/api/v1/admin/orders/{id}/visit"),
                    json!({ "step": step }),
                    Some(&service),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {step}: {}", r.text);
        }

        // What the customer is told, event by event as the consumer sees them when they
        // are relayed (the order as it is then).
        let oid: uuid::Uuid = id.parse().unwrap();
        let mut seen = 0;
        let mut told = async || {
            let events = outbox::Entity::find()
                .filter(outbox::Column::AggregateId.eq(oid))
                .filter(outbox::Column::Position.gt(seen))
                .order_by_asc(outbox::Column::Position)
                .all(app.state.store.db())
                .await
                .unwrap();
            let mut out = vec![];
            for m in events {
                seen = m.position;
                let e = Event::from_row(m);
                let now = app.state.now();
                for n in daojia_app::notifications::consumer::notices(&app.state.app, &e, now)
                    .await
                    .unwrap()
                {
                    out.push(format!("{}:{}", e.topic, n.kind.as_str()));
                }
            }
            out
        };
        told().await;

        // The customer confirms with the balance owed: confirmed, not complete, and told
        // what is owed.
        let confirm = format!("/api/v1/customer/orders/{id}/confirm");
        for _ in 0..2 {
            let r = app.post(&confirm, json!({}), Some(&c.token)).await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
            assert_eq!(r.body["state"], "awaiting_balance", "{b:?}: {}", r.text);
        }
        assert_eq!(told().await, ["order.complete:payment_due"], "{b:?}");
        let o = order_view(&app, &c, &id).await;
        assert_eq!(o["view"], "awaiting_payment", "{b:?}: 待支付");
        assert_eq!(o["owed_now_fen"], total - deposit, "{b:?}");
        let earned = || async {
            order_earning::Entity::find()
                .filter(order_earning::Column::OrderId.eq(oid))
                .all(app.state.store.db())
                .await
                .unwrap()
                .len()
        };
        assert_eq!(
            earned().await,
            0,
            "{b:?}: nothing earned before the balance"
        );

        // The balance paid online completes the order.
        pay_online(total - deposit).await;
        let o = order_view(&app, &c, &id).await;
        assert_eq!(o["state"], "completed", "{b:?}: {o}");
        assert_eq!(
            (o["paid_fen"].as_i64(), o["owed_now_fen"].as_i64()),
            (Some(total), Some(0))
        );
        assert!(
            earned().await > 0,
            "{b:?}: the earning is recognised on completion"
        );

        assert_eq!(
            told().await,
            [
                "order.record_payment:completed",
                "order.record_payment:review_request"
            ],
            "{b:?}: the completion is told when the balance is in"
        );
    }
}
