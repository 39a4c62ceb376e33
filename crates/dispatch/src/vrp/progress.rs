//! What a running search reports to whoever waits for it (a progress bar, a benchmark), and
//! a way to stop it early. Shared between threads: the search writes, others read.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// A search's progress so far.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Share of the budget used, from 0 to 1.
    pub done: f64,
    /// Jobs left out of the best plan so far (those that fit nowhere included); `None`
    /// before the first plan.
    pub left_out: Option<usize>,
    /// Cost of the best plan so far (travel and penalties).
    pub cost: Option<f64>,
    /// Seconds from the call to the first plan.
    pub first_plan_after: Option<f64>,
    /// Jobs left out of the first plan.
    pub first_left_out: Option<usize>,
    /// Cost of the first plan.
    pub first_cost: Option<f64>,
    /// Seconds from the call to the first plan that leaves out only jobs that fit nowhere.
    pub complete_after: Option<f64>,
    /// Seconds from the call to the last improvement of the best plan.
    pub improved_after: Option<f64>,
    /// Ruin-and-recreate steps made (all threads).
    pub steps: u64,
}

/// A handle on a running search: read its [`Snapshot`], ask it to stop.
#[derive(Debug, Default)]
pub struct Progress {
    snapshot: Mutex<Snapshot>,
    stop: AtomicBool,
}

impl Progress {
    /// A fresh handle.
    pub fn new() -> Self {
        Self::default()
    }

    /// The progress so far.
    pub fn snapshot(&self) -> Snapshot {
        *self
            .snapshot
            .lock()
            .expect("no thread panics holding the lock")
    }

    /// Asks the search to return its best plan now (it stops within one step).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Whether [`Progress::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut Snapshot)) {
        f(&mut self
            .snapshot
            .lock()
            .expect("no thread panics holding the lock"));
    }

    /// Records a plan found after `seconds`: the best so far when it beats it.
    pub(crate) fn found(&self, seconds: f64, left_out: usize, searched_left_out: usize, cost: f64) {
        self.update(|s| {
            if s.first_plan_after.is_none() {
                s.first_plan_after = Some(seconds);
                s.first_left_out = Some(left_out);
                s.first_cost = Some(cost);
            }
            if searched_left_out == 0 {
                s.complete_after.get_or_insert(seconds);
            }
            let better = match (s.left_out, s.cost) {
                (Some(l), Some(c)) => left_out < l || (left_out == l && cost < c - 1e-9),
                _ => true,
            };
            if better {
                s.left_out = Some(left_out);
                s.cost = Some(cost);
                s.improved_after = Some(seconds);
            }
        });
    }
}
