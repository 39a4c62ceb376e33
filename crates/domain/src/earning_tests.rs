use super::*;
use crate::ledger::{Balances, Clearing, check, payment_received, refund_paid};
use crate::payment::Provider;
use crate::withdrawal::{self, Limits, State};
use chrono::TimeZone;
use proptest::prelude::*;

fn rule(id: u128, share: Share) -> Rule {
    Rule {
        id: Uuid::from_u128(id),
        category: None,
        area: None,
        min_level: None,
        campaign: None,
        starts_at: None,
        ends_at: None,
        share,
        minimum: Money::ZERO,
        active: true,
    }
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, day, 10, 0, 0).unwrap()
}

#[test]
fn a_percentage_has_its_minimum_and_never_takes_more_than_was_earned() {
    let t = Terms {
        share: Share::Percent { bp: 1_500 },
        minimum: Money::fen(1_000),
        partner_bp: 0,
    };
    assert_eq!(t.commission(Money::fen(20_000)), Money::fen(3_000));
    assert_eq!(t.commission(Money::fen(5_000)), Money::fen(1_000));
    assert_eq!(t.commission(Money::fen(600)), Money::fen(600));
    assert_eq!(t.commission(Money::ZERO), Money::ZERO);
    // 15% of 333 is 49.95: rounded half up.
    let t = Terms {
        minimum: Money::ZERO,
        ..t
    };
    assert_eq!(t.commission(Money::fen(333)), Money::fen(50));
    let fixed = Terms {
        share: Share::Fixed {
            fen: Money::fen(2_500),
        },
        minimum: Money::ZERO,
        partner_bp: 0,
    };
    assert_eq!(fixed.commission(Money::fen(10_000)), Money::fen(2_500));
    assert_eq!(fixed.commission(Money::fen(2_000)), Money::fen(2_000));
}

#[test]
fn the_partner_takes_its_share_of_what_the_platform_leaves() {
    let t = Terms {
        share: Share::Percent { bp: 2_000 },
        minimum: Money::ZERO,
        partner_bp: 1_000,
    };
    let s = t.split(Money::fen(15_900));
    assert_eq!(s.platform, Money::fen(3_180));
    assert_eq!(s.partner, Money::fen(1_272));
    assert_eq!(s.worker, Money::fen(11_448));
    assert_eq!(s.platform + s.partner + s.worker, s.gross);
}

#[test]
fn the_most_specific_matching_rule_wins() {
    let base = rule(1, Share::Percent { bp: 2_000 });
    let area = Rule {
        area: Some("310115".into()),
        ..rule(2, Share::Percent { bp: 1_800 })
    };
    let cat = Rule {
        category: Some("cleaning".into()),
        ..rule(3, Share::Percent { bp: 1_500 })
    };
    let senior = Rule {
        min_level: Some(4),
        ..rule(4, Share::Percent { bp: 1_000 })
    };
    let campaign = Rule {
        campaign: Some("618".into()),
        starts_at: Some(at(1)),
        ends_at: Some(at(19)),
        ..rule(5, Share::Percent { bp: 500 })
    };
    let off = Rule {
        active: false,
        category: Some("cleaning".into()),
        area: Some("310115".into()),
        ..rule(6, Share::Percent { bp: 0 })
    };
    let rules = vec![base, area, cat, senior, campaign, off];
    let f = |category, area, level, day| Facts {
        category,
        parent_category: None,
        area,
        level,
        at: at(day),
    };
    let id = |f: Facts<'_>| choose(&rules, &f).map(|r| r.id.as_u128());
    assert_eq!(id(f(Some("cleaning"), Some("310115"), 5, 1)), Some(5));
    assert_eq!(id(f(Some("cleaning"), Some("310115"), 5, 20)), Some(3));
    assert_eq!(id(f(Some("repair"), Some("310115"), 5, 20)), Some(2));
    assert_eq!(id(f(Some("repair"), Some("110101"), 5, 20)), Some(4));
    assert_eq!(id(f(Some("repair"), Some("110101"), 3, 20)), Some(1));
    assert_eq!(choose(&[], &f(None, None, 1, 20)), None);
}

#[test]
fn rules_with_impossible_values_are_refused() {
    let r = rule(1, Share::Percent { bp: 10_001 });
    assert_eq!(r.validate(), Err(RuleError::ShareTooLarge));
    let r = Rule {
        min_level: Some(9),
        ..rule(1, Share::Percent { bp: 100 })
    };
    assert_eq!(r.validate(), Err(RuleError::Level));
    let r = Rule {
        starts_at: Some(at(5)),
        ends_at: Some(at(5)),
        ..rule(1, Share::Percent { bp: 100 })
    };
    assert_eq!(r.validate(), Err(RuleError::Window));
}

