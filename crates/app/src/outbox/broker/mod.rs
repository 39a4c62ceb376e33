//! The RabbitMQ back end of the outbox (`AMQP_URL`): events leave through a durable topic
//! exchange, and consumers moved to the broker are fed from durable queues bound to it.
//!
//! - [`publish::Publisher`] is one more outbox consumer: the relay hands it every event in
//!   position order, it publishes the event persistent and waits for the broker's confirm,
//!   and only then does the relay record its position. A crash between the confirm and the
//!   record publishes the event again (at least once); nothing is skipped. While the
//!   broker is away the publish fails, the outbox holds the events, and the relay retries
//!   with back-off (reconnecting each time); it drains when the broker is back.
//! - [`feed::BrokerFeed`] delivers the messages of one queue per consumer to the same
//!   [`Consumer`] the relay would call, acknowledging each after the consumer returned.
//!   Each queue has one active consumer at a time (`x-single-active-consumer`), so a
//!   consumer sees its events in publication order, and another node takes over when that
//!   one goes away. Consumers are idempotent by event id (`processed_event`).
//!
//! The message: routing key = the event's topic (`order.offer`), message id = the event id,
//! JSON body ([`Event`]), headers `position`, `aggregate_id` and `event_id`.

pub mod feed;
pub mod publish;
#[cfg(feature = "testing")]
pub mod testing;

use super::{Consumer, Event};
use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};

/// Where and how events travel through the broker.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    /// `amqp://user:password@host:5672/vhost` (or `amqps://`).
    pub url: String,
    /// The topic exchange events are published to (durable).
    pub exchange: String,
    /// Prefix of each consumer's queue (`daojia.` gives `daojia.sms.worker_order`).
    pub queue_prefix: String,
    /// Messages a consumer may hold unacknowledged.
    pub prefetch: u16,
}

impl BrokerOptions {
    /// The durable queue that feeds consumer `name`.
    pub fn queue(&self, name: &str) -> String {
        format!("{}{name}", self.queue_prefix)
    }
}

/// Opens a connection to the broker.
pub async fn connect(url: &str) -> Result<Connection, lapin::Error> {
    let props = ConnectionProperties::default()
        .with_connection_name(format!("daojia-{}", std::process::id()).into());
    Connection::connect(url, props).await
}

/// Declares the exchange and, for each consumer fed from the broker, its durable queue
/// with its bindings. Idempotent: every publisher and feed declares it on connecting, so
/// the queues exist before the first event is published (the broker drops a message no
/// queue is bound for).
pub async fn declare(
    channel: &Channel,
    opts: &BrokerOptions,
    consumers: &[std::sync::Arc<dyn Consumer>],
) -> Result<(), lapin::Error> {
    channel
        .exchange_declare(
            opts.exchange.as_str().into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    for c in consumers {
        let queue = opts.queue(c.name());
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                queue_arguments(),
            )
            .await?;
        for key in c.routing_keys() {
            channel
                .queue_bind(
                    queue.as_str().into(),
                    opts.exchange.as_str().into(),
                    key.as_str().into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await?;
        }
    }
    Ok(())
}

/// The arguments of every consumer queue: one active consumer at a time (ordered delivery,
/// failover to a standby node).
pub fn queue_arguments() -> FieldTable {
    let mut args = FieldTable::default();
    args.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    args
}

/// The message for `event`: its JSON body and properties (persistent, message id = event
/// id, headers with position and aggregate).
pub fn message(event: &Event) -> (Vec<u8>, BasicProperties) {
    let body = serde_json::to_vec(event).expect("an event always serialises");
    let mut headers = FieldTable::default();
    headers.insert("position".into(), AMQPValue::LongLongInt(event.position));
    headers.insert(
        "aggregate_id".into(),
        AMQPValue::LongString(event.aggregate_id.to_string().into()),
    );
    headers.insert(
        "event_id".into(),
        AMQPValue::LongString(event.id.to_string().into()),
    );
    let props = BasicProperties::default()
        .with_delivery_mode(2)
        .with_content_type("application/json".into())
        .with_message_id(event.id.to_string().into())
        .with_type(event.topic.as_str().into())
        .with_timestamp(event.created_at.timestamp().max(0) as u64)
        .with_app_id("daojia".into())
        .with_headers(headers);
    (body, props)
}

/// The event a message carries; `None` for a body that is not one (logged and dropped by
/// the feed: retrying cannot fix it).
pub fn event_of(body: &[u8]) -> Option<Event> {
    serde_json::from_slice(body).ok()
}

/// The URL with its password masked, for logs.
pub fn redacted(url: &str) -> String {
    daojia_store::redact_url(url)
}
