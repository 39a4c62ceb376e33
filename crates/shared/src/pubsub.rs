//! Pub/sub fan-out for realtime updates: publish a message to a topic, subscribe to topics.
//!
//! A [`Hub`] delivers to the subscribers of this process through one bounded
//! `tokio::sync::broadcast` channel per topic that has subscribers. A slow subscriber never
//! blocks a publisher: when it falls more than [`TOPIC_CAPACITY`] messages behind, it loses
//! the oldest and its next [`Subscription::recv`] says how many ([`Received::Missed`]), so
//! its client can fetch the current state again.
//!
//! With Redis (see [`crate::Shared::redis`]), a publish goes to Redis (`PUBLISH` on the
//! channel `<prefix>rt:<topic>`) and every node, this one included, receives it on its one
//! pattern subscription (`PSUBSCRIBE <prefix>rt:*`) and fans it out locally; so a message
//! published on any node reaches the subscribers of every node. The subscription connection
//! re-subscribes after a drop; what was published meanwhile is lost, and every local
//! subscriber is told so with [`Missed::Interrupted`].
//!
//! Messages are opaque text (the server publishes JSON); topics are names the caller
//! chooses (`board:<area>`, `order:<id>`, ...).

use crate::SharedError;
use crate::pubsub_redis::RedisRelay;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};

/// Messages kept per topic for a subscriber that has not read them yet; one that falls
/// further behind loses the oldest.
pub const TOPIC_CAPACITY: usize = 256;

/// The longest topic name accepted (bytes).
pub const MAX_TOPIC_LEN: usize = 200;

/// What travels on a topic's channel.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    /// A published message.
    Message(Arc<str>),
    /// The link to Redis broke and was restored: messages may have been lost.
    Interrupted,
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A message published on the topic.
    Message(Arc<str>),
    /// Messages were lost; the subscriber should fetch the current state again.
    Missed(Missed),
}

/// Why messages were lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missed {
    /// The subscriber read too slowly and this many messages were dropped.
    Lagged(u64),
    /// The connection to Redis dropped and was re-established; an unknown number of
    /// messages published meanwhile were not received.
    Interrupted,
}

/// The local fan-out: one broadcast channel per topic with subscribers.
#[derive(Debug)]
pub(crate) struct Topics {
    map: Mutex<HashMap<Arc<str>, broadcast::Sender<Event>>>,
}

