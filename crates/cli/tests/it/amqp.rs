//! The outbox relay to RabbitMQ across a SIGKILL (issue 14: "kill the relay mid-stream,
//! restart, every event delivered at least once and applied once"), against the test
//! broker (`DAOJIA_TEST_AMQP_URL`, default the local RabbitMQ) under an exchange and queue
//! names of this run's own, deleted afterwards.
//!
//! The real `daojia serve` binary publishes while the test writes N events to the outbox;
//! the process is killed with SIGKILL mid-stream (no drain, no shutdown hook) and started
//! again on the same database. Meanwhile an idempotent consumer in this process, fed from
//! its durable queue by the same broker feed the server uses, applies each event (an
//! `test.applied` outbox row written in the transaction that marks the event processed);
//! its feed is torn down mid-stream too, so the broker redelivers what it had not
//! acknowledged. Then:
//!
//! - every event arrived at least once on a queue bound to the exchange;
//! - every event was applied exactly once (one mark and one effect per event), however
//!   many times it was delivered;
//! - the publisher's lag is back to 0.
//!
//! A broker that cannot be reached fails the test, saying how to start it.

use crate::nodes;

use daojia_app::outbox::broker::feed::BrokerFeed;
use daojia_app::outbox::broker::testing::{Received, TestAmqp};
use daojia_app::outbox::{Consumer, Event, HandleError};
use daojia_server::config::Secrets;
use daojia_store::Store;
use daojia_store::entity::outbox as outbox_row;
use daojia_store::repo::{outbox, processed};
use daojia_store::testing::{Backend, TestDb, backends};
use nodes::Node;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

const APPLY: &str = "test.apply";

/// Starts `daojia serve` (life `life` of the one node) and waits until its publisher has
/// registered (its lag is known).
async fn start(dir: &Path, life: usize) -> Node {
    let node = Node::start(dir, ["first", "second"][life]).await;
    let started = Instant::now();
    while broker_lag(&node).await.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the publisher did not start: {}",
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    node
}

/// The publisher's lag as `/readyz` shows it.
async fn broker_lag(node: &Node) -> Option<i64> {
    let r = reqwest::get(format!("{}/readyz", node.base)).await.ok()?;
    let body: Value = r.json().await.ok()?;
    body["broker"]["lag"].as_i64()
}

/// SIGKILL: no drain, no shutdown hook.
fn kill(mut node: Node) {
    node.child.kill().expect("SIGKILL");
    node.child.wait().unwrap();
}

/// The idempotent consumer: marks the event and writes its effect (a `test.applied`
/// outbox row for it) in one transaction; a duplicate finds the mark and does nothing.
struct Apply {
    store: Store,
    delivered: AtomicUsize,
    applied: AtomicUsize,
}

