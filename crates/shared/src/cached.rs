//! A node's cached copy of something the database owns (the public catalog, ADR 0013),
//! kept correct across nodes by three rules:
//!
//! 1. **Generations.** The copy is stamped with this node's generation when its load
//!    *starts*; [`Cached::invalidate`] moves the generation on, so a copy loaded before an
//!    invalidation is never served after it, even one whose load was still running when the
//!    invalidation arrived.
//! 2. **Messages.** After a write commits, its node calls [`Cached::changed`]: this node's
//!    copy is dropped at once (the writer reads its own write) and a message on the topic
//!    `cache:<name>` of the [`Hub`] tells every other node to drop theirs ([`Cached::follow`]),
//!    in milliseconds with Redis. A lost connection to Redis ([`Missed`]) drops the copy too.
//! 3. **A short lifetime.** A copy is served for at most its `ttl` after its load started,
//!    whatever happens to the messages. So a write committed at `t` is seen by every node
//!    from `t + ttl` at the latest: a message lost, Redis down, or a write that sent none
//!    (a command-line import, a script on the database) cannot make it later.
//!
//! Loads are single-flight: when the copy is missing or too old, one caller loads it and the
//! others wait for that load instead of each asking the database.

use crate::memory::{Clock, SystemClock};
use crate::pubsub::{Hub, Missed, Received};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A copy and the generation and time its load started at.
struct Entry<T> {
    value: Arc<T>,
    generation: u64,
    loaded_at: u64,
}

/// A cached copy of a `T` (see the module documentation), cheap to share behind an `Arc`.
pub struct Cached<T> {
    name: &'static str,
    topic: String,
    ttl: Duration,
    generation: AtomicU64,
    entry: Mutex<Option<Entry<T>>>,
    loading: tokio::sync::Mutex<()>,
    hub: Option<Hub>,
    clock: Arc<dyn Clock>,
}

