//! The figures of one policy's day, from what the simulator recorded:
//!
//! - `assigned_share`: orders a worker accepted / orders that arrived (a customer who
//!   found no window counts as not assigned).
//! - `on_time_rate`: visits where the worker was at the door by the end of the promised
//!   window (early arrivals wait for its start) / visits done.
//! - `wait_mean_min`, `wait_p95_min`: from payment (placement) to the first acceptance,
//!   minutes, over the assigned orders.
//! - `km_per_job`: road kilometres driven to the visits (from home or the previous visit,
//!   the built-in model's detour on the straight line) / visits done.
//! - `utilisation`: service time / shift time (less breaks) of all workers over the days
//!   that had booked visits.
//! - `jobs_per_worker_sd`: standard deviation of the visits per worker, all workers.

use crate::SimError;
use crate::day::Outcome;
use crate::demand::{Request, zone};
use crate::world::World;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;

/// One policy's figures (the `--json` shape; the fields after `jobs_per_worker_sd` are
/// printed in the table only).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PolicyFigures {
    /// `engine` or `nearest`.
    pub name: String,
    /// Share of arrived orders a worker accepted.
    pub assigned_share: f64,
    /// Share of visits at the door within the window.
    pub on_time_rate: f64,
    /// Road km per visit.
    pub km_per_job: f64,
    /// 95th percentile of the wait from payment to acceptance, minutes.
    pub wait_p95_min: f64,
    /// Service time over shift time.
    pub utilisation: f64,
    /// Standard deviation of visits per worker.
    pub jobs_per_worker_sd: f64,
    /// Mean wait from payment to acceptance, minutes.
    #[serde(skip)]
    pub wait_mean_min: f64,
    /// Orders placed.
    #[serde(skip)]
    pub placed: usize,
    /// Requests that found no window.
    #[serde(skip)]
    pub refused: usize,
    /// Visits done.
    #[serde(skip)]
    pub visits: usize,
    /// Pairs of visits of one worker whose service times overlap (must be 0).
    #[serde(skip)]
    pub overlaps: usize,
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The `p` quantile (0–1) of `v` (nearest rank), 0 for none.
pub fn quantile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Rounds to four decimals, so that printed figures do not carry float noise.
fn r4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The figures of `outcome`.
pub async fn figures(
    world: &World,
    requests: &[Request],
    outcome: &Outcome,
    name: &str,
) -> Result<PolicyFigures, SimError> {
    let visits = &outcome.visits;
    let on_time = visits
        .iter()
        .filter(|v| v.arrive <= outcome.placed[&v.order].window.1)
        .count();
    let mut waits: Vec<f64> = outcome
        .assigned
        .iter()
        .map(|(id, (_, t))| (t - outcome.placed[id].paid) as f64 / 60.0)
        .collect();
    let wait_mean = if waits.is_empty() {
        0.0
    } else {
        waits.iter().sum::<f64>() / waits.len() as f64
    };
    let km: f64 = visits.iter().map(|v| v.meters).sum::<f64>() / 1000.0;
    // Shift time of every worker on each day with a booked visit.
    let tz = zone();
    let days: BTreeSet<NaiveDate> = outcome
        .placed
        .values()
        .map(|p| {
            chrono::DateTime::from_timestamp(p.window.0, 0)
                .unwrap_or_default()
                .with_timezone(&tz)
                .date_naive()
        })
        .collect();
    let mut shift_s = 0i64;
    for d in &days {
        for i in 0..world.hands.len() {
            if let Some((a, b, rest)) = world.shift_on(i, *d) {
                shift_s += b - a - rest;
            }
        }
    }
    let service_s: i64 = visits.iter().map(|v| v.finish - v.check_in).sum();
    let mut per = vec![0f64; world.hands.len()];
    for v in visits {
        per[v.hand] += 1.0;
    }
    let n = per.len().max(1) as f64;
    let mean = per.iter().sum::<f64>() / n;
    let sd = (per.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let mut overlaps = 0;
    for i in 0..world.hands.len() {
        let mut mine: Vec<(i64, i64)> = visits
            .iter()
            .filter(|v| v.hand == i)
            .map(|v| (v.check_in, v.finish))
            .collect();
        mine.sort();
        overlaps += mine.windows(2).filter(|w| w[1].0 < w[0].1).count();
    }
    Ok(PolicyFigures {
        name: name.to_string(),
        assigned_share: r4(share(outcome.assigned.len(), requests.len())),
        on_time_rate: r4(share(on_time, visits.len())),
        km_per_job: r4(if visits.is_empty() {
            0.0
        } else {
            km / visits.len() as f64
        }),
        wait_p95_min: r4(quantile(&mut waits, 0.95)),
        utilisation: r4(if shift_s > 0 {
            service_s as f64 / shift_s as f64
        } else {
            0.0
        }),
        jobs_per_worker_sd: r4(sd),
        wait_mean_min: r4(wait_mean),
        placed: outcome.placed.len(),
        refused: outcome.refused,
        visits: visits.len(),
        overlaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quantile_takes_the_nearest_rank() {
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&mut v, 0.95), 19.0);
        assert_eq!(quantile(&mut [], 0.95), 0.0);
        assert_eq!(quantile(&mut [3.0], 0.95), 3.0);
    }
}
