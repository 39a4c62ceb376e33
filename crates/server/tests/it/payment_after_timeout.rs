//! A payment that succeeds after the unpaid-order timeout has cancelled its order (issue 12,
//! decisions): the payer paid a moment before the timeout, the channel's callback is slow;
//! the timeout cancels the order, its close at the channel finds the payment, and the money
//! the cancelled order no longer takes goes back at once through the channel, reported as
//! an alert. The slow callback, arriving at last, changes nothing; the ledger balances.

use crate::common;

use chrono::Duration;
use common::pay::*;
use common::*;
use daojia_domain::payment::PayChannel;
use daojia_pay::sim::{Delivery, TradeState};
use daojia_store::entity::{audit_log, job, outbox};
use daojia_store::repo::orders::job_kind;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

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
async fn a_payment_that_succeeds_after_the_unpaid_timeout_cancelled_its_order_is_refunded_and_reported()
 {
    for b in backends() {
        let app = TestApp::with_config(b, config()).await;
        let db = app.state.store.db();
        let sim = app.state.paysim.clone().unwrap();
        let c = customer(&app).await;
        let me = app.get("/api/v1/customer/me", Some(&c.token)).await;
        let customer_id: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let (id, total) = order(&app, &c, 2).await;
        let order_id: uuid::Uuid = id.parse().unwrap();
        let timeout = job::Entity::find()
            .filter(job::Column::Kind.eq(job_kind::UNPAID_TIMEOUT))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.payload.contains(&id))
            .expect("placing the order set its unpaid timeout");

        // Half a minute before the timeout the payer scans a WeChat QR code and pays; the
        // callback is on its way (held here), the first query not due yet.
        app.advance(timeout.run_at - app.state.now() - Duration::seconds(30));
        let intent = daojia_app::payments::create_intent(
            &app.state.app,
            customer_id,
            order_id,
            PayChannel::WechatNative,
            "127.0.0.1",
            app.state.now(),
        )
        .await
        .unwrap();
        let no = intent.view().intent_no.clone();
        sim.pay(&no, Delivery::Once, app.state.now()).unwrap();
        let slow = sim.take_callbacks().remove(0);

        // The timeout fires: the order is cancelled, the payment found and sent back.
        app.advance(Duration::seconds(31));
        run_due(&app).await;
        let row = daojia_store::repo::orders::get(db, order_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (row.state.as_str(), row.paid_fen, row.refunded_fen),
            ("cancelled", 0, 0),
            "{b:?}: cancelled by the timeout, the late money not taken"
        );
        let intents = daojia_store::repo::payments::intents_of_order(db, order_id)
            .await
            .unwrap();
        assert_eq!(
            (intents.len(), intents[0].state.as_str()),
            (1, "succeeded"),
            "{b:?}: the channel holds the money"
        );
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, order_id)
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1, "{b:?}: {refunds:?}");
        assert_eq!(
            (refunds[0].origin.as_str(), refunds[0].amount_fen),
            ("unowed", total)
        );
        assert_ne!(refunds[0].state, "requested", "{b:?}: submitted at once");
        let trade = sim.trade(&no).unwrap();
        assert_eq!(
            (trade.state, trade.refunded.as_fen()),
            (TradeState::Paid, total),
            "{b:?}: refunded at the channel"
        );
        // Reported: in the audit log and as a `payment.alert` event for operations.
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("payment.unowed_payment_refunded"))
            .all(db)
            .await
            .unwrap();
        assert_eq!(audited.len(), 1, "{b:?}");
        assert_eq!(
            audited[0].target_id.as_deref(),
            Some(intents[0].id.to_string().as_str())
        );
        let alerts = outbox::Entity::find()
            .filter(outbox::Column::Topic.eq("payment.alert"))
            .all(db)
            .await
            .unwrap();
        assert!(
            alerts
                .iter()
                .any(|e| e.payload.contains("unowed_payment_refunded")
                    && e.payload.contains(&refunds[0].refund_no)),
            "{b:?}: {alerts:?}"
        );

        // The slow callback arrives at last: nothing changes.
        assert_eq!(
            deliver(&app, &slow, &slow.body).await.0,
            axum::http::StatusCode::NO_CONTENT
        );
        let refunds = daojia_app::payments::refunds::of_order(&app.state.app, order_id)
            .await
            .unwrap();
        assert_eq!(refunds.len(), 1, "{b:?}: refunded once");
        let report = daojia_store::repo::ledger::check(db).await.unwrap();
        assert!(report.problems.is_empty(), "{b:?}: {:?}", report.problems);
    }
}