#[async_trait::async_trait]
impl Consumer for Apply {
    fn name(&self) -> &'static str {
        APPLY
    }

    fn wants(&self, topic: &str) -> bool {
        topic == "test.tick"
    }

    fn routing_keys(&self) -> Vec<String> {
        vec!["test.tick".into()]
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        self.delivered.fetch_add(1, Ordering::SeqCst);
        let now = chrono::Utc::now();
        let tx = self.store.db().begin().await?;
        if !processed::mark(&tx, APPLY, event.id, now).await? {
            return Ok(());
        }
        let effect = serde_json::json!({ "position": event.position });
        outbox::append(&tx, "test.applied", event.id, &effect, now).await?;
        tx.commit().await?;
        self.applied.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn write_config(dir: &Path, db_url: &str, amqp: &TestAmqp) {
    Secrets::generate()
        .write(&dir.join("secrets.toml"))
        .unwrap();
    let text = format!(
        r#"secrets_file = "{secrets}"

[database]
url = "{db_url}"

[broker]
amqp_url = "{url}"
exchange = "{exchange}"
queue_prefix = "{prefix}"

[booking]
uploads_dir = "{uploads}"

[log]
level = "warn"
"#,
        secrets = dir.join("secrets.toml").display(),
        url = amqp.opts.url,
        exchange = amqp.opts.exchange,
        prefix = amqp.opts.queue_prefix,
        uploads = dir.join("uploads").display(),
    );
    std::fs::write(dir.join("daojia.toml"), text).unwrap();
}

fn distinct(r: &Received) -> usize {
    r.events.iter().map(|e| e.id).collect::<HashSet<_>>().len()
}

async fn run(backend: Backend, n: usize) {
    let amqp = Arc::new(TestAmqp::new().await);
    // The server declares the worker SMS queue (fed from the broker by default).
    amqp.track(daojia_app::outbox::worker_sms::NAME);
    amqp.track(APPLY);
    amqp.bind("arrivals", &["test.tick"]).await.unwrap();
    let db = TestDb::new(backend).await;
    let dir = std::env::temp_dir().join(format!("daojia-amqp-{}", Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    write_config(&dir, &db.url, &amqp);

    let apply = Arc::new(Apply {
        store: db.store.clone(),
        delivered: AtomicUsize::new(0),
        applied: AtomicUsize::new(0),
    });
    let fed: Vec<Arc<dyn Consumer>> = vec![apply.clone()];
    amqp.declare(&fed).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let feed = tokio::spawn(BrokerFeed::new(amqp.opts.clone(), fed.clone()).run(stopped.clone()));

    let node = start(&dir, 0).await;
    let arrivals = Arc::new(Mutex::new(Received::default()));
    let collector = {
        let (amqp, into) = (amqp.clone(), arrivals.clone());
        tokio::spawn(async move {
            amqp.collect(
                "arrivals",
                into,
                move |r| distinct(r) >= n,
                Duration::from_secs(240),
            )
            .await
        })
    };
    let started = Instant::now();
    // Written while the node publishes (one transaction per event, as order changes are).
    let writer = {
        let store = db.store.clone();
        tokio::spawn(async move {
            let mut written = Vec::with_capacity(n);
            for i in 0..n {
                let payload = serde_json::json!({ "n": i });
                let now = chrono::Utc::now();
                let id = outbox::append(store.db(), "test.tick", Uuid::now_v7(), &payload, now)
                    .await
                    .unwrap();
                written.push(id);
            }
            written
        })
    };
    // Mid-stream: a third has arrived, the rest is still to write or publish.
    let until = Instant::now() + Duration::from_secs(120);
    while arrivals.lock().unwrap().events.len() < n / 3 {
        assert!(
            Instant::now() < until,
            "a third never arrived: {}",
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let at_kill = arrivals.lock().unwrap().events.len();
    kill(node);
    // The consumer's feed goes down mid-stream too: what it held unacknowledged is
    // redelivered to the next feed.
    feed.abort();
    let _ = feed.await;
    let applied_at_kill = apply.applied.load(Ordering::SeqCst);
    let feed = tokio::spawn(BrokerFeed::new(amqp.opts.clone(), fed).run(stopped));
    let node = start(&dir, 1).await;
    let written = writer.await.unwrap();

    collector.await.unwrap().unwrap();
    let until = Instant::now() + Duration::from_secs(120);
    while apply.applied.load(Ordering::SeqCst) < n || broker_lag(&node).await != Some(0) {
        assert!(
            Instant::now() < until,
            "{backend:?}: applied {} of {n}, lag {:?}: {}",
            apply.applied.load(Ordering::SeqCst),
            broker_lag(&node).await,
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = started.elapsed().as_secs_f64();

    // At least once on the bound queue.
    let got = arrivals.lock().unwrap().clone();
    let ids: HashSet<Uuid> = got.events.iter().map(|e| e.id).collect();
    let missing = written.iter().filter(|id| !ids.contains(id)).count();
    assert_eq!(missing, 0, "{backend:?}: events that never arrived");
    // Exactly once applied.
    assert_eq!(apply.applied.load(Ordering::SeqCst), n, "{backend:?}");
    assert!(apply.delivered.load(Ordering::SeqCst) >= n, "{backend:?}");
    assert_eq!(
        processed::count(db.store.db(), APPLY).await.unwrap(),
        n as u64,
        "{backend:?}: one mark per event"
    );
    let effects = outbox_row::Entity::find()
        .filter(outbox_row::Column::Topic.eq("test.applied"))
        .all(db.store.db())
        .await
        .unwrap();
    let applied_to: HashSet<Uuid> = effects.iter().map(|r| r.aggregate_id).collect();
    assert_eq!(effects.len(), n, "{backend:?}: one effect per event");
    assert!(
        written.iter().all(|id| applied_to.contains(id)),
        "{backend:?}: an event without its effect"
    );
    let ticks = outbox_row::Entity::find()
        .filter(outbox_row::Column::Topic.eq("test.tick"))
        .count(db.store.db())
        .await
        .unwrap();
    assert_eq!(ticks, n as u64);
    eprintln!(
        "{backend:?}: {n} events; {at_kill} had arrived and {applied_at_kill} were applied at the SIGKILL; {} arrivals ({} republished), {} deliveries to the consumer ({} duplicates), {n} applied once; all in {secs:.1} s with a restart",
        got.events.len(),
        got.events.len() - n,
        apply.delivered.load(Ordering::SeqCst),
        apply.delivered.load(Ordering::SeqCst) - n,
    );
    stop.send(true).unwrap();
    feed.await.unwrap();
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_published_across_a_sigkill_arrive_at_least_once_and_apply_once() {
    for b in backends() {
        run(b, 2000).await;
    }
}
