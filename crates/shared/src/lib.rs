//! State that every API node shares: rate limits, short-lived values (locks), counters,
//! worker positions ([`positions`]), a pub/sub fan-out for realtime updates
//! ([`pubsub`]) and cached copies of database reads kept correct across nodes
//! ([`cached`]). One interface, [`Shared`], with two back ends: in this process (the
//! default, for a single node) or in Redis (when `REDIS_URL` is set), so that any number of nodes
//! behind a load balancer behave as one.
//!
//! Later capabilities add keys, not back ends: a rate limit is a [`Limit`] (a name and a
//! [`Quota`]); a value or counter is a key the caller names, by convention
//! `<capability>:<id>` (e.g. `lock:order:<id>`). Every value has a TTL, so nothing
//! outlives its use. The database remains the source of truth for anything that must not
//! be lost or doubled; this state is a fast path that a Redis restart may empty.

pub mod cached;
pub mod gcra;
pub mod memory;
pub mod positions;
pub mod pubsub;
mod pubsub_redis;
mod redis_store;
#[cfg(feature = "testing")]
pub mod testing;

pub use cached::Cached;
pub use gcra::{Decision, InvalidQuota, Quota};
pub use memory::{Clock, Memory, MemoryOptions, SystemClock};
pub use positions::{Filter, Nearby, WorkerPositions};
pub use pubsub::{Hub, Missed, Received, Subscription};
pub use redis_store::CALL_TIMEOUT;

use redis_store::RedisStore;
use std::sync::Arc;
use std::time::Duration;

/// A rate limit: `quota` per key, for keys scoped by `name` (so two limits on the same
/// client address count separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Scopes the keys, e.g. `otp_verify_ip`.
    pub name: &'static str,
    /// The allowance per key.
    pub quota: Quota,
}

impl Limit {
    /// A limit named `name`.
    pub const fn new(name: &'static str, quota: Quota) -> Limit {
        Limit { name, quota }
    }
}

/// Why a shared-state operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SharedError {
    /// Redis did not answer (in time).
    #[error("Redis is unreachable: {0}")]
    Unavailable(String),
    /// Redis answered with an error.
    #[error("Redis refused the command: {0}")]
    Refused(String),
    /// The in-process map holds as many keys as it may.
    #[error("the in-process shared state is full")]
    Full,
    /// An increment hit a key that holds something else, or would overflow.
    #[error("the key does not hold a counter that can take this increment")]
    NotACounter,
    /// The Redis URL is not usable.
    #[error("{0}")]
    Config(String),
}

#[derive(Debug)]
enum Backend {
    Memory(Memory),
    Redis(Box<RedisStore>),
}

/// The shared state, cheap to clone: keys and limits, and the pub/sub [`Hub`] and the
/// [`WorkerPositions`] on the same back end.
#[derive(Debug, Clone)]
pub struct Shared(Arc<Backend>, Hub, WorkerPositions);

/// Checks a Redis URL without connecting: `redis://[user:password@]host[:port][/db]` or
/// `redis+unix:///path/to/socket`.
pub fn check_url(url: &str) -> Result<(), SharedError> {
    if !(url.starts_with("redis://") || url.starts_with("redis+unix://")) {
        return Err(SharedError::Config(
            "expected redis://host:6379 (or redis+unix:///path/to/socket); TLS (rediss://) is not supported, so reach Redis over a private network".into(),
        ));
    }
    redis::Client::open(url)
        .map(drop)
        .map_err(|e| SharedError::Config(format!("not a usable Redis URL: {e}")))
}

/// Keys of values and counters live apart from rate-limit keys (`rl:`).
fn kv_key(key: &str) -> String {
    format!("kv:{key}")
}

impl Shared {
    /// State kept in this process.
    pub fn in_process(opts: MemoryOptions) -> Shared {
        Shared::from_memory(Memory::new(opts))
    }

    /// State kept in `memory` (tests pass one with their own clock).
    pub fn from_memory(memory: Memory) -> Shared {
        Shared(
            Arc::new(Backend::Memory(memory)),
            Hub::in_process(),
            WorkerPositions::in_process(positions::REFERENCE_LAT),
        )
    }

