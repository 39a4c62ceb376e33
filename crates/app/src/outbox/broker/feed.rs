//! The broker feed: delivers the messages of each consumer's queue to that consumer, the
//! same [`Consumer`] the relay calls when there is no broker. A message is acknowledged
//! after the consumer returned; a failure puts it back after a pause (the consumer's
//! retry back-off) and the next delivery is that same message again. A connection lost or
//! a node stopped leaves its unacknowledged messages to the broker, which hands them to
//! the next consumer of the queue: consumers are idempotent by event id.

use super::{BrokerOptions, connect, declare, event_of, redacted};
use crate::outbox::Consumer;
use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Feeds consumers from their broker queues.
pub struct BrokerFeed {
    opts: BrokerOptions,
    consumers: Vec<Arc<dyn Consumer>>,
}

/// Why a session with the broker ended.
enum Ended {
    Stopped,
    Lost(String),
}

impl BrokerFeed {
    /// A feed of `consumers` from the broker of `opts`.
    pub fn new(opts: BrokerOptions, consumers: Vec<Arc<dyn Consumer>>) -> BrokerFeed {
        BrokerFeed { opts, consumers }
    }

    /// Runs one task per consumer until `stop` turns true, reconnecting with back-off
    /// (0.5 s doubling to 30 s) while the broker is away.
    pub async fn run(self, stop: watch::Receiver<bool>) {
        let tasks: Vec<_> = self
            .consumers
            .iter()
            .map(|c| {
                let (opts, c, stop) = (self.opts.clone(), c.clone(), stop.clone());
                tokio::spawn(async move { feed(opts, c, stop).await })
            })
            .collect();
        for t in tasks {
            if let Err(e) = t.await {
                tracing::error!(error = %e, "a broker feed stopped abnormally");
            }
        }
    }
}

async fn feed(opts: BrokerOptions, consumer: Arc<dyn Consumer>, mut stop: watch::Receiver<bool>) {
    let mut pause = Duration::from_millis(500);
    loop {
        match session(&opts, &consumer, &mut stop).await {
            Ended::Stopped => return,
            Ended::Lost(e) => {
                metrics::gauge!("amqp_feed_connected", "consumer" => consumer.name()).set(0.0);
                tracing::warn!(consumer = consumer.name(), broker = %redacted(&opts.url), error = %e, retry_in_ms = pause.as_millis() as u64, "broker feed lost; reconnecting");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

async fn session(
    opts: &BrokerOptions,
    consumer: &Arc<dyn Consumer>,
    stop: &mut watch::Receiver<bool>,
) -> Ended {
    let name = consumer.name();
    let lost = |e: lapin::Error| Ended::Lost(e.to_string());
    let connection = match connect(&opts.url).await {
        Ok(c) => c,
        Err(e) => return lost(e),
    };
    let channel = match connection.create_channel().await {
        Ok(c) => c,
        Err(e) => return lost(e),
    };
    if let Err(e) = declare(&channel, opts, std::slice::from_ref(consumer)).await {
        return lost(e);
    }
    if let Err(e) = channel
        .basic_qos(opts.prefetch.max(1), BasicQosOptions::default())
        .await
    {
        return lost(e);
    }
    let tag = format!("{name}-{}", uuid::Uuid::now_v7().simple());
    let mut deliveries = match channel
        .basic_consume(
            opts.queue(name).as_str().into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
    {
        Ok(d) => d,
        Err(e) => return lost(e),
    };
    metrics::gauge!("amqp_feed_connected", "consumer" => name).set(1.0);
    tracing::info!(consumer = name, queue = %opts.queue(name), "broker feed consuming");
    let mut failures: u32 = 0;
    loop {
        let next = tokio::select! {
            d = deliveries.next() => d,
            _ = stop.changed() => None,
        };
        if *stop.borrow() {
            // Unacknowledged messages go back to the queue with the connection.
            let _ = connection.close(200, "stopping".into()).await;
            return Ended::Stopped;
        }
        let delivery = match next {
            Some(Ok(d)) => d,
            Some(Err(e)) => return lost(e),
            None => return Ended::Lost("the broker cancelled the consumer".into()),
        };
        let Some(event) = event_of(&delivery.data) else {
            tracing::error!(consumer = name, routing_key = %delivery.routing_key, "a message that is not an outbox event; dropped");
            if let Err(e) = delivery.ack(BasicAckOptions::default()).await {
                return lost(e);
            }
            continue;
        };
        if !consumer.wants(&event.topic) {
            if let Err(e) = delivery.ack(BasicAckOptions::default()).await {
                return lost(e);
            }
            continue;
        }
        match consumer.handle(&event).await {
            Ok(()) => {
                failures = 0;
                metrics::counter!("amqp_consumed_total", "consumer" => name).increment(1);
                if let Err(e) = delivery.ack(BasicAckOptions::default()).await {
                    return lost(e);
                }
            }
            Err(e) => {
                failures += 1;
                let cap = consumer.retry_cap().max(Duration::from_secs(1));
                let wait = Duration::from_secs(2u64.pow(failures.min(8))).min(cap);
                metrics::counter!("amqp_consume_failures_total", "consumer" => name).increment(1);
                tracing::warn!(consumer = name, event = %event.id, topic = %event.topic, error = %e, attempt = failures, "broker-fed consumer failed; retrying later");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => {}
                }
                let requeue = BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                };
                if let Err(e) = delivery.nack(requeue).await {
                    return lost(e);
                }
            }
        }
    }
}
