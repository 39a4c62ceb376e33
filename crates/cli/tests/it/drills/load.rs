//! The drills' load clients: closed-loop clients placing orders with an `Idempotency-Key`
//! (retrying on the other node, and after `Retry-After`), cancelling most again, and the
//! tally of what they saw.

use super::common::{at, grab};
use super::harness::Drill;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What the clients saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// Requests sent (retries included).
    pub sent: usize,
    /// Orders acknowledged with 201 (their ids).
    pub acked: Vec<Uuid>,
    /// 201s that replayed an earlier answer to the same key.
    pub replayed: usize,
    /// Placements the service refused for a business reason (a full window: 409/422).
    pub refused: usize,
    /// The refusals by status and code.
    pub refusals: BTreeMap<String, usize>,
    /// Cancellations answered 200.
    pub cancelled: usize,
    /// Failures by kind (`connect`, `timeout`, `503 positions_unavailable`, `500`, ...).
    pub errors: BTreeMap<String, usize>,
    /// Placements abandoned: no answer within the client's patience.
    pub gave_up: usize,
    /// Successful answers to requests sent after the marked moment (a kill).
    pub ok_after_mark: usize,
    /// The slowest answer.
    pub slowest: Duration,
}

impl Tally {
    pub fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }

    pub fn errors_text(&self) -> String {
        if self.errors.is_empty() {
            return "none".into();
        }
        self.errors
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How a failed request failed.
pub fn kind(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connect".into()
    } else if e.is_timeout() {
        "timeout".into()
    } else {
        "transport".into()
    }
}

