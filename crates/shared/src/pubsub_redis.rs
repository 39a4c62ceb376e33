//! The Redis relay of the pub/sub hub: publishes with `PUBLISH <prefix>rt:<topic>` on the
//! shared connection, and keeps one dedicated connection per node on
//! `PSUBSCRIBE <prefix>rt:*`, handing every message to the local fan-out. When that
//! connection drops (or stops answering the periodic `PING`), it is re-established with a
//! growing delay (up to [`MAX_BACKOFF`]) and every local subscriber is told that messages
//! may have been lost.

use crate::SharedError;
use crate::pubsub::Topics;
use crate::redis_store::CALL_TIMEOUT;
use futures_util::StreamExt;
use redis::aio::{ConnectionManager, PubSub};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// First delay before re-connecting the subscription.
const MIN_BACKOFF: Duration = Duration::from_millis(100);
/// Longest delay between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often an idle subscription connection is checked with `PING`.
const PING_EVERY: Duration = Duration::from_secs(15);

/// Channel-name part between the key prefix and the topic.
const CHANNEL_PART: &str = "rt:";

#[derive(Debug, Default)]
struct Status {
    connected: AtomicBool,
    reconnects: AtomicU64,
}

/// Publishes to Redis and runs the subscription task (stopped when dropped).
#[derive(Debug)]
pub(crate) struct RedisRelay {
    publisher: ConnectionManager,
    channel_prefix: String,
    status: Arc<Status>,
    task: JoinHandle<()>,
}

impl Drop for RedisRelay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Escapes the glob characters of a Redis pattern.
fn escape_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

async fn subscribe(client: &redis::Client, pattern: &str) -> Result<PubSub, SharedError> {
    let attempt = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.psubscribe(pattern).await?;
        Ok::<_, redis::RedisError>(pubsub)
    };
    tokio::time::timeout(CALL_TIMEOUT * 4, attempt)
        .await
        .map_err(|_| SharedError::Unavailable("subscribing timed out".into()))?
        .map_err(|e| SharedError::Unavailable(e.to_string()))
}

impl RedisRelay {
    /// Subscribes now (failing when Redis does not answer) and keeps the subscription up
    /// in the background.
    pub(crate) async fn start(
        client: redis::Client,
        publisher: ConnectionManager,
        prefix: &str,
        topics: Arc<Topics>,
    ) -> Result<RedisRelay, SharedError> {
        let channel_prefix = format!("{prefix}{CHANNEL_PART}");
        let pattern = format!("{}*", escape_pattern(&channel_prefix));
        let first = subscribe(&client, &pattern).await?;
        let status = Arc::new(Status::default());
        status.connected.store(true, Ordering::Relaxed);
        let task = tokio::spawn(run(
            client,
            pattern,
            channel_prefix.clone(),
            topics,
            status.clone(),
            first,
        ));
        Ok(RedisRelay {
            publisher,
            channel_prefix,
            status,
            task,
        })
    }

    /// `PUBLISH`es `message` on `topic`'s channel.
    pub(crate) async fn publish(&self, topic: &str, message: &str) -> Result<(), SharedError> {
        let channel = format!("{}{topic}", self.channel_prefix);
        let mut conn = self.publisher.clone();
        let sent = tokio::time::timeout(
            CALL_TIMEOUT,
            redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(message)
                .query_async::<i64>(&mut conn),
        )
        .await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                metrics::counter!("shared_state_redis_errors_total", "op" => "publish")
                    .increment(1);
                Err(SharedError::Unavailable(e.to_string()))
            }
            Err(_) => {
                metrics::counter!("shared_state_redis_errors_total", "op" => "publish")
                    .increment(1);
                Err(SharedError::Unavailable("no answer in time".into()))
            }
        }
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.status.connected.load(Ordering::Relaxed)
    }

    pub(crate) fn reconnects(&self) -> u64 {
        self.status.reconnects.load(Ordering::Relaxed)
    }
}

/// Relays messages from `pubsub` until the connection drops, then re-subscribes.
async fn run(
    client: redis::Client,
    pattern: String,
    channel_prefix: String,
    topics: Arc<Topics>,
    status: Arc<Status>,
    first: PubSub,
) {
    let mut current = Some(first);
    let mut delay = MIN_BACKOFF;
    loop {
        let pubsub = match current.take() {
            Some(p) => p,
            None => match subscribe(&client, &pattern).await {
                Ok(p) => {
                    status.connected.store(true, Ordering::Relaxed);
                    status.reconnects.fetch_add(1, Ordering::Relaxed);
                    metrics::counter!("realtime_redis_resubscribes_total").increment(1);
                    tracing::info!(
                        "realtime: re-subscribed to Redis; subscribers are told to refetch"
                    );
                    topics.interrupt_all();
                    delay = MIN_BACKOFF;
                    p
                }
                Err(e) => {
                    tracing::debug!(error = %e, "realtime: Redis subscription still down");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_BACKOFF);
                    continue;
                }
            },
        };
        relay(pubsub, &channel_prefix, &topics).await;
        status.connected.store(false, Ordering::Relaxed);
        metrics::counter!("shared_state_redis_errors_total", "op" => "subscribe").increment(1);
        tracing::warn!("realtime: the Redis subscription dropped; re-subscribing");
        tokio::time::sleep(delay).await;
    }
}

/// Hands every message to the local fan-out; returns when the connection is gone.
async fn relay(pubsub: PubSub, channel_prefix: &str, topics: &Topics) {
    let (mut sink, mut stream) = pubsub.split();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return };
                let Some(topic) = msg.get_channel_name().strip_prefix(channel_prefix) else {
                    continue;
                };
                match std::str::from_utf8(msg.get_payload_bytes()) {
                    Ok(text) => {
                        topics.deliver(topic, Arc::from(text));
                    }
                    Err(_) => tracing::warn!(topic, "realtime: dropped a message that is not UTF-8"),
                }
            }
            _ = ping.tick() => {
                let answered = tokio::time::timeout(CALL_TIMEOUT * 2, sink.ping::<redis::Value>()).await;
                if !matches!(answered, Ok(Ok(_))) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape_pattern;

    #[test]
    fn glob_characters_in_the_prefix_match_only_themselves() {
        assert_eq!(escape_pattern("app:"), "app:");
        assert_eq!(escape_pattern("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
