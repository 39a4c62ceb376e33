//! Payment intents, refunds and notification records on every database: numbers are unique,
//! state changes are compare-and-set, and a notification is recorded once.

use chrono::{Duration, Utc};
use daojia_store::repo::payments::{self, IntentUpdate, NewIntent, NewRefund};
use daojia_store::testing::{TestDb, backends};
use uuid::Uuid;

fn intent(no: &str, order: Uuid) -> NewIntent {
    NewIntent {
        intent_no: no.into(),
        order_id: Some(order),
        purpose: "order",
        customer_id: Uuid::now_v7(),
        channel: "wechat_native".into(),
        provider: "wechat".into(),
        amount_fen: 15_900,
        expires_at: Utc::now() + Duration::minutes(15),
        profit_sharing: false,
    }
}

#[tokio::test]
async fn intents_and_refunds_are_numbered_once_and_change_state_only_from_where_they_are() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let db = t.store.db();
        let now = Utc::now();
        let order = Uuid::now_v7();
        let i = payments::insert_intent(db, intent("P1", order), now)
            .await
            .unwrap();
        assert_eq!(i.state, "created");
        assert!(
            payments::insert_intent(db, intent("P1", Uuid::now_v7()), now)
                .await
                .is_err(),
            "{b:?}: out_trade_no is unique"
        );
        let opened = IntentUpdate {
            checkout: Some("weixin://wxpay/bizpayurl?pr=x"),
            ..Default::default()
        };
        assert!(
            payments::set_intent_state(db, i.id, &["created"], "pending", opened, now)
                .await
                .unwrap()
        );
        let paid = IntentUpdate {
            channel_trade_no: Some("4200000001"),
            ..Default::default()
        };
        assert!(
            payments::set_intent_state(
                db,
                i.id,
                &["created", "pending"],
                "succeeded",
                paid.clone(),
                now
            )
            .await
            .unwrap()
        );
        // The same success again (a racing node) does nothing.
        assert!(
            !payments::set_intent_state(db, i.id, &["created", "pending"], "succeeded", paid, now)
                .await
                .unwrap(),
            "{b:?}"
        );
        let row = payments::intent_by_no(db, "P1").await.unwrap().unwrap();
        assert_eq!(row.state, "succeeded");
        assert_eq!(row.channel_trade_no.as_deref(), Some("4200000001"));
        assert_eq!(
            row.checkout.as_deref(),
            Some("weixin://wxpay/bizpayurl?pr=x")
        );
        assert!(row.succeeded_at.is_some());
        assert_eq!(
            payments::intents_of_order(db, order).await.unwrap().len(),
            1
        );
        assert!(
            payments::open_intents_before(db, now + Duration::minutes(1), 10)
                .await
                .unwrap()
                .is_empty()
        );

        let new_refund = NewRefund {
            refund_no: "R1".into(),
            intent_id: i.id,
            order_id: order,
            amount_fen: 5_000,
            origin: "staff".into(),
            reason: Some("退款".into()),
            source: None,
        };
        let r = payments::insert_refund(db, new_refund.clone(), now)
            .await
            .unwrap();
        assert!(payments::insert_refund(db, new_refund, now).await.is_err());
        assert!(
            payments::set_refund_state(db, r.id, &["requested"], "processing", None, now)
                .await
                .unwrap()
        );
        assert!(
            !payments::set_refund_state(db, r.id, &["requested"], "processing", None, now)
                .await
                .unwrap()
        );
        assert!(
            payments::set_refund_state(
                db,
                r.id,
                &["requested", "processing"],
                "succeeded",
                None,
                now
            )
            .await
            .unwrap()
        );
        let r = payments::refund_by_no(db, "R1").await.unwrap().unwrap();
        assert_eq!((r.state.as_str(), r.amount_fen), ("succeeded", 5_000));
        assert!(r.finished_at.is_some());
        assert_eq!(
            payments::refunds_of_intent(db, i.id).await.unwrap().len(),
            1
        );
        assert_eq!(
            payments::refunds_of_order(db, order).await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn a_notification_is_recorded_once_per_provider() {
    for b in backends() {
        let t = TestDb::new(b).await;
        let db = t.store.db();
        let now = Utc::now();
        let long_id = "n".repeat(128);
        assert!(
            payments::record_notification(db, "alipay", &long_id, "payment", "P1", now)
                .await
                .unwrap()
        );
        assert!(
            !payments::record_notification(db, "alipay", &long_id, "payment", "P1", now)
                .await
                .unwrap(),
            "{b:?}"
        );
        assert!(
            payments::record_notification(db, "wechat", &long_id, "payment", "P1", now)
                .await
                .unwrap(),
            "{b:?}: another provider's id is another notification"
        );
    }
}
