//! Profit sharing at the channel (分账) on every backend, against the simulator serving a
//! service provider (`pay.simulator_profit_sharing`): an order paid through WeChat is
//! opened to be shared (frozen at WeChat); its settlement plans one sharing of the
//! partner's share to the partner's receiver with the rest unfrozen, sent once however
//! often settlement and its job run and however often the callback comes, its outcome
//! found by the query when the job's answer was lost; the ledger moves the share from the
//! partner's withdrawable to the channel's clearing once, and stays clean; a share the
//! channel closes is failed and alerted with no entry; a refund after sharing returns the
//! share first, then refunds.

use crate::common;

use axum::http::StatusCode;
use chrono::Duration;
use common::finance::{Town, tomorrow, town_with};
use common::pay::deliver;
use common::{TestApp, assert_problem, backends};
use daojia_domain::ids::PartnerId;
use daojia_domain::ledger::{Account, Clearing};
use daojia_domain::payment::Provider;
use daojia_pay::sim::{Delivery, Simulator};
use daojia_store::entity::{order_earning, partner, payment_intent, worker};
use daojia_store::repo::{ledger, sharing as rows};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

const RECEIVER: &str = "1900000201";

async fn shared_town(b: daojia_store::testing::Backend) -> (Town, Arc<Simulator>) {
    let t = town_with(b, |cfg| {
        cfg.pay.simulator = true;
        cfg.pay.simulator_profit_sharing = true;
        // Nobody listens there: the tests deliver the simulator's callbacks themselves.
        cfg.pay.notify_base_url = Some("http://127.0.0.1:9".into());
        cfg.booking.demo_autopay = Some(false);
    })
    .await;
    let sim = t.app.state.paysim.clone().expect("the simulator runs");
    (t, sim)
}