    /// State kept in the Redis at `url`, every key under `prefix`; rate limits fall back
    /// to an in-process limiter sized by `opts` while Redis does not answer. Fails when
    /// Redis cannot be reached now.
    pub async fn redis(
        url: &str,
        prefix: &str,
        opts: MemoryOptions,
    ) -> Result<Shared, SharedError> {
        let store = RedisStore::connect(url, prefix, Memory::new(opts)).await?;
        let client = redis::Client::open(url).map_err(|e| SharedError::Config(e.to_string()))?;
        let hub = Hub::redis(client, store.connection(), prefix).await?;
        let positions = WorkerPositions::redis(url, prefix).await?;
        Ok(Shared(
            Arc::new(Backend::Redis(Box::new(store))),
            hub,
            positions,
        ))
    }

    /// The pub/sub hub: in this process, or relayed through the same Redis.
    pub fn hub(&self) -> &Hub {
        &self.1
    }

    /// The worker positions: in this process, or in the same Redis under the same prefix.
    pub fn positions(&self) -> &WorkerPositions {
        &self.2
    }

    /// `memory` or `redis`.
    pub fn backend(&self) -> &'static str {
        match &*self.0 {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// Whether the state lives in Redis.
    pub fn is_redis(&self) -> bool {
        matches!(&*self.0, Backend::Redis(_))
    }

    /// Answers when the back end does (always, in process).
    pub async fn ping(&self) -> Result<(), SharedError> {
        match &*self.0 {
            Backend::Memory(_) => Ok(()),
            Backend::Redis(r) => r.ping().await,
        }
    }

    /// Counts one request of `key` against `limit`. Never fails: when Redis does not
    /// answer, this node's own limiter decides.
    pub async fn check(&self, limit: &Limit, key: &str) -> Decision {
        let decision = match &*self.0 {
            Backend::Memory(m) => m.check(limit, key),
            Backend::Redis(r) => r.check(limit, key).await,
        };
        if !decision.is_allowed() {
            metrics::counter!("rate_limit_refusals_total", "limit" => limit.name).increment(1);
        }
        decision
    }

    /// The value under `key`, if set and not expired.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SharedError> {
        let key = kv_key(key);
        match &*self.0 {
            Backend::Memory(m) => Ok(m.get(&key)),
            Backend::Redis(r) => r.get(&key).await,
        }
    }

    /// Sets `key` to `value` for `ttl`.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), SharedError> {
        let key = kv_key(key);
        match &*self.0 {
            Backend::Memory(m) => m.set(&key, value, ttl),
            Backend::Redis(r) => r.set(&key, value, ttl).await,
        }
    }

    /// Sets `key` to `value` for `ttl` only if it holds nothing (takes a lock); `true`
    /// when this call set it.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, SharedError> {
        let key = kv_key(key);
        match &*self.0 {
            Backend::Memory(m) => m.set_if_absent(&key, value, ttl),
            Backend::Redis(r) => r.set_if_absent(&key, value, ttl).await,
        }
    }

    /// Deletes `key`; `true` when it held a value.
    pub async fn delete(&self, key: &str) -> Result<bool, SharedError> {
        let key = kv_key(key);
        match &*self.0 {
            Backend::Memory(m) => Ok(m.delete(&key)),
            Backend::Redis(r) => r.delete(&key).await,
        }
    }

    /// Deletes `key` only while it holds `expected` (releases a lock its holder still
    /// holds, never one that expired and was taken by another); `true` when deleted.
    pub async fn delete_if_equals(&self, key: &str, expected: &[u8]) -> Result<bool, SharedError> {
        let key = kv_key(key);
        match &*self.0 {
            Backend::Memory(m) => Ok(m.delete_if_equals(&key, expected)),
            Backend::Redis(r) => r.delete_if_equals(&key, expected).await,
        }
    }

    /// Adds `by` to the counter under `key` and returns the new value. A counter that
    /// does not exist starts at zero and lives `ttl` from this call (a fixed window).
    pub async fn increment(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, SharedError> {
        let key = kv_key(key);
        match &*self.0 {
            Backend::Memory(m) => m.increment(&key, by, ttl),
            Backend::Redis(r) => r.increment(&key, by, ttl).await,
        }
    }
}
