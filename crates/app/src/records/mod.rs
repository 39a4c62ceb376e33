//! Tamper-evident service records (服务记录存证, issue 11): verifying the orders' hash chains
//! and the daily anchors over their heads (`daojia records verify`), making the anchors
//! (a scheduled job), and an order's record for staff.
//!
//! The chains are appended by the store in the transaction of each change they record
//! (`daojia_store::repo::records`); nothing here writes an entry.

use crate::{App, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use daojia_domain::record::{self, Head};
use daojia_store::entity::{record_anchor, service_record};
use daojia_store::repo::orders;
use daojia_store::repo::records::{self as repo, anchor};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use uuid::Uuid;

/// The job that anchors the days that are over (scheduled hourly; a run with nothing to
/// anchor does nothing).
pub const ANCHOR_JOB: &str = "records.anchor";

/// Orders verified per database round.
const PAGE: u64 = 500;

/// What to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One order's chain, and the anchors' heads that name it.
    Order(Uuid),
    /// Every chain and every anchor.
    All,
}

/// Something that does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The order whose chain it is in (none for an anchor's own fields).
    pub order_id: Option<Uuid>,
    /// The entry (position in the chain).
    pub seq: Option<i64>,
    /// The anchor's day, when an anchor is involved.
    pub day: Option<String>,
    /// What differs.
    pub what: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.day {
            write!(f, "anchor {d}: ")?;
        }
        match (self.order_id, self.seq) {
            (Some(o), Some(s)) => write!(f, "order {o} entry {s}: {}", self.what),
            (Some(o), None) => write!(f, "order {o}: {}", self.what),
            _ => write!(f, "{}", self.what),
        }
    }
}

/// What a verification found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Chains checked.
    pub orders: u64,
    /// Entries checked.
    pub entries: u64,
    /// Anchors checked.
    pub anchors: u64,
    /// The newest anchor's day.
    pub last_anchor: Option<String>,
    /// What does not match: the first entry of each bad chain, then the anchors'.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Nothing wrong.
    pub fn clean(&self) -> bool {
        self.problems.is_empty()
    }
}

fn chain_problem(m: record::Mismatch) -> Problem {
    Problem {
        order_id: Some(m.order_id),
        seq: Some(m.seq),
        day: None,
        what: m.what,
    }
}

/// Verifies one order's chain (`rows` by position): the hashes and links, then that every
/// event of the order since the chain began is in it and every event it records is still
/// there. Returns the entries' hashes by position when the chain itself holds.
fn check_order(
    rows: &[service_record::Model],
    events: &[(i32, String)],
    problems: &mut Vec<Problem>,
) -> Option<Vec<String>> {
    let entries: Vec<record::Entry> = rows.iter().map(repo::entry).collect();
    if let Err(m) = record::verify_chain(&entries) {
        problems.push(chain_problem(m));
        return None;
    }
    let order_id = rows.first()?.order_id;
    let mut recorded: BTreeMap<i32, (i64, String)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.kind == "event") {
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        let seq = body["event_seq"].as_i64().unwrap_or(-1) as i32;
        let action = body["action"].as_str().unwrap_or_default().to_string();
        recorded.insert(seq, (r.seq, action));
    }
    let first = recorded.keys().next().copied();
    let held: HashMap<i32, &str> = events.iter().map(|(s, a)| (*s, a.as_str())).collect();
    for (event_seq, (seq, action)) in &recorded {
        match held.get(event_seq) {
            None => {
                problems.push(Problem {
                    order_id: Some(order_id),
                    seq: Some(*seq),
                    day: None,
                    what: format!(
                        "records event {event_seq} ({action}), which the order no longer has"
                    ),
                });
                return None;
            }
            Some(a) if a != action => {
                problems.push(Problem {
                    order_id: Some(order_id),
                    seq: Some(*seq),
                    day: None,
                    what: format!(
                        "records event {event_seq} as {action}; the order's event says {a}"
                    ),
                });
                return None;
            }
            Some(_) => {}
        }
    }
    if let Some(first) = first
        && let Some((s, a)) = events
            .iter()
            .find(|(s, _)| *s >= first && !recorded.contains_key(s))
    {
        let after = rows.last().map_or(0, |r| r.seq);
        problems.push(Problem {
            order_id: Some(order_id),
            seq: Some(after + 1),
            day: None,
            what: format!("missing: the order's event {s} ({a}) is not in its service record"),
        });
        return None;
    }
    Some(rows.iter().map(|r| r.hash.clone()).collect())
}

/// Verifies chains and anchors; see [`Scope`].
pub async fn verify(app: &App, scope: Scope) -> Result<Report> {
    let db = app.store.db();
    let mut report = Report::default();
    let mut hashes: HashMap<Uuid, Option<Vec<String>>> = HashMap::new();
    let mut verify_page = async |ids: Vec<Uuid>, report: &mut Report| -> Result<()> {
        let rows = repo::of_orders(db, &ids).await?;
        let events = repo::event_seqs(db, &ids).await?;
        let mut by_order: BTreeMap<Uuid, Vec<service_record::Model>> = BTreeMap::new();
        for r in rows {
            by_order.entry(r.order_id).or_default().push(r);
        }
        let mut events_of: HashMap<Uuid, Vec<(i32, String)>> = HashMap::new();
        for (o, s, a) in events {
            events_of.entry(o).or_default().push((s, a));
        }
        for (order, rows) in by_order {
            report.orders += 1;
            report.entries += rows.len() as u64;
            let ev = events_of.remove(&order).unwrap_or_default();
            let ok = check_order(&rows, &ev, &mut report.problems);
            hashes.insert(order, ok);
        }
        Ok(())
    };
    match scope {
        Scope::Order(id) => {
            if orders::get(db, id).await?.is_none() && repo::last(db, id).await?.is_none() {
                return Err(Error::NotFound("order"));
            }
            verify_page(vec![id], &mut report).await?;
        }
        Scope::All => {
            let mut after = None;
            loop {
                let ids = repo::orders_page(db, after, PAGE).await?;
                let Some(last) = ids.last().copied() else {
                    break;
                };
                verify_page(ids, &mut report).await?;
                after = Some(last);
            }
        }
    }
    verify_anchors(app, scope, &hashes, &mut report).await?;
    Ok(report)
}

