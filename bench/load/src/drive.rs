//! Sending the load: closed loop (a fixed number of clients, each sending its next request
//! when the last is answered) or open loop (requests due at a fixed rate whatever the
//! answers, latency counted from when each was due, so a slow server cannot hide its
//! queue by slowing the generator down), and the nodes' CPU time around a run.

use crate::scenario::Plan;
use crate::stats::{Outcome, Recorder};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How requests are sent.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    /// `clients` clients, each one request at a time.
    Closed {
        /// Clients.
        clients: usize,
    },
    /// `rate` requests per second, at most `in_flight` unanswered at once.
    Open {
        /// Requests per second.
        rate: f64,
        /// Most requests in flight (a due request waits for a place; its wait counts).
        in_flight: usize,
    },
}

/// Sends load for `duration`; returns what was recorded and how long it took until the last
/// answer.
pub async fn run(
    plan: Arc<Plan>,
    http: reqwest::Client,
    mode: Mode,
    duration: Duration,
    counter: Arc<AtomicU64>,
) -> (Recorder, Duration) {
    let started = Instant::now();
    let deadline = started + duration;
    let rec = match mode {
        Mode::Closed { clients } => {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..clients.max(1) {
                let (plan, http, counter) = (plan.clone(), http.clone(), counter.clone());
                tasks.spawn(async move {
                    let mut rec = Recorder::default();
                    while Instant::now() < deadline {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        one(&plan, &http, n, Instant::now(), &mut rec).await;
                    }
                    rec
                });
            }
            let mut all = Recorder::default();
            while let Some(r) = tasks.join_next().await {
                all.merge(r.expect("a client task does not panic"));
            }
            all
        }
        Mode::Open { rate, in_flight } => {
            let shared = Arc::new(Mutex::new(Recorder::default()));
            let places = Arc::new(tokio::sync::Semaphore::new(in_flight.max(1)));
            let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
            let mut tasks = tokio::task::JoinSet::new();
            let mut i: u32 = 0;
            loop {
                let due = started + interval * i;
                if due >= deadline {
                    break;
                }
                i += 1;
                tokio::time::sleep_until(due).await;
                let place = places
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                let (plan, http, shared) = (plan.clone(), http.clone(), shared.clone());
                let n = counter.fetch_add(1, Ordering::Relaxed);
                tasks.spawn(async move {
                    let mut rec = Recorder::default();
                    one(&plan, &http, n, due, &mut rec).await;
                    drop(place);
                    shared.lock().expect("not poisoned").merge(rec);
                });
                // Reap finished tasks now and then so that the set stays small.
                while tasks.try_join_next().is_some() {}
            }
            while tasks.join_next().await.is_some() {}
            Arc::try_unwrap(shared)
                .map(|m| m.into_inner().expect("not poisoned"))
                .unwrap_or_else(|s| s.lock().expect("not poisoned").clone())
        }
    };
    (rec, started.elapsed())
}

async fn one(plan: &Plan, http: &reqwest::Client, n: u64, due: Instant, rec: &mut Recorder) {
    match plan.send(http, n).await {
        Ok((status, code)) => {
            let outcome = plan.scenario.classify(status, &code);
            let answer = if outcome == Outcome::Ok || code.is_empty() {
                status.to_string()
            } else {
                format!("{status} {code}")
            };
            rec.record(due.elapsed(), &answer, outcome);
        }
        Err(e) => {
            let answer = if e.is_timeout() {
                "timeout"
            } else {
                "transport"
            };
            rec.record(due.elapsed(), answer, Outcome::Error);
        }
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// User plus system CPU seconds used so far by the processes `pids` (all their threads).
pub fn cpu_seconds(pids: &[u32]) -> anyhow::Result<f64> {
    let mut total = 0.0;
    for pid in pids {
        let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map_err(|e| anyhow::anyhow!("--pid {pid}: {e}"))?;
        total += parse_stat_cpu(&text)
            .ok_or_else(|| anyhow::anyhow!("--pid {pid}: unreadable /proc/{pid}/stat"))?;
    }
    Ok(total)
}

/// utime + stime of a `/proc/<pid>/stat` line, seconds. The command name (field 2) may
/// hold spaces and parentheses, so the fields are counted from its closing parenthesis.
pub fn parse_stat_cpu(stat: &str) -> Option<f64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        let line =
            "4242 (daojia (x) y) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat_cpu(line), Some(3.25));
        assert_eq!(parse_stat_cpu("4242 (daojia) S 1"), None);
    }
}
