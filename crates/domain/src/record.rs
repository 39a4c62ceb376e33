//! Tamper-evident service records (服务记录存证), as rules over plain values.
//!
//! Each order has a hash chain of record entries (its steps, the check-in, photos' hashes):
//! entry `n` holds the SHA-256 of a canonical encoding of its content together with the
//! hash of entry `n - 1` (the first links to [`GENESIS`]). Changing, inserting or removing
//! an entry breaks the chain at that entry. Each day, the heads of the chains that moved
//! that day are themselves chained into a daily anchor ([`anchor_hash`]) published in the
//! audit log, so rewriting a whole chain from an edited entry onwards shows too.
//!
//! Personal values never enter an entry: they enter as [`salted`] hashes, whose salt is
//! kept beside the entry but outside the hash. Erasing a person deletes the salt, which
//! leaves the hashes unlinkable and every chain still verifiable.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use uuid::Uuid;

/// The version tag hashed into every entry and anchor.
pub const VERSION: &str = "daojia.record.v1";

/// The previous hash of an order's first entry and of the first anchor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The canonical JSON encoding: object keys sorted, no whitespace, strings and numbers as
/// `serde_json` writes them. The same value always encodes to the same text.
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A time as entries keep it: UTC, whole microseconds (what every database stores).
pub fn at_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// The text of a time inside a hash.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at_micros(at).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b"\n");
        }
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The salted hash of a personal value: `s256:` and the hex SHA-256 of the salt and the
/// value. Without the salt the value cannot be tried against it.
pub fn salted(salt: &str, value: &str) -> String {
    format!("s256:{}", sha256_hex(&[salt, value]))
}

/// An entry's place and content, as hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The order whose chain it is in.
    pub order_id: Uuid,
    /// Its position, from 1.
    pub seq: i64,
    /// What it records (`event`, `check_in`, `photo`).
    pub kind: String,
    /// When (server time).
    pub at: DateTime<Utc>,
    /// Its content, canonical JSON ([`canonical`]).
    pub body: String,
    /// The hash of the entry before it ([`GENESIS`] for the first).
    pub prev_hash: String,
    /// Its hash ([`entry_hash`]).
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the version, order, position, kind, time, previous
/// hash and canonical content, one per line.
pub fn entry_hash(
    order_id: Uuid,
    seq: i64,
    kind: &str,
    at: DateTime<Utc>,
    body: &str,
    prev_hash: &str,
) -> String {
    sha256_hex(&[
        VERSION,
        &order_id.to_string(),
        &seq.to_string(),
        kind,
        &timestamp(at),
        prev_hash,
        body,
    ])
}

/// The entry that follows `last` (the order's newest, `None` for the first) with this
/// content; `body` is encoded canonically.
pub fn next(
    order_id: Uuid,
    last: Option<(i64, &str)>,
    kind: &str,
    at: DateTime<Utc>,
    body: &Value,
) -> Entry {
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h.to_string()),
        None => (1, GENESIS.to_string()),
    };
    let at = at_micros(at);
    let body = canonical(body);
    let hash = entry_hash(order_id, seq, kind, at, &body, &prev);
    Entry {
        order_id,
        seq,
        kind: kind.into(),
        at,
        body,
        prev_hash: prev,
        hash,
    }
}

/// The first entry of a chain that does not match, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The order.
    pub order_id: Uuid,
    /// The entry (position).
    pub seq: i64,
    /// What differs.
    pub what: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "order {} entry {}: {}",
            self.order_id, self.seq, self.what
        )
    }
}

/// The newest entry of a chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Head {
    /// The order.
    pub order_id: Uuid,
    /// The entry's position.
    pub seq: i64,
    /// Its hash.
    pub hash: String,
}

/// Recomputes one order's chain (`entries` ordered by position) and returns its head, or
/// the first entry that does not match: a position missing, content that no longer gives
/// the stored hash, or a link to a hash that is not the entry before's.
pub fn verify_chain(entries: &[Entry]) -> Result<Option<Head>, Mismatch> {
    let mut prev: Option<&Entry> = None;
    for e in entries {
        let bad = |what: String| Mismatch {
            order_id: e.order_id,
            seq: e.seq,
            what,
        };
        let expected = prev.map_or(1, |p| p.seq + 1);
        if e.seq != expected {
            return Err(match prev {
                None => bad(format!(
                    "the chain starts here: entries 1 to {} are missing",
                    e.seq - 1
                )),
                Some(p) => bad(format!(
                    "entry {expected} is missing (the chain jumps from {} to {})",
                    p.seq, e.seq
                )),
            });
        }
        let computed = entry_hash(e.order_id, e.seq, &e.kind, e.at, &e.body, &e.prev_hash);
        if computed != e.hash {
            return Err(bad(format!(
                "its content ({} at {}) does not give its hash: stored {}, recomputed {}",
                e.kind,
                timestamp(e.at),
                short(&e.hash),
                short(&computed)
            )));
        }
        let want_prev = prev.map_or(GENESIS, |p| p.hash.as_str());
        if e.prev_hash != want_prev {
            return Err(bad(format!(
                "its previous hash {} is not the hash of entry {} ({})",
                short(&e.prev_hash),
                e.seq - 1,
                short(want_prev)
            )));
        }
        prev = Some(e);
    }
    Ok(prev.map(|p| Head {
        order_id: p.order_id,
        seq: p.seq,
        hash: p.hash.clone(),
    }))
}

