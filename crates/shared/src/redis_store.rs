//! The Redis back end: the same operations as [`crate::memory`], on a Redis server that
//! every API node shares. Rate limits run as one Lua script per request (atomic, on the
//! Redis server's clock, so nodes with skewed clocks agree); every key carries the
//! configured prefix and a TTL.
//!
//! Redis is a fast path: when it does not answer, a rate-limit check falls back to this
//! node's in-process limiter for that call (a warning at most once a minute, and the
//! `shared_state_redis_errors_total` counter), and the key-value operations return
//! [`SharedError::Unavailable`] so their callers decide. Limits that must never be exceeded
//! are counted in the database.

use crate::gcra::{Decision, Quota};
use crate::memory::Memory;
use crate::{Limit, SharedError};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The GCRA step of [`crate::gcra::decide`] in microseconds of the Redis server's clock.
/// KEYS[1]: the key; ARGV[1]: emission interval, ARGV[2]: tolerance (µs).
/// Returns `{1, remaining}` when allowed, `{0, retry_after_µs}` when refused.
const GCRA_LUA: &str = r"
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local next = tat + interval
local allow_at = next - tolerance
if now < allow_at then
  return {0, allow_at - now}
end
redis.call('SET', KEYS[1], next, 'PX', math.ceil((next - now) / 1000))
return {1, math.floor((tolerance - (next - now)) / interval)}
";

/// Deletes KEYS[1] only while it holds ARGV[1].
const DELETE_IF_EQUALS_LUA: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Adds ARGV[1] to the counter KEYS[1]; a new counter lives ARGV[2] ms (a fixed window).
const INCREMENT_LUA: &str = r"
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v
";

/// How long one Redis call may take before it counts as unreachable.
pub const CALL_TIMEOUT: Duration = Duration::from_millis(500);

