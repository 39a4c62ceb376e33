use super::*;
use proptest::prelude::*;

fn tier(code: &str, required: i64, max: Option<i64>, cats: &[&str]) -> Tier {
    Tier {
        code: code.into(),
        name: code.into(),
        required_fen: required,
        max_order_fen: max,
        categories: cats.iter().map(|c| (*c).into()).collect(),
    }
}

/// Basic (500 yuan): orders up to 300 yuan; senior (2,000 yuan): any value and nursing.
fn rules() -> DepositRules {
    DepositRules {
        tiers: vec![
            tier("senior", 200_000, None, &["nursing"]),
            tier("basic", 50_000, Some(30_000), &[]),
        ],
        ..Default::default()
    }
}

fn cats(c: &[&str]) -> Vec<String> {
    c.iter().map(|s| (*s).into()).collect()
}

#[test]
fn without_tiers_nothing_is_required_and_everything_is_allowed() {
    let r = DepositRules::default();
    assert!(!r.enabled());
    assert_eq!(
        r.required_for(Money::fen(9_999_999), &cats(&["nursing"])),
        None
    );
    assert!(
        r.allows(Money::ZERO, Money::fen(9_999_999), &cats(&["x"]))
            .is_ok()
    );
    assert_eq!(r.unlocked(Money::ZERO), Unlocked::default());
    assert!(r.problems().is_empty());
}

#[test]
fn an_order_needs_the_least_tier_that_allows_its_value_and_category() {
    let r = rules();
    assert!(r.problems().is_empty(), "{:?}", r.problems());
    assert_eq!(
        r.required_for(Money::fen(20_000), &cats(&["cleaning"])),
        Some(Money::fen(50_000))
    );
    assert_eq!(
        r.required_for(Money::fen(30_000), &[]),
        Some(Money::fen(50_000))
    );
    assert_eq!(
        r.required_for(Money::fen(30_001), &[]),
        Some(Money::fen(200_000))
    );
    assert_eq!(
        r.required_for(Money::fen(100), &cats(&["nursing"])),
        Some(Money::fen(200_000))
    );
}

#[test]
fn a_worker_whose_deposit_is_below_the_tier_of_the_order_cannot_take_it() {
    let r = rules();
    assert_eq!(
        r.allows(Money::fen(49_999), Money::fen(10_000), &[]),
        Err(Gate::TooLow {
            required: Money::fen(50_000),
            lodged: Money::fen(49_999)
        })
    );
    assert!(
        r.allows(Money::fen(50_000), Money::fen(10_000), &[])
            .is_ok()
    );
    assert!(
        r.allows(Money::fen(50_000), Money::fen(40_000), &[])
            .is_err()
    );
    assert!(
        r.allows(Money::fen(50_000), Money::fen(100), &cats(&["nursing"]))
            .is_err()
    );
    assert!(
        r.allows(Money::fen(200_000), Money::fen(100), &cats(&["nursing"]))
            .is_ok()
    );
}

#[test]
fn what_a_deposit_unlocks_is_its_highest_tier_and_the_categories_below() {
    let r = rules();
    let none = r.unlocked(Money::fen(100));
    assert!(none.nothing && none.tier.is_none());
    let basic = r.unlocked(Money::fen(60_000));
    assert_eq!(basic.tier.unwrap().code, "basic");
    assert_eq!(basic.max_order, Some(Money::fen(30_000)));
    assert!(basic.categories.is_empty());
    let senior = r.unlocked(Money::fen(200_000));
    assert_eq!(senior.max_order, None);
    assert!(senior.categories.contains("nursing"));
}

#[test]
fn a_tier_of_zero_lets_workers_without_a_deposit_take_small_orders() {
    let mut r = rules();
    r.tiers.push(tier("none", 0, Some(10_000), &[]));
    assert!(r.allows(Money::ZERO, Money::fen(10_000), &[]).is_ok());
    assert!(r.allows(Money::ZERO, Money::fen(10_001), &[]).is_err());
}

#[test]
fn bad_rules_are_named() {
    let mut r = rules();
    r.tiers.push(tier("top", 900_000, Some(1), &[]));
    r.tiers.push(tier("basic", 1, None, &[]));
    r.lodge_min_fen = 0;
    let p = r.problems();
    assert!(
        p.iter().any(|(_, w)| w.contains("highest tier `top`")),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|(_, w)| w.contains("`basic` empty or repeated")),
        "{p:?}"
    );
    assert!(p.iter().any(|(k, _)| *k == "deposit.lodge_min_fen"));
}

