//! The range of dates and times the business deals in. Every date or instant that comes
//! from outside (a query string, a request body, an import) is checked against it before
//! any arithmetic: chrono represents years ±262143, and adding a day or a time zone offset
//! to a date near either end overflows. Nothing a home-service platform books, reports on
//! or audits lies before 2000 or after 2100, so a date outside that range is a mistake or
//! an attack, and is refused by name.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Deserializer, de::Error};

/// The first date the platform accepts.
pub const EARLIEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a real date");
/// The last date the platform accepts.
pub const LATEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a real date");

/// What an out-of-range date or instant is told, for the field error.
pub const RANGE_MESSAGE: &str = "a date between 2000-01-01 and 2100-12-31";

/// True when `d` lies in the business range.
pub fn date_in_range(d: NaiveDate) -> bool {
    (EARLIEST_DATE..=LATEST_DATE).contains(&d)
}

/// True when `t` lies in the business range (from 2000-01-01 00:00 UTC to the end of
/// 2100-12-31 UTC).
pub fn instant_in_range(t: DateTime<Utc>) -> bool {
    let first = EARLIEST_DATE.and_time(NaiveTime::MIN).and_utc();
    let end = (LATEST_DATE
        .succ_opt()
        .expect("2101-01-01 exists")
        .and_time(NaiveTime::MIN))
    .and_utc();
    first <= t && t < end
}

// Deserialisers for request fields (`#[serde(deserialize_with = "...")]`), so a value
// outside the range is refused as it is read.

/// The prefix of a deserialisation error that the extractors report as `out_of_range`.
pub const OUT_OF_RANGE: &str = "out of range: ";

fn out_of_range<E: Error>() -> E {
    E::custom(format!("{OUT_OF_RANGE}{RANGE_MESSAGE}"))
}

/// An instant in the business range.
pub fn instant<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let t = DateTime::<Utc>::deserialize(d)?;
    if instant_in_range(t) {
        Ok(t)
    } else {
        Err(out_of_range())
    }
}

/// An optional instant in the business range (use with `#[serde(default)]`).
pub fn opt_instant<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<DateTime<Utc>>::deserialize(d)? {
        Some(t) if !instant_in_range(t) => Err(out_of_range()),
        t => Ok(t),
    }
}

/// An optional date in the business range (use with `#[serde(default)]`).
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<NaiveDate>::deserialize(d)? {
        Some(t) if !date_in_range(t) => Err(out_of_range()),
        t => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn the_range_holds_the_century_and_nothing_near_chronos_limits() {
        assert!(date_in_range(EARLIEST_DATE) && date_in_range(LATEST_DATE));
        assert!(!date_in_range(EARLIEST_DATE.pred_opt().unwrap()));
        assert!(!date_in_range(NaiveDate::MIN) && !date_in_range(NaiveDate::MAX));
        let t = LATEST_DATE.and_hms_opt(23, 59, 59).unwrap().and_utc();
        assert!(instant_in_range(t));
        assert!(!instant_in_range(t + Duration::seconds(1)));
        assert!(!instant_in_range(DateTime::<Utc>::MIN_UTC));
        assert!(!instant_in_range(DateTime::<Utc>::MAX_UTC));
    }
}
