//! A Server-Sent Events client on a raw socket (`GET /api/v1/realtime/sse`): the status
//! line, then events as `(name, data)`. Shared by the realtime tests and the two-process
//! tests of the `daojia` crate.

use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use uuid::Uuid;

/// How long an event may take (across processes, the outbox relay polls first).
const WAIT: Duration = Duration::from_secs(30);

/// An open event stream.
pub struct Sse {
    lines: tokio::io::Lines<BufReader<tokio::net::TcpStream>>,
}

impl Sse {
    /// Opens `/api/v1/realtime/sse?{query}` on `addr` (`host:port`); the status and the stream.
    pub async fn open(addr: impl std::fmt::Display, query: &str) -> (u16, Sse) {
        let addr = addr.to_string();
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let req = format!(
            "GET /api/v1/realtime/sse?{query} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut lines = BufReader::new(s).lines();
        let status = lines.next_line().await.unwrap().unwrap();
        let code = status.split(' ').nth(1).unwrap().parse().unwrap();
        // Headers end with an empty line.
        while !lines.next_line().await.unwrap().unwrap().is_empty() {}
        (code, Sse { lines })
    }

    /// The next event with data (skipping keep-alive comments and chunk sizes).
    pub async fn next(&mut self) -> (String, Value) {
        let mut name = String::new();
        loop {
            let line = tokio::time::timeout(WAIT, self.lines.next_line())
                .await
                .expect("an event in time")
                .unwrap()
                .expect("the stream is open");
            if let Some(n) = line.strip_prefix("event: ") {
                name = n.to_string();
            } else if let Some(d) = line.strip_prefix("data: ") {
                return (name, serde_json::from_str(d).unwrap());
            }
        }
    }

    /// Reads events until an `order.changed` of order `id` whose data has `field` = `value`
    /// (earlier ones skipped).
    pub async fn until(&mut self, id: Uuid, field: &str, value: Value) -> Value {
        loop {
            let (name, data) = self.next().await;
            if name == "order.changed"
                && data["data"]["id"] == json!(id)
                && data["data"][field] == value
            {
                return data;
            }
        }
    }
}
