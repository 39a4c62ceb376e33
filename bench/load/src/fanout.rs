//! `daojia-load fanout`: realtime fan-out (issue 11, "Realtime"). N WebSocket subscribers
//! on `GET /api/v1/realtime` (bench staff sessions, spread over the nodes given), each
//! subscribed to one service area's board; then messages are published on those boards at
//! a steady rate through the nodes' Redis (`PUBLISH <prefix>rt:board:<area>`, exactly as a
//! node publishes an order change), and every subscriber times each message from its
//! publication to its arrival. Prints the connection time, the nodes' resident memory per
//! connection, deliveries per second, lost deliveries and the delivery latency (p50, p90,
//! p99, max) against the target (p99 < 100 ms with 10 000 subscribers on one node), and
//! one JSON line.
//!
//! The subscribers and the publisher share one clock (this process), so a latency is one
//! subtraction. They also share the machine with the nodes: on a small machine the
//! generator's own work is in the figures (scripts/realtime_bench.sh says how busy it was).

use crate::drive::cpu_seconds;
use crate::scenario::{Area, Tokens};
use anyhow::{Context, bail};
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio_tungstenite::tungstenite::Message;

/// The event name of the bench's messages.
const EVENT: &str = "bench.tick";

/// Options of `daojia-load fanout`.
#[derive(Args, Debug)]
pub struct FanoutArgs {
    /// Base URL of a node (repeat, or separate with commas: subscribers take them in turn).
    #[arg(long = "base", required = true, value_delimiter = ',')]
    bases: Vec<String>,
    /// Tokens file from `daojia admin bench-tokens` (its staff subscribe).
    #[arg(long)]
    tokens: PathBuf,
    /// WebSocket subscribers.
    #[arg(long, default_value_t = 10_000)]
    subscribers: usize,
    /// Board topics the subscribers are spread over (at most the service areas there are;
    /// 1: every subscriber on one topic).
    #[arg(long, default_value_t = 10)]
    topics: usize,
    /// Messages published per second, over all topics.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Connections being opened at once.
    #[arg(long, default_value_t = 128)]
    connect_concurrency: usize,
    /// The nodes' Redis.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis: String,
    /// The nodes' Redis key prefix (`[redis] prefix`).
    #[arg(long, default_value = "daojia:")]
    prefix: String,
    /// Process id of a node, for its memory and CPU time (repeat for several).
    #[arg(long = "pid", value_delimiter = ',')]
    pids: Vec<u32>,
    /// The latency target, milliseconds (99th percentile).
    #[arg(long, default_value_t = 100.0)]
    p99_ms: f64,
    /// Append the JSON line to this file too.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// What one subscriber saw.
#[derive(Default)]
struct Seen {
    /// Delivery latencies, microseconds.
    latencies_us: Vec<u32>,
    /// `missed` notices (messages the server dropped for a slow client).
    missed: u64,
    /// The socket failed before the end.
    broken: bool,
}

/// `ws://` for `http://`, `wss://` for `https://`.
fn ws_url(base: &str, token: &str) -> anyhow::Result<String> {
    let rest = if let Some(r) = base.strip_prefix("http://") {
        format!("ws://{r}")
    } else if let Some(r) = base.strip_prefix("https://") {
        format!("wss://{r}")
    } else {
        bail!("--base {base}: not an http(s) URL");
    };
    Ok(format!(
        "{}/api/v1/realtime?token={token}",
        rest.trim_end_matches('/')
    ))
}

/// Nanoseconds since `t0`, as the messages carry them.
fn since(t0: Instant) -> u64 {
    t0.elapsed().as_nanos() as u64
}

/// One subscriber: connects, subscribes to `topic`, says it is ready, then times every
/// bench message until `stop`.
async fn subscriber(
    url: String,
    topic: String,
    t0: Instant,
    ready: Arc<AtomicUsize>,
    received: Arc<AtomicUsize>,
    permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Seen> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .context("connect")?;
    let subscribe = json!({"op": "subscribe", "topic": topic}).to_string();
    ws.send(Message::text(subscribe)).await?;
    loop {
        let Some(msg) = ws.next().await else {
            bail!("closed before subscribing");
        };
        if let Message::Text(t) = msg? {
            let v: Value = serde_json::from_str(t.as_str())?;
            match v["type"].as_str() {
                Some("subscribed") => break,
                Some("error") => bail!("refused: {v}"),
                _ => {}
            }
        }
    }
    ready.fetch_add(1, Ordering::SeqCst);
    drop(permit);
    let mut seen = Seen::default();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            msg = ws.next() => {
                let Some(msg) = msg else {
                    seen.broken = true;
                    break;
                };
                let Ok(msg) = msg else {
                    seen.broken = true;
                    break;
                };
                let Message::Text(t) = msg else { continue };
                let now = since(t0);
                let v: Value = serde_json::from_str(t.as_str())?;
                match v["type"].as_str() {
                    Some("event") if v["event"] == EVENT => {
                        let sent = v["data"]["sent_ns"].as_u64().unwrap_or(now);
                        let us = now.saturating_sub(sent) / 1000;
                        seen.latencies_us.push(us.min(u32::MAX as u64) as u32);
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                    Some("missed") => {
                        seen.missed += v["count"].as_u64().unwrap_or(1);
                    }
                    _ => {}
                }
            }
        }
    }
    let _ = ws.close(None).await;
    Ok(seen)
}

