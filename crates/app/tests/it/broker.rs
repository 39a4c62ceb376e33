//! The outbox's RabbitMQ back end against a real broker (`DAOJIA_TEST_AMQP_URL`, default
//! the local one), on every database: events reach the exchange confirmed, with the event
//! id as message id, the topic as routing key and the position in a header, in order; a
//! broker that goes away (a TCP gate the test closes) only delays them: the outbox holds
//! them, the publisher's lag shows them, and they drain once it is back.

use chrono::{Duration, Utc};
use daojia_app::App;
use daojia_app::outbox::broker::publish::{NAME, Publisher};
use daojia_app::outbox::broker::testing::{Received, TestAmqp};
use daojia_app::outbox::relay::{Relay, RelayOptions};
use daojia_store::repo::outbox;
use daojia_store::testing::{Backend, TestDb, backends};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// A TCP gate to the broker that the test can close (connections cut, new ones refused)
/// and open again on the same port, to play an outage.
struct Gate {
    port: u16,
    open: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Gate {
    async fn to(target: String) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let (o, list) = (open.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                list.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Gate {
            port,
            open,
            conns,
            accept,
        }
    }

    fn close(&self) {
        self.open.store(false, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn reopen(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.close();
        self.accept.abort();
    }
}

/// `url` with its host and port replaced by 127.0.0.1:`port`, and the host:port it had.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (creds, rest) = rest.rsplit_once('@').map_or(("", rest), |(c, r)| (c, r));
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5672")
    };
    let creds = if creds.is_empty() {
        String::new()
    } else {
        format!("{creds}@")
    };
    (format!("{scheme}://{creds}127.0.0.1:{port}/{path}"), host)
}

/// A fresh database on `b`, its app, and names on the test broker with a queue `all` bound
/// to every event.
async fn setup(b: Backend) -> (TestDb, App, TestAmqp) {
    let t = TestDb::new(b).await;
    let app = App::new(
        t.store.clone(),
        Arc::new(daojia_domain::travel::TravelModel::default()),
    );
    let amqp = TestAmqp::new().await;
    amqp.bind("all", &["#"]).await.unwrap();
    (t, app, amqp)
}

fn relay(app: &App, publisher: Publisher) -> Relay {
    let opts = RelayOptions {
        owner: "test-node".into(),
        grace: std::time::Duration::ZERO,
        ..RelayOptions::default()
    };
    Relay::new(app.clone(), opts).with(Arc::new(publisher))
}

async fn append(t: &TestDb, n: usize) -> Vec<Uuid> {
    let mut ids = vec![];
    for i in 0..n {
        let payload = serde_json::json!({ "n": i });
        ids.push(
            outbox::append(
                t.store.db(),
                "test.tick",
                Uuid::now_v7(),
                &payload,
                Utc::now(),
            )
            .await
            .unwrap(),
        );
    }
    ids
}

async fn lag(t: &TestDb) -> i64 {
    daojia_app::outbox::lag(t.store.db())
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.consumer == NAME)
        .unwrap()
        .events
}

async fn collect(amqp: &TestAmqp, into: &Arc<Mutex<Received>>, want: usize) {
    amqp.collect(
        "all",
        into.clone(),
        |r| r.events.len() >= want,
        std::time::Duration::from_secs(20),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_reach_the_exchange_confirmed_and_an_outage_only_delays_them() {
    for b in backends() {
        let (t, app, amqp) = setup(b).await;
        let gate = Gate::to(through(&amqp.opts.url, 0).1).await;
        let mut opts = amqp.opts.clone();
        opts.url = through(&amqp.opts.url, gate.port).0;
        let r = relay(&app, Publisher::new(app.clone(), opts, vec![]));
        let now = Utc::now();
        r.register(now).await.unwrap();

        // In order, confirmed, with id, topic and position.
        let first = append(&t, 50).await;
        assert_eq!(r.tick(now).await.unwrap(), 50, "{b:?}");
        assert_eq!(lag(&t).await, 0, "{b:?}");
        let got = Arc::new(Mutex::new(Received::default()));
        collect(&amqp, &got, 50).await;
        {
            let g = got.lock().unwrap();
            let ids: Vec<Uuid> = g.events.iter().map(|e| e.id).collect();
            assert_eq!(ids, first, "{b:?}: every event once, in order");
            for (e, (key, id, position)) in g.events.iter().zip(&g.envelopes) {
                assert_eq!(key, "test.tick");
                assert_eq!(id, &e.id.to_string());
                assert_eq!(*position, Some(e.position));
            }
        }

        // The broker goes away: nothing is lost, the lag shows what waits.
        gate.close();
        let held = append(&t, 20).await;
        assert_eq!(
            r.tick(now).await.unwrap(),
            20,
            "{b:?}: one attempt, refused"
        );
        assert_eq!(lag(&t).await, 20, "{b:?}");
        let rows = outbox::consumers(t.store.db()).await.unwrap();
        let p = rows.iter().find(|c| c.name == NAME).unwrap();
        assert_eq!(p.attempts, 1, "{b:?}");
        assert!(p.last_error.is_some(), "{b:?}");
        // Retried with back-off (1 s, 2 s, ... at most 10 s), still away.
        r.tick(now + Duration::seconds(2)).await.unwrap();
        assert_eq!(lag(&t).await, 20, "{b:?}");

        // Back: the publisher reconnects and drains.
        gate.reopen();
        let later = now + Duration::seconds(30);
        while r.tick(later).await.unwrap() > 0 {}
        assert_eq!(lag(&t).await, 0, "{b:?}: drained");
        collect(&amqp, &got, 70).await;
        let g = got.lock().unwrap();
        let tail: Vec<Uuid> = g.events[50..].iter().map(|e| e.id).collect();
        assert_eq!(
            tail, held,
            "{b:?}: the held events, in order, after the outage"
        );
        assert_eq!(g.foreign, 0);
    }
}

/// How fast the relay publishes to the local broker (figures for docs/operations.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_rate_on_each_database() {
    for b in backends() {
        let (t, app, amqp) = setup(b).await;
        let r = relay(&app, Publisher::new(app.clone(), amqp.opts.clone(), vec![]));
        let now = Utc::now();
        r.register(now).await.unwrap();
        let n = 1000;
        append(&t, n).await;
        let started = std::time::Instant::now();
        let mut published = 0;
        while published < n {
            let k = r.tick(now).await.unwrap();
            assert!(k > 0, "{b:?}: stalled at {published}");
            published += k;
        }
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{b:?}: {n} events published with confirms in {secs:.2} s ({:.0} events/s)",
            n as f64 / secs
        );
        let got = Arc::new(Mutex::new(Received::default()));
        collect(&amqp, &got, n).await;
        assert_eq!(got.lock().unwrap().events.len(), n, "{b:?}");
    }
}