/// The first 12 hex digits of a hash, for messages.
pub fn short(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// The root of a day's heads: SHA-256 over their lines `order seq hash`, sorted by order.
pub fn anchor_root(heads: &[Head]) -> String {
    let mut lines: Vec<String> = heads
        .iter()
        .map(|h| format!("{} {} {}", h.order_id, h.seq, h.hash))
        .collect();
    lines.sort();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut parts = vec![VERSION, "anchor-root"];
    parts.extend(refs);
    sha256_hex(&parts)
}

/// The hash of a day's anchor: the version, the day, the number of heads, their root and
/// the previous anchor's hash ([`GENESIS`] for the first).
pub fn anchor_hash(day: NaiveDate, heads: usize, root: &str, prev_hash: &str) -> String {
    sha256_hex(&[
        VERSION,
        "anchor",
        &day.to_string(),
        &heads.to_string(),
        root,
        prev_hash,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn chain(n: usize) -> Vec<Entry> {
        let id = Uuid::from_u128(7);
        let t0 = Utc.with_ymd_and_hms(2026, 12, 4, 2, 0, 0).unwrap();
        let mut out: Vec<Entry> = vec![];
        for i in 0..n {
            let last = out.last().map(|e| (e.seq, e.hash.as_str()));
            let e = next(
                id,
                last,
                "event",
                t0 + chrono::Duration::minutes(i as i64),
                &json!({"action": "step", "i": i}),
            );
            out.push(e);
        }
        out
    }

    #[test]
    fn canonical_sorts_keys_at_every_depth_and_keeps_arrays_in_order() {
        let v = json!({"b": 1, "a": {"z": [3, 1], "y": "引号\"", "x": null}});
        assert_eq!(
            canonical(&v),
            r#"{"a":{"x":null,"y":"引号\"","z":[3,1]},"b":1}"#
        );
    }

    #[test]
    fn a_sound_chain_verifies_to_its_head() {
        let c = chain(4);
        assert_eq!(c[0].prev_hash, GENESIS);
        assert_eq!(c[1].prev_hash, c[0].hash);
        let head = verify_chain(&c).unwrap().unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (4, c[3].hash.as_str()));
        assert_eq!(verify_chain(&[]).unwrap(), None);
    }

    #[test]
    fn edited_content_is_named_at_its_entry() {
        let mut c = chain(4);
        c[2].body = c[2].body.replace("step", "stop");
        let m = verify_chain(&c).unwrap_err();
        assert_eq!(m.seq, 3);
        assert!(m.what.contains("does not give its hash"), "{m}");
        // A moved time is content too.
        let mut c = chain(3);
        c[1].at += chrono::Duration::seconds(1);
        assert_eq!(verify_chain(&c).unwrap_err().seq, 2);
    }

    #[test]
    fn an_entry_rehashed_after_an_edit_breaks_the_next_link() {
        let mut c = chain(4);
        let e = &mut c[1];
        e.body = e.body.replace("step", "stop");
        e.hash = entry_hash(e.order_id, e.seq, &e.kind, e.at, &e.body, &e.prev_hash);
        let m = verify_chain(&c).unwrap_err();
        assert_eq!(m.seq, 3);
        assert!(m.what.contains("is not the hash of entry 2"), "{m}");
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut c = chain(4);
        c.remove(1);
        let m = verify_chain(&c).unwrap_err();
        assert_eq!(m.seq, 3);
        assert!(m.what.contains("entry 2 is missing"), "{m}");
        let mut c = chain(3);
        c.remove(0);
        assert!(
            verify_chain(&c)
                .unwrap_err()
                .what
                .contains("entries 1 to 1 are missing")
        );
    }

    #[test]
    fn salted_hashes_differ_by_salt_and_hide_the_value() {
        let a = salted("aa", "31.230400,121.473700");
        assert_ne!(a, salted("bb", "31.230400,121.473700"));
        assert_eq!(a, salted("aa", "31.230400,121.473700"));
        assert!(a.starts_with("s256:") && !a.contains("31.23"));
    }

    #[test]
    fn the_anchor_root_ignores_order_and_sees_every_head() {
        let h = |n: u128, s: i64| Head {
            order_id: Uuid::from_u128(n),
            seq: s,
            hash: format!("{n:064x}"),
        };
        let a = anchor_root(&[h(1, 3), h(2, 5)]);
        assert_eq!(a, anchor_root(&[h(2, 5), h(1, 3)]));
        assert_ne!(a, anchor_root(&[h(2, 5), h(1, 4)]));
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_ne!(
            anchor_hash(day, 2, &a, GENESIS),
            anchor_hash(day.succ_opt().unwrap(), 2, &a, GENESIS)
        );
    }

    #[test]
    fn times_are_hashed_to_the_microsecond() {
        let t = Utc.timestamp_opt(1_765_000_000, 123_456_789).unwrap();
        assert_eq!(timestamp(t), "2025-12-06T05:46:40.123456Z");
        assert_eq!(at_micros(t).timestamp_subsec_nanos(), 123_456_000);
    }
}
