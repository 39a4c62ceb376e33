//! Alipay speaks yuan with two decimals (`"149.00"`); we speak fen. The conversion is exact
//! both ways and refuses anything else (no floats, no third decimal, no sign).

use crate::error::{Error, Result};
use daojia_domain::money::Money;

/// Fen as Alipay's yuan string: 14900 → `"149.00"`, 5 → `"0.05"`.
pub fn to_yuan(amount: Money) -> Result<String> {
    let fen = amount.as_fen();
    if fen < 0 {
        return Err(Error::invalid("amount", "must not be negative"));
    }
    Ok(format!("{}.{:02}", fen / 100, fen % 100))
}

/// Fen as a signed yuan string with two decimals, as the bills show amounts: -4900 →
/// `"-49.00"`.
pub fn to_signed_yuan(amount: Money) -> String {
    let f = amount.as_fen();
    let sign = if f < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", f.abs() / 100, f.abs() % 100)
}

/// Alipay's yuan string as fen: `"149.00"`, `"149.5"` and `"149"` are accepted.
pub fn from_yuan(text: &str) -> Result<Money> {
    let bad = || Error::invalid("amount", format!("`{text}` is not a yuan amount"));
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (text.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    Ok(Money::fen(whole * 100 + frac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn yuan_strings_convert_exactly() {
        assert_eq!(to_yuan(Money::fen(14900)).unwrap(), "149.00");
        assert_eq!(to_yuan(Money::fen(5)).unwrap(), "0.05");
        assert_eq!(from_yuan("149.00").unwrap(), Money::fen(14900));
        assert_eq!(from_yuan("149.5").unwrap(), Money::fen(14950));
        assert_eq!(from_yuan("0").unwrap(), Money::fen(0));
        for bad in ["", "-1.00", "1.001", "1.", ".5", "1e3", "１.00", "1,00"] {
            assert!(from_yuan(bad).is_err(), "{bad}");
        }
        assert!(to_yuan(Money::fen(-1)).is_err());
    }

    proptest! {
        #[test]
        fn fen_survive_a_round_trip_through_yuan(fen in 0i64..100_000_000_000) {
            prop_assert_eq!(from_yuan(&to_yuan(Money::fen(fen)).unwrap()).unwrap(), Money::fen(fen));
        }
    }
}
