//! Failure drills (issue 14: "kill -9 one node mid-load; restart Redis; stop RabbitMQ for a
//! minute; database reconnects"), run by `scripts/drills.sh` and by nothing else: every test
//! here is `#[ignore]`d, and each refuses to run without the private Redis and RabbitMQ the
//! script starts (it stops and starts them; the machine's shared ones are never touched).
//!
//! Each drill starts two real `daojia serve` nodes on one fresh PostgreSQL database (the
//! grab city of the claim races, automatic dispatch), the private Redis (`[redis]`) and the
//! private RabbitMQ (`[broker]`), and puts them under load: clients place orders with an
//! `Idempotency-Key`, half preferring each node, failing over to the other node with the
//! same key when theirs does not answer, and cancel nine orders in ten (another
//! write with its outbox event). Meanwhile this process reads every event the broker
//! routes (a queue bound to `#`, drained and deduplicated by event id) and runs an
//! idempotent consumer of its own on the order events (a `processed_event` mark and an
//! effect in one transaction, as `amqp.rs` checks it), fed from the broker as the nodes'
//! own consumers are.
//!
//! After every drill: every acknowledged (201) order exists, every event in the outbox
//! reached the broker, and each consumer (this one and the nodes' worker SMS consumer)
//! applied each of its events exactly once. Each drill prints one summary line with its
//! figures (`DRILL <name>: PASS ...`).

#[path = "../../server/tests/common/mod.rs"]
mod common;
#[path = "support/nodes.rs"]
mod nodes;

use common::{TestApp, at, grab};
use daojia_app::outbox::broker::feed::BrokerFeed;
use daojia_app::outbox::broker::testing::{Received, TestAmqp};
use daojia_app::outbox::{Consumer, Event, HandleError};
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_shared::testing::TestRedis;
use daojia_store::entity::outbox as outbox_row;
use daojia_store::repo::{outbox, processed};
use daojia_store::testing::Backend;
use nodes::{Node, grab_distance, shared_app, write_config};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// This process's own consumer of the order events.
const APPLY: &str = "drill.apply";
/// The queue that receives every event the broker routes.
const ALL: &str = "all";

/// The private service behind `var` (set by `scripts/drills.sh`); never the shared one on
/// `shared_port`.
fn private(var: &str, shared_port: u16) -> String {
    let v = std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the drills with scripts/drills.sh, which starts a private Redis and RabbitMQ")
    });
    let port = v
        .rsplit_once(':')
        .map(|(_, p)| p.split('/').next().unwrap_or(p).to_string());
    assert_ne!(
        port.as_deref(),
        Some(shared_port.to_string().as_str()),
        "{var} names the machine's shared service; the drills stop it, so they use a private one"
    );
    v
}

/// Runs the script's command in `var` (stop or start a private service).
fn ctl(var: &str) {
    let cmd =
        std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set: run scripts/drills.sh"));
    let ok = std::process::Command::new("bash")
        .arg("-c")
        .arg(&cmd)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "{var} failed");
}

/// The idempotent consumer: marks the event and writes its effect (a `drill.applied`
/// outbox row) in one transaction; a duplicate delivery finds the mark and does nothing.
struct Apply {
    store: daojia_store::Store,
    delivered: AtomicUsize,
    applied: AtomicUsize,
}