#[test]
fn withdrawal_limits_and_fee() {
    let l = Limits {
        min: Money::fen(1_000),
        max_per_day: Money::fen(50_000),
        fee_bp: 60,
        fee_min: Money::fen(100),
    };
    assert_eq!(
        l.check(Money::fen(10_000), Money::ZERO),
        Ok(Money::fen(100))
    );
    assert_eq!(
        l.check(Money::fen(40_000), Money::ZERO),
        Ok(Money::fen(240))
    );
    assert!(matches!(
        l.check(Money::fen(999), Money::ZERO),
        Err(withdrawal::Refused::BelowMinimum(_))
    ));
    assert!(matches!(
        l.check(Money::fen(20_000), Money::fen(40_000)),
        Err(withdrawal::Refused::DailyLimit { .. })
    ));
    assert!(State::Requested.can_become(State::Approved));
    assert!(!State::Paid.can_become(State::Failed));
    assert!(!State::Rejected.can_become(State::Approved));
}

proptest! {
    /// Any split of any amount with any terms is exact to the fen and takes no share
    /// below zero.
    #[test]
    fn a_split_is_exact(
        earned in 0i64..100_000_000,
        bp in 0u32..=10_000,
        fixed in proptest::option::of(0i64..1_000_000),
        minimum in 0i64..100_000,
        partner_bp in 0u32..=10_000,
    ) {
        let share = match fixed {
            Some(f) => Share::Fixed { fen: Money::fen(f) },
            None => Share::Percent { bp },
        };
        let t = Terms { share, minimum: Money::fen(minimum), partner_bp };
        let s = t.split(Money::fen(earned));
        prop_assert_eq!(s.platform + s.partner + s.worker, Money::fen(earned));
        prop_assert!(s.platform >= Money::ZERO && s.partner >= Money::ZERO && s.worker >= Money::ZERO);
        prop_assert!(s.platform >= Money::fen(minimum).min(Money::fen(earned)));
    }
}

/// One step of a random history of orders, settlements and withdrawals.
#[derive(Debug, Clone)]
enum Step {
    /// An order of `fen` is paid through `via` (0 wechat, 1 alipay, 2 offline) and done
    /// by worker `w` (of 3; workers 0 and 1 belong to the partner).
    Pay { via: u8, fen: i64, w: usize },
    /// Part of order `of` is refunded.
    Refund { of: usize, fen: i64 },
    /// Order `of` completes.
    Complete { of: usize, bp: u32 },
    /// The dispute window of every completed order ends.
    Settle,
    /// Worker `w` asks for `fen`.
    Withdraw { w: usize, fen: i64 },
    /// The oldest open withdrawal moves: 0 approve, 1 reject, 2 paid, 3 failed.
    Decide { how: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..3, 1i64..50_000, 0usize..3).prop_map(|(via, fen, w)| Step::Pay { via, fen, w }),
        (0usize..10, 1i64..30_000).prop_map(|(of, fen)| Step::Refund { of, fen }),
        (0usize..10, 0u32..=10_000).prop_map(|(of, bp)| Step::Complete { of, bp }),
        Just(Step::Settle),
        (0usize..3, 1i64..60_000).prop_map(|(w, fen)| Step::Withdraw { w, fen }),
        (0u8..4).prop_map(|how| Step::Decide { how }),
    ]
}

fn clearing(via: u8) -> Clearing {
    match via {
        0 => Clearing::Channel(Provider::Wechat),
        1 => Clearing::Channel(Provider::Alipay),
        _ => Clearing::Offline,
    }
}

struct Order {
    via: Clearing,
    paid: Money,
    refunded: Money,
    worker: usize,
    /// Terms and split when completed; whether settled.
    done: Option<(Terms, Split, bool)>,
}

