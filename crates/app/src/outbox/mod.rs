//! The transactional outbox's delivery side. Every order transition writes an event in its
//! own transaction (`daojia_store::repo::outbox`); the [`relay::Relay`] reads events after
//! they commit, in order, and hands each to every registered in-process [`Consumer`],
//! recording each consumer's progress in the database.
//!
//! Delivery is at least once: a consumer sees an event again only when a relay stopped
//! between the consumer's effect and the record of its progress (a crash, a lost lease), so
//! a consumer with an outside effect makes it idempotent by [`Event::id`].

pub mod relay;
pub mod worker_sms;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// An event as consumers see it.
#[derive(Debug, Clone)]
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

    /// Handles one event. `Err` means "not now": the relay retries it with back-off and
    /// delivers nothing later to this consumer meanwhile (others go on).
    async fn handle(&self, event: &Event) -> Result<(), HandleError>;
}
