//! A node's recent plans of pools' days, for refusing a booking on the way in (ADR 0016).
//!
//! In a busy day (a promotion's peak) nearly every placement attempt asks for a window the
//! day can no longer serve, and each one read the day's visits and planned the day again
//! to say so. A plan read less than a moment ago ([`RecentDays`], one second by default)
//! answers those refusals instead:
//!
//! - **Only refusals.** A window the copy says may fit is checked again under the day's
//!   lock, on the day as it stands (`orders::place_tx`): what keeps the last place exact is
//!   unchanged. A copy that is behind (another node booked since) only lets an attempt go on
//!   to that check, which refuses it.
//! - **How old.** A copy is used while it is younger than its lifetime and while the
//!   `staff` and `catalog` counters (`versions`) are those it was made under: a worker's
//!   shift or a certificate changed on any node makes every node read the day again. A
//!   window freed by a cancellation within the lifetime may still be refused; the customer
//!   is told the window is taken, as when someone else took it a moment earlier, and sees
//!   it free a second later.
//! - **Kept fresh by the bookings.** The check under the lock, which reads the day anyway,
//!   keeps what it read when it refuses and forgets the copy when it books.
//! - **Forgotten on this node's writes.** Every commit of this node that wrote events (a
//!   cancellation, a reschedule, a visit given to a worker) forgets every copy
//!   ([`RecentDays::forget_all`]), so a window freed through this node is offered at once;
//!   one freed through another node, within the lifetime.

use daojia_domain::slots::DayPlan;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The default lifetime of a copy.
pub const LIFETIME: Duration = Duration::from_secs(1);

/// Most days kept (pools × days ahead); the oldest day goes first.
const KEPT: usize = 1024;

/// The `staff` and `catalog` counters a copy was made under (epoch and value of each).
pub type Counters = ((Uuid, i64), (Uuid, i64));

/// The node's recent plans, by pool and local date.
#[derive(Default)]
pub struct RecentDays {
    kept: Mutex<HashMap<(Vec<String>, chrono::NaiveDate), Copy>>,
    generation: AtomicU64,
    refused: AtomicU64,
    read: AtomicU64,
}

struct Copy {
    at: Instant,
    counters: Counters,
    plan: Arc<DayPlan>,
}

impl std::fmt::Debug for RecentDays {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (refused, read) = self.counts();
        f.debug_struct("RecentDays")
            .field("refused", &refused)
            .field("read", &read)
            .finish_non_exhaustive()
    }
}

/// How a capacity check uses the node's recent copies of its day.
#[derive(Clone, Copy, Debug)]
pub enum Recent<'a> {
    /// Before the lock: a copy younger than `lifetime` made under `counters` answers; else
    /// the day is read and kept.
    Refuse {
        /// The copies.
        days: &'a RecentDays,
        /// The counters this request read.
        counters: Counters,
        /// How old a copy may be.
        lifetime: Duration,
    },
    /// Under the lock: the day is read as always; kept when the window does not fit,
    /// forgotten when it does (a booking follows).
    Keep {
        /// The copies.
        days: &'a RecentDays,
        /// The counters this request read.
        counters: Counters,
    },
}

impl RecentDays {
    /// The copy of `pool`'s day `date`, if younger than `lifetime` and made under
    /// `counters`.
    pub fn get(
        &self,
        pool: &[String],
        date: chrono::NaiveDate,
        counters: Counters,
        lifetime: Duration,
    ) -> Option<Arc<DayPlan>> {
        let kept = self.kept.lock().expect("not poisoned");
        let copy = kept.get(&(pool.to_vec(), date))?;
        (copy.counters == counters && copy.at.elapsed() < lifetime).then(|| copy.plan.clone())
    }

    /// The generation to pass to [`RecentDays::keep`]: read it before reading the day.
    pub fn generation(&self) -> u64 {
        self.generation.load(Relaxed)
    }

    /// Keeps `plan` as `pool`'s day `date`, read under `counters` after [`generation`]
    /// returned `generation`; not kept if [`RecentDays::forget_all`] ran since (the read may
    /// predate the write that called it).
    ///
    /// [`generation`]: RecentDays::generation
    pub fn keep(
        &self,
        pool: &[String],
        date: chrono::NaiveDate,
        counters: Counters,
        plan: Arc<DayPlan>,
        generation: u64,
    ) {
        let mut kept = self.kept.lock().expect("not poisoned");
        if self.generation.load(Relaxed) != generation {
            return;
        }
        let key = (pool.to_vec(), date);
        if kept.len() >= KEPT
            && !kept.contains_key(&key)
            && let Some(oldest) = kept.keys().min_by_key(|(_, d)| *d).cloned()
        {
            kept.remove(&oldest);
        }
        kept.insert(
            key,
            Copy {
                at: Instant::now(),
                counters,
                plan,
            },
        );
    }