#[async_trait::async_trait]
impl Consumer for Apply {
    fn name(&self) -> &'static str {
        APPLY
    }

    fn wants(&self, topic: &str) -> bool {
        topic.starts_with("order.")
    }

    fn routing_keys(&self) -> Vec<String> {
        vec!["order.#".into()]
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        self.delivered.fetch_add(1, Ordering::SeqCst);
        let now = chrono::Utc::now();
        let tx = self.store.db().begin().await?;
        if !processed::mark(&tx, APPLY, event.id, now).await? {
            return Ok(());
        }
        let effect = json!({ "position": event.position });
        outbox::append(&tx, "drill.applied", event.id, &effect, now).await?;
        tx.commit().await?;
        self.applied.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// What the clients saw.
#[derive(Debug, Default)]
struct Tally {
    /// Requests sent (retries included).
    sent: usize,
    /// Orders acknowledged with 201 (their ids).
    acked: Vec<Uuid>,
    /// 201s that replayed an earlier answer to the same key.
    replayed: usize,
    /// Placements the service refused for a business reason (a full window: 409/422).
    refused: usize,
    /// The refusals by status and code.
    refusals: BTreeMap<String, usize>,
    /// Cancellations answered 200.
    cancelled: usize,
    /// Failures by kind (`connect`, `timeout`, `503 positions_unavailable`, `500`, ...).
    errors: BTreeMap<String, usize>,
    /// Placements abandoned: no answer within the client's patience.
    gave_up: usize,
    /// Successful answers to requests sent after the marked moment (a kill).
    ok_after_mark: usize,
    /// The slowest answer.
    slowest: Duration,
}

impl Tally {
    fn error(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }

    fn errors_text(&self) -> String {
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
fn kind(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connect".into()
    } else if e.is_timeout() {
        "timeout".into()
    } else {
        "transport".into()
    }
}

/// The load: `clients` tasks placing and cancelling orders on `nodes` until `stop`.
struct Load {
    stop: Arc<AtomicBool>,
    mark: Arc<Mutex<Option<Instant>>>,
    tally: Arc<Mutex<Tally>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(d: &Drill, nodes: Vec<String>, clients: usize) -> Load {
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
    fn mark(&self) {
        *self.mark.lock().unwrap() = Some(Instant::now());
    }

    async fn finish(self) -> Tally {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.unwrap();
        }
        std::mem::take(&mut *self.tally.lock().unwrap())
    }
}

/// One client.
struct Client {
    http: reqwest::Client,
    nodes: Vec<String>,
    prefer: usize,
    token: String,
    address: Uuid,
    tally: Arc<Mutex<Tally>>,
    mark: Arc<Mutex<Option<Instant>>>,
}

/// How one attempt ended.
enum Outcome {
    Done(StatusCode, Value, bool),
    /// Try again (on the other node when `switch`), after `wait`.
    Again {
        switch: bool,
        wait: Duration,
    },
}

impl Client {
    /// Sends one request; records it.
    async fn send(&self, req: reqwest::RequestBuilder) -> Outcome {
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
    async fn place(&self, start: chrono::DateTime<chrono::Utc>) -> Option<Uuid> {
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
    async fn cancel(&self, id: Uuid) {
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

/// One drill's world: the database, the city, the private services, this process's
/// consumer and the reader of every routed event.
struct Drill {
    name: &'static str,
    app: TestApp,
    redis: TestRedis,
    amqp: Arc<TestAmqp>,
    city: grab::GrabCity,
    date: chrono::NaiveDate,
    dir: PathBuf,
    http: reqwest::Client,
    apply: Arc<Apply>,
    arrivals: Arc<Mutex<Received>>,
    stop: tokio::sync::watch::Sender<bool>,
    background: Vec<tokio::task::JoinHandle<()>>,
    /// The events written by the setup, before the nodes started (not the drill's).
    baseline: HashSet<Uuid>,
}

impl Drill {
    async fn new(name: &'static str) -> Drill {
        private("DAOJIA_TEST_REDIS_URL", 6379);
        private("DAOJIA_TEST_AMQP_URL", 5672);
        let amqp = Arc::new(TestAmqp::new().await);
        amqp.track(daojia_app::outbox::worker_sms::NAME);
        amqp.bind(ALL, &["#"]).await.unwrap();
        let (app, redis, cfg) = shared_app(Backend::Postgres).await;
        let city = grab::city(&app, 40).await;
        let date = (app.state.now() + chrono::Duration::hours(8)).date_naive();
        let dir =
            std::env::temp_dir().join(format!("daojia-drill-{name}-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        // A short request timeout: the idempotency lease of a request that died with its
        // node (request timeout + 10 s) runs out within the clients' patience.
        let extra = format!(
            r#"
[server]
request_timeout_secs = 5

[broker]
amqp_url = "{url}"
exchange = "{exchange}"
queue_prefix = "{prefix}"
"#,
            url = amqp.opts.url,
            exchange = amqp.opts.exchange,
            prefix = amqp.opts.queue_prefix,
        );
        write_config(&dir, &cfg, &extra);

        let apply = Arc::new(Apply {
            store: app.db.store.clone(),
            delivered: AtomicUsize::new(0),
            applied: AtomicUsize::new(0),
        });
        let fed: Vec<Arc<dyn Consumer>> = vec![apply.clone()];
        amqp.declare(&fed).await.unwrap();
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let feed = tokio::spawn(BrokerFeed::new(amqp.opts.clone(), fed).run(stopped.clone()));
        // Drains the queue of everything, reconnecting while the broker is away.
        let arrivals = Arc::new(Mutex::new(Received::default()));
        let reader = {
            let (amqp, into, stopped) = (amqp.clone(), arrivals.clone(), stopped.clone());
            tokio::spawn(async move {
                while !*stopped.borrow() {
                    let s = stopped.clone();
                    let r = amqp
                        .collect(
                            ALL,
                            into.clone(),
                            move |_| *s.borrow(),
                            Duration::from_secs(5),
                        )
                        .await;
                    if r.is_err() {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            })
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Drill {
            name,
            app,
            redis,
            amqp,
            city,
            date,
            dir,
            http,
            apply,
            arrivals,
            stop,
            background: vec![feed, reader],
            baseline: HashSet::new(),
        }
    }

    /// Marks the setup done: the events in the outbox now are not the drill's to check.
    async fn begin(&mut self) {
        let rows = outbox_row::Entity::find().all(self.db()).await.unwrap();
        self.baseline = rows.into_iter().map(|r| r.id).collect();
    }

    /// The drill's events: written after [`Drill::begin`].
    async fn events(&self) -> Vec<outbox_row::Model> {
        let rows = outbox_row::Entity::find().all(self.db()).await.unwrap();
        rows.into_iter()
            .filter(|r| !self.baseline.contains(&r.id))
            .collect()
    }

    /// The events `consumer` has marked applied.
    async fn marked(&self, consumer: &str) -> HashSet<Uuid> {
        use daojia_store::entity::processed_event as pe;
        use sea_orm::{ColumnTrait, QueryFilter};
        pe::Entity::find()
            .filter(pe::Column::Consumer.eq(consumer))
            .all(self.db())
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.event_id)
            .collect()
    }

    /// Starts a node and waits until its publisher has registered.
    async fn node(&self, name: &'static str) -> Node {
        let node = Node::start(&self.dir, name).await;
        let until = Instant::now() + Duration::from_secs(120);
        while broker_lag(&self.http, &node).await.is_none() {
            assert!(
                Instant::now() < until,
                "the publisher did not start: {}",
                node.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        node
    }

    fn db(&self) -> &sea_orm::DatabaseConnection {
        self.app.db.store.db()
    }

    /// Every acknowledged order exists.
    async fn assert_acked_exist(&self, tally: &Tally) {
        let acked: HashSet<Uuid> = tally.acked.iter().copied().collect();
        let mut missing = 0;
        for id in &acked {
            if daojia_store::repo::orders::get(self.db(), *id)
                .await
                .unwrap()
                .is_none()
            {
                missing += 1;
            }
        }
        assert_eq!(
            missing, 0,
            "{}: acknowledged orders missing from the database",
            self.name
        );
    }

    /// Waits (up to `limit`) until every event of the drill has reached the broker and
    /// each consumer has applied each of its events; then checks "exactly once". Returns
    /// (events, arrivals of them on the wire, time waited).
    async fn assert_delivered(&self, node: &Node, limit: Duration) -> (usize, usize, Duration) {
        let started = Instant::now();
        let sms = daojia_app::outbox::worker_sms::NAME;
        loop {
            let lag = broker_lag(&self.http, node).await;
            let rows = self.events().await;
            let ids: HashSet<Uuid> = rows.iter().map(|r| r.id).collect();
            let wire = self
                .arrivals
                .lock()
                .unwrap()
                .events
                .iter()
                .filter(|e| ids.contains(&e.id))
                .map(|e| e.id)
                .collect::<Vec<_>>();
            let arrived: HashSet<Uuid> = wire.iter().copied().collect();
            let missing = ids.difference(&arrived).count();
            let orders: Vec<Uuid> = rows
                .iter()
                .filter(|r| r.topic.starts_with("order."))
                .map(|r| r.id)
                .collect();
            let offers: Vec<Uuid> = rows
                .iter()
                .filter(|r| r.topic == "order.offer" || r.topic == "order.assign")
                .map(|r| r.id)
                .collect();
            let marks = self.marked(APPLY).await;
            let unapplied = orders.iter().filter(|id| !marks.contains(id)).count();
            let sms_marks = self.marked(sms).await;
            let unsent = offers.iter().filter(|id| !sms_marks.contains(id)).count();
            if lag == Some(0) && missing == 0 && unapplied == 0 && unsent == 0 {
                // This process's consumer: one effect per order event, never two.
                let all = outbox_row::Entity::find().all(self.db()).await.unwrap();
                let effects: Vec<Uuid> = all
                    .iter()
                    .filter(|r| r.topic == "drill.applied")
                    .map(|r| r.aggregate_id)
                    .collect();
                let distinct: HashSet<Uuid> = effects.iter().copied().collect();
                assert_eq!(
                    effects.len(),
                    distinct.len(),
                    "{}: an event applied twice",
                    self.name
                );
                assert_eq!(
                    effects.len(),
                    marks.len(),
                    "{}: a mark without its effect",
                    self.name
                );
                assert!(
                    orders.iter().all(|id| distinct.contains(id)),
                    "{}: an order event without its effect",
                    self.name
                );
                return (rows.len(), wire.len(), started.elapsed());
            }
            assert!(
                started.elapsed() < limit,
                "{}: after {limit:?}: lag {lag:?}, {missing} of {} events never reached the broker, {unapplied} of {} order events not applied by {APPLY}, {unsent} of {} offers not applied by {sms}\n{}",
                self.name,
                rows.len(),
                orders.len(),
                offers.len(),
                node.log_text()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn finish(self) {
        self.stop.send(true).unwrap();
        for t in self.background {
            t.await.unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        drop((self.amqp, self.redis));
    }
}

/// The publisher's lag as the node's `/readyz` shows it.
async fn broker_lag(http: &reqwest::Client, node: &Node) -> Option<i64> {
    let r = http
        .get(format!("{}/readyz", node.base))
        .send()
        .await
        .ok()?;
    let body: Value = r.json().await.ok()?;
    body["broker"]["lag"].as_i64()
}

/// `outbox_lag_events` of the broker publisher on the node's `/metrics`.
async fn lag_metric(http: &reqwest::Client, node: &Node) -> Option<f64> {
    let text = http
        .get(format!("{}/metrics", node.base))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let needle = format!(
        "outbox_lag_events{{consumer=\"{}\"}}",
        daojia_app::outbox::broker::publish::NAME
    );
    text.lines()
        .find(|l| l.starts_with(&needle))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

/// SIGKILL: no drain, no shutdown hook.
fn kill_9(mut node: Node) {
    node.child.kill().expect("SIGKILL");
    node.child.wait().unwrap();
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn kill_9_one_node_mid_load() {
    let mut d = Drill::new("kill-9").await;
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 8);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let before = load.tally.lock().unwrap().acked.len();
    load.mark();
    kill_9(a);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let tally = load.finish().await;
    assert!(
        before > 0,
        "no order was placed before the kill: {}",
        b.log_text()
    );
    assert!(
        tally.ok_after_mark > 0,
        "node b served nothing after the kill: {tally:?}"
    );
    assert_eq!(tally.gave_up, 0, "placements abandoned: {tally:?}");
    assert!(
        !tally.errors.keys().any(|k| k.starts_with('5')),
        "server errors: {tally:?}"
    );
    d.assert_acked_exist(&tally).await;
    // Node a comes back; the publishers relay what a's death left unconfirmed.
    let a = d.node("a2").await;
    let (events, wire, waited) = d.assert_delivered(&a, Duration::from_secs(180)).await;
    assert_eq!(broker_lag(&d.http, &b).await, Some(0));
    eprintln!(
        "DRILL kill-9: PASS: {} requests, {} orders acknowledged ({} before the kill, {} replayed after failing over), {} cancelled, {} refused ({:?}); {} answered by node b after the kill of a; errors: {}; slowest answer {}; {events} outbox events all at the broker ({wire} arrivals, {} duplicates), {} order events applied once by {APPLY} ({} deliveries); delivered {} after a restarted",
        tally.sent,
        tally.acked.len(),
        before,
        tally.replayed,
        tally.cancelled,
        tally.refused,
        tally.refusals,
        tally.ok_after_mark,
        tally.errors_text(),
        secs(tally.slowest),
        wire - events,
        d.apply.applied.load(Ordering::SeqCst),
        d.apply.delivered.load(Ordering::SeqCst),
        secs(waited),
    );
    drop((a, b));
    d.finish().await;
}

/// What one probe round saw, by phase.
#[derive(Debug, Default)]
struct Probes {
    catalog_ok: usize,
    position_ok: usize,
    position_503: usize,
    ready: usize,
    redis_unreachable: usize,
    other: BTreeMap<String, usize>,
    slowest: Duration,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn restart_redis_under_load() {
    let mut d = Drill::new("redis").await;
    // A pooled order and a worker living far from it: a position reported to node a moves
    // node b's measure only through Redis.
    let pooled = grab::pooled_order(
        &d.app,
        &d.city,
        at(d.date + chrono::Duration::days(1), 10),
        "drill-pooled",
    )
    .await;
    let row = daojia_store::repo::orders::get(d.db(), pooled)
        .await
        .unwrap()
        .unwrap();
    let place = LatLng::new(row.lat, row.lng);
    let eligible = grab::eligible(&d.app, pooled).await;
    let mut workers = vec![];
    for w in &eligible {
        workers.push((*w, d.app.worker_token(*w).await));
    }
    let mut far = None;
    for (i, (w, _)) in workers.iter().enumerate() {
        let r = daojia_store::repo::accounts::worker(d.db(), *w)
            .await
            .unwrap()
            .unwrap();
        if haversine_m(LatLng::new(r.home_lat, r.home_lng), place) > 2_000.0 {
            far = Some(i);
            break;
        }
    }
    let far = far.expect("a worker living far from the order");
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 4);

    // Probes: the catalog, a position report (a different worker each time: 12 a minute
    // each), readiness; every 100 ms, alternating nodes.
    let phase = Arc::new(AtomicUsize::new(0));
    let probes: Arc<Mutex<[Probes; 3]>> = Arc::default();
    let first_position_ok_after: Arc<Mutex<Option<Instant>>> = Arc::default();
    let prober = {
        let (http, phase, probes, first) = (
            d.http.clone(),
            phase.clone(),
            probes.clone(),
            first_position_ok_after.clone(),
        );
        let nodes = [a.base.clone(), b.base.clone()];
        let tokens: Vec<String> = workers.iter().map(|(_, t)| t.clone()).collect();
        let stop = load.stop.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let base = &nodes[n % 2];
                let p = phase.load(Ordering::SeqCst);
                let t0 = Instant::now();
                let catalog = match http
                    .get(format!("{base}/api/v1/public/catalog"))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == StatusCode::OK => Ok(()),
                    Ok(r) => Err(format!("catalog {}", r.status().as_u16())),
                    Err(e) => Err(format!("catalog {}", kind(&e))),
                };
                let t1 = Instant::now();
                let token = &tokens[n % tokens.len()];
                let pos = http
                    .put(format!("{base}/api/v1/worker/me/position"))
                    .bearer_auth(token)
                    .json(&json!({"lat": place.lat + 0.01, "lng": place.lng, "accuracy_m": 10.0}))
                    .send()
                    .await;
                // Ok(true): recorded; Ok(false): refused clearly (503 problem+json with
                // Retry-After, `positions_unavailable`).
                let pos = match pos {
                    Ok(r) if r.status() == StatusCode::OK => Ok(true),
                    Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {
                        let problem = r
                            .headers()
                            .get("content-type")
                            .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
                        let retry = r.headers().get("retry-after").is_some();
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        if problem && retry && body["code"] == "positions_unavailable" {
                            Ok(false)
                        } else {
                            Err(format!("position 503 {body}"))
                        }
                    }
                    Ok(r) => Err(format!("position {}", r.status().as_u16())),
                    Err(e) => Err(format!("position {}", kind(&e))),
                };
                let t2 = Instant::now();
                let ready = match http.get(format!("{base}/readyz")).send().await {
                    Ok(r) if r.status() == StatusCode::OK => {
                        let body: Value = r.json().await.unwrap_or(Value::Null);
                        Ok(body["redis"] == "unreachable")
                    }
                    Ok(r) => Err(format!("readyz {}", r.status().as_u16())),
                    Err(e) => Err(format!("readyz {}", kind(&e))),
                };
                let t3 = Instant::now();
                {
                    let mut all = probes.lock().unwrap();
                    let pr = &mut all[p];
                    pr.slowest = pr.slowest.max(t1 - t0).max(t2 - t1).max(t3 - t2);
                    let mut failures = vec![];
                    match catalog {
                        Ok(()) => pr.catalog_ok += 1,
                        Err(k) => failures.push(k),
                    }
                    match pos {
                        Ok(true) => {
                            pr.position_ok += 1;
                            if p == 2 {
                                first.lock().unwrap().get_or_insert(t2);
                            }
                        }
                        Ok(false) => pr.position_503 += 1,
                        Err(k) => failures.push(k),
                    }
                    match ready {
                        Ok(unreachable) => {
                            pr.ready += 1;
                            pr.redis_unreachable += usize::from(unreachable);
                        }
                        Err(k) => failures.push(k),
                    }
                    for k in failures {
                        *pr.other.entry(k).or_default() += 1;
                    }
                }
                n += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    phase.store(1, Ordering::SeqCst);
    ctl("DAOJIA_DRILL_REDIS_STOP");
    let stopped = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let placed_before_restart = load.tally.lock().unwrap().acked.len();
    ctl("DAOJIA_DRILL_REDIS_START");
    let restarted = Instant::now();
    phase.store(2, Ordering::SeqCst);
    let until = Instant::now() + Duration::from_secs(60);
    while first_position_ok_after.lock().unwrap().is_none() {
        assert!(
            Instant::now() < until,
            "positions never recovered: {:?}\n{}",
            probes.lock().unwrap(),
            a.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = first_position_ok_after.lock().unwrap().unwrap() - restarted;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = load.finish().await;
    prober.await.unwrap();
    let probes = std::mem::take(&mut *probes.lock().unwrap());
    let [normal, down, after] = &probes;

    // Before: all well.
    assert!(
        normal.other.is_empty() && normal.position_503 == 0,
        "before: {normal:?}"
    );
    // Down: the catalog and readiness answer, positions refuse clearly, nothing hangs.
    assert!(
        down.catalog_ok > 0 && down.other.is_empty(),
        "while Redis was down: {down:?}"
    );
    assert!(down.position_503 > 0, "positions need Redis: {down:?}");
    assert!(down.redis_unreachable > 0, "readiness tells: {down:?}");
    assert!(
        down.slowest < Duration::from_secs(3),
        "an answer took {:?}",
        down.slowest
    );
    // After: everything again, without restarting a node.
    assert!(
        after.position_ok > 0 && after.other.is_empty(),
        "after: {after:?}"
    );
    assert_eq!(tally.gave_up, 0, "{tally:?}");
    assert!(
        !tally.errors.keys().any(|k| k.starts_with('5')),
        "server errors: {tally:?}"
    );
    assert!(placed_before_restart > 0, "{tally:?}");
    // Shared state works across nodes again: a position reported to a, measured on b.
    let (_, token) = &workers[far];
    let here = LatLng::new(place.lat + 0.0027, place.lng);
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let r = d
            .http
            .put(format!("{}/api/v1/worker/me/position", a.base))
            .bearer_auth(token)
            .json(&json!({"lat": here.lat, "lng": here.lng, "accuracy_m": 10.0}))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < until, "{}", r.text().await.unwrap());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(
        grab_distance(&d.http, &b, token, pooled).await,
        haversine_m(here, place).round(),
        "node b measures from the position node a recorded, through the restarted Redis"
    );
    let keys = d.redis.keys();
    assert!(
        keys.iter().any(|k| k.starts_with("rl:position_worker:")),
        "rate limits are counted in Redis again: {keys:?}"
    );
    d.assert_acked_exist(&tally).await;
    let (events, wire, _) = d.assert_delivered(&a, Duration::from_secs(120)).await;
    eprintln!(
        "DRILL redis: PASS: Redis down {}; load: {} requests, {} orders acknowledged, {} refused, {} cancelled, errors: {}, slowest {}; probes while down: catalog {} ok, position {} × 503 positions_unavailable (problem+json, Retry-After), readiness {} ok ({} saying Redis unreachable), other {:?}, slowest {}; positions recovered {} after the restart without restarting a node; afterwards catalog {} ok, position {} ok; a position reported to a is measured on b; {events} events at the broker ({wire} arrivals), applied once",
        secs(restarted - stopped),
        tally.sent,
        tally.acked.len(),
        tally.refused,
        tally.cancelled,
        tally.errors_text(),
        secs(tally.slowest),
        down.catalog_ok,
        down.position_503,
        down.ready,
        down.redis_unreachable,
        down.other,
        secs(down.slowest),
        secs(recovered),
        after.catalog_ok,
        after.position_ok,
    );
    drop((a, b));
    d.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn stop_rabbitmq_for_a_minute() {
    let down_for = Duration::from_secs(
        std::env::var("DAOJIA_DRILL_BROKER_DOWN_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(60),
    );
    let mut d = Drill::new("rabbitmq").await;
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 4);
    tokio::time::sleep(Duration::from_secs(3)).await;
    ctl("DAOJIA_DRILL_AMQP_STOP");
    let stopped = Instant::now();
    let acked_at_stop = load.tally.lock().unwrap().acked.len();
    let mut lags = vec![];
    while stopped.elapsed() < down_for {
        tokio::time::sleep(Duration::from_secs(2)).await;
        lags.push(lag_metric(&d.http, &a).await.unwrap_or(-1.0));
    }
    let acked_while_down = load.tally.lock().unwrap().acked.len() - acked_at_stop;
    let peak = lags.iter().copied().fold(0.0, f64::max);
    ctl("DAOJIA_DRILL_AMQP_START");
    let restarted = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = load.finish().await;
    let until = Instant::now() + Duration::from_secs(120);
    while lag_metric(&d.http, &a).await != Some(0.0) || lag_metric(&d.http, &b).await != Some(0.0) {
        assert!(
            Instant::now() < until,
            "the outbox did not drain: {}",
            a.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let drained = restarted.elapsed();
    assert!(
        acked_while_down > 0,
        "no order placed while the broker was down: {tally:?}"
    );
    assert!(peak >= 1.0, "the lag never grew: {lags:?}");
    assert!(
        lags.windows(2).any(|w| w[1] > w[0]),
        "the lag grew while the broker was down: {lags:?}"
    );
    assert_eq!(tally.gave_up, 0, "{tally:?}");
    assert!(
        !tally.errors.keys().any(|k| k.starts_with('5')),
        "server errors: {tally:?}"
    );
    d.assert_acked_exist(&tally).await;
    let (events, wire, _) = d.assert_delivered(&a, Duration::from_secs(180)).await;
    eprintln!(
        "DRILL rabbitmq: PASS: broker down {}; {} orders acknowledged while it was down ({} in all, {} requests, refusals {:?}, errors: {}, slowest {}); outbox lag (outbox_lag_events) rose to {peak} (samples every 2 s: {:?}); drained to 0 {} after the restart; {events} events all at the broker ({wire} arrivals, {} duplicates), {} order events applied once by {APPLY}",
        secs(down_for),
        acked_while_down,
        tally.acked.len(),
        tally.sent,
        tally.refusals,
        tally.errors_text(),
        secs(tally.slowest),
        lags,
        secs(drained),
        wire - events,
        d.apply.applied.load(Ordering::SeqCst),
    );
    drop((a, b));
    d.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a failure drill: run by scripts/drills.sh"]
async fn database_connections_terminated() {
    let mut d = Drill::new("database").await;
    d.begin().await;
    let a = d.node("a").await;
    let b = d.node("b").await;
    let load = Load::start(&d, vec![a.base.clone(), b.base.clone()], 4);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = load.tally.lock().unwrap().errors.values().sum::<usize>();
    // From a connection of its own: every other session on the drill's database ends.
    let admin = sea_orm::Database::connect(d.app.db.url.as_str())
        .await
        .unwrap();
    let killed = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap()
        .len();
    admin.close().await.unwrap();
    let terminated = Instant::now();
    load.mark();
    // Recovery: both nodes place an order again.
    let mut recovered = [None, None];
    let until = Instant::now() + Duration::from_secs(60);
    let mut k = 0;
    while recovered.iter().any(Option::is_none) {
        assert!(
            Instant::now() < until,
            "a node did not recover: {recovered:?}\n{}\n{}",
            a.log_text(),
            b.log_text()
        );
        for (i, node) in [&a, &b].iter().enumerate() {
            if recovered[i].is_some() {
                continue;
            }
            k += 1;
            let body = json!({"items": [{"item": grab::ITEM}], "address_id": d.city.address,
                              "window_start": at(d.date + chrono::Duration::days(7), 8 + (k % 10) as u32).to_rfc3339()});
            let r = d
                .http
                .get(format!("{}/api/v1/public/catalog", node.base))
                .send()
                .await;
            let catalog_ok = r.is_ok_and(|r| r.status().is_success());
            let r = d
                .http
                .post(format!("{}/api/v1/customer/orders", node.base))
                .bearer_auth(&d.city.customer)
                .header("idempotency-key", format!("drill-db-{k}"))
                .json(&body)
                .send()
                .await;
            if catalog_ok
                && r.is_ok_and(|r| {
                    r.status() == StatusCode::CREATED || r.status() == StatusCode::CONFLICT
                })
            {
                recovered[i] = Some(terminated.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let tally = load.finish().await;
    let errors = tally.errors.values().sum::<usize>() - before;
    let server_errors: usize = tally
        .errors
        .iter()
        .filter(|(k, _)| k.starts_with('5'))
        .map(|(_, n)| n)
        .sum();
    // A request whose connection was cut is told to try again (503 `database_unavailable`,
    // and its retry runs again: errors are not stored under the key); at most one per
    // terminated session, never a stream, and never a 500.
    assert!(
        server_errors <= killed,
        "{server_errors} server errors for {killed} sessions: {tally:?}"
    );
    assert!(
        tally.errors.keys().all(|k| !k.starts_with("500")),
        "a cut connection answered 500: {tally:?}"
    );
    // What the nodes logged for them (one JSON object a line).
    let causes: std::collections::BTreeSet<String> = [&a, &b]
        .iter()
        .flat_map(|n| {
            n.log_text()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .filter(|v| v["message"] == "internal error")
                .map(|v| {
                    v["error"]
                        .as_str()
                        .unwrap_or("")
                        .chars()
                        .take(120)
                        .collect()
                })
                .collect::<Vec<String>>()
        })
        .collect();
    assert_eq!(tally.gave_up, 0, "{tally:?}");
    assert!(tally.ok_after_mark > 0, "{tally:?}");
    d.assert_acked_exist(&tally).await;
    // Background jobs resumed: the relay published everything written after the
    // termination, and the consumers applied it.
    let (events, wire, waited) = d.assert_delivered(&a, Duration::from_secs(120)).await;
    assert_eq!(broker_lag(&d.http, &b).await, Some(0));
    eprintln!(
        "DRILL database: PASS: {killed} sessions terminated; node a served again after {}, node b after {}; load: {} requests, {} orders acknowledged ({} answers after the termination), errors after it: {errors} ({}; logged causes: {causes:?}); slowest {}; relay and consumers resumed: {events} events at the broker ({wire} arrivals), applied once, {} to settle",
        secs(recovered[0].unwrap()),
        secs(recovered[1].unwrap()),
        tally.sent,
        tally.acked.len(),
        tally.ok_after_mark,
        tally.errors_text(),
        secs(tally.slowest),
        secs(waited),
    );
    drop((a, b));
    d.finish().await;
}
