//! The in-process back end: shared state kept in this process, for a single node (the
//! default) and as the Redis back end's fallback.
//!
//! Entries live in sharded maps with a hard cap. Each shard keeps its entries ordered by
//! expiry, so expired entries are dropped a few at a time as the shard is written (idle keys
//! go without a full scan), and a full shard makes room in O(log n) under its own lock
//! only. Rate-limit keys come from clients (addresses, phones), so the limiter's map evicts
//! the entry closest to expiry when full: that is the key nearest to a full allowance, so
//! evicting it costs the least, and a key an attacker has drained stays longest. The
//! key-value map holds the application's own keys (locks, positions) and refuses a write
//! when full rather than drop a live lock.

use crate::gcra::{self, Decision, Quota};
use crate::{Limit, SharedError};
use std::collections::hash_map::RandomState;
use std::collections::{BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Monotonic time in nanoseconds since some origin; tests substitute a movable one.
pub trait Clock: Send + Sync + 'static {
    /// Nanoseconds since the clock's origin.
    fn now_nanos(&self) -> u64;
}

/// The process's monotonic clock.
#[derive(Debug)]
pub struct SystemClock(Instant);

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock(Instant::now())
    }
}

impl Clock for SystemClock {
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// Sizes of the in-process maps.
#[derive(Debug, Clone, Copy)]
pub struct MemoryOptions {
    /// Most rate-limit keys kept (over all limits); the least restrictive go first.
    pub max_limiter_keys: usize,
    /// Most key-value entries and counters kept; a write past it is refused.
    pub max_kv_keys: usize,
    /// Number of shards (each has its own lock); rounded up to a power of two.
    pub shards: usize,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions {
            max_limiter_keys: 200_000,
            max_kv_keys: 1_000_000,
            shards: 64,
        }
    }
}

/// What a full shard does with a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WhenFull {
    EvictSoonestExpiry,
    Refuse,
}

/// Expired entries dropped per write, so idle keys go without a scan.
const PURGE_PER_WRITE: usize = 4;

struct Slot<V> {
    value: V,
    expires: u64,
}

struct Shard<V> {
    map: HashMap<Arc<str>, Slot<V>>,
    by_expiry: BTreeSet<(u64, Arc<str>)>,
}

impl<V> Shard<V> {
    fn new() -> Self {
        Shard {
            map: HashMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    fn remove(&mut self, key: &str) -> Option<Slot<V>> {
        let (k, slot) = self.map.remove_entry(key)?;
        self.by_expiry.remove(&(slot.expires, k));
        Some(slot)
    }

    /// Drops up to `max` expired entries, oldest first.
    fn purge(&mut self, now: u64, max: usize) {
        for _ in 0..max {
            match self.by_expiry.first() {
                Some((expires, _)) if *expires <= now => {
                    let (_, key) = self.by_expiry.pop_first().expect("first exists");
                    self.map.remove(&key);
                }
                _ => return,
            }
        }
    }

    /// The live entry under `key`; an expired one is dropped.
    fn live(&mut self, key: &str, now: u64) -> Option<&mut Slot<V>> {
        if self.map.get(key).is_some_and(|s| s.expires <= now) {
            self.remove(key);
        }
        self.map.get_mut(key)
    }

    /// Stores `value` under `key` until `expires`, making room as `full` says.
    fn put(
        &mut self,
        key: &str,
        value: V,
        expires: u64,
        now: u64,
        cap: usize,
        full: WhenFull,
    ) -> Result<(), SharedError> {
        self.purge(now, PURGE_PER_WRITE);
        if self.remove(key).is_none() && self.map.len() >= cap {
            self.purge(now, usize::MAX);
            if self.map.len() >= cap {
                match full {
                    WhenFull::Refuse => return Err(SharedError::Full),
                    WhenFull::EvictSoonestExpiry => {
                        if let Some((_, k)) = self.by_expiry.pop_first() {
                            self.map.remove(&k);
                            metrics::counter!("shared_state_evictions_total").increment(1);
                        }
                    }
                }
            }
        }
        let key: Arc<str> = Arc::from(key);
        self.by_expiry.insert((expires, key.clone()));
        self.map.insert(key, Slot { value, expires });
        Ok(())
    }
}

/// A map split into shards, each under its own lock, with a cap per shard.
struct Sharded<V> {
    shards: Box<[Mutex<Shard<V>>]>,
    hasher: RandomState,
    cap_per_shard: usize,
    full: WhenFull,
}

impl<V> Sharded<V> {
    fn new(shards: usize, cap: usize, full: WhenFull) -> Self {
        let n = shards.clamp(1, 4096).next_power_of_two();
        Sharded {
            shards: (0..n).map(|_| Mutex::new(Shard::new())).collect(),
            hasher: RandomState::new(),
            cap_per_shard: cap.div_ceil(n).max(1),
            full,
        }
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard<V>> {
        let i = (self.hasher.hash_one(key) as usize) & (self.shards.len() - 1);
        // A panic while holding a shard cannot leave it inconsistent in a way that matters
        // more than losing the limits; keep serving.
        self.shards[i].lock().unwrap_or_else(|p| p.into_inner())
    }

    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).map.len())
            .sum()
    }