/// The load: `clients` tasks placing and cancelling orders on `nodes` until `stop`.
pub struct Load {
    pub stop: Arc<AtomicBool>,
    pub mark: Arc<Mutex<Option<Instant>>>,
    pub tally: Arc<Mutex<Tally>>,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub fn start(d: &Drill, nodes: Vec<String>, clients: usize) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let mark = Arc::new(Mutex::new(None));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let mut windows = vec![];
        for day in 1..=6 {
            for hour in 8..=18 {
                windows.push(at(d.date + chrono::Duration::days(day), hour));
            }
        }
        let tasks = (0..clients)
            .map(|c| {
                let ctx = Client {
                    http: d.http.clone(),
                    nodes: nodes.clone(),
                    prefer: c % nodes.len(),
                    token: d.city.customer.clone(),
                    address: d.city.address,
                    tally: tally.clone(),
                    mark: mark.clone(),
                };
                let (stop, windows) = (stop.clone(), windows.clone());
                tokio::spawn(async move {
                    let mut n = c * 7;
                    while !stop.load(Ordering::SeqCst) {
                        let start = windows[n % windows.len()];
                        n += 1;
                        // Nine orders in ten are cancelled again: their windows free up, so
                        // the load keeps writing for as long as it runs.
                        if let Some(id) = ctx.place(start).await
                            && n % 10 != 0
                        {
                            ctx.cancel(id).await;
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                })
            })
            .collect();
        Load {
            stop,
            mark,
            tally,
            tasks,
        }
    }

    /// Marks now: successes of requests sent from now on are counted apart.
    pub fn mark(&self) {
        *self.mark.lock().unwrap() = Some(Instant::now());
    }

    pub async fn finish(self) -> Tally {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
        std::mem::take(&mut *self.tally.lock().unwrap())
    }
}

/// One client.
pub struct Client {
    pub http: reqwest::Client,
    pub nodes: Vec<String>,
    pub prefer: usize,
    pub token: String,
    pub address: Uuid,
    pub tally: Arc<Mutex<Tally>>,
    pub mark: Arc<Mutex<Option<Instant>>>,
}

/// How one attempt ended.
pub enum Outcome {
    Done(StatusCode, Value, bool),
    /// Try again (on the other node when `switch`), after `wait`.
    Again {
        switch: bool,
        wait: Duration,
    },
}

impl Client {
    /// Sends one request; records it.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Outcome {
        let sent_at = Instant::now();
        let r = req.bearer_auth(&self.token).send().await;
        let took = sent_at.elapsed();
        let after_mark = self.mark.lock().unwrap().is_some_and(|m| sent_at >= m);
        {
            let mut t = self.tally.lock().unwrap();
            t.sent += 1;
            t.slowest = t.slowest.max(took);
        }
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                self.tally.lock().unwrap().error(kind(&e));
                return Outcome::Again {
                    switch: true,
                    wait: Duration::from_millis(100),
                };
            }
        };
        let status = r.status();
        let replayed = r.headers().get("idempotent-replayed").is_some();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .unwrap_or(1);
        let body: Value = r.json().await.unwrap_or(Value::Null);
        let mut t = self.tally.lock().unwrap();
        if status.is_success() && after_mark {
            t.ok_after_mark += 1;
        }
        if status == StatusCode::CONFLICT && body["code"] == "idempotency_in_progress" {
            // The key's first attempt died with its node; its lease runs out, then the
            // retry runs it (or replays it).
            t.error("409 idempotency_in_progress (retried)".into());
            return Outcome::Again {
                switch: false,
                wait: Duration::from_secs(retry_after.clamp(1, 5)),
            };
        }
        if status.is_server_error() {
            let code = body["code"].as_str().unwrap_or("");
            t.error(format!("{} {code}", status.as_u16()).trim().to_string());
            return Outcome::Again {
                switch: true,
                wait: Duration::from_millis(200),
            };
        }
        Outcome::Done(status, body, replayed)
    }

    /// Places an order for `start` with a fresh key, retrying the same key (failing over)
    /// until an answer or 60 s; the order's id when acknowledged.
    pub async fn place(&self, start: chrono::DateTime<chrono::Utc>) -> Option<Uuid> {
        let key = format!("drill-{}", Uuid::now_v7().simple());
        let body = json!({"items": [{"item": grab::ITEM}], "address_id": self.address,
                          "window_start": start.to_rfc3339()});
        let patience = Instant::now() + Duration::from_secs(60);
        let mut node = self.prefer;
        loop {
            let url = format!("{}/api/v1/customer/orders", self.nodes[node]);
            let req = self
                .http
                .post(url)
                .header("idempotency-key", &key)
                .json(&body);
            match self.send(req).await {
                Outcome::Done(s, body, replayed) => {
                    let mut t = self.tally.lock().unwrap();
                    if s == StatusCode::CREATED {
                        let id = body["id"].as_str().and_then(|s| s.parse().ok());
                        let id = id.expect("a 201 names its order");
                        t.acked.push(id);
                        t.replayed += usize::from(replayed);
                        return Some(id);
                    }
                    if s == StatusCode::CONFLICT || s == StatusCode::UNPROCESSABLE_ENTITY {
                        t.refused += 1;
                        let code =
                            format!("{} {}", s.as_u16(), body["code"].as_str().unwrap_or(""));
                        *t.refusals.entry(code).or_default() += 1;
                    } else {
                        t.error(format!(
                            "{} {}",
                            s.as_u16(),
                            body["code"].as_str().unwrap_or("")
                        ));
                    }
                    return None;
                }
                Outcome::Again { switch, wait } => {
                    if Instant::now() >= patience {
                        self.tally.lock().unwrap().gave_up += 1;
                        return None;
                    }
                    if switch {
                        node = (node + 1) % self.nodes.len();
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Cancels order `id` (one attempt per node at most).
    pub async fn cancel(&self, id: Uuid) {
        for i in 0..self.nodes.len() {
            let base = &self.nodes[(self.prefer + i) % self.nodes.len()];
            let req = self
                .http
                .post(format!("{base}/api/v1/customer/orders/{id}/cancel"))
                .json(&json!({"reason": "failure drill"}));
            match self.send(req).await {
                Outcome::Done(s, body, _) => {
                    let mut t = self.tally.lock().unwrap();
                    if s == StatusCode::OK {
                        t.cancelled += 1;
                    } else {
                        t.error(format!(
                            "cancel {} {}",
                            s.as_u16(),
                            body["code"].as_str().unwrap_or("")
                        ));
                    }
                    return;
                }
                Outcome::Again { .. } => continue,
            }
        }
    }
}