/// Puts the town's worker under a partner taking 10% of what the platform leaves.
async fn partnered(t: &Town) -> Uuid {
    let p = Uuid::now_v7();
    partner::ActiveModel {
        id: Set(p),
        code: Set(format!("P{}", &p.simple().to_string()[..8])),
        name: Set("测试服务商".into()),
        active: Set(true),
        created_at: Set(t.app.state.now()),
    }
    .insert(t.app.state.store.db())
    .await
    .unwrap();
    let r = t
        .app
        .call(
            axum::http::Method::PUT,
            &format!("/api/v1/admin/partners/{p}/share"),
            Some(json!({"share_bp": 1000})),
            Some(&t.finance),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let w = worker::Entity::find_by_id(t.worker)
        .one(t.app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    let mut w: worker::ActiveModel = w.into();
    w.partner_id = Set(Some(p));
    w.update(t.app.state.store.db()).await.unwrap();
    p
}

async fn set_receiver(t: &Town, p: Uuid) {
    let r = t
        .app
        .call(
            axum::http::Method::PUT,
            &format!("/api/v1/admin/partners/{p}/sharing-receiver"),
            Some(json!({"mchid": "19x", "name": ""})),
            Some(&t.finance),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(
        r.text.contains("mchid") && r.text.contains("name"),
        "{}",
        r.text
    );
    let r = t
        .app
        .call(
            axum::http::Method::PUT,
            &format!("/api/v1/admin/partners/{p}/sharing-receiver"),
            Some(json!({"mchid": RECEIVER, "name": "上海到家家政服务有限公司"})),
            Some(&t.finance),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["mchid"], RECEIVER);
    assert!(r.body["added_at"].is_null());
    let r = t
        .app
        .get(
            &format!("/api/v1/admin/partners/{p}/sharing-receiver"),
            Some(&t.finance),
        )
        .await;
    assert_eq!(r.body["name"], "上海到家家政服务有限公司", "{}", r.text);
}

/// An order paid through WeChat (the simulator's payer), done by the town's worker and
/// completed; returns it and its intent.
async fn paid_and_completed(t: &Town, sim: &Simulator, hour: u32) -> (Uuid, payment_intent::Model) {
    let (id, intent) = paid_and_assigned(t, sim, hour).await;
    for s in ["check_in", "finish", "complete"] {
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
    (id, intent)
}

/// An order for tomorrow at `hour`:00 paid through WeChat (the simulator's payer) and
/// assigned to the town's worker; returns it and its intent.
async fn paid_and_assigned(t: &Town, sim: &Simulator, hour: u32) -> (Uuid, payment_intent::Model) {
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
            &format!("/api/v1/orders/{id}/payments"),
            json!({"channel": "wechat_native"}),
            Some(&t.customer),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let no = r.body["intent_no"].as_str().unwrap().to_owned();
    sim.pay(&no, Delivery::Once, t.app.state.now()).unwrap();
    let cb = sim.callbacks_of(&no).remove(0);
    assert_eq!(
        deliver(&t.app, &cb, &cb.body).await.0,
        StatusCode::NO_CONTENT
    );
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/orders/{id}/assign"),
            json!({"worker_id": t.worker, "override_reason": "test: sharing"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.body["state"], "accepted", "{}", r.text);
    let intent = payment_intent::Entity::find()
        .filter(payment_intent::Column::IntentNo.eq(no))
        .one(t.app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    (id, intent)
}

async fn balance(app: &TestApp, a: Account) -> i64 {
    ledger::balance(app.state.store.db(), a)
        .await
        .unwrap()
        .as_fen()
}

async fn clean(app: &TestApp, b: daojia_store::testing::Backend) {
    let r = ledger::check(app.state.store.db()).await.unwrap();
    assert!(r.problems.is_empty(), "{b:?}: {:?}", r.problems);
}

async fn entries(app: &TestApp, kind: &str) -> usize {
    use daojia_store::entity::ledger_entry;
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SourceType.eq(kind))
        .all(app.state.store.db())
        .await
        .unwrap()
        .len()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    daojia_store::entity::audit_log::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

async fn run_job(app: &TestApp, row: Uuid, step: i64, now: chrono::DateTime<chrono::Utc>) {
    daojia_app::payments::sharing::run(&app.state.app, &json!({"id": row, "step": step}), now)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_partners_share_is_paid_at_the_channel_once_after_settlement() {
    for b in backends() {
        let (t, sim) = shared_town(b).await;
        let app = &t.app;
        let p = partnered(&t).await;
        set_receiver(&t, p).await;
        let (id, intent) = paid_and_completed(&t, &sim, 10).await;
        assert!(intent.profit_sharing, "{b:?}: opened to be shared");
        let frozen = sim.frozen(&intent.intent_no).expect("frozen at WeChat");
        assert_eq!(frozen.frozen.as_fen(), intent.amount_fen);
        let e = order_earning::Entity::find_by_id(id)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert!(e.partner_fen > 0);

        // Settled after the window, twice: one sharing, planned once.
        let later = app.state.now() + Duration::hours(73);
        let settle = |at| daojia_app::finance::settle_due(&app.state.app, at);
        assert_eq!(settle(later).await.unwrap().settled, 1, "{b:?}");
        assert_eq!(settle(later).await.unwrap().settled, 0, "{b:?}");
        let planned = rows::of_order(app.state.store.db(), id).await.unwrap();
        assert_eq!(planned.len(), 1, "{b:?}");
        let row = &planned[0];
        assert_eq!(row.out_order_no, format!("S{}", intent.intent_no));
        assert_eq!(
            (row.amount_fen, row.state.as_str()),
            (e.partner_fen, "requested")
        );
        assert_eq!(row.receiver_mchid.as_deref(), Some(RECEIVER));

        // The job sends it (WeChat accepts: processing); the answer to its next look is
        // lost, and the hourly run's query finds how it ended.
        run_job(app, row.id, 0, later).await;
        let now_row = rows::by_id(app.state.store.db(), row.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(now_row.state, "processing", "{b:?}");
        assert_eq!(
            sim.sharing_receivers(),
            vec![("MERCHANT_ID".to_owned(), RECEIVER.to_owned())]
        );
        // The job again, the same step (a redelivered job): the same order at WeChat.
        run_job(app, row.id, 0, later).await;
        assert_eq!(sim.sharing_orders().len(), 1, "{b:?}: sent once");
        let found = settle(later + Duration::minutes(11)).await.unwrap();
        assert_eq!(found.settled, 0);
        let done = rows::by_id(app.state.store.db(), row.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.state, "succeeded", "{b:?}");
        assert!(done.wx_order_id.is_some());
        let f = sim.frozen(&intent.intent_no).unwrap();
        assert_eq!(
            (f.frozen.as_fen(), f.shared.as_fen(), f.done),
            (0, e.partner_fen, true),
            "{b:?}: the share went to the receiver, the rest was unfrozen"
        );
        // The ledger: the partner is no longer owed its share; the channel holds less.
        assert_eq!(
            balance(app, Account::PartnerWithdrawable(PartnerId(p))).await,
            0,
            "{b:?}"
        );
        assert_eq!(
            balance(app, Account::Clearing(Clearing::Channel(Provider::Wechat))).await,
            intent.amount_fen - e.partner_fen
        );
        assert_eq!(entries(app, "profit_sharing").await, 1);
        clean(app, b).await;

        // WeChat's callback, twice, changes nothing more; a tampered one is refused.
        let cb = sim.callbacks_of(&row.out_order_no).remove(0);
        for _ in 0..2 {
            assert_eq!(deliver(app, &cb, &cb.body).await.0, StatusCode::NO_CONTENT);
        }
        let tampered = cb
            .body
            .replacen("\"ciphertext\":\"", "\"ciphertext\":\"A", 1);
        assert_eq!(
            deliver(app, &cb, &tampered).await.0,
            StatusCode::BAD_REQUEST
        );
        // A later job step finds it ended.
        run_job(app, row.id, 3, later).await;
        assert_eq!(
            entries(app, "profit_sharing").await,
            1,
            "{b:?}: posted once"
        );
        assert_eq!(sim.sharing_orders().len(), 1);
        clean(app, b).await;

        // An after-sales refund: the share comes back first, then the refund goes out.
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                json!({"decision": "open", "note": "客户反映没擦干净"}),
                Some(&t.cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{id}/after-sales"),
                json!({"decision": "refund", "amount_fen": intent.amount_fen, "note": "全额退款"}),
                Some(&t.cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let returned = rows::by_id(app.state.store.db(), row.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(returned.state, "returned", "{b:?}");
        assert_eq!(returned.returned_fen, e.partner_fen);
        assert_eq!(sim.sharing_returns().len(), 1);
        assert_eq!(
            sim.refunds().iter().map(|r| r.amount.as_fen()).sum::<i64>(),
            intent.amount_fen,
            "{b:?}: the whole payment refunded once the share was back"
        );
        assert_eq!(
            balance(app, Account::PartnerWithdrawable(PartnerId(p))).await,
            -e.partner_fen,
            "{b:?}: the platform bears the refund; the partner is owed its share again"
        );
        assert_eq!(entries(app, "profit_sharing_return").await, 1);
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, id)
            .await
            .unwrap();
        let rcb = sim.callbacks_of(&refunds[0].refund_no).remove(0);
        assert_eq!(
            deliver(app, &rcb, &rcb.body).await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            balance(app, Account::Clearing(Clearing::Channel(Provider::Wechat))).await,
            0,
            "{b:?}"
        );
        clean(app, b).await;
    }
}

#[tokio::test]
async fn a_share_the_channel_closes_fails_once_is_alerted_and_posts_nothing() {
    for b in backends() {
        let (t, sim) = shared_town(b).await;
        let app = &t.app;
        let p = partnered(&t).await;
        set_receiver(&t, p).await;
        // Marked added here, never added at WeChat: WeChat closes the share (NO_RELATION).
        rows::receiver_added(app.state.store.db(), p, RECEIVER, app.state.now())
            .await
            .unwrap();
        let (id, intent) = paid_and_completed(&t, &sim, 11).await;
        let later = app.state.now() + Duration::hours(73);
        daojia_app::finance::settle_due(&app.state.app, later)
            .await
            .unwrap();
        let row = rows::of_order(app.state.store.db(), id)
            .await
            .unwrap()
            .remove(0);
        run_job(app, row.id, 0, later).await;
        run_job(app, row.id, 1, later).await;
        run_job(app, row.id, 2, later).await;
        let failed = rows::by_id(app.state.store.db(), row.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(failed.state, "failed", "{b:?}");
        assert_eq!(failed.fail_reason.as_deref(), Some("NO_RELATION"));
        assert_eq!(
            audit_actions(app)
                .await
                .iter()
                .filter(|a| *a == "payment.sharing_failed")
                .count(),
            1,
            "{b:?}"
        );
        assert_eq!(entries(app, "profit_sharing").await, 0);
        let e = order_earning::Entity::find_by_id(id)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            balance(app, Account::PartnerWithdrawable(PartnerId(p))).await,
            -e.partner_fen,
            "{b:?}: still owed to the partner"
        );
        let f = sim.frozen(&intent.intent_no).unwrap();
        assert_eq!((f.frozen.as_fen(), f.shared.as_fen(), f.done), (0, 0, true));
        clean(app, b).await;
    }
}

#[tokio::test]
async fn an_order_without_a_partner_receiver_is_unfrozen_whole() {
    for b in backends() {
        let (t, sim) = shared_town(b).await;
        let app = &t.app;
        // The worker's partner has no receiver: the payment is unfrozen, the share stays
        // owed in the ledger.
        let p = partnered(&t).await;
        let (id, intent) = paid_and_completed(&t, &sim, 12).await;
        let later = app.state.now() + Duration::hours(73);
        daojia_app::finance::settle_due(&app.state.app, later)
            .await
            .unwrap();
        let row = rows::of_order(app.state.store.db(), id)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(row.out_order_no, format!("U{}", intent.intent_no));
        assert_eq!(row.amount_fen, 0);
        // Accepted first, finished on the job's next look.
        run_job(app, row.id, 0, later).await;
        run_job(app, row.id, 1, later).await;
        let done = rows::by_id(app.state.store.db(), row.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.state, "succeeded", "{b:?}");
        let f = sim.frozen(&intent.intent_no).unwrap();
        assert_eq!((f.frozen.as_fen(), f.shared.as_fen(), f.done), (0, 0, true));
        assert!(balance(app, Account::PartnerWithdrawable(PartnerId(p))).await < 0);
        assert_eq!(entries(app, "profit_sharing").await, 0);
        clean(app, b).await;
    }
}

/// The customer cancels order `id`; returns the cancellation's answer.
async fn cancel(t: &Town, id: Uuid) -> serde_json::Value {
    let r = t
        .app
        .post(
            &format!("/api/v1/customer/orders/{id}/cancel"),
            json!({"reason": "临时有事"}),
            Some(&t.customer),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body
}

/// Delivers the simulator's callbacks of order `id`'s refunds.
async fn confirm(t: &Town, sim: &Simulator, id: Uuid) {
    for r in daojia_app::payments::refunds::of_order(&t.app.state.app, id)
        .await
        .unwrap()
    {
        for cb in sim.callbacks_of(&r.refund_no) {
            deliver(&t.app, &cb, &cb.body).await;
        }
    }
}

#[tokio::test]
async fn a_cancelled_orders_kept_fee_is_unfrozen_once() {
    use daojia_app::payments::sharing::release_frozen;
    for b in backends() {
        let (t, sim) = shared_town(b).await;
        let app = &t.app;
        let p = partnered(&t).await;
        set_receiver(&t, p).await;
        // Two orders paid (frozen at WeChat) and assigned: one cancelled in time (free:
        // refunded whole), one late (the fee kept).
        let (free, free_intent) = paid_and_assigned(&t, &sim, 9).await;
        let (late, intent) = paid_and_assigned(&t, &sim, 15).await;
        cancel(&t, free).await;
        confirm(&t, &sim, free).await;
        // The late order was placed under a policy free only until three days before its
        // window: cancelling now costs the fee.
        {
            use daojia_store::entity::service_order;
            let o = service_order::Entity::find_by_id(late)
                .one(app.state.store.db())
                .await
                .unwrap()
                .unwrap();
            let mut policy: daojia_domain::order::policy::Policy =
                serde_json::from_str(&o.policy).unwrap();
            policy.free_cancel_minutes = 3 * 24 * 60;
            policy.validate().unwrap();
            let mut o: service_order::ActiveModel = o.into();
            o.policy = Set(serde_json::to_string(&policy).unwrap());
            o.update(app.state.store.db()).await.unwrap();
        }
        let body = cancel(&t, late).await;
        let fee = body["fee_fen"].as_i64().unwrap();
        assert!(fee > 0, "{b:?}: a late cancellation keeps a fee: {body}");
        // While its refund is in flight, nothing is released.
        let now = app.state.now();
        assert_eq!(
            release_frozen(&app.state.app, now).await.unwrap(),
            0,
            "{b:?}"
        );
        confirm(&t, &sim, late).await;
        assert_eq!(
            sim.frozen(&intent.intent_no).unwrap().frozen.as_fen(),
            fee,
            "{b:?}: the fee stays frozen at WeChat"
        );
        // The sweep (the hourly settlement run) plans one unfreeze, for the fee kept only.
        assert_eq!(
            release_frozen(&app.state.app, now).await.unwrap(),
            1,
            "{b:?}"
        );
        assert_eq!(
            release_frozen(&app.state.app, now).await.unwrap(),
            0,
            "{b:?}"
        );
        daojia_app::finance::settle_due(&app.state.app, now)
            .await
            .unwrap();
        assert!(
            rows::of_order(app.state.store.db(), free)
                .await
                .unwrap()
                .is_empty(),
            "{b:?}: a payment refunded whole is released by the channel"
        );
        assert!(sim.frozen(&free_intent.intent_no).unwrap().frozen.as_fen() == 0);
        let planned = rows::of_order(app.state.store.db(), late).await.unwrap();
        assert_eq!(planned.len(), 1, "{b:?}");
        let row = &planned[0];
        assert_eq!(
            (row.out_order_no.clone(), row.amount_fen, row.partner_id),
            (format!("U{}", intent.intent_no), 0, None)
        );
        // Its job sends the unfreeze, the next look finds it done.
        run_job(app, row.id, 0, now).await;
        run_job(app, row.id, 1, now).await;
        let done = rows::by_id(app.state.store.db(), row.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(done.state, "succeeded", "{b:?}");
        let f = sim.frozen(&intent.intent_no).unwrap();
        assert_eq!((f.frozen.as_fen(), f.shared.as_fen(), f.done), (0, 0, true));
        assert_eq!(
            sim.sharing_orders().len(),
            1,
            "{b:?}: one unfreeze, nothing shared"
        );
        assert_eq!(release_frozen(&app.state.app, now).await.unwrap(), 0);
        assert_eq!(entries(app, "profit_sharing").await, 0);
        clean(app, b).await;
    }
}