    fn capacity(&self) -> usize {
        self.cap_per_shard * self.shards.len()
    }
}

/// Shared state in this process.
pub struct Memory {
    clock: Arc<dyn Clock>,
    limits: Sharded<u64>,
    kv: Sharded<Vec<u8>>,
}

impl std::fmt::Debug for Memory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Memory")
            .field("limiter_capacity", &self.limits.capacity())
            .field("kv_capacity", &self.kv.capacity())
            .finish()
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The map key of `key` under `limit`.
fn limit_key(limit: &Limit, key: &str) -> String {
    format!("{}:{key}", limit.name)
}

impl Memory {
    /// An empty store on the system clock.
    pub fn new(opts: MemoryOptions) -> Memory {
        Memory::with_clock(opts, Arc::new(SystemClock::default()))
    }

    /// An empty store on `clock`.
    pub fn with_clock(opts: MemoryOptions, clock: Arc<dyn Clock>) -> Memory {
        Memory {
            clock,
            limits: Sharded::new(
                opts.shards,
                opts.max_limiter_keys,
                WhenFull::EvictSoonestExpiry,
            ),
            kv: Sharded::new(opts.shards, opts.max_kv_keys, WhenFull::Refuse),
        }
    }

    fn now(&self) -> u64 {
        self.clock.now_nanos()
    }

    /// Counts one request of `key` against `limit`.
    pub fn check(&self, limit: &Limit, key: &str) -> Decision {
        self.check_quota(&limit_key(limit, key), &limit.quota)
    }

    fn check_quota(&self, key: &str, quota: &Quota) -> Decision {
        let now = self.now();
        let mut shard = self.limits.shard(key);
        let tat = shard.live(key, now).map(|s| s.value);
        let (decision, next) = gcra::decide(tat, now, quota);
        if let Some(next) = next {
            // A key is forgotten once its TAT has passed: it then behaves like a new one.
            let stored = shard.put(
                key,
                next,
                next,
                now,
                self.limits.cap_per_shard,
                self.limits.full,
            );
            debug_assert!(stored.is_ok(), "the limiter evicts, never refuses");
        }
        decision
    }

    /// Rate-limit keys held now.
    pub fn limiter_len(&self) -> usize {
        self.limits.len()
    }

    /// Most rate-limit keys this store holds.
    pub fn limiter_capacity(&self) -> usize {
        self.limits.capacity()
    }

    /// Key-value entries held now (counters included).
    pub fn kv_len(&self) -> usize {
        self.kv.len()
    }

    fn expiry(&self, now: u64, ttl: Duration) -> u64 {
        now.saturating_add(nanos(ttl).max(1))
    }

