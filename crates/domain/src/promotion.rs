//! A promotion (限时特价, 秒杀): one service item at a lower price for a limited number of
//! bookings in a sales window, optionally only in some service areas, at most a few per
//! customer. The smallest promotion primitive; coupons, bundles and member prices extend it.
//!
//! What is decided here, without I/O: whether a promotion as entered makes sense, and
//! whether one can be booked at a moment. The exact count under concurrency is the
//! store's (a conditional update of the sold count); this module only names the answers.

use crate::catalog::Invalid;
use crate::money::Money;
use chrono::{DateTime, Duration, Utc};

/// Largest quota of one promotion (bookings).
pub const MAX_QUOTA: i64 = 1_000_000;
/// Largest number of bookings one customer may take of one promotion.
pub const MAX_PER_CUSTOMER: i64 = 20;
/// Longest sales window.
pub const MAX_DAYS: i64 = 366;
/// Longest name, characters.
pub const MAX_NAME: usize = 64;

/// A promotion as an operator enters it (before it has an id or any sales).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Name shown to customers, e.g. `双十二 深度保洁 5 折`.
    pub name: String,
    /// The item's list price (its base price, before options).
    pub list_price: Money,
    /// The promotional price, replacing the list price (options still add their deltas).
    pub price: Money,
    /// How many bookings may take it in all.
    pub quota: i64,
    /// How many of them one customer may hold at once.
    pub per_customer: i64,
    /// Sales open.
    pub starts_at: DateTime<Utc>,
    /// Sales close.
    pub ends_at: DateTime<Utc>,
}

impl Terms {
    /// Every problem with the terms, by field: a name, a positive price below the list
    /// price, a quota of at least one, a per-customer limit between one and the quota, and a
    /// sales window that ends after it starts and lasts at most [`MAX_DAYS`].
    pub fn check(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        crate::catalog::check_name("name", &self.name, MAX_NAME, &mut out);
        if self.price <= Money::ZERO {
            out.push(invalid("price_fen", "out_of_range", "a price above zero"));
        } else if self.price >= self.list_price {
            out.push(invalid(
                "price_fen",
                "not_below_list_price",
                format!(
                    "a promotional price below the item's list price ({} fen)",
                    self.list_price.as_fen()
                ),
            ));
        }
        if !(1..=MAX_QUOTA).contains(&self.quota) {
            out.push(invalid(
                "quota",
                "out_of_range",
                format!("1 to {MAX_QUOTA} bookings"),
            ));
        }
        if !(1..=MAX_PER_CUSTOMER).contains(&self.per_customer) {
            out.push(invalid(
                "per_customer",
                "out_of_range",
                format!("1 to {MAX_PER_CUSTOMER} bookings per customer"),
            ));
        } else if self.per_customer > self.quota.max(1) {
            out.push(invalid(
                "per_customer",
                "above_quota",
                "no more than the quota",
            ));
        }
        if self.ends_at <= self.starts_at {
            out.push(invalid("ends_at", "before_start", "after `starts_at`"));
        } else if self.ends_at - self.starts_at > Duration::days(MAX_DAYS) {
            out.push(invalid(
                "ends_at",
                "too_long",
                format!("at most {MAX_DAYS} days after `starts_at`"),
            ));
        }
        out
    }
}

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        code,
        message: message.into(),
    }
}

/// Where a promotion stands at a moment, for a customer about to book it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// It can be booked.
    Open,
    /// Sales have not opened yet.
    NotStarted,
    /// Sales have closed.
    Ended,
    /// Staff stopped it.
    Stopped,
    /// Every place is taken.
    SoldOut,
}

impl Standing {
    /// Where a promotion with these facts stands at `now`. Stopped wins over everything,
    /// then the sales window, then the count.
    pub fn at(
        stopped: bool,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        sold: i64,
        quota: i64,
        now: DateTime<Utc>,
    ) -> Standing {
        if stopped {
            Standing::Stopped
        } else if now < starts_at {
            Standing::NotStarted
        } else if now >= ends_at {
            Standing::Ended
        } else if sold >= quota {
            Standing::SoldOut
        } else {
            Standing::Open
        }
    }

