//! Worker positions and states that every API node sees: where each worker is
//! ([`Presence`]: position, its source, online, accepting, when last seen) and who is near
//! a point. In this process by default; in Redis (a GEO set and a hash) when `REDIS_URL` is
//! set, so that a position reported to one node is found by dispatch on another.
//!
//! The questions are those of the dispatch core's pure index (`daojia_dispatch::matching::
//! GeoIndex`), asked asynchronously: the application layer either loads what it needs
//! from here into a pure pool, or asks here for the workers near an order and loads only
//! their snapshots. Results come nearest first (great-circle metres), ties by worker id,
//! in both back ends.
//!
//! Redis keeps the whole set under the configured prefix with a TTL of
//! [`POSITIONS_TTL`] refreshed by every report, so a deployment that stops reporting
//! leaves nothing behind; a single worker's stale entry is recognised by its `seen_at`
//! ([`Filter::seen_since`]). When Redis does not answer, calls fail with
//! [`SharedError::Unavailable`] (counted in `shared_state_redis_errors_total` and warned
//! about once a minute); callers fall back to what the database knows.

mod memory;
mod redis_geo;

use crate::SharedError;
use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::{PositionSource, Presence};
use memory::MemoryPositions;
use redis_geo::RedisPositions;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The reference latitude of the in-process index of a [`Shared`](crate::Shared) state:
/// the middle of the latitudes where most of China lives (Guangzhou 23°, Beijing 40°).
/// Queries are exact at any latitude; near this one they examine the fewest points.
pub const REFERENCE_LAT: f64 = 32.0;

/// How long Redis keeps the positions after the last report.
pub const POSITIONS_TTL: Duration = Duration::from_secs(2 * 24 * 3600);

/// A worker found near a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby {
    /// Who.
    pub worker: WorkerId,
    /// Their position and state.
    pub presence: Presence,
    /// Great-circle distance from the point asked about, metres.
    pub distance_m: f64,
}

/// Which workers a query keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only workers online and taking offers.
    pub available: bool,
    /// Only workers seen at or after this Unix time.
    pub seen_since: Option<i64>,
}

impl Filter {
    /// Every worker.
    pub fn all() -> Filter {
        Filter::default()
    }

    /// Workers online and taking offers.
    pub fn available() -> Filter {
        Filter {
            available: true,
            seen_since: None,
        }
    }

    /// Whether `p` passes.
    pub fn keeps(&self, p: &Presence) -> bool {
        (!self.available || p.is_available()) && self.seen_since.is_none_or(|t| p.seen_at >= t)
    }
}

#[derive(Debug)]
enum Backend {
    Memory(MemoryPositions),
    Redis(Box<RedisPositions>),
}

/// The shared positions, cheap to clone.
#[derive(Debug, Clone)]
pub struct WorkerPositions(Arc<Backend>);

impl WorkerPositions {
    /// Positions kept in this process, for a city around `reference_lat` (degrees).
    pub fn in_process(reference_lat: f64) -> WorkerPositions {
        WorkerPositions(Arc::new(Backend::Memory(MemoryPositions::new(
            reference_lat,
        ))))
    }

    /// Positions kept in the Redis at `url`, every key under `prefix`. Fails when Redis
    /// cannot be reached now.
    pub async fn redis(url: &str, prefix: &str) -> Result<WorkerPositions, SharedError> {
        let r = RedisPositions::connect(url, prefix).await?;
        Ok(WorkerPositions(Arc::new(Backend::Redis(Box::new(r)))))
    }

    /// `memory` or `redis`.
    pub fn backend(&self) -> &'static str {
        match &*self.0 {
            Backend::Memory(_) => "memory",
            Backend::Redis(_) => "redis",
        }
    }

    /// Records where `worker` is and whether they take work (adds or replaces).
    pub async fn upsert(&self, worker: WorkerId, presence: Presence) -> Result<(), SharedError> {
        if !presence.at.is_valid() {
            return Err(SharedError::Refused(format!(
                "not a valid position: {:?}",
                presence.at
            )));
        }
        match &*self.0 {
            Backend::Memory(m) => {
                m.upsert(worker, presence);
                Ok(())
            }
            Backend::Redis(r) => r.upsert(worker, presence).await,
        }
    }

    /// Records a report of where `worker` is unless what is recorded is newer knowledge (a
    /// report or a job's place seen later than this one; a home base is no knowledge), in
    /// one step: two reports racing from two nodes leave the later one. Returns what is
    /// recorded afterwards.
    pub async fn report(
        &self,
        worker: WorkerId,
        presence: Presence,
    ) -> Result<Presence, SharedError> {
        if !presence.at.is_valid() {
            return Err(SharedError::Refused(format!(
                "not a valid position: {:?}",
                presence.at
            )));
        }
        match &*self.0 {
            Backend::Memory(m) => Ok(m.report(worker, presence)),
            Backend::Redis(r) => r.report(worker, presence).await,
        }
    }

    /// Forgets `worker`; `true` when they were known.
    pub async fn remove(&self, worker: WorkerId) -> Result<bool, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.remove(worker)),
            Backend::Redis(r) => r.remove(worker).await,
        }
    }

    /// What is recorded for `worker`.
    pub async fn get(&self, worker: WorkerId) -> Result<Option<Presence>, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.get(worker)),
            Backend::Redis(r) => r.get(worker).await,
        }
    }

    /// What is recorded for each of `workers` that is recorded (one round trip to Redis
    /// per thousand workers).
    pub async fn get_many(
        &self,
        workers: &[WorkerId],
    ) -> Result<HashMap<WorkerId, Presence>, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.get_many(workers)),
            Backend::Redis(r) => r.get_many(workers).await,
        }
    }

    /// Sets whether a recorded worker is online and taking offers, leaving their position
    /// and its time as they are (one atomic step on both back ends); `false` when the
    /// worker is not recorded (nothing is written then).
    pub async fn set_flags(
        &self,
        worker: WorkerId,
        online: bool,
        accepting: bool,
    ) -> Result<bool, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.set_flags(worker, online, accepting)),
            Backend::Redis(r) => r.set_flags(worker, online, accepting).await,
        }
    }

    /// How many workers are recorded.
    pub async fn count(&self) -> Result<usize, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.len()),
            Backend::Redis(r) => r.len().await,
        }
    }

    /// Workers within `radius_m` of `at` that `filter` keeps, nearest first.
    pub async fn within(
        &self,
        at: LatLng,
        radius_m: f64,
        filter: Filter,
    ) -> Result<Vec<Nearby>, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.within(at, radius_m, filter)),
            Backend::Redis(r) => r.within(at, radius_m, filter).await,
        }
    }

    /// The `k` workers nearest to `at` that `filter` keeps, nearest first.
    pub async fn nearest(
        &self,
        at: LatLng,
        k: usize,
        filter: Filter,
    ) -> Result<Vec<Nearby>, SharedError> {
        match &*self.0 {
            Backend::Memory(m) => Ok(m.nearest(at, k, filter)),
            Backend::Redis(r) => r.nearest(at, k, filter).await,
        }
    }
}

/// Whether `recorded` is newer knowledge than `incoming` (see [`WorkerPositions::report`]).
fn newer(recorded: &Presence, incoming: &Presence) -> bool {
    recorded.source != PositionSource::HomeBase && recorded.seen_at > incoming.seen_at
}

/// Sorts nearest first, ties by worker id.
fn sort_nearby(v: &mut [Nearby]) {
    v.sort_by(|a, b| {
        a.distance_m
            .total_cmp(&b.distance_m)
            .then(a.worker.cmp(&b.worker))
    });
}