    /// Forgets the copy of `pool`'s day `date` (a booking is being made on it).
    pub fn forget(&self, pool: &[String], date: chrono::NaiveDate) {
        self.kept
            .lock()
            .expect("not poisoned")
            .remove(&(pool.to_vec(), date));
    }

    /// Forgets every copy: this node committed a write that may have freed room in a day
    /// (a cancellation, a reschedule, a visit given to someone). Called after every commit
    /// that wrote events (`App::wake_relay`); writes on other nodes are bounded by the
    /// lifetime instead.
    pub fn forget_all(&self) {
        let mut kept = self.kept.lock().expect("not poisoned");
        self.generation.fetch_add(1, Relaxed);
        kept.clear();
    }

    /// Counts an answer: refused from a copy, or from a read of the day.
    pub fn count(&self, from_copy: bool) {
        if from_copy {
            self.refused.fetch_add(1, Relaxed);
        } else {
            self.read.fetch_add(1, Relaxed);
        }
    }

    /// Checks answered from a copy and checks that read the day, since the node started.
    pub fn counts(&self) -> (u64, u64) {
        (self.refused.load(Relaxed), self.read.load(Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use daojia_domain::travel::TravelModel;

    fn plan() -> Arc<DayPlan> {
        Arc::new(DayPlan::build(vec![], vec![], &TravelModel::default()))
    }

    fn counters(v: i64) -> Counters {
        ((Uuid::nil(), v), (Uuid::nil(), 7))
    }

    #[test]
    fn a_copy_answers_while_young_and_under_the_same_counters() {
        let days = RecentDays::default();
        let pool = vec!["a".to_string()];
        let d = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        days.keep(&pool, d, counters(1), plan(), days.generation());
        assert!(days.get(&pool, d, counters(1), LIFETIME).is_some());
        assert!(
            days.get(&pool, d, counters(2), LIFETIME).is_none(),
            "staff changed"
        );
        assert!(
            days.get(&pool, d.succ_opt().unwrap(), counters(1), LIFETIME)
                .is_none(),
            "another day"
        );
        assert!(
            days.get(&["b".to_string()], d, counters(1), LIFETIME)
                .is_none(),
            "another pool"
        );
        assert!(
            days.get(&pool, d, counters(1), Duration::ZERO).is_none(),
            "too old"
        );
        days.forget(&pool, d);
        assert!(days.get(&pool, d, counters(1), LIFETIME).is_none());
    }

    #[test]
    fn a_write_of_this_node_forgets_every_copy_and_a_read_from_before_it_is_not_kept() {
        let days = RecentDays::default();
        let pool = vec!["a".to_string()];
        let d = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        days.keep(&pool, d, counters(1), plan(), days.generation());
        let before = days.generation();
        days.forget_all();
        assert!(days.get(&pool, d, counters(1), LIFETIME).is_none());
        // A read that began before the write finishes after it: not kept.
        days.keep(&pool, d, counters(1), plan(), before);
        assert!(days.get(&pool, d, counters(1), LIFETIME).is_none());
        days.keep(&pool, d, counters(1), plan(), days.generation());
        assert!(days.get(&pool, d, counters(1), LIFETIME).is_some());
    }

    #[test]
    fn the_earliest_day_goes_first_when_full() {
        let days = RecentDays::default();
        let pool = vec!["a".to_string()];
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for i in 0..KEPT as i64 {
            days.keep(
                &pool,
                first + chrono::Duration::days(i),
                counters(1),
                plan(),
                days.generation(),
            );
        }
        let next = first + chrono::Duration::days(KEPT as i64);
        days.keep(&pool, next, counters(1), plan(), days.generation());
        assert!(days.get(&pool, first, counters(1), LIFETIME).is_none());
        assert!(days.get(&pool, next, counters(1), LIFETIME).is_some());
        assert_eq!(days.kept.lock().unwrap().len(), KEPT);
    }
}