impl Topics {
    fn new() -> Arc<Topics> {
        Arc::new(Topics {
            map: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Arc<str>, broadcast::Sender<Event>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn subscribe(self: &Arc<Self>, topic: &str) -> Subscription {
        let mut map = self.lock();
        let (topic, rx) = match map.get_key_value(topic) {
            Some((name, tx)) => (name.clone(), tx.subscribe()),
            None => {
                let name: Arc<str> = Arc::from(topic);
                let (tx, rx) = broadcast::channel(TOPIC_CAPACITY);
                map.insert(name.clone(), tx);
                (name, rx)
            }
        };
        metrics::gauge!("realtime_topics").set(map.len() as f64);
        Subscription {
            topic,
            rx,
            topics: self.clone(),
        }
    }

    /// Hands `message` to the subscribers of `topic` in this process; how many there are.
    pub(crate) fn deliver(&self, topic: &str, message: Arc<str>) -> usize {
        let map = self.lock();
        match map.get(topic) {
            Some(tx) => tx.send(Event::Message(message)).unwrap_or(0),
            None => 0,
        }
    }

    /// Tells every local subscriber that messages may have been lost.
    pub(crate) fn interrupt_all(&self) {
        for tx in self.lock().values() {
            let _ = tx.send(Event::Interrupted);
        }
    }

    /// Topics with subscribers in this process.
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A subscription to one topic; dropping it unsubscribes.
#[derive(Debug)]
pub struct Subscription {
    topic: Arc<str>,
    rx: broadcast::Receiver<Event>,
    topics: Arc<Topics>,
}

impl Subscription {
    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The next message, or news of messages lost. Waits until there is one; cancel-safe.
    pub async fn recv(&mut self) -> Received {
        loop {
            match self.rx.recv().await {
                Ok(Event::Message(m)) => return Received::Message(m),
                Ok(Event::Interrupted) => return Received::Missed(Missed::Interrupted),
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    metrics::counter!("realtime_lagged_messages_total").increment(n);
                    return Received::Missed(Missed::Lagged(n));
                }
                // The sender lives in the map while this receiver does; never reached, but
                // waiting forever is the right answer if it were.
                Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut map = self.topics.lock();
        // This receiver still counts: it is dropped after this body runs.
        if map
            .get(&*self.topic)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            map.remove(&*self.topic);
        }
        metrics::gauge!("realtime_topics").set(map.len() as f64);
    }
}

#[derive(Debug)]
enum Backend {
    Memory,
    Redis(RedisRelay),
}

#[derive(Debug)]
struct Inner {
    topics: Arc<Topics>,
    backend: Backend,
    closing: watch::Sender<bool>,
}

/// The pub/sub hub, cheap to clone.
#[derive(Debug, Clone)]
pub struct Hub(Arc<Inner>);

/// Checks a topic name: not empty, at most [`MAX_TOPIC_LEN`] bytes, printable ASCII
/// without spaces.
pub fn check_topic(topic: &str) -> Result<(), SharedError> {
    let ok = !topic.is_empty()
        && topic.len() <= MAX_TOPIC_LEN
        && topic.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(SharedError::Config(format!(
            "a topic is 1 to {MAX_TOPIC_LEN} printable ASCII characters without spaces"
        )))
    }
}

impl Hub {
    /// A hub whose messages stay in this process (a single node).
    pub fn in_process() -> Hub {
        Hub::with_backend(Topics::new(), Backend::Memory)
    }

    /// A hub relaying through the Redis of `client`, publishing on `publisher`, on channels
    /// under `prefix`. Fails when Redis cannot be reached now; afterwards the subscription is
    /// re-established in the background whenever it drops.
    pub(crate) async fn redis(
        client: redis::Client,
        publisher: redis::aio::ConnectionManager,
        prefix: &str,
    ) -> Result<Hub, SharedError> {
        let topics = Topics::new();
        let relay = RedisRelay::start(client, publisher, prefix, topics.clone()).await?;
        Ok(Hub::with_backend(topics, Backend::Redis(relay)))
    }

    fn with_backend(topics: Arc<Topics>, backend: Backend) -> Hub {
        let (closing, _) = watch::channel(false);
        Hub(Arc::new(Inner {
            topics,
            backend,
            closing,
        }))
    }

    /// Publishes `message` on `topic` to its subscribers on every node. With Redis, fails
    /// when Redis does not take it (the caller decides whether to retry); in process,
    /// only on a bad topic name.
    pub async fn publish(&self, topic: &str, message: &str) -> Result<(), SharedError> {
        check_topic(topic)?;
        let backend = match &self.0.backend {
            Backend::Memory => {
                self.0.topics.deliver(topic, Arc::from(message));
                "memory"
            }
            Backend::Redis(r) => {
                r.publish(topic, message).await?;
                "redis"
            }
        };
        metrics::counter!("realtime_published_total", "backend" => backend).increment(1);
        Ok(())
    }

    /// Subscribes to `topic` in this process (messages published on any node arrive).
    /// Refuses a bad topic name.
    pub fn subscribe(&self, topic: &str) -> Result<Subscription, SharedError> {
        check_topic(topic)?;
        Ok(self.0.topics.subscribe(topic))
    }

    /// Topics with at least one subscriber in this process.
    pub fn local_topics(&self) -> usize {
        self.0.topics.len()
    }

    /// With Redis: whether the subscription connection is up now. In process: always.
    pub fn is_connected(&self) -> bool {
        match &self.0.backend {
            Backend::Memory => true,
            Backend::Redis(r) => r.is_connected(),
        }
    }

    /// With Redis: how many times the subscription connection was re-established.
    pub fn reconnects(&self) -> u64 {
        match &self.0.backend {
            Backend::Memory => 0,
            Backend::Redis(r) => r.reconnects(),
        }
    }

    /// Asks every long-lived connection holding a [`Hub::closing`] receiver to close (the
    /// server calls it on shutdown so that draining does not wait for them).
    pub fn close(&self) {
        self.0.closing.send_replace(true);
    }

    /// Changes to `true` when [`Hub::close`] is called.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.0.closing.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_message_reaches_every_subscriber_of_its_topic_and_no_other() {
        let hub = Hub::in_process();
        let mut a = hub.subscribe("board:sh").unwrap();
        let mut b = hub.subscribe("board:sh").unwrap();
        let mut other = hub.subscribe("board:bj").unwrap();
        hub.publish("board:sh", "hello").await.unwrap();
        assert_eq!(a.recv().await, Received::Message(Arc::from("hello")));
        assert_eq!(b.recv().await, Received::Message(Arc::from("hello")));
        let nothing =
            tokio::time::timeout(std::time::Duration::from_millis(50), other.recv()).await;
        assert!(nothing.is_err(), "{nothing:?}");
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_how_many_it_missed_and_the_publisher_never_waits() {
        let hub = Hub::in_process();
        let mut slow = hub.subscribe("t").unwrap();
        let extra = 10;
        for i in 0..TOPIC_CAPACITY + extra {
            hub.publish("t", &i.to_string()).await.unwrap();
        }
        assert_eq!(
            slow.recv().await,
            Received::Missed(Missed::Lagged(extra as u64))
        );
        assert_eq!(
            slow.recv().await,
            Received::Message(Arc::from(extra.to_string()))
        );
    }

    #[tokio::test]
    async fn a_topic_is_forgotten_when_its_last_subscriber_goes() {
        let hub = Hub::in_process();
        let a = hub.subscribe("order:1").unwrap();
        let b = hub.subscribe("order:1").unwrap();
        assert_eq!(hub.local_topics(), 1);
        drop(a);
        assert_eq!(hub.local_topics(), 1);
        drop(b);
        assert_eq!(hub.local_topics(), 0);
        hub.publish("order:1", "to nobody").await.unwrap();
    }

    #[tokio::test]
    async fn bad_topic_names_are_refused() {
        let hub = Hub::in_process();
        for bad in ["", "with space", &"x".repeat(MAX_TOPIC_LEN + 1), "订单:1"] {
            assert!(hub.subscribe(bad).is_err(), "{bad}");
            assert!(hub.publish(bad, "m").await.is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn closing_the_hub_tells_its_connections() {
        let hub = Hub::in_process();
        let mut closing = hub.closing();
        assert!(!*closing.borrow());
        hub.close();
        closing.changed().await.unwrap();
        assert!(*closing.borrow());
    }
}