    /// The value under `key`, if set and not expired.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        let now = self.now();
        self.kv.shard(key).live(key, now).map(|s| s.value.clone())
    }

    /// Sets `key` to `value` for `ttl`.
    pub fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), SharedError> {
        let now = self.now();
        let expires = self.expiry(now, ttl);
        self.kv.shard(key).put(
            key,
            value.to_vec(),
            expires,
            now,
            self.kv.cap_per_shard,
            self.kv.full,
        )
    }

    /// Sets `key` only if it holds nothing; `true` when this call set it.
    pub fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, SharedError> {
        let now = self.now();
        let expires = self.expiry(now, ttl);
        let mut shard = self.kv.shard(key);
        if shard.live(key, now).is_some() {
            return Ok(false);
        }
        shard.put(
            key,
            value.to_vec(),
            expires,
            now,
            self.kv.cap_per_shard,
            self.kv.full,
        )?;
        Ok(true)
    }

    /// Deletes `key`; `true` when it held a live value.
    pub fn delete(&self, key: &str) -> bool {
        let now = self.now();
        let mut shard = self.kv.shard(key);
        let live = shard.live(key, now).is_some();
        shard.remove(key);
        live
    }

    /// Deletes `key` only while it holds `expected` (releases a lock only its holder
    /// still holds); `true` when deleted.
    pub fn delete_if_equals(&self, key: &str, expected: &[u8]) -> bool {
        let now = self.now();
        let mut shard = self.kv.shard(key);
        if shard.live(key, now).is_some_and(|s| s.value == expected) {
            shard.remove(key);
            return true;
        }
        false
    }

    /// Adds `by` to the counter under `key` and returns the new value. A counter that does
    /// not exist starts at zero and lives for `ttl` from this call; adding does not extend
    /// it (a fixed window).
    pub fn increment(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, SharedError> {
        let now = self.now();
        let mut shard = self.kv.shard(key);
        let (current, expires) = match shard.live(key, now) {
            Some(slot) => (parse_counter(&slot.value)?, slot.expires),
            None => (0, self.expiry(now, ttl)),
        };
        let next = current.checked_add(by).ok_or(SharedError::NotACounter)?;
        shard.put(
            key,
            next.to_string().into_bytes(),
            expires,
            now,
            self.kv.cap_per_shard,
            self.kv.full,
        )?;
        Ok(next)
    }
}

