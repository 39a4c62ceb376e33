//! Accounting periods (会计期间): calendar months in China time (UTC+8), written
//! `YYYY-MM`. Every journal entry belongs to one; a closed period takes no entry, so an
//! entry whose business time falls in a closed period is booked in the first open one
//! ([`Period::for_entry`]). See `docs/ledger.md`, "Month-end close".

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use std::fmt;
use std::str::FromStr;

/// A month in China time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    month: u32,
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a month written YYYY-MM (2000-01 to 2999-12)")]
pub struct BadPeriod(pub String);

impl Period {
    /// The month `month` (1–12) of `year` (2000–2999).
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((2000..=2999).contains(&year) && (1..=12).contains(&month))
            .then_some(Period { year, month })
    }

    /// The China-time month `at` falls in.
    pub fn of(at: DateTime<Utc>) -> Period {
        let local = at.with_timezone(&china());
        Period {
            year: local.year(),
            month: local.month(),
        }
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// The month after.
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before.
    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The first instant of the month (00:00 China time on its first day), in UTC.
    pub fn starts(self) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a valid month");
        china()
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    }

    /// The first instant after the month (the next month's start).
    pub fn ends(self) -> DateTime<Utc> {
        self.next().starts()
    }

    /// Whether the month is over at `now` (only a month that is over can be closed).
    pub fn is_over(self, now: DateTime<Utc>) -> bool {
        now >= self.ends()
    }

    /// The period an entry whose business time is `at` is booked in, when every period up
    /// to `closed_through` is closed: its own month if that is open, else the first open
    /// one (the month after `closed_through`). A late refund, a reversal of an old entry
    /// or a callback for an old payment keeps `at` as its business date.
    pub fn for_entry(at: DateTime<Utc>, closed_through: Option<Period>) -> Period {
        let own = Period::of(at);
        match closed_through {
            Some(c) if own <= c => c.next(),
            _ => own,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = BadPeriod;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadPeriod(s.to_string());
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.chars().chain(m.chars())).all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        Period::new(y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?).ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn months_are_china_time() {
        // 2026-11-30 16:00 UTC is 2026-12-01 00:00 in Beijing.
        assert_eq!(
            Period::of(at("2026-11-30T15:59:59Z")).to_string(),
            "2026-11"
        );
        assert_eq!(
            Period::of(at("2026-11-30T16:00:00Z")).to_string(),
            "2026-12"
        );
        let p: Period = "2026-12".parse().unwrap();
        assert_eq!(p.starts(), at("2026-11-30T16:00:00Z"));
        assert_eq!(p.ends(), at("2026-12-31T16:00:00Z"));
        assert_eq!(p.next().to_string(), "2027-01");
        assert_eq!(p.next().prev(), p);
        assert!(!p.is_over(at("2026-12-31T15:59:59Z")));
        assert!(p.is_over(at("2026-12-31T16:00:00Z")));
    }

    #[test]
    fn parsing_is_strict() {
        for bad in [
            "2026-1",
            "2026-13",
            "2026-00",
            "26-11",
            "2026/11",
            "2026-11-01",
            "",
            "1999-12",
            "２０２６-11",
        ] {
            assert!(bad.parse::<Period>().is_err(), "{bad}");
        }
        assert_eq!(
            "2026-01".parse::<Period>().unwrap(),
            Period::new(2026, 1).unwrap()
        );
    }

    #[test]
    fn an_entry_of_a_closed_month_goes_to_the_first_open_one() {
        let oct = at("2026-10-15T04:00:00Z");
        let nov: Period = "2026-11".parse().unwrap();
        assert_eq!(Period::for_entry(oct, None).to_string(), "2026-10");
        assert_eq!(
            Period::for_entry(oct, Some(nov.prev().prev())).to_string(),
            "2026-10"
        );
        assert_eq!(
            Period::for_entry(oct, Some(nov.prev())).to_string(),
            "2026-11"
        );
        assert_eq!(Period::for_entry(oct, Some(nov)).to_string(), "2026-12");
        // A date after the closed months keeps its own month.
        let jan = at("2027-01-02T00:00:00Z");
        assert_eq!(Period::for_entry(jan, Some(nov)).to_string(), "2027-01");
    }
}
