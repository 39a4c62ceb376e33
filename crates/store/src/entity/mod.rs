//! SeaORM entities, one module per table.

/// `ActiveModelBehavior` for a catalog table: every insert, update and delete through the
/// entity bumps the `catalog` counter (`repo::versions::CATALOG`), so that every node's
/// copy of what a placement prices and checks (`repo::catalog_rows`) is read again.
macro_rules! counts_for_catalog {
    () => {
        #[async_trait::async_trait]
        impl ActiveModelBehavior for ActiveModel {
            async fn after_save<C>(model: Model, db: &C, _insert: bool) -> Result<Model, DbErr>
            where
                C: ConnectionTrait,
            {
                crate::repo::versions::bump(db, crate::repo::versions::CATALOG).await?;
                Ok(model)
            }

            async fn after_delete<C>(self, db: &C) -> Result<Self, DbErr>
            where
                C: ConnectionTrait,
            {
                crate::repo::versions::bump(db, crate::repo::versions::CATALOG).await?;
                Ok(self)
            }
        }
    };
}
pub(crate) use counts_for_catalog;

pub mod account_erasure;
pub mod app_meta;
pub mod area_item_off;
pub mod area_item_price;
pub mod audit_log;
pub mod auth_refresh_token;
pub mod auth_session;
pub mod booking_lock;
pub mod commission_rule;
pub mod consent;
pub mod customer;
pub mod customer_address;
pub mod customer_wechat;
pub mod data_version;
pub mod deposit_fine;
pub mod dispatch_decision;
pub mod dispatch_grab;
pub mod dispatch_offer;
pub mod feature_flag;
pub mod idempotency_key;
pub mod invoice;
pub mod item_certificate;
pub mod job;
pub mod job_track;
pub mod ledger_account;
pub mod ledger_books;
pub mod ledger_entry;
pub mod ledger_period;
pub mod ledger_period_balance;
pub mod ledger_posting;
pub mod login_guard;
pub mod notification;
pub mod notification_delivery;
pub mod notification_preference;
pub mod order_alarm;
pub mod order_door_code;
pub mod order_earning;
pub mod order_event;
pub mod order_extra;
pub mod order_line;
pub mod order_payment;
pub mod order_photo;
pub mod otp_code;
pub mod outbox;
pub mod outbox_consumer;
pub mod partner;
pub mod partner_receiver;
pub mod partner_share;
pub mod payment_intent;
pub mod payment_notification;
pub mod processed_event;
pub mod profit_sharing;
pub mod promotion;
pub mod promotion_claim;
pub mod push_subscription;
pub mod reconciliation_difference;
pub mod reconciliation_run;
pub mod record_anchor;
pub mod refund;
pub mod review;
pub mod route_plan;
pub mod route_plan_stop;
pub mod service_area;
pub mod service_category;
pub mod service_item;
pub mod service_order;
pub mod service_record;
pub mod sms_outbox;
pub mod sms_throttle;
pub mod sos_alert;
pub mod staff;
pub mod track_batch;
pub mod track_point;
pub mod upload;
pub mod visit_check_in;
pub mod visit_no_show;
pub mod visit_record;
pub mod wallet_balance;
pub mod wechat_oauth_state;
pub mod wechat_platform_certificate;
pub mod withdrawal;
pub mod worker;
pub mod worker_balance;
pub mod worker_certificate;
pub mod worker_credit_event;
pub mod worker_deposit;
pub mod worker_payee;
pub mod worker_shift;
pub mod worker_shift_exception;
pub mod worker_skill;