/// Minimum time between two "Redis unreachable" warnings.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// Shared state in Redis.
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    gcra: Script,
    delete_if_equals: Script,
    increment: Script,
    fallback: Memory,
    last_warning: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisStore {
    /// Connects to `url` (`redis://`, `rediss://`, `redis+unix://`), keeping every key
    /// under `prefix`. Fails when the server cannot be reached now; afterwards the
    /// connection is re-established in the background whenever it drops.
    pub async fn connect(
        url: &str,
        prefix: &str,
        fallback: Memory,
    ) -> Result<RedisStore, SharedError> {
        let client = redis::Client::open(url).map_err(|e| SharedError::Config(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CALL_TIMEOUT))
            .set_response_timeout(Some(CALL_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_secs(2));
        let conn = tokio::time::timeout(
            CALL_TIMEOUT * 4,
            ConnectionManager::new_with_config(client, config),
        )
        .await
        .map_err(|_| SharedError::Unavailable("connecting timed out".into()))?
        .map_err(unavailable)?;
        let store = RedisStore {
            conn,
            prefix: prefix.to_string(),
            gcra: Script::new(GCRA_LUA),
            delete_if_equals: Script::new(DELETE_IF_EQUALS_LUA),
            increment: Script::new(INCREMENT_LUA),
            fallback,
            last_warning: Mutex::new(None),
        };
        store.ping().await?;
        Ok(store)
    }

    /// A handle on the shared connection (for `PUBLISH`).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Runs one Redis call with the call timeout. A reply error (a command refused by
    /// the server, e.g. INCRBY on text) is the caller's; anything else counts as Redis
    /// being unreachable.
    async fn call<T>(
        &self,
        op: &'static str,
        f: impl AsyncFnOnce(ConnectionManager) -> redis::RedisResult<T>,
    ) -> Result<T, SharedError> {
        let error = match tokio::time::timeout(CALL_TIMEOUT, f(self.conn.clone())).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) if is_refusal(&e) => return Err(SharedError::Refused(e.to_string())),
            Ok(Err(e)) => unavailable(e),
            Err(_) => SharedError::Unavailable("no answer in time".into()),
        };
        metrics::counter!("shared_state_redis_errors_total", "op" => op).increment(1);
        self.warn(op, &error);
        Err(error)
    }

    fn warn(&self, op: &str, error: &SharedError) {
        let mut last = self.last_warning.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
            *last = Some(Instant::now());
            tracing::warn!(op, %error, "Redis is unreachable; rate limits fall back to this node's own (warned once a minute)");
        }
    }

    /// Answers when Redis does.
    pub async fn ping(&self) -> Result<(), SharedError> {
        self.call("ping", async |mut c| {
            redis::cmd("PING")
                .query_async::<String>(&mut c)
                .await
                .map(drop)
        })
        .await
    }

    /// Counts one request of `key` against `limit` in Redis, or in this process when
    /// Redis does not answer.
    pub async fn check(&self, limit: &Limit, key: &str) -> Decision {
        let full = self.key(&format!("rl:{}:{key}", limit.name));
        match self.check_redis(&full, &limit.quota).await {
            Ok(d) => d,
            Err(_) => {
                metrics::counter!("shared_state_fallbacks_total", "limit" => limit.name)
                    .increment(1);
                self.fallback.check(limit, key)
            }
        }
    }

    async fn check_redis(&self, key: &str, quota: &Quota) -> Result<Decision, SharedError> {
        let interval = (quota.emission_interval_nanos() / 1000).max(1);
        let tolerance = interval.saturating_mul(u64::from(quota.burst()));
        let (allowed, n): (i64, i64) = self
            .call("rate_limit", async |mut c| {
                self.gcra
                    .key(key)
                    .arg(interval)
                    .arg(tolerance)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        let n = u64::try_from(n).unwrap_or(0);
        Ok(if allowed == 1 {
            Decision::Allowed {
                remaining: u32::try_from(n).unwrap_or(u32::MAX),
            }
        } else {
            Decision::Limited {
                retry_after: Duration::from_micros(n.max(1)),
            }
        })
    }

    /// The value under `key`.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, SharedError> {
        let k = self.key(key);
        self.call("get", async |mut c| c.get(&k).await).await
    }

    /// Sets `key` to `value` for `ttl`.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), SharedError> {
        let k = self.key(key);
        self.call("set", async |mut c| {
            c.pset_ex::<_, _, ()>(&k, value, millis(ttl)).await
        })
        .await
    }

    /// Sets `key` only if it holds nothing.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, SharedError> {
        let k = self.key(key);
        let set: Option<String> = self
            .call("set_if_absent", async |mut c| {
                redis::cmd("SET")
                    .arg(&k)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(ttl))
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(set.is_some())
    }

    /// Deletes `key`.
    pub async fn delete(&self, key: &str) -> Result<bool, SharedError> {
        let k = self.key(key);
        let n: i64 = self.call("delete", async |mut c| c.del(&k).await).await?;
        Ok(n > 0)
    }

    /// Deletes `key` only while it holds `expected`.
    pub async fn delete_if_equals(&self, key: &str, expected: &[u8]) -> Result<bool, SharedError> {
        let k = self.key(key);
        let n: i64 = self
            .call("delete_if_equals", async |mut c| {
                self.delete_if_equals
                    .key(&k)
                    .arg(expected)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(n > 0)
    }

    /// Adds `by` to the counter under `key`; a new counter lives `ttl`.
    pub async fn increment(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, SharedError> {
        let k = self.key(key);
        self.call("increment", async |mut c| {
            self.increment
                .key(&k)
                .arg(by)
                .arg(millis(ttl))
                .invoke_async(&mut c)
                .await
        })
        .await
        .map_err(|e| match e {
            SharedError::Refused(_) => SharedError::NotACounter,
            other => other,
        })
    }
}

/// Whether Redis answered and refused the command itself (a script error, a value of the
/// wrong kind), as opposed to not answering, loading, failing over or refusing us.
fn is_refusal(e: &redis::RedisError) -> bool {
    use redis::{ErrorKind, ServerErrorKind};
    matches!(
        e.kind(),
        ErrorKind::Server(ServerErrorKind::ResponseError)
            | ErrorKind::Extension
            | ErrorKind::UnexpectedReturnType
            | ErrorKind::Parse
    )
}

fn unavailable(e: redis::RedisError) -> SharedError {
    SharedError::Unavailable(e.to_string())
}
