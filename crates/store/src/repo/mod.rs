//! Repositories: the queries the application runs, as functions over plain values.
//!
//! Lists are paged by cursor: the cursor is the id of the last row returned (ids are UUID v7,
//! so they sort by creation time) and the next page is everything older.

pub mod accounts;
pub mod alarms;
pub mod audit;
pub mod bundles;
pub mod catalog;
pub mod catalog_admin;
pub mod catalog_rows;
pub mod customer_wechat;
pub mod deposits;
pub mod dispatch;
pub mod earnings;
pub mod extras;
pub mod finance_reports;
pub mod flags;
pub mod housekeeping;
pub mod idempotency;
pub mod invoices;
pub mod jobs;
pub mod ledger;
pub mod login_guard;
pub mod meta;
pub mod notifications;
pub mod order_history;
pub mod orders;
pub mod otp;
pub mod outbox;
pub mod payees;
pub mod payments;
pub mod periods;
pub mod pii_backfill;
pub mod planning;
pub mod platform_certificates;
pub mod pool_rows;
pub mod privacy;
pub mod processed;
pub mod promotions;
pub mod push_subscriptions;
pub mod queue_stats;
pub mod recent_days;
pub mod reconciliation;
pub mod records;
pub mod reviews;
pub mod rotation;
pub mod route_plans;
pub mod safety;
pub mod sessions;
pub mod settlement_check;
pub mod sharing;
pub mod slots;
pub mod sms;
pub mod tracks;
pub mod uploads;
pub mod versions;
pub mod visit_records;
pub mod visits;
pub mod wallet;
pub mod withdrawals;
pub mod workers;

use uuid::Uuid;

/// One page of a list, newest first.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The cursor for the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// Where a page starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Rows older than this id (none: from the newest).
    pub after: Option<Uuid>,
    /// At most this many rows (1 to 200).
    pub limit: u64,
}

impl PageRequest {
    /// The most rows one page may hold.
    pub const MAX_LIMIT: u64 = 200;

    /// Parses a cursor string and clamps the limit; `None` when the cursor is not one we
    /// issued.
    pub fn parse(cursor: Option<&str>, limit: Option<u64>) -> Option<PageRequest> {
        let after = match cursor {
            None | Some("") => None,
            Some(c) => Some(Uuid::try_parse(c).ok()?),
        };
        Some(PageRequest {
            after,
            limit: limit.unwrap_or(50).clamp(1, Self::MAX_LIMIT),
        })
    }
}

/// Builds a page from `limit + 1` fetched rows: the extra row only tells that more exist.
pub fn page_from<T>(mut rows: Vec<T>, limit: u64, id: impl Fn(&T) -> Uuid) -> Page<T> {
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| id(r).simple().to_string())
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}
