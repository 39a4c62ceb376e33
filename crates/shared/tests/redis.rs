//! The Redis back end against a real Redis (`DAOJIA_TEST_REDIS_URL`, default
//! 127.0.0.1:6379), each test under a key prefix of its own that is deleted afterwards.

use daojia_shared::testing::TestRedis;
use daojia_shared::{Decision, Limit, MemoryOptions, Quota, Shared, SharedError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[tokio::test]
async fn the_redis_limiter_allows_a_burst_then_answers_how_long_to_wait() {
    let redis = TestRedis::new();
    let shared = redis.shared().await;
    assert_eq!(shared.backend(), "redis");
    let limit = Limit::new("login", Quota::per_minute(3));
    for left in [2, 1, 0] {
        assert_eq!(
            shared.check(&limit, "203.0.113.9").await,
            Decision::Allowed { remaining: left }
        );
    }
    match shared.check(&limit, "203.0.113.9").await {
        Decision::Limited { retry_after } => {
            assert!(
                (Duration::from_secs(19)..=Duration::from_secs(20)).contains(&retry_after),
                "{retry_after:?}"
            );
        }
        d => panic!("expected a refusal, got {d:?}"),
    }
    assert!(shared.check(&limit, "203.0.113.10").await.is_allowed());
    let ttl = redis.ttl_ms("rl:login:203.0.113.9");
    assert!(
        (59_000..=60_000).contains(&ttl),
        "the key expires with its TAT: {ttl}"
    );
}

#[tokio::test]
async fn the_allowance_refills_on_the_redis_clock() {
    let redis = TestRedis::new();
    let shared = redis.shared().await;
    let limit = Limit::new("fast", Quota::new(10, Duration::from_secs(1), 1).unwrap());
    assert!(shared.check(&limit, "k").await.is_allowed());
    let d = shared.check(&limit, "k").await;
    assert!(!d.is_allowed(), "{d:?}");
    tokio::time::sleep(Duration::from_millis(120)).await;
    assert!(shared.check(&limit, "k").await.is_allowed());
}

#[tokio::test]
async fn fifty_parallel_requests_from_two_nodes_get_exactly_the_allowance() {
    let redis = TestRedis::new();
    let nodes = [redis.shared().await, redis.shared().await];
    let limit = Limit::new("verify", Quota::per_minute(10));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let node = nodes[i % 2].clone();
            tokio::spawn(async move { node.check(&limit, "one-client").await.is_allowed() })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        allowed += usize::from(t.await.unwrap());
    }
    assert_eq!(allowed, 10);
}

#[tokio::test]
async fn a_key_prefix_keeps_installations_apart() {
    let (one, two) = (TestRedis::new(), TestRedis::new());
    let (a, b) = (one.shared().await, two.shared().await);
    let limit = Limit::new("login", Quota::per_minute(1));
    assert!(a.check(&limit, "k").await.is_allowed());
    assert!(!a.check(&limit, "k").await.is_allowed());
    assert!(b.check(&limit, "k").await.is_allowed());
    a.set("x", b"1", Duration::from_secs(5)).await.unwrap();
    assert_eq!(b.get("x").await.unwrap(), None);
}

#[tokio::test]
async fn values_locks_and_counters_live_in_redis_with_a_ttl() {
    let redis = TestRedis::new();
    let shared = redis.shared().await;
    let ttl = Duration::from_secs(30);

    shared.set("pos:w1", b"31.2,121.4", ttl).await.unwrap();
    assert_eq!(
        shared.get("pos:w1").await.unwrap().as_deref(),
        Some(&b"31.2,121.4"[..])
    );
    let left = redis.ttl_ms("kv:pos:w1");
    assert!((29_000..=30_000).contains(&left), "{left}");
    assert!(shared.delete("pos:w1").await.unwrap());
    assert!(!shared.delete("pos:w1").await.unwrap());
    assert_eq!(shared.get("pos:w1").await.unwrap(), None);

    assert!(
        shared
            .set_if_absent("lock:o1", b"node-a", ttl)
            .await
            .unwrap()
    );
    assert!(
        !shared
            .set_if_absent("lock:o1", b"node-b", ttl)
            .await
            .unwrap()
    );
    assert!(!shared.delete_if_equals("lock:o1", b"node-b").await.unwrap());
    assert!(shared.delete_if_equals("lock:o1", b"node-a").await.unwrap());
    assert!(
        shared
            .set_if_absent("lock:o1", b"node-b", Duration::from_millis(50))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(
        shared
            .set_if_absent("lock:o1", b"node-c", ttl)
            .await
            .unwrap(),
        "the lock expired"
    );

    let hour = Duration::from_secs(3600);
    assert_eq!(shared.increment("sent:p1", 1, hour).await.unwrap(), 1);
    assert_eq!(shared.increment("sent:p1", 2, hour).await.unwrap(), 3);
    let left = redis.ttl_ms("kv:sent:p1");
    assert!((3_590_000..=3_600_000).contains(&left), "{left}");
    assert!(matches!(
        shared.increment("lock:o1", 1, hour).await,
        Err(SharedError::NotACounter)
    ));
    let mut keys = redis.keys();
    keys.sort();
    assert_eq!(keys, ["kv:lock:o1", "kv:sent:p1"]);
}

/// A TCP relay to Redis that the test can cut, to play an outage.
struct Relay {
    port: u16,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn to(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks = Arc::new(Mutex::new(Vec::new()));
        let list = tasks.clone();
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
        tasks.lock().unwrap().push(accept);
        Relay { port, tasks }
    }

    /// Closes the listener and every relayed connection.
    fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

#[tokio::test]
async fn when_redis_stops_answering_limits_fall_back_to_this_node_and_values_report_it() {
    let redis = TestRedis::new();
    let host = redis
        .url
        .trim_start_matches("redis://")
        .rsplit('@')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let relay = Relay::to(host).await;
    let url = format!("redis://127.0.0.1:{}", relay.port);
    let shared = Shared::redis(&url, &redis.prefix, MemoryOptions::default())
        .await
        .unwrap();
    let limit = Limit::new("login", Quota::per_minute(2));
    assert!(shared.check(&limit, "k").await.is_allowed());
    shared.ping().await.unwrap();

    relay.cut();
    let started = std::time::Instant::now();
    // This node's own limiter takes over: a fresh allowance, still enforced.
    assert!(shared.check(&limit, "k").await.is_allowed());
    assert!(shared.check(&limit, "k").await.is_allowed());
    assert!(!shared.check(&limit, "k").await.is_allowed());
    assert!(matches!(
        shared.get("x").await,
        Err(SharedError::Unavailable(_))
    ));
    assert!(shared.ping().await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "each call gives up quickly: {:?}",
        started.elapsed()
    );
}

#[test]
fn an_unusable_url_is_refused_without_connecting() {
    assert!(daojia_shared::check_url("redis://127.0.0.1:6379/0").is_ok());
    assert!(daojia_shared::check_url("redis+unix:///run/redis.sock").is_ok());
    let e = daojia_shared::check_url("http://cache:6379").unwrap_err();
    assert!(e.to_string().contains("redis://"), "{e}");
    assert!(daojia_shared::check_url("rediss://cache:6380").is_err());
}
