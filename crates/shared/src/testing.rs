//! Redis for tests: a unique key prefix per test on the Redis named by
//! `DAOJIA_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`), whose keys are deleted when
//! the handle goes out of scope (also when the test panics), so runs never collide. Redis
//! that cannot be reached fails the test; it is never skipped silently.

use crate::{MemoryOptions, Shared};

/// The Redis the tests use.
pub fn redis_url() -> String {
    std::env::var("DAOJIA_TEST_REDIS_URL")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into())
}

/// A key prefix of this test's own.
pub struct TestRedis {
    /// The Redis URL.
    pub url: String,
    /// The prefix, e.g. `daojia-test:0195…:`.
    pub prefix: String,
}

impl TestRedis {
    /// A fresh prefix on the test Redis; panics when Redis does not answer.
    pub fn new() -> TestRedis {
        let url = redis_url();
        let prefix = format!("daojia-test:{}:", uuid::Uuid::new_v4().simple());
        let answers = redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection_with_timeout(std::time::Duration::from_secs(2)))
            .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
        if let Err(e) = answers {
            panic!(
                "test Redis unreachable at {url} ({e}); start it (scripts/lib.sh ensure_services) or set DAOJIA_TEST_REDIS_URL"
            );
        }
        TestRedis { url, prefix }
    }

    /// Shared state on this prefix.
    pub async fn shared(&self) -> Shared {
        Shared::redis(&self.url, &self.prefix, MemoryOptions::default())
            .await
            .expect("connect to the test Redis")
    }

    /// Keys under this prefix now (without the prefix).
    pub fn keys(&self) -> Vec<String> {
        let mut c = self.connection();
        let pattern = format!("{}*", self.prefix);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query(&mut c)
            .expect("list test keys");
        keys.into_iter()
            .map(|k| k[self.prefix.len()..].to_string())
            .collect()
    }

    /// Milliseconds `key` (without the prefix) has left; negative: no TTL or no key.
    pub fn ttl_ms(&self, key: &str) -> i64 {
        let mut c = self.connection();
        redis::cmd("PTTL")
            .arg(format!("{}{key}", self.prefix))
            .query(&mut c)
            .expect("read a TTL")
    }

    fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url.as_str())
            .and_then(|c| c.get_connection())
            .expect("connect to the test Redis")
    }
}

impl Default for TestRedis {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let Ok(mut c) = redis::Client::open(self.url.as_str()).and_then(|c| c.get_connection())
        else {
            return;
        };
        let pattern = format!("{}*", self.prefix);
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(&pattern)
            .query(&mut c)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _ = redis::cmd("DEL").arg(&keys).query::<i64>(&mut c);
        }
    }
}
