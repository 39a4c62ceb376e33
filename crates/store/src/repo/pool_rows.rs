//! The rows that decide a pool's working days (its workers, their skills with levels,
//! weekly shifts, shift exceptions and approved certificates), kept by the node while the
//! database's `staff` counter (`super::versions`) is unchanged. Slot search, the booking's
//! capacity check and every dispatch decision read them; without the cache each read them
//! again, about 700 rows for 150 workers.
//!
//! What is kept is exactly what the queries return at the counter read before them, so a
//! cached read answers what an uncached one would, except for rows edited by hand in SQL
//! without bumping the counter, which are seen after [`KEPT`].

use super::versions::{self, STAFF};
use crate::entity::{
    worker, worker_certificate, worker_shift, worker_shift_exception, worker_skill,
};
use chrono::{Datelike, NaiveDate};
use daojia_domain::worker::CertificateStatus;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Longest a node keeps rows without a bump of the counter (a hand edit's delay).
pub const KEPT: Duration = Duration::from_secs(60);

/// Most pools and date ranges kept at once (per process, over every database it opens).
const MOST: usize = 256;

/// Most worker rows kept at once over every entry (a city of 10,000 workers in one pool
/// keeps about ten days' entries; each worker row with its shifts and skills is about a
/// kilobyte).
const MOST_WORKERS: usize = 100_000;

/// A pool's rows for the dates `from ..= last`.
#[derive(Debug, Default)]
pub struct PoolRows {
    /// The workers who have not left (active or not) and any still marked active, by code.
    pub workers: Vec<worker::Model>,
    /// Their skills with levels.
    pub skills: Vec<worker_skill::Model>,
    /// Their weekly shifts on the weekdays of the dates.
    pub shifts: Vec<worker_shift::Model>,
    /// Their shift exceptions on the dates.
    pub exceptions: Vec<worker_shift_exception::Model>,
    /// Their approved certificates.
    pub certificates: Vec<worker_certificate::Model>,
}

type Key = (Uuid, Vec<String>, NaiveDate, NaiveDate);

struct Kept {
    version: i64,
    at: Instant,
    rows: Arc<PoolRows>,
}

static CACHE: LazyLock<Mutex<HashMap<Key, Kept>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The rows of the pool `pool` (area codes) for `from ..= last`: the node's copy while it
/// is current, else read now (and kept).
pub async fn get(
    db: &impl ConnectionTrait,
    pool: &[String],
    from: NaiveDate,
    last: NaiveDate,
) -> Result<Arc<PoolRows>, DbErr> {
    // The counter first: rows read after it are at least as new as it says.
    let counter = versions::read(db, STAFF).await?;
    at(db, counter, pool, from, last).await
}

/// Like [`get`], with the `staff` counter already read (`None`: it does not exist, nothing
/// is kept).
pub async fn at(
    db: &impl ConnectionTrait,
    counter: Option<(Uuid, i64)>,
    pool: &[String],
    from: NaiveDate,
    last: NaiveDate,
) -> Result<Arc<PoolRows>, DbErr> {
    let Some((epoch, version)) = counter else {
        return Ok(Arc::new(read(db, pool, from, last).await?));
    };
    let key: Key = (epoch, pool.to_vec(), from, last);
    if let Some(k) = CACHE.lock().expect("not poisoned").get(&key)
        && k.version == version
        && k.at.elapsed() < KEPT
    {
        return Ok(k.rows.clone());
    }
    let rows = Arc::new(read(db, pool, from, last).await?);
    let mut cache = CACHE.lock().expect("not poisoned");
    let held = |c: &HashMap<Key, Kept>| c.values().map(|k| k.rows.workers.len()).sum::<usize>();
    if cache.len() >= MOST || held(&cache) + rows.workers.len() > MOST_WORKERS {
        cache.retain(|_, k| k.version == version && k.at.elapsed() < KEPT);
        if cache.len() >= MOST || held(&cache) + rows.workers.len() > MOST_WORKERS {
            cache.clear();
        }
    }
    cache.insert(
        key,
        Kept {
            version,
            at: Instant::now(),
            rows: rows.clone(),
        },
    );
    Ok(rows)
}

/// Reads the rows (no cache).
pub async fn read(
    db: &impl ConnectionTrait,
    pool: &[String],
    from: NaiveDate,
    last: NaiveDate,
) -> Result<PoolRows, DbErr> {
    let workers = worker::Entity::find()
        .filter(worker::Column::AreaCode.is_in(pool.iter().map(String::as_str)))
        .filter(
            worker::Column::Status
                .ne("left")
                .or(worker::Column::Active.eq(true)),
        )
        .order_by_asc(worker::Column::Code)
        .all(db)
        .await?;
    if workers.is_empty() {
        return Ok(PoolRows::default());
    }
    let ids: Vec<Uuid> = workers.iter().map(|w| w.id).collect();
    let skills = worker_skill::Entity::find()
        .filter(worker_skill::Column::WorkerId.is_in(ids.clone()))
        .all(db)
        .await?;
    // Only the weekdays of the dates asked for (one day: a seventh of the rows).
    let weekdays: BTreeSet<i16> = from
        .iter_days()
        .take_while(|d| *d <= last)
        .take(7)
        .map(|d| d.weekday().num_days_from_monday() as i16)
        .collect();
    let shifts = worker_shift::Entity::find()
        .filter(worker_shift::Column::WorkerId.is_in(ids.clone()))
        .filter(worker_shift::Column::Weekday.is_in(weekdays))
        .all(db)
        .await?;
    let exceptions = super::workers::exceptions(db, &ids, from, last).await?;
    let certificates = worker_certificate::Entity::find()
        .filter(worker_certificate::Column::WorkerId.is_in(ids))
        .filter(worker_certificate::Column::Status.eq(CertificateStatus::Approved.as_str()))
        .all(db)
        .await?;
    Ok(PoolRows {
        workers,
        skills,
        shifts,
        exceptions,
        certificates,
    })
}