#[test]
fn lodgings_are_checked_against_the_limits() {
    let r = rules();
    assert_eq!(
        r.check_lodging(Money::fen(99)),
        Err(Refused::BelowMinimum(Money::fen(100)))
    );
    assert_eq!(
        r.check_lodging(Money::fen(1_000_001)),
        Err(Refused::AboveMaximum(Money::fen(1_000_000)))
    );
    assert!(r.check_lodging(Money::fen(50_000)).is_ok());
}

fn at(h: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).unwrap()
}

#[test]
fn a_fine_is_never_more_than_the_balance() {
    let d = Deposit::NONE.lodge(Money::fen(1_000)).unwrap();
    assert_eq!(
        d.fine(Money::fen(1_001)),
        Err(Refused::AboveBalance {
            balance: Money::fen(1_000)
        })
    );
    assert_eq!(d.fine(Money::ZERO), Err(Refused::NotPositive));
    let d = d.fine(Money::fen(1_000)).unwrap();
    assert_eq!(d.balance, Money::ZERO);
}

#[test]
fn a_deposit_is_held_then_refunded_unless_a_case_is_open() {
    let d = Deposit::NONE.lodge(Money::fen(50_000)).unwrap();
    assert_eq!(d.usable(), Money::fen(50_000));
    let held = d.request_refund(at(0), Duration::hours(24)).unwrap();
    assert_eq!(held.state, State::Held { until: at(24) });
    assert_eq!(held.usable(), Money::ZERO);
    // Asking again keeps the first hold.
    assert_eq!(held.request_refund(at(5), Duration::hours(24)), Ok(held));
    assert_eq!(held.lodge(Money::fen(1)), Err(Refused::Held));
    assert_eq!(held.refund(at(23), false), Err(Refused::NotDue(at(24))));
    assert_eq!(held.refund(at(25), true), Err(Refused::CaseOpen));
    // A fine during the hold lowers what goes back.
    let fined = held.fine(Money::fen(5_000)).unwrap();
    let (paid, after) = fined.refund(at(25), false).unwrap();
    assert_eq!(paid, Money::fen(45_000));
    assert_eq!(after.state, State::Refunded);
    assert_eq!(after.refund(at(26), false), Err(Refused::NothingToRefund));
    assert_eq!(
        Deposit::NONE.request_refund(at(0), Duration::hours(1)),
        Err(Refused::NothingToRefund)
    );
    // Lodging again after the refund makes it active.
    assert_eq!(after.lodge(Money::fen(100)).unwrap().state, State::Active);
}

#[test]
fn states_read_back_from_their_codes() {
    for s in [State::Active, State::Held { until: at(3) }, State::Refunded] {
        let until = match s {
            State::Held { until } => Some(until),
            _ => None,
        };
        assert_eq!(State::parse(s.code(), until), Some(s));
    }
    assert_eq!(State::parse("held", None), None);
}

proptest! {
    /// Whatever lodgings and fines happen, the balance is what was lodged less what was
    /// fined, and never below zero.
    #[test]
    fn the_balance_never_goes_below_zero(steps in proptest::collection::vec((any::<bool>(), 1i64..100_000), 0..40)) {
        let mut d = Deposit::NONE;
        let (mut lodged, mut fined) = (0i64, 0i64);
        for (lodge, fen) in steps {
            if lodge {
                d = d.lodge(Money::fen(fen)).unwrap();
                lodged += fen;
            } else if let Ok(next) = d.fine(Money::fen(fen)) {
                d = next;
                fined += fen;
            }
            prop_assert!(d.balance >= Money::ZERO);
            prop_assert_eq!(d.balance.as_fen(), lodged - fined);
        }
    }

    /// More deposit never allows less.
    #[test]
    fn more_deposit_never_allows_less(a in 0i64..300_000, b in 0i64..300_000, value in 0i64..100_000, nursing in any::<bool>()) {
        let r = rules();
        let c = if nursing { cats(&["nursing"]) } else { vec![] };
        let (lo, hi) = (a.min(b), a.max(b));
        if r.allows(Money::fen(lo), Money::fen(value), &c).is_ok() {
            prop_assert!(r.allows(Money::fen(hi), Money::fen(value), &c).is_ok());
        }
    }
}