/// Counters are stored as decimal text, as Redis keeps them.
fn parse_counter(v: &[u8]) -> Result<i64, SharedError> {
    std::str::from_utf8(v)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(SharedError::NotACounter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock the test moves.
    #[derive(Default)]
    struct Manual(AtomicU64);

    impl Manual {
        fn advance(&self, d: Duration) {
            self.0.fetch_add(nanos(d), Ordering::SeqCst);
        }
    }

    impl Clock for Manual {
        fn now_nanos(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    fn store(opts: MemoryOptions) -> (Memory, Arc<Manual>) {
        let clock = Arc::new(Manual::default());
        // Start away from zero so "expires at 0" cannot pass for "never".
        clock.advance(Duration::from_secs(1000));
        (Memory::with_clock(opts, clock.clone()), clock)
    }

    const LOGIN: Limit = Limit::new("login", Quota::per_minute(3));

    #[test]
    fn a_burst_is_allowed_then_the_key_waits_for_the_refill() {
        let (m, clock) = store(MemoryOptions::default());
        for left in [2, 1, 0] {
            assert_eq!(
                m.check(&LOGIN, "1.2.3.4"),
                Decision::Allowed { remaining: left }
            );
        }
        let d = m.check(&LOGIN, "1.2.3.4");
        assert_eq!(d.retry_after_secs(), Some(20), "{d:?}");
        assert!(
            m.check(&LOGIN, "5.6.7.8").is_allowed(),
            "keys are independent"
        );
        clock.advance(Duration::from_secs(5));
        assert_eq!(m.check(&LOGIN, "1.2.3.4").retry_after_secs(), Some(15));
        clock.advance(Duration::from_secs(15));
        assert!(m.check(&LOGIN, "1.2.3.4").is_allowed());
        assert!(!m.check(&LOGIN, "1.2.3.4").is_allowed());
    }

    #[test]
    fn limits_with_different_names_count_separately() {
        let (m, _) = store(MemoryOptions::default());
        let other = Limit::new("geocode", Quota::per_minute(1));
        assert!(m.check(&other, "k").is_allowed());
        assert!(!m.check(&other, "k").is_allowed());
        assert!(m.check(&LOGIN, "k").is_allowed());
    }

    #[test]
    fn a_million_distinct_keys_never_grow_the_limiter_past_its_cap() {
        let opts = MemoryOptions {
            max_limiter_keys: 10_000,
            ..MemoryOptions::default()
        };
        let (m, clock) = store(opts);
        let cap = m.limiter_capacity();
        assert!((10_000..10_100).contains(&cap), "{cap}");
        let slow = Limit::new("slow", Quota::per_minute(1));
        // A drained key survives the flood: newer keys with one request each expire sooner.
        assert!(m.check(&slow, "victim").is_allowed());
        let fast = Limit::new(
            "fast",
            Quota::new(100, Duration::from_secs(1), 100).unwrap(),
        );
        for i in 0..1_000_000u32 {
            assert!(m.check(&fast, &i.to_string()).is_allowed());
            if i % 100_000 == 0 {
                clock.advance(Duration::from_millis(1));
                assert!(m.limiter_len() <= cap);
            }
        }
        assert!(m.limiter_len() <= cap, "{} > {cap}", m.limiter_len());
        assert!(m.limiter_len() > cap / 2, "the map is used, not emptied");
        assert!(
            !m.check(&slow, "victim").is_allowed(),
            "the drained key was kept"
        );
    }

    #[test]
    fn idle_keys_are_dropped_as_the_store_is_written() {
        let (m, clock) = store(MemoryOptions {
            shards: 1,
            ..MemoryOptions::default()
        });
        for i in 0..100 {
            m.check(&LOGIN, &format!("a{i}"));
        }
        assert_eq!(m.limiter_len(), 100);
        clock.advance(Duration::from_secs(21));
        for i in 0..30 {
            m.check(&LOGIN, &format!("b{i}"));
        }
        // Each write drops a few expired keys: 30 writes drop up to 120 idle ones.
        assert_eq!(m.limiter_len(), 30);
    }

    #[test]
    fn values_expire_after_their_ttl() {
        let (m, clock) = store(MemoryOptions::default());
        m.set("pos:w1", b"31.2,121.4", Duration::from_secs(30))
            .unwrap();
        assert_eq!(m.get("pos:w1").as_deref(), Some(&b"31.2,121.4"[..]));
        clock.advance(Duration::from_secs(30));
        assert_eq!(m.get("pos:w1"), None);
        assert!(!m.delete("pos:w1"), "an expired value is not live");
    }

    #[test]
    fn set_if_absent_takes_a_lock_once_until_it_expires_or_is_released() {
        let (m, clock) = store(MemoryOptions::default());
        let ttl = Duration::from_secs(10);
        assert!(m.set_if_absent("lock:o1", b"node-a", ttl).unwrap());
        assert!(!m.set_if_absent("lock:o1", b"node-b", ttl).unwrap());
        assert!(!m.delete_if_equals("lock:o1", b"node-b"), "not b's lock");
        assert!(m.delete_if_equals("lock:o1", b"node-a"));
        assert!(m.set_if_absent("lock:o1", b"node-b", ttl).unwrap());
        clock.advance(ttl);
        assert!(m.set_if_absent("lock:o1", b"node-c", ttl).unwrap());
        assert!(m.delete("lock:o1"));
    }

    #[test]
    fn a_counter_counts_within_its_window_then_starts_again() {
        let (m, clock) = store(MemoryOptions::default());
        let hour = Duration::from_secs(3600);
        assert_eq!(m.increment("sent:p1", 1, hour).unwrap(), 1);
        clock.advance(Duration::from_secs(3000));
        assert_eq!(m.increment("sent:p1", 2, hour).unwrap(), 3);
        clock.advance(Duration::from_secs(600));
        assert_eq!(
            m.increment("sent:p1", 1, hour).unwrap(),
            1,
            "the window ended"
        );
        m.set("text", b"abc", hour).unwrap();
        assert!(matches!(
            m.increment("text", 1, hour),
            Err(SharedError::NotACounter)
        ));
    }

    #[test]
    fn a_full_key_value_store_refuses_new_keys_instead_of_dropping_live_ones() {
        let (m, clock) = store(MemoryOptions {
            max_kv_keys: 4,
            shards: 1,
            ..MemoryOptions::default()
        });
        let ttl = Duration::from_secs(10);
        for i in 0..4 {
            assert!(m.set_if_absent(&format!("lock:{i}"), b"x", ttl).unwrap());
        }
        assert!(matches!(m.set("lock:9", b"x", ttl), Err(SharedError::Full)));
        m.set("lock:0", b"y", ttl)
            .expect("replacing a key needs no room");
        clock.advance(ttl);
        m.set("lock:9", b"x", ttl)
            .expect("expired entries make room");
        assert_eq!(m.kv_len(), 1);
    }
}
