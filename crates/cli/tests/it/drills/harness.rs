//! The drills' harness: the private services, the load clients and their tally, the
//! consumer that applies events once, and the checks every drill ends with.

use super::common::{TestApp, grab};
use super::nodes::{Node, shared_app, write_config};
use daojia_app::outbox::broker::feed::BrokerFeed;
use daojia_app::outbox::broker::testing::{Received, TestAmqp};
use daojia_app::outbox::{Consumer, Event, HandleError};
use daojia_shared::testing::TestRedis;
use daojia_store::entity::outbox as outbox_row;
use daojia_store::repo::{outbox, processed};
use daojia_store::testing::Backend;
use sea_orm::{EntityTrait, TransactionTrait};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// This process's own consumer of the order events.
pub const APPLY: &str = "drill.apply";
/// The queue that receives every event the broker routes.
pub const ALL: &str = "all";

/// The private service behind `var` (set by `scripts/drills.sh`); never the shared one on
/// `shared_port`.
pub fn private(var: &str, shared_port: u16) -> String {
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

/// The database the drills run on: `DAOJIA_DRILL_DB` (`postgres`, the default, or
/// `mariadb`), set by `scripts/drills.sh` from its `DRILLS_DB`.
pub fn drill_backend() -> Backend {
    match std::env::var("DAOJIA_DRILL_DB").as_deref() {
        Err(_) | Ok("" | "postgres" | "postgresql") => Backend::Postgres,
        Ok("mariadb" | "mysql") => Backend::MySql,
        Ok(other) => panic!("DAOJIA_DRILL_DB={other}: say postgres or mariadb"),
    }
}

/// Runs the script's command in `var` (stop or start a private service).
pub fn ctl(var: &str) {
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
pub struct Apply {
    pub store: daojia_store::Store,
    pub delivered: AtomicUsize,
    pub applied: AtomicUsize,
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

pub use super::load::*;

/// One drill's world: the database, the city, the private services, this process's
/// consumer and the reader of every routed event.
pub struct Drill {
    pub name: &'static str,
    pub backend: Backend,
    pub app: TestApp,
    pub redis: TestRedis,
    pub amqp: Arc<TestAmqp>,
    pub city: grab::GrabCity,
    pub date: chrono::NaiveDate,
    pub dir: PathBuf,
    pub http: reqwest::Client,
    pub apply: Arc<Apply>,
    pub arrivals: Arc<Mutex<Received>>,
    pub stop: tokio::sync::watch::Sender<bool>,
    pub background: Vec<tokio::task::JoinHandle<()>>,
    /// The events written by the setup, before the nodes started (not the drill's).
    pub baseline: HashSet<Uuid>,
}

impl Drill {
    pub async fn new(name: &'static str) -> Drill {
        private("DAOJIA_TEST_REDIS_URL", 6379);
        private("DAOJIA_TEST_AMQP_URL", 5672);
        let amqp = Arc::new(TestAmqp::new().await);
        amqp.track(daojia_app::outbox::worker_sms::NAME);
        amqp.bind(ALL, &["#"]).await.unwrap();
        let backend = drill_backend();
        let (app, redis, cfg) = shared_app(backend).await;
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
            backend,
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
    pub async fn begin(&mut self) {
        let rows = outbox_row::Entity::find().all(self.db()).await.unwrap();
        self.baseline = rows.into_iter().map(|r| r.id).collect();
    }

    /// The drill's events: written after [`Drill::begin`].
    pub async fn events(&self) -> Vec<outbox_row::Model> {
        let rows = outbox_row::Entity::find().all(self.db()).await.unwrap();
        rows.into_iter()
            .filter(|r| !self.baseline.contains(&r.id))
            .collect()
    }

    /// The events `consumer` has marked applied.
    pub async fn marked(&self, consumer: &str) -> HashSet<Uuid> {
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
    pub async fn node(&self, name: &'static str) -> Node {
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

    pub fn db(&self) -> &sea_orm::DatabaseConnection {
        self.app.db.store.db()
    }

    /// The database's name in the drill's summary line.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => "PostgreSQL",
            Backend::MySql => "MariaDB",
            Backend::Sqlite => "SQLite",
        }
    }

    /// The process id of the node whose relay holds `consumer`'s lease now (relay owners
    /// are named `host-pid-id`), if one does.
    pub async fn lease_holder(&self, consumer: &str) -> Option<u32> {
        let now = chrono::Utc::now();
        let row = outbox::consumers(self.db())
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == consumer)?;
        if row.lease_until.is_none_or(|t| t < now) {
            return None;
        }
        let owner = row.lease_owner?;
        let mut parts = owner.rsplitn(3, '-');
        parts.next()?;
        parts.next()?.parse().ok()
    }

    /// Every acknowledged order exists.
    pub async fn assert_acked_exist(&self, tally: &Tally) {
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
    pub async fn assert_delivered(&self, node: &Node, limit: Duration) -> (usize, usize, Duration) {
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

    pub async fn finish(self) {
        self.stop.send(true).unwrap();
        for t in self.background {
            t.await.unwrap();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        drop((self.amqp, self.redis));
    }
}

/// The publisher's lag as the node's `/readyz` shows it.
pub async fn broker_lag(http: &reqwest::Client, node: &Node) -> Option<i64> {
    let r = http
        .get(format!("{}/readyz", node.base))
        .send()
        .await
        .ok()?;
    let body: Value = r.json().await.ok()?;
    body["broker"]["lag"].as_i64()
}

/// `outbox_lag_events` of the broker publisher on the node's `/metrics`.
pub async fn lag_metric(http: &reqwest::Client, node: &Node) -> Option<f64> {
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
pub fn kill_9(mut node: Node) {
    node.child.kill().expect("SIGKILL");
    node.child.wait().unwrap();
}

pub fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
