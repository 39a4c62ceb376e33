//! Dates and instants from requests, held to the business range
//! ([`daojia_domain::bounds`]) as they are read, so no handler ever does arithmetic on a
//! date near chrono's limits. Use the modules with `#[serde(with = "...")]`-style
//! attributes (`deserialize_with`) on request fields, and [`parse_date`] for dates sent as
//! plain strings. An out-of-range value is a 422 field error with code `out_of_range`.

use super::error::FieldError;
use chrono::NaiveDate;
pub use daojia_domain::bounds::{OUT_OF_RANGE, instant, opt_date, opt_instant};
use daojia_domain::bounds::{RANGE_MESSAGE, date_in_range};

/// A date sent as `YYYY-MM-DD` in the string field `field`, in the business range.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate, FieldError> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "invalid", "a date as YYYY-MM-DD"))?;
    if date_in_range(d) {
        Ok(d)
    } else {
        Err(FieldError::new(field, "out_of_range", RANGE_MESSAGE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(deserialize_with = "instant")]
        at: DateTime<Utc>,
        #[serde(default, deserialize_with = "opt_date")]
        from: Option<NaiveDate>,
    }

    #[test]
    fn dates_outside_the_century_are_refused_as_they_are_read() {
        let ok: Body = serde_json::from_str(r#"{"at":"2026-12-01T02:00:00Z"}"#).unwrap();
        assert_eq!(
            (ok.at.to_rfc3339(), ok.from),
            ("2026-12-01T02:00:00+00:00".into(), None)
        );
        for bad in [
            r#"{"at":"1999-12-31T23:59:59Z"}"#,
            r#"{"at":"9999-12-31T23:59:59Z"}"#,
            r#"{"at":"2026-12-01T02:00:00Z","from":"+262142-12-31"}"#,
            r#"{"at":"2026-12-01T02:00:00Z","from":"-262143-01-01"}"#,
        ] {
            let e = serde_json::from_str::<Body>(bad).unwrap_err().to_string();
            assert!(e.starts_with(OUT_OF_RANGE), "{bad}: {e}");
        }
        assert_eq!(
            parse_date("date", "2026-12-01").unwrap().to_string(),
            "2026-12-01"
        );
        assert_eq!(
            parse_date("date", "-262143-01-01").unwrap_err().code,
            "out_of_range"
        );
        assert_eq!(
            parse_date("date", "2101-01-01").unwrap_err().code,
            "out_of_range"
        );
        assert_eq!(parse_date("date", "yesterday").unwrap_err().code, "invalid");
    }
}
