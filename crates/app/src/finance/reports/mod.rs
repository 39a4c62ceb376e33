//! Finance's reports (财务报表): revenue by day, area, category and channel; commissions by
//! rule; workers' and partners' earnings and payouts; refunds. Money figures come from the
//! ledger's postings (see `docs/ledger.md`), so a report over any range adds up to the
//! journal: what a report says was collected is what the clearing accounts received.
//! Commissions come from the splits recorded at completion (`order_earning`), which the
//! ledger's earning entries post. Days are China dates (`day_offset_hours`, UTC+8).

mod commissions;
mod csv;
mod payees;
mod refunds;
mod revenue;

pub use commissions::{CommissionReport, CommissionRow, commissions};
pub use csv::{commissions_csv, payees_csv, refunds_csv, revenue_csv};
pub use payees::{Payee, PayeeReport, PayeeRow, payees};
pub use refunds::{RefundReport, RefundRow, RefundSum, refunds};
pub use revenue::{By, RevenueReport, RevenueRow, fold_revenue, revenue};

use crate::{Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The longest range one report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// A range of China dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

impl Range {
    /// The range, checked: `from` not after `to`, at most [`MAX_DAYS`] days.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Range> {
        if to < from {
            return Err(Error::field("to", "invalid", "before `from`"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(Error::field(
                "to",
                "invalid",
                format!("at most {MAX_DAYS} days from `from`"),
            ));
        }
        Ok(Range { from, to })
    }

    /// The instants the range covers, `[start, end)`, for days `offset_hours` east of UTC.
    pub fn bounds(&self, offset_hours: i64) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(offset_hours)
        };
        (start(self.from), start(self.to + Duration::days(1)))
    }
}

fn is_earning(kind: &str) -> bool {
    matches!(kind, "earning" | "earning_adjustment")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_range_is_checked_and_covers_china_days() {
        assert!(Range::new(day("2026-12-02"), day("2026-12-01")).is_err());
        assert!(Range::new(day("2026-01-01"), day("2027-01-02")).is_err());
        assert!(Range::new(day("2026-01-01"), day("2027-01-01")).is_ok());
        let r = Range::new(day("2026-12-01"), day("2026-12-01")).unwrap();
        let (a, b) = r.bounds(8);
        assert_eq!(a.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-12-01T16:00:00+00:00");
    }
}
