//! What the server publishes: the message envelope, and the order-changed publisher.
//!
//! [`publish_order_changed`] is meant to run in the outbox consumer after an order's
//! transaction commits; until that consumer exists it is called only by tests.

use super::topics;
use chrono::{DateTime, Utc};
use daojia_domain::privacy::coarse_coordinate;
use daojia_shared::{Hub, SharedError};
use daojia_store::entity::service_order;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The event name of an order change.
pub const ORDER_CHANGED: &str = "order.changed";

/// A message as it travels on a topic and reaches clients.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// Always `event`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The topic, e.g. `board:sh-xuhui`.
    pub topic: String,
    /// What happened, e.g. `order.changed`.
    pub event: String,
    /// The event's content.
    pub data: T,
    /// Identifies the change (the same on every topic it is published to), so a client
    /// can drop duplicates.
    pub id: String,
}

/// An order change, as board, order and worker subscribers see it: the state and the
/// planning facts, never contact details; the coordinate is rounded to 0.01° (as in the
/// console without `pii.read`). Fetch the order for the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderChanged {
    /// Order id.
    pub id: Uuid,
    /// Order number shown to people.
    pub order_no: String,
    /// State, e.g. `assigned`.
    pub state: String,
    /// Service area, when known.
    pub area_code: Option<String>,
    /// The assigned worker.
    pub worker_id: Option<Uuid>,
    /// Start of the booked window.
    pub window_start: DateTime<Utc>,
    /// End of the booked window.
    pub window_end: DateTime<Utc>,
    /// Expected duration in minutes.
    pub duration_min: i32,
    /// Latitude rounded to 0.01°.
    pub lat: f64,
    /// Longitude rounded to 0.01°.
    pub lng: f64,
    /// The order's version after the change.
    pub version: i32,
    /// When it changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&service_order::Model> for OrderChanged {
    fn from(o: &service_order::Model) -> Self {
        OrderChanged {
            id: o.id,
            order_no: o.order_no.clone(),
            state: o.state.clone(),
            area_code: o.area_code.clone(),
            worker_id: o.worker_id,
            window_start: o.window_start,
            window_end: o.window_end,
            duration_min: o.duration_min,
            lat: coarse_coordinate(o.lat),
            lng: coarse_coordinate(o.lng),
            version: o.version,
            updated_at: o.updated_at,
        }
    }
}

/// Publishes `data` as `event` on `topic`.
pub async fn publish<T: Serialize>(
    hub: &Hub,
    topic: &str,
    event: &str,
    id: &str,
    data: &T,
) -> Result<(), SharedError> {
    let envelope = Envelope {
        kind: "event".into(),
        topic: topic.to_string(),
        event: event.to_string(),
        data,
        id: id.to_string(),
    };
    let text = serde_json::to_string(&envelope)
        .map_err(|e| SharedError::Config(format!("unserialisable message: {e}")))?;
    hub.publish(topic, &text).await
}

/// The topics an order's change goes to: the order, its area's board, its worker.
pub fn order_topics(order: &service_order::Model) -> Vec<String> {
    let mut out = vec![topics::order(order.id)];
    if let Some(area) = &order.area_code {
        out.push(topics::board(area));
    }
    if let Some(w) = order.worker_id {
        out.push(topics::worker(w));
    }
    out
}

/// Publishes `order`'s new state (`order.changed`) to `order:{id}`, `board:{area}` and
/// `worker:{worker_id}` (the last two when set). The message id is `{order id}:{version}`.
/// A worker the order was taken from is not told (only the row after the change is known);
/// their app refetches on its next `worker:` message or reconnect. Tries every topic and
/// returns the first failure.
pub async fn publish_order_changed(
    hub: &Hub,
    order: &service_order::Model,
) -> Result<(), SharedError> {
    let data = OrderChanged::from(order);
    let id = format!("{}:{}", order.id, order.version);
    let mut first_error = None;
    for topic in order_topics(order) {
        if let Err(e) = publish(hub, &topic, ORDER_CHANGED, &id, &data).await {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}
