//! The refunds report: the refunds booked in a range, with sums by channel and state.

use super::Range;
use crate::{App, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use daojia_store::repo::finance_reports as rows;
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// One refund in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefundRow {
    /// The refund (or, owed by hand, the ledger entry).
    pub id: Uuid,
    /// Our refund number (absent: owed by hand).
    pub refund_no: Option<String>,
    /// The order.
    pub order_id: Option<Uuid>,
    /// Its number.
    pub order_no: Option<String>,
    /// `wechat`, `alipay`, or `offline` (owed by hand: returned outside any channel).
    pub provider: String,
    /// In fen.
    pub amount_fen: i64,
    /// `requested`, `processing`, `succeeded`, `failed`, or `owed_by_hand`.
    pub state: String,
    /// Why (`cancellation`, `after_sales`, `unowed`, …).
    pub origin: Option<String>,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When the channel confirmed or refused it for good.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Refunds by channel and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefundSum {
    /// The channel.
    pub provider: String,
    /// The state.
    pub state: String,
    /// How many.
    pub count: i64,
    /// How much, in fen.
    pub amount_fen: i64,
}

/// The refunds report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefundReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Sums by channel and state over the listed refunds.
    pub summary: Vec<RefundSum>,
    /// The refunds, newest first.
    pub rows: Vec<RefundRow>,
    /// Whether more refunds were booked in the range than listed (raise `limit`).
    pub truncated: bool,
}

/// The refunds booked in `range`, at most `limit` (1 to 5,000).
pub async fn refunds(app: &App, range: Range, limit: u64) -> Result<RefundReport> {
    if !(1..=5000).contains(&limit) {
        return Err(Error::field("limit", "invalid", "1 to 5000"));
    }
    let (start, end) = range.bounds(app.settings.finance.day_offset_hours);
    let mut lines = rows::refunds(app.store.db(), start, end, limit + 1).await?;
    let truncated = lines.len() as u64 > limit;
    lines.truncate(limit as usize);
    let mut sums: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for l in &lines {
        let s = sums
            .entry((l.provider.clone(), l.state.clone()))
            .or_default();
        s.0 += 1;
        s.1 += l.amount_fen;
    }
    Ok(RefundReport {
        from: range.from,
        to: range.to,
        summary: sums
            .into_iter()
            .map(|((provider, state), (count, amount_fen))| RefundSum {
                provider,
                state,
                count,
                amount_fen,
            })
            .collect(),
        rows: lines
            .into_iter()
            .map(|l| RefundRow {
                id: l.id,
                refund_no: l.refund_no,
                order_id: l.order_id,
                order_no: l.order_no,
                provider: l.provider,
                amount_fen: l.amount_fen,
                state: l.state,
                origin: l.origin,
                created_at: l.created_at,
                finished_at: l.finished_at,
            })
            .collect(),
        truncated,
    })
}
