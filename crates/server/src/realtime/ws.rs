//! One WebSocket connection: client operations in, subscribed messages out, a ping every
//! [`PING_EVERY`], and a close frame when the client goes idle, the token expires or the
//! server shuts down.

use super::topics::{self, Principal, Refusal, Topic};
use super::{
    CLOSE_GOING_AWAY, CLOSE_IDLE, CLOSE_TOKEN_EXPIRED, IDLE_TIMEOUT, MAX_SUBSCRIPTIONS, PING_EVERY,
};
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use daojia_shared::{Missed, Received, Subscription};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Outgoing messages queued per connection; a forwarder waits when it is full, so a slow
/// client's subscriptions lag (and say so) instead of holding up anyone else.
const QUEUE: usize = 64;

/// What a client sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Subscribe { topic: String },
    Unsubscribe { topic: String },
    Ping,
}

/// A task forwarding one subscription to the connection's queue; stopped when dropped.
pub(super) struct Forwarder(JoinHandle<()>);

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The `missed` notice for `topic`.
pub(super) fn missed(topic: &str, m: Missed) -> Value {
    match m {
        Missed::Lagged(n) => {
            json!({"type": "missed", "topic": topic, "reason": "lagged", "count": n})
        }
        Missed::Interrupted => {
            json!({"type": "missed", "topic": topic, "reason": "interrupted", "count": null})
        }
    }
}

/// Forwards `sub` into `queue`: messages as they are, losses as a `missed` notice.
pub(super) fn forward(mut sub: Subscription, queue: mpsc::Sender<String>) -> Forwarder {
    Forwarder(tokio::spawn(async move {
        loop {
            let text = match sub.recv().await {
                Received::Message(m) => m.to_string(),
                Received::Missed(m) => missed(sub.topic(), m).to_string(),
            };
            if queue.send(text).await.is_err() {
                return;
            }
        }
    }))
}

fn error(code: &str, topic: Option<&str>, detail: &str) -> Value {
    json!({"type": "error", "code": code, "topic": topic, "detail": detail})
}

/// Runs a client operation; the reply to send.
async fn handle(
    state: &AppState,
    who: &Principal,
    subs: &mut HashMap<String, Forwarder>,
    queue: &mpsc::Sender<String>,
    text: &str,
) -> Value {
    let op = match serde_json::from_str::<ClientMessage>(text) {
        Ok(op) => op,
        Err(_) => {
            return error(
                "bad_message",
                None,
                r#"send {"op":"subscribe"|"unsubscribe","topic":"..."} or {"op":"ping"}"#,
            );
        }
    };
    match op {
        ClientMessage::Ping => json!({"type": "pong"}),
        ClientMessage::Unsubscribe { topic } => {
            let name = Topic::parse(&topic).map_or(topic, |t| t.name());
            subs.remove(&name);
            json!({"type": "unsubscribed", "topic": name})
        }
        ClientMessage::Subscribe { topic } => {
            let Some(parsed) = Topic::parse(&topic) else {
                let r = Refusal::Unknown;
                return error(r.code(), Some(&topic), r.detail());
            };
            let name = parsed.name();
            if subs.contains_key(&name) {
                return json!({"type": "subscribed", "topic": name});
            }
            if subs.len() >= MAX_SUBSCRIPTIONS {
                return error(
                    "too_many_subscriptions",
                    Some(&name),
                    &format!(
                        "at most {MAX_SUBSCRIPTIONS} topics per connection; unsubscribe first"
                    ),
                );
            }
            if let Err(r) = topics::authorise(state, who, &parsed).await {
                if let Refusal::Internal(cause) = &r {
                    tracing::error!(%cause, "realtime: checking a subscription failed");
                }
                return error(r.code(), Some(&name), r.detail());
            }
            match state.shared.hub().subscribe(&name) {
                Ok(sub) => {
                    subs.insert(name.clone(), forward(sub, queue.clone()));
                    json!({"type": "subscribed", "topic": name})
                }
                Err(_) => error("unknown_topic", Some(&name), Refusal::Unknown.detail()),
            }
        }
    }
}

fn text(v: &Value) -> Message {
    Message::Text(Utf8Bytes::from(v.to_string()))
}

/// Serves one connection until it ends.
pub(super) async fn run(socket: WebSocket, state: AppState, who: Principal, expires_in: Duration) {
    let gauge = metrics::gauge!("realtime_connections", "transport" => "websocket");
    gauge.increment(1.0);
    let (mut tx, mut rx) = socket.split();
    let (queue, mut outgoing) = mpsc::channel::<String>(QUEUE);
    let mut subs: HashMap<String, Forwarder> = HashMap::new();
    let mut closing = state.shared.hub().closing();
    let expiry = tokio::time::sleep(expires_in);
    tokio::pin!(expiry);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut last_seen = Instant::now();
    let close: Option<(u16, &str)> = loop {
        if *closing.borrow_and_update() {
            break Some((CLOSE_GOING_AWAY, "server_shutdown"));
        }
        tokio::select! {
            changed = closing.changed() => {
                if changed.is_err() {
                    break Some((CLOSE_GOING_AWAY, "server_shutdown"));
                }
            }
            _ = &mut expiry => break Some((CLOSE_TOKEN_EXPIRED, "token_expired")),
            _ = ping.tick() => {
                if last_seen.elapsed() >= IDLE_TIMEOUT {
                    break Some((CLOSE_IDLE, "idle_timeout"));
                }
                if tx.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
            }
            Some(out) = outgoing.recv() => {
                if tx.send(Message::Text(Utf8Bytes::from(out))).await.is_err() {
                    break None;
                }
            }
            msg = rx.next() => {
                last_seen = Instant::now();
                let reply = match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break None,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => error("bad_message", None, "send JSON text messages"),
                    Some(Ok(Message::Text(t))) => handle(&state, &who, &mut subs, &queue, t.as_str()).await,
                };
                if tx.send(text(&reply)).await.is_err() {
                    break None;
                }
            }
        }
    };
    drop(subs);
    if let Some((code, reason)) = close {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from(reason),
        };
        let _ = tx.send(Message::Close(Some(frame))).await;
    }
    gauge.decrement(1.0);
}
