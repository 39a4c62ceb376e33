//! The first real consumer: a text message to the worker an order was offered or assigned
//! to (`order.offer`, `order.assign`), with what, when and the order number. Idempotent by
//! event id: the message's record in the SMS outbox and the event's mark in
//! `processed_event` are written in one transaction, and an event already marked (or
//! recorded) is not sent again. An offer that has moved on by the time the event is
//! delivered (another worker has the order now) sends nothing. Fed by the relay, or from
//! the broker when `[broker] consumers` names it.

use super::{Consumer, Event, HandleError};
use crate::App;
use crate::orders::timers::local_time;
use daojia_domain::phone::Phone;
use daojia_notify::sms::{SmsProvider, sent_by, worker_order_message};
use daojia_store::repo::accounts::{self, WORKER_PHONE};
use daojia_store::repo::{orders, processed, sms};
use sea_orm::TransactionTrait;
use std::sync::Arc;

/// Texts workers about orders offered or assigned to them.
pub struct WorkerSms {
    app: App,
    sms: Arc<dyn SmsProvider>,
    clock: Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
}

impl WorkerSms {
    /// The consumer over `app`, sending through `sms`, stamping records with `clock`.
    pub fn new(
        app: App,
        sms: Arc<dyn SmsProvider>,
        clock: Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
    ) -> WorkerSms {
        WorkerSms { app, sms, clock }
    }
}

/// The consumer's name (its progress row).
pub const NAME: &str = "sms.worker_order";

#[async_trait::async_trait]
impl Consumer for WorkerSms {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, topic: &str) -> bool {
        topic == orders::topic("offer") || topic == orders::topic("assign")
    }

    fn routing_keys(&self) -> Vec<String> {
        vec![orders::topic("offer"), orders::topic("assign")]
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let store = &self.app.store;
        let Some(worker_id) = event.payload["worker_id"]
            .as_str()
            .and_then(|s| s.parse::<uuid::Uuid>().ok())
        else {
            return Ok(());
        };
        if processed::seen(store.db(), NAME, event.id).await?
            || sms::sent_for_event(store, event.id).await?
        {
            return Ok(());
        }
        let Some(order) = orders::get(store.db(), event.aggregate_id).await? else {
            return Ok(());
        };
        if order.worker_id != Some(worker_id) {
            return Ok(());
        }
        let Some(worker) = accounts::worker(store.db(), worker_id).await? else {
            return Ok(());
        };
        let phone = Phone::parse(&store.vault().decrypt(WORKER_PHONE, &worker.phone_enc)?)?;
        let what = orders::lines(store.db(), order.id)
            .await?
            .iter()
            .map(|l| l.item_name.as_str())
            .collect::<Vec<_>>()
            .join("、");
        let start = local_time(&self.app, &order, order.window_start).await;
        let end = local_time(&self.app, &order, order.window_end).await;
        let end = end.split(' ').next_back().unwrap_or(&end).to_string();
        let msg = worker_order_message(phone.clone(), &what, &start, &end, &order.order_no);
        let result = self.sms.send(&msg).await;
        let (status, pid, error) = match &result {
            Ok(r) => ("sent", Some(r.provider_message_id.clone()), None),
            // An outage or quota: not recorded, so the retry sends it.
            Err(e) if e.kind.fails_over() => return Err(e.to_string().into()),
            // A bad number or a missing template fails the same way every time: recorded.
            Err(e) => ("failed", None, Some(e.to_string())),
        };
        let entry = sms::OutboxEntry {
            phone: &phone,
            template: &msg.template,
            content: &msg.redacted_text(),
            params: msg.public_params(),
            provider: sent_by(&result),
            status,
            provider_message_id: pid,
            error,
        };
        let now = (self.clock)();
        let tx = store.db().begin().await?;
        if !processed::mark(&tx, NAME, event.id, now).await? {
            // Applied by another delivery of the same event meanwhile.
            return Ok(());
        }
        match sms::record_for_event(store, &tx, entry, event.id, now).await {
            Ok(_) => Ok(tx.commit().await?),
            // Recorded by another delivery of the same event meanwhile.
            Err(e) if daojia_store::is_unique_violation(&e) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
