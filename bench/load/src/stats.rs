//! What one run measured: every latency (exact percentiles: a run holds at most a few
//! million samples, cheap to sort), the answers by status and problem code, and how each
//! answer counts (success, an intended refusal such as a 409 for a window just taken or a
//! 429 from a log-in limit, or an error).

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How an answer counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request did what it asked.
    Ok,
    /// A refusal the scenario expects and the service promises (a lost race for the last
    /// place in a window, a log-in limit): correct behaviour, counted apart.
    Intended,
    /// Anything else, including no answer at all.
    Error,
}

/// Collects the answers of a run.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    latencies_us: Vec<u64>,
    statuses: BTreeMap<String, u64>,
    ok: u64,
    intended: u64,
    errors: u64,
}

impl Recorder {
    /// Records one request: how long it took (from when it was due), its answer
    /// (`"201"`, `"409 slot_unavailable"`, `"transport"`) and how that counts.
    pub fn record(&mut self, latency: Duration, answer: &str, outcome: Outcome) {
        self.latencies_us
            .push(u64::try_from(latency.as_micros()).unwrap_or(u64::MAX));
        *self.statuses.entry(answer.to_string()).or_default() += 1;
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Intended => self.intended += 1,
            Outcome::Error => self.errors += 1,
        }
    }

    /// Adds another recorder's answers to this one.
    pub fn merge(&mut self, other: Recorder) {
        self.latencies_us.extend(other.latencies_us);
        for (k, v) in other.statuses {
            *self.statuses.entry(k).or_default() += v;
        }
        self.ok += other.ok;
        self.intended += other.intended;
        self.errors += other.errors;
    }

    /// Requests recorded.
    pub fn requests(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    /// The figures of a run that lasted `elapsed`.
    pub fn summary(&mut self, elapsed: Duration) -> Summary {
        self.latencies_us.sort_unstable();
        let ms = |p: f64| percentile(&self.latencies_us, p) as f64 / 1000.0;
        let requests = self.requests();
        let secs = elapsed.as_secs_f64().max(1e-9);
        Summary {
            requests,
            ok: self.ok,
            intended: self.intended,
            errors: self.errors,
            elapsed_s: round(secs, 3),
            throughput: round(requests as f64 / secs, 1),
            p50_ms: round(ms(50.0), 2),
            p90_ms: round(ms(90.0), 2),
            p99_ms: round(ms(99.0), 2),
            max_ms: round(ms(100.0), 2),
            statuses: self.statuses.clone(),
        }
    }
}

/// The figures of one run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Requests sent and answered (or failed).
    pub requests: u64,
    /// Answers that did what was asked.
    pub ok: u64,
    /// Intended refusals (see [`Outcome::Intended`]).
    pub intended: u64,
    /// Errors.
    pub errors: u64,
    /// Wall time of the run, seconds.
    pub elapsed_s: f64,
    /// Requests per second.
    pub throughput: f64,
    /// Latency percentiles, milliseconds.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Answers by status (and problem code when not a success).
    pub statuses: BTreeMap<String, u64>,
}

/// The nearest-rank percentile `p` (0–100) of sorted `values`; 0 when there are none.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), 50);
        assert_eq!(percentile(&v, 99.0), 99);
        assert_eq!(percentile(&v, 99.5), 100);
        assert_eq!(percentile(&v, 100.0), 100);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile(&[7], 99.0), 7);
        assert_eq!(percentile(&[], 99.0), 0);
    }

    #[test]
    fn a_summary_counts_outcomes_apart_and_keeps_every_status() {
        let mut r = Recorder::default();
        for ms in 1..=98 {
            r.record(Duration::from_millis(ms), "201", Outcome::Ok);
        }
        r.record(
            Duration::from_millis(200),
            "409 slot_unavailable",
            Outcome::Intended,
        );
        let mut other = Recorder::default();
        other.record(Duration::from_millis(900), "transport", Outcome::Error);
        r.merge(other);
        let s = r.summary(Duration::from_secs(2));
        assert_eq!(s.requests, 100);
        assert_eq!((s.ok, s.intended, s.errors), (98, 1, 1));
        assert_eq!(s.throughput, 50.0);
        assert_eq!(s.p50_ms, 50.0);
        assert_eq!(s.p99_ms, 200.0);
        assert_eq!(s.max_ms, 900.0);
        assert_eq!(s.statuses["409 slot_unavailable"], 1);
        assert_eq!(s.statuses["201"], 98);
    }
}