    /// The stable code a customer's app gets when it cannot book (`None` when open).
    pub fn refusal(self) -> Option<(&'static str, &'static str)> {
        match self {
            Standing::Open => None,
            Standing::NotStarted => Some((
                "promotion_not_started",
                "this promotion has not started yet; try again when it opens",
            )),
            Standing::Ended => Some(("promotion_ended", "this promotion has ended")),
            Standing::Stopped => Some(("promotion_ended", "this promotion was stopped")),
            Standing::SoldOut => Some((
                "promotion_sold_out",
                "every place of this promotion is taken; book at the list price instead",
            )),
        }
    }

    /// The name shown in lists: `open`, `not_started`, `ended`, `stopped`, `sold_out`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Open => "open",
            Standing::NotStarted => "not_started",
            Standing::Ended => "ended",
            Standing::Stopped => "stopped",
            Standing::SoldOut => "sold_out",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 12, h, 0, 0).unwrap()
    }

    fn terms() -> Terms {
        Terms {
            name: "双十二 深度保洁".into(),
            list_price: Money::fen(29_900),
            price: Money::fen(9_900),
            quota: 100,
            per_customer: 1,
            starts_at: t(10),
            ends_at: t(22),
        }
    }

    fn fields(t: &Terms) -> Vec<(String, &'static str)> {
        t.check().into_iter().map(|i| (i.field, i.code)).collect()
    }

    #[test]
    fn sensible_terms_pass() {
        assert!(terms().check().is_empty());
    }

    #[test]
    fn price_must_be_positive_and_below_the_list_price() {
        let mut x = terms();
        x.price = Money::ZERO;
        assert_eq!(fields(&x), [("price_fen".into(), "out_of_range")]);
        x.price = Money::fen(29_900);
        assert_eq!(fields(&x), [("price_fen".into(), "not_below_list_price")]);
        x.price = Money::fen(29_899);
        assert!(x.check().is_empty());
    }

    #[test]
    fn quota_and_per_customer_limit_are_bounded() {
        let mut x = terms();
        x.quota = 0;
        assert!(fields(&x).contains(&("quota".into(), "out_of_range")));
        x.quota = 2;
        x.per_customer = 3;
        assert_eq!(fields(&x), [("per_customer".into(), "above_quota")]);
        x.per_customer = 0;
        assert_eq!(fields(&x), [("per_customer".into(), "out_of_range")]);
    }

    #[test]
    fn sales_window_ends_after_it_starts_and_within_a_year() {
        let mut x = terms();
        x.ends_at = x.starts_at;
        assert_eq!(fields(&x), [("ends_at".into(), "before_start")]);
        x.ends_at = x.starts_at + Duration::days(MAX_DAYS + 1);
        assert_eq!(fields(&x), [("ends_at".into(), "too_long")]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let x = Terms {
            name: " ".into(),
            price: Money::fen(-1),
            quota: 0,
            per_customer: 0,
            ends_at: t(9),
            ..terms()
        };
        let f: Vec<String> = x.check().into_iter().map(|i| i.field).collect();
        assert_eq!(f, ["name", "price_fen", "quota", "per_customer", "ends_at"]);
    }

    #[test]
    fn standing_orders_stopped_then_window_then_count() {
        let at = |stopped, sold, now| Standing::at(stopped, t(10), t(22), sold, 100, now);
        assert_eq!(at(false, 0, t(12)), Standing::Open);
        assert_eq!(at(false, 99, t(12)), Standing::Open);
        assert_eq!(at(false, 100, t(12)), Standing::SoldOut);
        assert_eq!(at(false, 0, t(9)), Standing::NotStarted);
        assert_eq!(at(false, 0, t(22)), Standing::Ended);
        assert_eq!(at(true, 0, t(12)), Standing::Stopped);
        assert_eq!(at(true, 100, t(9)), Standing::Stopped);
    }

    #[test]
    fn every_refusal_has_a_stable_code() {
        assert_eq!(Standing::Open.refusal(), None);
        let codes: Vec<&str> = [
            Standing::NotStarted,
            Standing::Ended,
            Standing::Stopped,
            Standing::SoldOut,
        ]
        .iter()
        .map(|s| s.refusal().unwrap().0)
        .collect();
        assert_eq!(
            codes,
            [
                "promotion_not_started",
                "promotion_ended",
                "promotion_ended",
                "promotion_sold_out"
            ]
        );
    }
}
