//! RabbitMQ for tests: an exchange and queue names of this test's own on the broker named
//! by `DAOJIA_TEST_AMQP_URL` (default `amqp://guest:guest@127.0.0.1:5672/%2f`), deleted
//! when the handle goes out of scope (also when the test panics), so runs never collide.
//! A broker that cannot be reached fails the test with a message saying how to start it;
//! it is never skipped silently.

use super::{BrokerOptions, Event, connect, event_of};
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The broker the tests use.
pub fn amqp_url() -> String {
    std::env::var("DAOJIA_TEST_AMQP_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

/// Names of this test's own on the test broker.
pub struct TestAmqp {
    /// The broker options: the test URL, a unique exchange and queue prefix.
    pub opts: BrokerOptions,
    queues: Mutex<Vec<String>>,
}

/// What one test queue received.
#[derive(Debug, Default, Clone)]
pub struct Received {
    /// Every message's event, in arrival order (duplicates included).
    pub events: Vec<Event>,
    /// Each message's (routing key, message id, `position` header), in arrival order.
    pub envelopes: Vec<(String, String, Option<i64>)>,
    /// Messages that were not outbox events.
    pub foreign: usize,
}

impl TestAmqp {
    /// Fresh names on the test broker; panics when it does not answer.
    pub async fn new() -> TestAmqp {
        let url = amqp_url();
        let id = uuid::Uuid::new_v4().simple().to_string();
        match tokio::time::timeout(Duration::from_secs(5), connect(&url)).await {
            Ok(Ok(c)) => {
                let _ = c.close(200, "probe".into()).await;
            }
            Ok(Err(e)) => panic!(
                "test RabbitMQ unreachable at {} ({e}); start it (scripts/lib.sh ensure_services) or set DAOJIA_TEST_AMQP_URL",
                super::redacted(&url)
            ),
            Err(_) => panic!(
                "test RabbitMQ at {} did not answer in 5 s; start it (scripts/lib.sh ensure_services) or set DAOJIA_TEST_AMQP_URL",
                super::redacted(&url)
            ),
        }
        TestAmqp {
            opts: BrokerOptions {
                url,
                exchange: format!("daojia-test-{id}.events"),
                queue_prefix: format!("daojia-test-{id}."),
                prefetch: 16,
            },
            queues: Mutex::default(),
        }
    }

    /// Deletes the queue of consumer `name` with the rest.
    pub fn track(&self, name: &str) {
        let q = self.opts.queue(name);
        let mut queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        if !queues.contains(&q) {
            queues.push(q);
        }
    }

    /// Declares the exchange and the queues of `consumers` (deleted with the rest).
    pub async fn declare(
        &self,
        consumers: &[Arc<dyn super::Consumer>],
    ) -> Result<(), lapin::Error> {
        for c in consumers {
            self.track(c.name());
        }
        let conn = connect(&self.opts.url).await?;
        let ch = conn.create_channel().await?;
        super::declare(&ch, &self.opts, consumers).await?;
        let _ = conn.close(200, "declared".into()).await;
        Ok(())
    }

    /// Declares a durable queue `name` (under the prefix) bound to the exchange with `keys`,
    /// declaring the exchange too.
    pub async fn bind(&self, name: &str, keys: &[&str]) -> Result<(), lapin::Error> {
        self.track(name);
        let conn = connect(&self.opts.url).await?;
        let ch = conn.create_channel().await?;
        super::declare(&ch, &self.opts, &[]).await?;
        let queue = self.opts.queue(name);
        ch.queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
        for k in keys {
            ch.queue_bind(
                queue.as_str().into(),
                self.opts.exchange.as_str().into(),
                (*k).into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        }
        let _ = conn.close(200, "bound".into()).await;
        Ok(())
    }

    /// Collects what queue `name` receives into `into` until `done` says it has enough or
    /// `limit` passes; acknowledges every message.
    pub async fn collect(
        &self,
        name: &str,
        into: Arc<Mutex<Received>>,
        done: impl Fn(&Received) -> bool,
        limit: Duration,
    ) -> Result<(), lapin::Error> {
        let conn = connect(&self.opts.url).await?;
        let ch = conn.create_channel().await?;
        let mut deliveries = ch
            .basic_consume(
                self.opts.queue(name).as_str().into(),
                "test-collector".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if done(&into.lock().unwrap_or_else(|p| p.into_inner())) {
                break;
            }
            let next = tokio::time::timeout_at(deadline, deliveries.next()).await;
            let Ok(Some(d)) = next else { break };
            let d = d?;
            {
                let mut r = into.lock().unwrap_or_else(|p| p.into_inner());
                let position = d.properties.headers().as_ref().and_then(|h| {
                    match h.inner().get(&lapin::types::ShortString::from("position")) {
                        Some(lapin::types::AMQPValue::LongLongInt(p)) => Some(*p),
                        _ => None,
                    }
                });
                let id = d.properties.message_id().as_ref().map(|m| m.to_string());
                r.envelopes
                    .push((d.routing_key.to_string(), id.unwrap_or_default(), position));
                match event_of(&d.data) {
                    Some(e) => r.events.push(e),
                    None => r.foreign += 1,
                }
            }
            d.ack(BasicAckOptions::default()).await?;
        }
        let _ = conn.close(200, "collected".into()).await;
        Ok(())
    }
}

impl Drop for TestAmqp {
    fn drop(&mut self) {
        let opts = self.opts.clone();
        let queues = std::mem::take(&mut *self.queues.lock().unwrap_or_else(|p| p.into_inner()));
        // Its own thread and runtime: this may run inside (or outside) the test's runtime.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(conn) = connect(&opts.url).await else {
                    return;
                };
                let Ok(ch) = conn.create_channel().await else {
                    return;
                };
                for q in queues {
                    let _ = ch
                        .queue_delete(q.as_str().into(), QueueDeleteOptions::default())
                        .await;
                }
                let _ = ch
                    .exchange_delete(
                        opts.exchange.as_str().into(),
                        ExchangeDeleteOptions::default(),
                    )
                    .await;
                let _ = conn.close(200, "cleaned".into()).await;
            });
        });
        let _ = cleanup.join();
    }
}
