//! The Server-Sent Events fallback: the topics are named in the query, authorised before
//! the stream starts (a refusal is a problem document), and their messages follow as
//! events named after the message's `event` (e.g. `order.changed`), with its `id`.

use super::topics::{self, Principal, Refusal, Topic};
use super::ws::{Forwarder, forward};
use super::{MAX_SUBSCRIPTIONS, PING_EVERY, RealtimeQuery, principal, query};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How long a browser's `EventSource` waits before reconnecting.
const RETRY: Duration = Duration::from_secs(3);

/// Streams realtime messages as Server-Sent Events (the WebSocket's fallback).
///
/// `topic` names one or more topics, comma-separated; all must be allowed. Events:
/// `subscribed` (one per topic, first), then each message as an event named after its
/// `event` with its `id` and the same JSON as on the WebSocket, `missed` when messages
/// were lost (refetch), and `close` (data: the reason) before the server ends the stream
/// (`token_expired`, `server_shutdown`).
#[utoipa::path(operation_id = "realtime_sse", get, path = "/api/v1/realtime/sse", tag = "realtime",
    security(("bearer" = [])), params(RealtimeQuery),
    responses(
        (status = 200, content_type = "text/event-stream", body = String, description = "The event stream"),
        (status = 400, body = crate::http::error::Problem, description = "Bad Request: `unknown_topic` (or no topic)"),
        (status = 401, body = crate::http::error::Problem),
        (status = 403, body = crate::http::error::Problem, description = "Forbidden: `forbidden_topic`"),
    ))]
pub async fn events(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let opened = async {
        let q = query(&parts)?;
        let (who, expires_in) = principal(&state, &mut parts, q.token.as_deref()).await?;
        open(&state, &who, &q, expires_in).await
    };
    match opened.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

fn refused(r: &Refusal, topic: &str) -> ApiError {
    match r {
        Refusal::Unknown => ApiError::bad_request(r.code(), format!("{topic}: {}", r.detail())),
        Refusal::Forbidden => ApiError::forbidden(r.code(), format!("{topic}: {}", r.detail())),
        Refusal::Internal(cause) => ApiError::internal(cause),
    }
}

async fn open(
    state: &AppState,
    who: &Principal,
    q: &RealtimeQuery,
    expires_in: Duration,
) -> ApiResult<Response> {
    let names: Vec<&str> = q
        .topic
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if names.is_empty() || names.len() > MAX_SUBSCRIPTIONS {
        return Err(ApiError::bad_request(
            "unknown_topic",
            format!("name 1 to {MAX_SUBSCRIPTIONS} topics in `topic`, comma-separated"),
        ));
    }
    let mut parsed: Vec<Topic> = Vec::with_capacity(names.len());
    for name in names {
        let topic = Topic::parse(name).ok_or_else(|| refused(&Refusal::Unknown, name))?;
        topics::authorise(state, who, &topic)
            .await
            .map_err(|r| refused(&r, name))?;
        if !parsed.contains(&topic) {
            parsed.push(topic);
        }
    }
    let (queue, outgoing) = mpsc::channel::<String>(64);
    let mut forwarders = Vec::with_capacity(parsed.len());
    let mut first = Vec::with_capacity(parsed.len());
    for topic in &parsed {
        let name = topic.name();
        let sub = state
            .shared
            .hub()
            .subscribe(&name)
            .map_err(|_| refused(&Refusal::Unknown, &name))?;
        forwarders.push(forward(sub, queue.clone()));
        first.push(
            Event::default()
                .event("subscribed")
                .data(serde_json::json!({"type": "subscribed", "topic": name}).to_string()),
        );
    }
    if let Some(e) = first.pop() {
        first.push(e.retry(RETRY));
    }
    let stream = EventStream {
        first,
        outgoing,
        _forwarders: forwarders,
        closing: state.shared.hub().closing(),
        expiry: Box::pin(tokio::time::sleep(expires_in)),
        done: false,
        _gauge: Gauge::new(),
    };
    Ok(Sse::new(stream.into_stream())
        .keep_alive(KeepAlive::new().interval(PING_EVERY))
        .into_response())
}

/// Counts open SSE streams.
struct Gauge;

impl Gauge {
    fn new() -> Gauge {
        metrics::gauge!("realtime_connections", "transport" => "sse").increment(1.0);
        Gauge
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        metrics::gauge!("realtime_connections", "transport" => "sse").decrement(1.0);
    }
}

/// The state of one stream; dropping it (the client left) stops the forwarders.
struct EventStream {
    first: Vec<Event>,
    outgoing: mpsc::Receiver<String>,
    _forwarders: Vec<Forwarder>,
    closing: watch::Receiver<bool>,
    expiry: Pin<Box<tokio::time::Sleep>>,
    done: bool,
    _gauge: Gauge,
}

/// The fields of a message that name its SSE event.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    event: Option<String>,
    id: Option<String>,
}

fn to_event(text: String) -> Event {
    let head = serde_json::from_str::<Head>(&text).ok();
    let mut e = Event::default();
    match head {
        Some(Head {
            event: Some(name),
            id,
            ..
        }) => {
            e = e.event(name);
            if let Some(id) = id {
                e = e.id(id);
            }
        }
        Some(h) => e = e.event(h.kind),
        None => {}
    }
    e.data(text)
}

fn close_event(reason: &str) -> Event {
    Event::default()
        .event("close")
        .data(serde_json::json!({"type": "close", "reason": reason}).to_string())
}

impl EventStream {
    async fn next(&mut self) -> Option<Event> {
        if self.done {
            return None;
        }
        if !self.first.is_empty() {
            return Some(self.first.remove(0));
        }
        loop {
            if *self.closing.borrow_and_update() {
                self.done = true;
                return Some(close_event("server_shutdown"));
            }
            tokio::select! {
                changed = self.closing.changed() => {
                    if changed.is_err() {
                        self.done = true;
                        return Some(close_event("server_shutdown"));
                    }
                }
                _ = &mut self.expiry => {
                    self.done = true;
                    return Some(close_event("token_expired"));
                }
                out = self.outgoing.recv() => return out.map(to_event),
            }
        }
    }

    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
        futures_util::stream::unfold(self, |mut s| async move {
            let e = s.next().await?;
            Some((Ok(e), s))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn an_unknown_topic_is_a_bad_request_and_a_forbidden_one_a_403() {
        assert_eq!(
            refused(&Refusal::Unknown, "x").status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            refused(&Refusal::Forbidden, "x").status,
            StatusCode::FORBIDDEN
        );
    }
}
