//! The pub/sub hub on a real Redis (`DAOJIA_TEST_REDIS_URL`, default 127.0.0.1:6379): two
//! nodes on one Redis, prefixes apart, and re-subscribing after the connection drops.

use daojia_shared::testing::TestRedis;
use daojia_shared::{MemoryOptions, Missed, Received, Shared};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(5);

async fn next(sub: &mut daojia_shared::Subscription) -> Received {
    tokio::time::timeout(WAIT, sub.recv())
        .await
        .expect("a message in time")
}

#[tokio::test]
async fn a_message_published_on_one_node_reaches_subscribers_on_both() {
    let redis = TestRedis::new();
    let a = redis.shared().await;
    let b = redis.shared().await;
    let mut on_a = a.hub().subscribe("board:sh-xuhui").unwrap();
    let mut on_b = b.hub().subscribe("board:sh-xuhui").unwrap();
    let mut other_topic = b.hub().subscribe("board:sh-minhang").unwrap();

    a.hub()
        .publish("board:sh-xuhui", r#"{"n":1}"#)
        .await
        .unwrap();
    assert_eq!(
        next(&mut on_b).await,
        Received::Message(Arc::from(r#"{"n":1}"#))
    );
    // The publishing node receives it through Redis too, exactly once.
    assert_eq!(
        next(&mut on_a).await,
        Received::Message(Arc::from(r#"{"n":1}"#))
    );
    b.hub().publish("board:sh-xuhui", "2").await.unwrap();
    assert_eq!(next(&mut on_a).await, Received::Message(Arc::from("2")));
    assert_eq!(next(&mut on_b).await, Received::Message(Arc::from("2")));

    let nothing = tokio::time::timeout(Duration::from_millis(100), other_topic.recv()).await;
    assert!(nothing.is_err(), "{nothing:?}");
    assert!(a.hub().is_connected() && b.hub().is_connected());
}

#[tokio::test]
async fn installations_with_different_prefixes_do_not_hear_each_other() {
    let one = TestRedis::new();
    let two = TestRedis::new();
    let a = one.shared().await;
    let b = two.shared().await;
    let mut on_b = b.hub().subscribe("order:1").unwrap();
    a.hub().publish("order:1", "for one only").await.unwrap();
    let nothing = tokio::time::timeout(Duration::from_millis(200), on_b.recv()).await;
    assert!(nothing.is_err(), "{nothing:?}");
}

/// A TCP relay to Redis whose connections the test can cut while it keeps accepting new
/// ones: a dropped connection, not an outage.
struct Relay {
    port: u16,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Relay {
    async fn to(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns = Arc::new(Mutex::new(Vec::new()));
        let list = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().unwrap().push(conn);
            }
        });
        Relay {
            port,
            conns,
            accept,
        }
    }

    /// Closes every relayed connection.
    fn cut_connections(&self) {
        for t in self.conns.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut_connections();
    }
}

fn host_of(url: &str) -> String {
    url.trim_start_matches("redis://")
        .rsplit('@')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn after_its_connection_drops_a_node_resubscribes_and_tells_its_subscribers() {
    let redis = TestRedis::new();
    let relay = Relay::to(host_of(&redis.url)).await;
    let url = format!("redis://127.0.0.1:{}", relay.port);
    let flaky = Shared::redis(&url, &redis.prefix, MemoryOptions::default())
        .await
        .unwrap();
    let steady = redis.shared().await;
    let mut sub = flaky.hub().subscribe("worker:7").unwrap();

    relay.cut_connections();
    // The relay re-subscribes (its first retry comes after 100 ms) and says so.
    assert_eq!(next(&mut sub).await, Received::Missed(Missed::Interrupted));
    assert_eq!(flaky.hub().reconnects(), 1);
    assert!(flaky.hub().is_connected());

    steady.hub().publish("worker:7", "after").await.unwrap();
    assert_eq!(next(&mut sub).await, Received::Message(Arc::from("after")));
    // Publishing from the node whose connection dropped works again too.
    let deadline = std::time::Instant::now() + WAIT;
    while flaky.hub().publish("worker:7", "mine").await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "publish never recovered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(next(&mut sub).await, Received::Message(Arc::from("mine")));
}

#[tokio::test]
async fn without_redis_the_hub_stays_in_process() {
    let shared = Shared::in_process(MemoryOptions::default());
    let mut sub = shared.hub().subscribe("order:1").unwrap();
    shared.hub().publish("order:1", "local").await.unwrap();
    assert_eq!(next(&mut sub).await, Received::Message(Arc::from("local")));
    assert_eq!(shared.hub().reconnects(), 0);
}
