//! The transactional outbox's delivery side. Every order transition writes an event in its
//! own transaction (`daojia_store::repo::outbox`); the [`relay::Relay`] reads events after
//! they commit, in order, and hands each to every registered in-process [`Consumer`],
//! recording each consumer's progress in the database.
//!
//! Delivery is at least once: a consumer sees an event again only when a relay stopped
//! between the consumer's effect and the record of its progress (a crash, a lost lease), so
//! a consumer with an outside effect makes it idempotent by [`Event::id`] (marking it in
//! `processed_event` in the transaction of its effect, `daojia_store::repo::processed`).
//!
//! With a broker ([`broker`]), one more consumer publishes every event to RabbitMQ, and
//! consumers moved to the broker are fed from its queues instead of by the relay: the same
//! [`Consumer`] with another feed.

pub mod broker;
pub mod relay;
pub mod worker_sms;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// An event as consumers see it (and as the broker carries it, in JSON).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Position in the outbox (the order of delivery).
    pub position: i64,
    /// The event's id (UUID v7): what a consumer deduplicates by.
    pub id: Uuid,
    /// What happened: `order.` and the action (`order.offer`, `order.assign`...).
    pub topic: String,
    /// The order (or other aggregate) it happened to.
    pub aggregate_id: Uuid,
    /// The event's data (for orders: `order_id`, `seq`, `action`, `from`, `to`,
    /// `actor_type`, `actor_id`, `worker_id`, `window_start`, `window_end`).
    pub payload: serde_json::Value,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

impl Event {
    /// The stored row as an event (a payload that is not JSON becomes `null`).
    pub fn from_row(m: daojia_store::entity::outbox::Model) -> Event {
        Event {
            position: m.position,
            id: m.id,
            topic: m.topic,
            aggregate_id: m.aggregate_id,
            payload: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
            created_at: m.created_at,
        }
    }
}

/// Why a consumer could not handle an event now; the relay tries again later.
pub type HandleError = Box<dyn std::error::Error + Send + Sync>;

/// An in-process consumer of outbox events.
#[async_trait::async_trait]
pub trait Consumer: Send + Sync {
    /// A stable name: its progress is stored under it (renaming one replays nothing and
    /// starts afresh after the latest event).
    fn name(&self) -> &'static str;

    /// Whether it wants events of `topic` (others are passed over without a call).
    fn wants(&self, topic: &str) -> bool {
        let _ = topic;
        true
    }

    /// The topics it wants as broker routing-key patterns (`*` one word, `#` any): its
    /// queue's bindings when it is fed from a broker. Must cover what [`Consumer::wants`]
    /// accepts.
    fn routing_keys(&self) -> Vec<String> {
        vec!["#".into()]
    }

    /// The longest pause between retries after failures.
    fn retry_cap(&self) -> std::time::Duration {
        std::time::Duration::from_secs(300)
    }

    /// Where it starts when it is new to the database: after this position, or (`None`,
    /// the default) after the latest event.
    async fn start_after(&self) -> Result<Option<i64>, HandleError> {
        Ok(None)
    }

    /// Whether the relay hands it every batch in one [`Consumer::handle_batch`] call and
    /// records its position once per batch (the broker publisher: one confirm round per
    /// batch) rather than after every event.
    fn batches(&self) -> bool {
        false
    }

    /// Handles events in position order; on a failure, how many were handled before it and
    /// why (the relay records the position before the failed one and retries from there).
    async fn handle_batch(&self, events: &[Event]) -> Result<(), (usize, HandleError)> {
        for (i, e) in events.iter().enumerate() {
            self.handle(e).await.map_err(|err| (i, err))?;
        }
        Ok(())
    }

    /// Handles one event. `Err` means "not now": the relay retries it with back-off and
    /// delivers nothing later to this consumer meanwhile (others go on).
    async fn handle(&self, event: &Event) -> Result<(), HandleError>;
}

/// One consumer's progress as operators see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Lag {
    /// The consumer.
    pub consumer: String,
    /// Events written after the last one it handled.
    pub events: i64,
    /// Failed attempts at the next event (0 when it is not failing).
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// How far behind the latest event each registered consumer is (the publisher's lag is
/// what the broker has not yet confirmed).
pub async fn lag(db: &impl sea_orm::ConnectionTrait) -> Result<Vec<Lag>, sea_orm::DbErr> {
    use daojia_store::repo::outbox;
    let last = outbox::last_position(db).await?;
    Ok(outbox::consumers(db)
        .await?
        .into_iter()
        .map(|c| Lag {
            events: (last - c.position).max(0),
            consumer: c.name,
            attempts: c.attempts,
            last_error: c.last_error,
        })
        .collect())
}