impl<T> std::fmt::Debug for Cached<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cached")
            .field("name", &self.name)
            .field("ttl", &self.ttl)
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl<T: Send + Sync + 'static> Cached<T> {
    /// A cache named `name` (in metrics and its topic, `cache:<name>`) whose copies live at
    /// most `ttl`; a `ttl` of zero caches nothing (every read loads).
    pub fn new(name: &'static str, ttl: Duration) -> Cached<T> {
        Cached::with_clock(name, ttl, Arc::new(SystemClock::default()))
    }

    /// The same with `clock` (tests move time by hand).
    pub fn with_clock(name: &'static str, ttl: Duration, clock: Arc<dyn Clock>) -> Cached<T> {
        Cached {
            name,
            topic: format!("cache:{name}"),
            ttl,
            generation: AtomicU64::new(0),
            entry: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
            hub: None,
            clock,
        }
    }

    /// The same, telling the other nodes of changes through `hub` (and told by them once
    /// [`Cached::follow`] runs).
    pub fn over(mut self, hub: Hub) -> Cached<T> {
        self.hub = Some(hub);
        self
    }

    /// The longest a copy is served after its load started: the bound on staleness.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// This node's generation (moves on at every invalidation).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Entry<T>>> {
        self.entry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The copy, when it is of the current generation and young enough.
    fn fresh(&self) -> Option<Arc<T>> {
        let now = self.clock.now_nanos();
        let generation = self.generation();
        let entry = self.lock();
        entry
            .as_ref()
            .filter(|e| {
                e.generation == generation && now < e.loaded_at.saturating_add(nanos(self.ttl))
            })
            .map(|e| e.value.clone())
    }

    /// The copy, or a new one from `load` when there is none that may be served. A failed
    /// load is returned and nothing is kept.
    pub async fn get<E, F, Fut>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        if self.ttl.is_zero() {
            return load().await.map(Arc::new);
        }
        if let Some(v) = self.fresh() {
            metrics::counter!("cache_hits_total", "cache" => self.name).increment(1);
            return Ok(v);
        }
        let _one_at_a_time = self.loading.lock().await;
        if let Some(v) = self.fresh() {
            metrics::counter!("cache_hits_total", "cache" => self.name).increment(1);
            return Ok(v);
        }
        // Stamped before the load: a write that commits after this instant may be missing
        // from the copy, and its invalidation (or the lifetime, counted from here) retires it.
        let generation = self.generation();
        let loaded_at = self.clock.now_nanos();
        let value = Arc::new(load().await?);
        metrics::counter!("cache_loads_total", "cache" => self.name).increment(1);
        *self.lock() = Some(Entry {
            value: value.clone(),
            generation,
            loaded_at,
        });
        Ok(value)
    }

    /// Drops this node's copy: the next read loads a new one. Also for a load under way,
    /// whose result will not be served to later reads.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.lock().take();
    }

    /// Says that a write which the copies depend on has committed: drops this node's copy
    /// and tells the other nodes to drop theirs. A message that cannot be sent is logged;
    /// the other nodes then see the write when their copies expire (the `ttl`).
    pub async fn changed(&self) {
        self.invalidate();
        metrics::counter!("cache_invalidations_total", "cache" => self.name, "from" => "this_node")
            .increment(1);
        if let Some(hub) = &self.hub
            && let Err(e) = hub.publish(&self.topic, "changed").await
        {
            tracing::warn!(cache = self.name, error = %e,
                "cannot tell the other nodes of a change; they see it when their copies expire");
        }
    }

    /// Follows the changes the other nodes announce (and this node's own, harmlessly) until
    /// the hub closes: a message, or news of messages lost, drops the copy. Subscribes
    /// before it returns, so that no change announced after this call is missed.
    pub fn follow(self: &Arc<Self>) -> Option<tokio::task::JoinHandle<()>> {
        let hub = self.hub.clone()?;
        let mut sub = match hub.subscribe(&self.topic) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(cache = self.name, error = %e, "cannot follow the cache's changes");
                return None;
            }
        };
        // A copy loaded before the subscription may have missed a message.
        self.invalidate();
        let me = Arc::downgrade(self);
        let mut closing = hub.closing();
        Some(tokio::spawn(async move {
            let _hub = hub;
            loop {
                let received = tokio::select! {
                    r = sub.recv() => r,
                    _ = closing.changed() => return,
                };
                let Some(me) = me.upgrade() else { return };
                let from = match received {
                    Received::Message(_) => "message",
                    Received::Missed(Missed::Lagged(_)) => "lagged",
                    Received::Missed(Missed::Interrupted) => "interrupted",
                };
                me.invalidate();
                metrics::counter!("cache_invalidations_total", "cache" => me.name, "from" => from)
                    .increment(1);
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Default)]
    struct Manual(AtomicU64);

    impl Clock for Manual {
        fn now_nanos(&self) -> u64 {
            self.0.load(Ordering::SeqCst)
        }
    }

    impl Manual {
        fn advance(&self, d: Duration) {
            self.0.fetch_add(nanos(d), Ordering::SeqCst);
        }
    }

    /// A "database" whose value the tests change, counting the loads.
    #[derive(Default)]
    struct Source {
        value: AtomicU64,
        loads: AtomicUsize,
    }

    impl Source {
        async fn load(&self) -> Result<u64, &'static str> {
            self.loads.fetch_add(1, Ordering::SeqCst);
            Ok(self.value.load(Ordering::SeqCst))
        }
    }

    fn cache(ttl: Duration) -> (Arc<Cached<u64>>, Arc<Manual>) {
        let clock = Arc::new(Manual::default());
        let c = Cached::with_clock("test", ttl, clock.clone());
        (Arc::new(c), clock)
    }

    #[tokio::test]
    async fn a_copy_is_served_until_it_is_as_old_as_its_ttl_and_then_loaded_again() {
        let (c, clock) = cache(Duration::from_secs(1));
        let db = Source::default();
        assert_eq!(*c.get(|| db.load()).await.unwrap(), 0);
        db.value.store(7, Ordering::SeqCst);
        clock.advance(Duration::from_millis(999));
        assert_eq!(
            *c.get(|| db.load()).await.unwrap(),
            0,
            "still within the ttl"
        );
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            *c.get(|| db.load()).await.unwrap(),
            7,
            "the ttl is the bound"
        );
        assert_eq!(db.loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_invalidation_makes_the_next_read_load_at_once() {
        let (c, _clock) = cache(Duration::from_secs(3600));
        let db = Source::default();
        assert_eq!(*c.get(|| db.load()).await.unwrap(), 0);
        db.value.store(1, Ordering::SeqCst);
        c.changed().await;
        assert_eq!(*c.get(|| db.load()).await.unwrap(), 1);
        assert_eq!(*c.get(|| db.load()).await.unwrap(), 1);
        assert_eq!(db.loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_load_that_was_running_when_an_invalidation_came_is_not_served_afterwards() {
        let (c, _clock) = cache(Duration::from_secs(3600));
        let db = Arc::new(Source::default());
        // The load reads the old value, then the write commits and invalidates before the
        // load installs its copy.
        let (read, read_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_on, go_on_rx) = tokio::sync::oneshot::channel::<()>();
        let loader = {
            let (c, db) = (c.clone(), db.clone());
            tokio::spawn(async move {
                c.get(|| async move {
                    let v = db.load().await;
                    read.send(()).unwrap();
                    go_on_rx.await.unwrap();
                    v
                })
                .await
                .unwrap()
            })
        };
        read_rx.await.unwrap();
        db.value.store(5, Ordering::SeqCst);
        c.invalidate();
        go_on.send(()).unwrap();
        assert_eq!(
            *loader.await.unwrap(),
            0,
            "that caller asked before the write"
        );
        assert_eq!(
            *c.get(|| db.load()).await.unwrap(),
            5,
            "later callers see it"
        );
    }

    #[tokio::test]
    async fn concurrent_readers_of_a_missing_copy_load_it_once() {
        let (c, _clock) = cache(Duration::from_secs(60));
        let db = Arc::new(Source::default());
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (c, db) = (c.clone(), db.clone());
                tokio::spawn(async move {
                    *c.get(|| async {
                        tokio::task::yield_now().await;
                        db.load().await
                    })
                    .await
                    .unwrap()
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap(), 0);
        }
        assert_eq!(db.loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_load_keeps_nothing_and_a_zero_ttl_caches_nothing() {
        let (c, _clock) = cache(Duration::from_secs(60));
        let r: Result<Arc<u64>, &str> = c.get(|| async { Err("down") }).await;
        assert_eq!(r.unwrap_err(), "down");
        let db = Source::default();
        assert_eq!(*c.get(|| db.load()).await.unwrap(), 0);
        assert_eq!(db.loads.load(Ordering::SeqCst), 1);

        let (off, _clock) = cache(Duration::ZERO);
        let db = Source::default();
        for _ in 0..3 {
            off.get(|| db.load()).await.unwrap();
        }
        assert_eq!(db.loads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_change_on_one_node_reaches_the_copies_of_the_others_through_the_hub() {
        // Two "nodes" on one hub (in process here; the two-node test runs it over Redis).
        let hub = Hub::in_process();
        let clock = Arc::new(Manual::default());
        let a = Arc::new(
            Cached::<u64>::with_clock("t", Duration::from_secs(3600), clock.clone())
                .over(hub.clone()),
        );
        let b =
            Arc::new(Cached::with_clock("t", Duration::from_secs(3600), clock).over(hub.clone()));
        let _fa = a.follow().unwrap();
        let fb = b.follow().unwrap();
        let db = Source::default();
        assert_eq!(*b.get(|| db.load()).await.unwrap(), 0);
        db.value.store(9, Ordering::SeqCst);
        let before = b.generation();
        a.changed().await;
        for _ in 0..100 {
            if b.generation() != before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_ne!(b.generation(), before, "node b was told");
        assert_eq!(*b.get(|| db.load()).await.unwrap(), 9);
        hub.close();
        tokio::time::timeout(Duration::from_secs(5), fb)
            .await
            .expect("following stops when the hub closes")
            .unwrap();
    }
}