/// Resident memory of `pid`, KiB (`VmRSS` of `/proc/<pid>/status`).
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("--pid {pid}: unreadable /proc/{pid}/status"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("--pid {pid}: no VmRSS"))
}

fn rss_total(pids: &[u32]) -> anyhow::Result<u64> {
    pids.iter().map(|p| rss_kib(*p)).sum()
}

/// The `p` quantile of sorted microseconds, in milliseconds.
fn quantile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i]) / 1000.0
}

/// Which topic subscriber `i` takes: round robin over `topics`.
fn topic_of(i: usize, topics: &[String]) -> &str {
    &topics[i % topics.len()]
}

/// How many subscribers each topic has when `n` take `topics` in turn.
fn per_topic(n: usize, topics: usize) -> Vec<usize> {
    (0..topics)
        .map(|t| n / topics + usize::from(t < n % topics))
        .collect()
}

/// Runs the fan-out benchmark.
pub async fn run(args: FanoutArgs) -> anyhow::Result<()> {
    if args.subscribers == 0 || args.topics == 0 || args.rate <= 0.0 {
        bail!("--subscribers, --topics and --rate must be positive");
    }
    let tokens = Tokens::read(&args.tokens)?;
    if tokens.staff.is_empty() {
        bail!(
            "{}: no staff sessions (bench-tokens --staff N)",
            args.tokens.display()
        );
    }
    let http = reqwest::Client::new();
    let base0 = args.bases[0].trim_end_matches('/');
    let areas: Vec<Area> = http
        .get(format!("{base0}/api/v1/public/areas"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let topics: Vec<String> = areas
        .iter()
        .take(args.topics)
        .map(|a| format!("board:{}", a.code))
        .collect();
    if topics.is_empty() {
        bail!("the node lists no service areas");
    }
    let counts = per_topic(args.subscribers, topics.len());

    let t0 = Instant::now();
    let rss_before = (!args.pids.is_empty())
        .then(|| rss_total(&args.pids))
        .transpose()?;
    eprintln!(
        "fanout: {} subscribers on {} topic(s) over {} node(s), {} staff session(s)",
        args.subscribers,
        topics.len(),
        args.bases.len(),
        tokens.staff.len()
    );

    // Connect everyone.
    let ready = Arc::new(AtomicUsize::new(0));
    let received = Arc::new(AtomicUsize::new(0));
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let connecting = Instant::now();
    let mut tasks = Vec::with_capacity(args.subscribers);
    for i in 0..args.subscribers {
        let staff = &tokens.staff[i % tokens.staff.len()];
        let url = ws_url(&args.bases[i % args.bases.len()], &staff.access_token)?;
        let topic = topic_of(i, &topics).to_string();
        let (ready, stop, gate) = (ready.clone(), stop_rx.clone(), gate.clone());
        let received = received.clone();
        tasks.push(tokio::spawn(async move {
            // Held until subscribed (or failed): at most --connect-concurrency handshakes.
            let permit = gate.acquire_owned().await.expect("the gate stays open");
            subscriber(url, topic, t0, ready, received, permit, stop).await
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let n = ready.load(Ordering::SeqCst);
        let failed = tasks.iter().filter(|t| t.is_finished()).count();
        if n + failed >= args.subscribers {
            break;
        }
        if Instant::now() > deadline {
            bail!("only {n} of {} subscribed after 300 s", args.subscribers);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let connect_s = connecting.elapsed().as_secs_f64();
    let subscribed = ready.load(Ordering::SeqCst);
    eprintln!(
        "  {subscribed} subscribed in {connect_s:.1} s ({:.0}/s)",
        subscribed as f64 / connect_s
    );
    // Let the nodes settle, then weigh them.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_after = (!args.pids.is_empty())
        .then(|| rss_total(&args.pids))
        .transpose()?;

    // Publish.
    let redis = redis::Client::open(args.redis.as_str())?;
    let mut conn = redis.get_multiplexed_async_connection().await?;
    // A busy machine may hold an answer up for longer than the library's default wait; a
    // late PUBLISH shows in the latencies, it is no reason to stop.
    conn.set_response_timeout(Duration::from_secs(30));
    let cpu_before = (!args.pids.is_empty())
        .then(|| cpu_seconds(&args.pids))
        .transpose()?;
    let every = Duration::from_secs_f64(1.0 / args.rate);
    let publishing = Instant::now();
    let end = publishing + Duration::from_secs(args.duration);
    let mut published = vec![0usize; topics.len()];
    let mut next = tokio::time::Instant::now();
    let mut seq = 0u64;
    while Instant::now() < end {
        tokio::time::sleep_until(next).await;
        next += every;
        let t = (seq as usize) % topics.len();
        let topic = &topics[t];
        let msg = json!({
            "type": "event", "topic": topic, "event": EVENT,
            "data": {"seq": seq, "sent_ns": since(t0)}, "id": format!("bench:{seq}"),
        })
        .to_string();
        redis::cmd("PUBLISH")
            .arg(format!("{}rt:{topic}", args.prefix))
            .arg(msg)
            .query_async::<i64>(&mut conn)
            .await
            .context("PUBLISH")?;
        published[t] += 1;
        seq += 1;
    }
    let publish_s = publishing.elapsed().as_secs_f64();
    // The last messages' way through: until every subscriber has every message, at most
    // 30 s (a message that never comes counts as lost; a late one, with its latency).
    let expected: usize = published.iter().zip(&counts).map(|(p, c)| p * c).sum();
    let settling = Instant::now();
    while received.load(Ordering::Relaxed) < expected
        && settling.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let cpu_after = (!args.pids.is_empty())
        .then(|| cpu_seconds(&args.pids))
        .transpose()?;
    let _ = stop_tx.send(true);

    let mut latencies = Vec::new();
    let (mut missed, mut broken, mut failed) = (0u64, 0usize, 0usize);
    let mut first_error = None;
    for t in tasks {
        match t.await? {
            Ok(s) => {
                latencies.extend_from_slice(&s.latencies_us);
                missed += s.missed;
                broken += usize::from(s.broken);
            }
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    latencies.sort_unstable();
    let received = latencies.len();
    let p99 = quantile_ms(&latencies, 0.99);
    let rss_per_conn = rss_before
        .zip(rss_after)
        .map(|(b, a)| a.saturating_sub(b) as f64 / subscribed.max(1) as f64);
    let cpu = cpu_before.zip(cpu_after).map(|(b, a)| a - b);
    let line = json!({
        "scenario": "fanout",
        "nodes": args.bases.len(),
        "subscribers": args.subscribers,
        "subscribed": subscribed,
        "failed": failed,
        "broken": broken,
        "topics": topics.len(),
        "connect_s": connect_s,
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_per_connection_kib": rss_per_conn,
        "published": published.iter().sum::<usize>(),
        "publish_s": publish_s,
        "expected": expected,
        "received": received,
        "missed": missed,
        "deliveries_per_s": received as f64 / publish_s,
        "p50_ms": quantile_ms(&latencies, 0.50),
        "p90_ms": quantile_ms(&latencies, 0.90),
        "p99_ms": p99,
        "max_ms": quantile_ms(&latencies, 1.0),
        "target_p99_ms": args.p99_ms,
        "cpu_s": cpu,
    });
    eprintln!(
        "  published {} messages in {publish_s:.1} s; {received} of {expected} deliveries \
         ({:.0}/s), {missed} reported missed, {failed} failed, {broken} broken",
        line["published"],
        received as f64 / publish_s
    );
    if let Some(e) = &first_error {
        eprintln!("  first failure: {e}");
    }
    eprintln!(
        "  delivery latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms \
         (target p99 < {} ms: {})",
        quantile_ms(&latencies, 0.5),
        quantile_ms(&latencies, 0.9),
        p99,
        quantile_ms(&latencies, 1.0),
        args.p99_ms,
        if p99 < args.p99_ms && received == expected {
            "met"
        } else {
            "NOT met"
        }
    );
    if let (Some(b), Some(a), Some(per)) = (rss_before, rss_after, rss_per_conn) {
        eprintln!(
            "  node memory {:.1} MiB before, {:.1} MiB with the subscribers: {per:.1} KiB per connection",
            b as f64 / 1024.0,
            a as f64 / 1024.0
        );
    }
    if let Some(c) = cpu {
        eprintln!("  node CPU while publishing: {c:.2} s");
    }
    crate::emit(&line, args.out.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_follow_the_base_and_carry_the_token() {
        assert_eq!(
            ws_url("http://127.0.0.1:8080/", "abc").unwrap(),
            "ws://127.0.0.1:8080/api/v1/realtime?token=abc"
        );
        assert_eq!(
            ws_url("https://daojia.example", "t").unwrap(),
            "wss://daojia.example/api/v1/realtime?token=t"
        );
        assert!(ws_url("ftp://x", "t").is_err());
    }

    #[test]
    fn subscribers_spread_over_topics_in_turn() {
        let topics = ["board:a".to_string(), "board:b".to_string()];
        assert_eq!(topic_of(0, &topics), "board:a");
        assert_eq!(topic_of(3, &topics), "board:b");
        assert_eq!(per_topic(5, 2), [3, 2]);
        assert_eq!(per_topic(10_000, 3).iter().sum::<usize>(), 10_000);
    }

    #[test]
    fn quantiles_are_read_from_sorted_microseconds() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(quantile_ms(&v, 0.0), 1.0);
        assert_eq!(quantile_ms(&v, 1.0), 100.0);
        assert_eq!(quantile_ms(&v, 0.99), 99.0);
        assert_eq!(quantile_ms(&[], 0.5), 0.0);
    }
}