fn anchor_problem(day: &str, what: String) -> Problem {
    Problem {
        order_id: None,
        seq: None,
        day: Some(day.into()),
        what,
    }
}

/// Each anchor: its hash over its fields and the previous anchor's, its root over its
/// heads, its copy in the audit log, and each head against the chain it names (for
/// [`Scope::Order`], only the heads naming that order).
async fn verify_anchors(
    app: &App,
    scope: Scope,
    hashes: &HashMap<Uuid, Option<Vec<String>>>,
    report: &mut Report,
) -> Result<()> {
    let db = app.store.db();
    let mut prev = record::GENESIS.to_string();
    for a in anchor::all(db).await? {
        report.anchors += 1;
        report.last_anchor = Some(a.day.clone());
        if let Some(p) = check_anchor(app, &a, &prev).await? {
            report.problems.push(p);
        }
        prev = a.hash.clone();
        let heads = anchor::heads(&a).unwrap_or_default();
        for h in heads {
            if scope != Scope::All && scope != Scope::Order(h.order_id) {
                continue;
            }
            if let Some(p) = check_head(&a.day, &h, hashes) {
                report.problems.push(p);
            }
        }
    }
    Ok(())
}

async fn check_anchor(app: &App, a: &record_anchor::Model, prev: &str) -> Result<Option<Problem>> {
    let bad = |what: String| Ok(Some(anchor_problem(&a.day, what)));
    let Ok(day) = NaiveDate::parse_from_str(&a.day, "%Y-%m-%d") else {
        return bad("its day is not a date".into());
    };
    let Ok(heads) = anchor::heads(a) else {
        return bad("its heads are not readable".into());
    };
    if heads.len() != a.heads as usize {
        return bad(format!(
            "it names {} heads but counts {}",
            heads.len(),
            a.heads
        ));
    }
    let root = record::anchor_root(&heads);
    if root != a.root {
        return bad(format!(
            "its heads give root {}, it holds {}",
            record::short(&root),
            record::short(&a.root)
        ));
    }
    if a.prev_hash != prev {
        return bad(format!(
            "its previous hash {} is not the day before's anchor ({})",
            record::short(&a.prev_hash),
            record::short(prev)
        ));
    }
    let hash = record::anchor_hash(day, heads.len(), &a.root, &a.prev_hash);
    if hash != a.hash {
        return bad(format!(
            "its fields give hash {}, it holds {}",
            record::short(&hash),
            record::short(&a.hash)
        ));
    }
    let published = anchor::published(app.store.db(), &a.day).await?;
    let hashes: Vec<String> = published
        .iter()
        .filter_map(|p| p.after_json.as_deref())
        .filter_map(|j| serde_json::from_str::<serde_json::Value>(j).ok())
        .filter_map(|v| v["hash"].as_str().map(str::to_string))
        .collect();
    if !hashes.iter().any(|h| h == &a.hash) {
        return bad(match hashes.first() {
            None => "it is not published in the audit log".into(),
            Some(h) => format!(
                "the audit log publishes hash {}, the anchor holds {}",
                record::short(h),
                record::short(&a.hash)
            ),
        });
    }
    Ok(None)
}

fn check_head(day: &str, h: &Head, hashes: &HashMap<Uuid, Option<Vec<String>>>) -> Option<Problem> {
    let p = |what: String| Problem {
        order_id: Some(h.order_id),
        seq: Some(h.seq),
        day: Some(day.into()),
        what,
    };
    match hashes.get(&h.order_id) {
        // The chain itself is broken: already named.
        Some(None) => None,
        None => Some(p("anchored, but the order has no service record".into())),
        Some(Some(chain)) => match usize::try_from(h.seq - 1).ok().and_then(|i| chain.get(i)) {
            None => Some(p(format!(
                "anchored with hash {}, but the chain ends at entry {}",
                record::short(&h.hash),
                chain.len()
            ))),
            Some(now) if *now != h.hash => Some(p(format!(
                "anchored with hash {}, the chain now has {}",
                record::short(&h.hash),
                record::short(now)
            ))),
            Some(_) => None,
        },
    }
}

/// Anchors every day that is over (see `daojia_store::repo::records::anchor`).
pub async fn anchor_days(app: &App, now: DateTime<Utc>) -> Result<Vec<record_anchor::Model>> {
    Ok(anchor::anchor_days(&app.store, now).await?)
}

/// An order's service record as staff see it.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    /// The order.
    pub order_id: Uuid,
    /// Its entries, oldest first.
    pub entries: Vec<service_record::Model>,
    /// The chain and the anchors naming it verify.
    pub verified: bool,
    /// What does not match, when not.
    pub problems: Vec<String>,
}

/// The service record of order `id`, verified, for staff who see the order (a partner's
/// staff: their workers' orders; any other is not found).
pub async fn of_order(app: &App, scope: crate::workers::Scope, id: Uuid) -> Result<OrderRecord> {
    crate::orders::read::get(app, scope, id).await?;
    let report = verify(app, Scope::Order(id)).await?;
    let entries = repo::of_order(app.store.db(), id).await?;
    Ok(OrderRecord {
        order_id: id,
        entries,
        verified: report.clean(),
        problems: report.problems.iter().map(ToString::to_string).collect(),
    })
}