proptest! {
    /// Whatever sequence of payments, refunds (before and after completion), completions,
    /// settlements and withdrawals happens, posting as the application does keeps every
    /// entry balanced and `ledger check` clean: no earning account and no withdrawable
    /// balance goes below zero, the kept withdrawable balance equals the ledger's, and
    /// nothing is counted twice (money in the clearing accounts is what came in less what
    /// went out).
    #[test]
    fn any_history_keeps_the_journal_balanced_and_the_check_clean(
        steps in prop::collection::vec(step(), 0..80)
    ) {
        let workers = [WorkerId(Uuid::from_u128(1)), WorkerId(Uuid::from_u128(2)), WorkerId(Uuid::from_u128(3))];
        let partner = PartnerId(Uuid::from_u128(9));
        let partner_of = |w: usize| (w < 2).then_some(partner);
        let mut b = Balances::default();
        let mut stored: Vec<(Uuid, String, i64)> = vec![];
        let mut post = |b: &mut Balances, e: &Entry| {
            prop_assert_eq!(e.postings().iter().map(|p| p.amount).sum::<Money>(), Money::ZERO);
            b.post(e);
            let id = Uuid::now_v7();
            stored.extend(e.postings().iter().map(|p| (id, p.account.code(), p.amount.as_fen())));
            Ok(())
        };
        let mut orders: Vec<Order> = vec![];
        let mut kept = [Money::ZERO; 3];
        let mut outs: Vec<(usize, Money, Money, State)> = vec![];
        let limits = Limits { min: Money::fen(100), max_per_day: Money::fen(100_000_000), fee_bp: 60, fee_min: Money::fen(10) };
        let mut net: i64 = 0;
        for s in steps {
            match s {
                Step::Pay { via, fen, w } => {
                    post(&mut b, &payment_received(clearing(via), Money::fen(fen)).unwrap())?;
                    net += fen;
                    orders.push(Order { via: clearing(via), paid: Money::fen(fen), refunded: Money::ZERO, worker: w, done: None });
                }
                Step::Refund { of, fen } => {
                    if orders.is_empty() { continue; }
                    let n = of % orders.len();
                    let o = &mut orders[n];
                    let amount = Money::fen(fen).min(o.paid - o.refunded);
                    if amount <= Money::ZERO { continue; }
                    o.refunded = o.refunded + amount;
                    // Revenue first comes back to customer_prepaid, then goes out.
                    let (w, p) = (workers[o.worker], partner_of(o.worker));
                    if let Some((terms, split, settled)) = &mut o.done {
                        if *settled {
                            if let Some(e) = borne_by_platform(amount).unwrap() { post(&mut b, &e)?; }
                        } else {
                            let new = terms.split(o.paid - o.refunded);
                            if let Some(e) = taken_back(&split.minus(&new), w, p).unwrap() { post(&mut b, &e)?; }
                            *split = new;
                        }
                    }
                    post(&mut b, &refund_paid(o.via, amount).unwrap())?;
                    net -= amount.as_fen();
                }
                Step::Complete { of, bp } => {
                    if orders.is_empty() { continue; }
                    let n = of % orders.len();
                    let o = &mut orders[n];
                    if o.done.is_some() { continue; }
                    let p = partner_of(o.worker);
                    let terms = Terms { share: Share::Percent { bp }, minimum: Money::fen(500), partner_bp: if p.is_some() { 1_000 } else { 0 } };
                    let split = terms.split(o.paid - o.refunded);
                    if let Some(e) = recognised(&split, workers[o.worker], p).unwrap() { post(&mut b, &e)?; }
                    o.done = Some((terms, split, false));
                }
                Step::Settle => {
                    for o in orders.iter_mut() {
                        if let Some((_, split, settled)) = &mut o.done && !*settled {
                            if let Some(e) = settled_entry(split, workers[o.worker], partner_of(o.worker)) { post(&mut b, &e)?; }
                            kept[o.worker] = kept[o.worker] + split.worker;
                            *settled = true;
                        }
                    }
                }
                Step::Withdraw { w, fen } => {
                    let amount = Money::fen(fen);
                    let Ok(fee) = limits.check(amount, Money::ZERO) else { continue };
                    // The kept balance is the lock: a request above it is refused.
                    if amount > kept[w] { continue; }
                    kept[w] = kept[w] - amount;
                    post(&mut b, &withdrawal::requested(workers[w], amount).unwrap())?;
                    outs.push((w, amount, fee, State::Requested));
                }
                Step::Decide { how } => {
                    let Some(x) = outs.iter_mut().find(|x| matches!(x.3, State::Requested | State::Approved)) else { continue };
                    let to = match (x.3, how) {
                        (State::Requested, 1) => State::Rejected,
                        (State::Requested, _) => State::Approved,
                        (_, 3) => State::Failed,
                        _ => State::Paid,
                    };
                    prop_assert!(x.3.can_become(to));
                    match to {
                        State::Rejected | State::Failed => {
                            kept[x.0] = kept[x.0] + x.1;
                            post(&mut b, &withdrawal::returned(workers[x.0], x.1).unwrap())?;
                        }
                        State::Paid => {
                            post(&mut b, &withdrawal::paid(Clearing::Offline, x.1, x.2).unwrap())?;
                            net -= (x.1 - x.2).as_fen();
                        }
                        _ => {}
                    }
                    x.3 = to;
                }
            }
        }
        prop_assert_eq!(b.total(), Money::ZERO);
        let (by_code, problems) = check(&stored);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        for (i, w) in workers.iter().enumerate() {
            prop_assert_eq!(-b.of(Account::WorkerWithdrawable(*w)), kept[i]);
        }
        let in_flight: Money = outs.iter().filter(|x| matches!(x.3, State::Requested | State::Approved)).map(|x| x.1).sum();
        prop_assert_eq!(-b.of(Account::WithdrawalsInFlight), in_flight);
        let cash: i64 = [Clearing::Channel(Provider::Wechat), Clearing::Channel(Provider::Alipay), Clearing::Offline]
            .iter().map(|c| b.of(Account::Clearing(*c)).as_fen()).sum();
        prop_assert_eq!(cash, net);
        for (a, m) in b.iter() {
            prop_assert_eq!(by_code.get(&a.code()).copied().unwrap_or(0), m.as_fen());
        }
    }
}

fn settled_entry(split: &Split, w: WorkerId, p: Option<PartnerId>) -> Option<Entry> {
    settled(split.worker, split.partner, w, p).unwrap()
}
