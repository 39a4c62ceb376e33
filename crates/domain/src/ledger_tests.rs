use super::*;
use crate::payment::{Change, Intent, IntentState, Refund, RefundState};
use proptest::prelude::*;

const WECHAT: Clearing = Clearing::Channel(Provider::Wechat);

#[test]
fn an_unbalanced_entry_cannot_be_built() {
    let e = Entry::new(vec![
        Posting {
            account: Account::Clearing(WECHAT),
            amount: Money::fen(100),
        },
        Posting {
            account: Account::CustomerPrepaid,
            amount: Money::fen(-99),
        },
    ]);
    assert_eq!(e, Err(Invalid::Unbalanced(1)));
    let one = Entry::new(vec![Posting {
        account: Account::Fees,
        amount: Money::fen(1),
    }]);
    assert_eq!(one, Err(Invalid::TooFew));
    assert!(payment_received(WECHAT, Money::ZERO).is_err());
    assert!(refund_paid(WECHAT, Money::fen(-5)).is_err());
}

#[test]
fn a_reversal_undoes_an_entry() {
    let e = payment_received(Clearing::Offline, Money::fen(15_900)).unwrap();
    let mut b = Balances::default();
    b.post(&e);
    assert_eq!(
        b.of(Account::Clearing(Clearing::Offline)),
        Money::fen(15_900)
    );
    assert_eq!(b.of(Account::CustomerPrepaid), Money::fen(-15_900));
    b.post(&e.reversal());
    assert_eq!(b.of(Account::Clearing(Clearing::Offline)), Money::ZERO);
    assert_eq!(b.of(Account::CustomerPrepaid), Money::ZERO);
    assert_eq!(b.entries(), 2);
    assert_eq!(e.amount(), Money::fen(15_900));
}

#[test]
fn account_codes_read_back_as_the_same_account() {
    let w = WorkerId(Uuid::now_v7());
    let c = CustomerId(Uuid::now_v7());
    let mut all = Account::FIXED.to_vec();
    all.extend([
        Account::WorkerPending(w),
        Account::WorkerWithdrawable(w),
        Account::CustomerWallet(c),
        Account::WorkerDeposit(w),
        Account::PartnerPending(crate::ids::PartnerId(w.0)),
        Account::PartnerWithdrawable(crate::ids::PartnerId(w.0)),
    ]);
    for a in all {
        assert_eq!(Account::parse(&a.code()), Some(a), "{a}");
    }
    assert_eq!(Account::parse("clearing:paypal"), None);
    assert_eq!(Account::parse("worker_pending:nope"), None);
    assert_eq!(Account::parse("cash"), None);
}

#[test]
fn check_lists_an_unbalanced_entry_an_unknown_account_and_a_negative_withdrawable() {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let w = Account::WorkerWithdrawable(WorkerId(Uuid::now_v7())).code();
    let postings = vec![
        (a, "clearing:wechat".to_string(), 100),
        (a, "customer_prepaid".to_string(), -90),
        (b, w.clone(), 50),
        (b, "bogus".to_string(), -50),
    ];
    let (balances, problems) = check(&postings);
    assert_eq!(balances["customer_prepaid"], -90);
    assert!(problems.contains(&Problem::Unbalanced { entry: a, sum: 10 }));
    assert!(problems.contains(&Problem::UnknownAccount {
        entry: b,
        code: "bogus".into()
    }));
    assert!(problems.contains(&Problem::NegativeWithdrawable {
        account: w,
        balance: 50
    }));
    assert_eq!(problems.len(), 3);
    let clean = vec![
        (a, "clearing:wechat".to_string(), 100),
        (a, "customer_prepaid".to_string(), -100),
    ];
    assert!(check(&clean).1.is_empty());
}

/// One step of a random history of one customer's payments and refunds.
#[derive(Debug, Clone)]
enum Step {
    /// Pay `fen` through channel `via` (0 wechat, 1 alipay, 2 offline).
    Pay { via: u8, fen: i64 },
    /// The same success reported again (a duplicate notification).
    PayAgain,
    /// Refund `fen` of the payment number `of` (modulo how many there are).
    Refund { of: usize, fen: i64 },
    /// The latest refund's outcome: succeeded (`true`) or failed.
    Settle { ok: bool },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0u8..3, 1i64..50_000).prop_map(|(via, fen)| Step::Pay { via, fen }),
        Just(Step::PayAgain),
        (0usize..8, 1i64..30_000).prop_map(|(of, fen)| Step::Refund { of, fen }),
        any::<bool>().prop_map(|ok| Step::Settle { ok }),
    ]
}

fn clearing(via: u8) -> Clearing {
    match via {
        0 => Clearing::Channel(Provider::Wechat),
        1 => Clearing::Channel(Provider::Alipay),
        _ => Clearing::Offline,
    }
}

proptest! {
    /// Whatever happens, posting as the application does (a payment when its intent
    /// changes to succeeded, a refund when it changes to succeeded) leaves every entry
    /// balanced, the balances summing to zero, each clearing account holding what came in
    /// through it less what went back, and the customers' prepaid liability their mirror.
    #[test]
    fn any_sequence_of_payments_and_refunds_keeps_the_journal_balanced(
        steps in prop::collection::vec(step(), 0..60)
    ) {
        let mut balances = Balances::default();
        let mut intents: Vec<(Clearing, Intent, Money)> = vec![];
        let mut refunds: Vec<(usize, Refund)> = vec![];
        let mut net: BTreeMap<Clearing, i64> = BTreeMap::new();
        for s in steps {
            match s {
                Step::Pay { via, fen } => {
                    let mut i = Intent::new(Money::fen(fen)).unwrap();
                    i.open().unwrap();
                    if i.succeed(Money::fen(fen)).unwrap() == Change::Changed {
                        let e = payment_received(clearing(via), i.amount).unwrap();
                        prop_assert_eq!(e.postings().iter().map(|p| p.amount).sum::<Money>(), Money::ZERO);
                        balances.post(&e);
                        *net.entry(clearing(via)).or_default() += fen;
                    }
                    intents.push((clearing(via), i, Money::ZERO));
                }
                Step::PayAgain => {
                    if let Some((_, i, _)) = intents.last_mut() {
                        // A duplicate success changes nothing, so posts nothing.
                        prop_assert_eq!(i.succeed(i.amount).unwrap(), Change::Unchanged);
                    }
                }
                Step::Refund { of, fen } => {
                    if intents.is_empty() { continue; }
                    let n = of % intents.len();
                    let (_, i, committed) = &mut intents[n];
                    if let Ok(r) = i.refund(Money::fen(fen), *committed) {
                        *committed = *committed + r.amount;
                        refunds.push((n, r));
                    } else {
                        prop_assert!(Money::fen(fen) > i.refundable(*committed));
                    }
                }
                Step::Settle { ok } => {
                    let Some((n, r)) = refunds.iter_mut().rev().find(|(_, r)| r.state == RefundState::Requested) else { continue };
                    let (via, _, committed) = &mut intents[*n];
                    if ok {
                        prop_assert_eq!(r.succeed().unwrap(), Change::Changed);
                        let e = refund_paid(*via, r.amount).unwrap();
                        balances.post(&e);
                        *net.entry(*via).or_default() -= r.amount.as_fen();
                    } else {
                        prop_assert_eq!(r.fail().unwrap(), Change::Changed);
                        *committed = *committed - r.amount;
                    }
                }
            }
        }
        prop_assert_eq!(balances.total(), Money::ZERO);
        let mut held = 0;
        for (via, fen) in &net {
            prop_assert!(*fen >= 0, "a channel gave back more than it took");
            prop_assert_eq!(balances.of(Account::Clearing(*via)).as_fen(), *fen);
            held += fen;
        }
        prop_assert_eq!(balances.of(Account::CustomerPrepaid).as_fen(), -held);
        // The same journal as stored rows passes the check.
        let mut stored = vec![];
        let mut replay = Balances::default();
        for (via, i, _) in &intents {
            if i.state == IntentState::Succeeded {
                let id = Uuid::now_v7();
                let e = payment_received(*via, i.amount).unwrap();
                replay.post(&e);
                stored.extend(e.postings().iter().map(|p| (id, p.account.code(), p.amount.as_fen())));
            }
        }
        for (n, r) in &refunds {
            if r.state == RefundState::Succeeded {
                let id = Uuid::now_v7();
                let e = refund_paid(intents[*n].0, r.amount).unwrap();
                replay.post(&e);
                stored.extend(e.postings().iter().map(|p| (id, p.account.code(), p.amount.as_fen())));
            }
        }
        let (by_code, problems) = check(&stored);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        for (a, m) in replay.iter() {
            prop_assert_eq!(by_code.get(&a.code()).copied().unwrap_or(0), m.as_fen());
            prop_assert_eq!(m, balances.of(a));
        }
    }
}

#[test]
fn check_lists_a_negative_wallet() {
    let e = Uuid::now_v7();
    let wallet = Account::CustomerWallet(CustomerId(Uuid::now_v7())).code();
    let postings = vec![
        (e, wallet.clone(), 300),
        (e, "customer_prepaid".to_string(), -300),
    ];
    let (_, problems) = check(&postings);
    assert_eq!(
        problems,
        vec![Problem::NegativeWallet {
            account: wallet,
            balance: 300
        }]
    );
}

/// One step of a random history of a customer's wallet.
#[derive(Debug, Clone)]
enum WalletStep {
    /// A top-up of `fen` through WeChat (`false`) or Alipay (`true`) succeeds.
    TopUp { alipay: bool, fen: i64 },
    /// The latest top-up's success reported again.
    TopUpAgain,
    /// An order's `fen` paid from the wallet (refused when it holds less).
    Pay { fen: i64 },
    /// `fen` of wallet payment number `of` refunded (back into the wallet, at once).
    Refund { of: usize, fen: i64 },
}

fn wallet_step() -> impl Strategy<Value = WalletStep> {
    prop_oneof![
        (any::<bool>(), 1i64..50_000).prop_map(|(alipay, fen)| WalletStep::TopUp { alipay, fen }),
        Just(WalletStep::TopUpAgain),
        (1i64..40_000).prop_map(|fen| WalletStep::Pay { fen }),
        (0usize..8, 1i64..30_000).prop_map(|(of, fen)| WalletStep::Refund { of, fen }),
    ]
}

proptest! {
    /// Top-ups, payments from the wallet and refunds back into it, posted as the
    /// application posts them, keep every entry balanced, the wallet never below zero and
    /// equal to the kept balance, each clearing account equal to what was topped up
    /// through it, and the stored journal clean for `check`.
    #[test]
    fn any_sequence_of_top_ups_wallet_payments_and_refunds_keeps_the_wallet_whole(
        steps in prop::collection::vec(wallet_step(), 0..60)
    ) {
        let c = CustomerId(Uuid::now_v7());
        let wallet = Account::CustomerWallet(c);
        let mut balances = Balances::default();
        let mut stored = vec![];
        let mut kept = Money::ZERO;
        let mut top_ups: Vec<Intent> = vec![];
        let mut payments: Vec<(Intent, Money)> = vec![];
        let mut topped: BTreeMap<Provider, i64> = BTreeMap::new();
        let mut post = |e: Entry, balances: &mut Balances| {
            let id = Uuid::now_v7();
            stored.extend(e.postings().iter().map(|p| (id, p.account.code(), p.amount.as_fen())));
            balances.post(&e);
        };
        for s in steps {
            match s {
                WalletStep::TopUp { alipay, fen } => {
                    let via = if alipay { Provider::Alipay } else { Provider::Wechat };
                    let mut i = Intent::new(Money::fen(fen)).unwrap();
                    i.open().unwrap();
                    if i.succeed(Money::fen(fen)).unwrap() == Change::Changed {
                        post(wallet_topped_up(c, via, i.amount).unwrap(), &mut balances);
                        kept = kept + i.amount;
                        *topped.entry(via).or_default() += fen;
                    }
                    top_ups.push(i);
                }
                WalletStep::TopUpAgain => {
                    if let Some(i) = top_ups.last_mut() {
                        prop_assert_eq!(i.succeed(i.amount).unwrap(), Change::Unchanged);
                    }
                }
                WalletStep::Pay { fen } => {
                    let amount = Money::fen(fen);
                    if !crate::wallet::can_pay(kept, amount) {
                        prop_assert!(kept < amount);
                        continue;
                    }
                    let mut i = Intent::new(amount).unwrap();
                    i.succeed(amount).unwrap();
                    post(wallet_paid(c, amount).unwrap(), &mut balances);
                    kept = kept - amount;
                    payments.push((i, Money::ZERO));
                }
                WalletStep::Refund { of, fen } => {
                    if payments.is_empty() { continue; }
                    let n = of % payments.len();
                    let (i, committed) = &mut payments[n];
                    let Ok(mut r) = i.refund(Money::fen(fen), *committed) else { continue };
                    // Into the wallet: succeeded at once.
                    prop_assert_eq!(r.succeed().unwrap(), Change::Changed);
                    *committed = *committed + r.amount;
                    post(wallet_refunded(c, r.amount).unwrap(), &mut balances);
                    kept = kept + r.amount;
                }
            }
            prop_assert!(kept >= Money::ZERO);
            prop_assert_eq!(-balances.of(wallet), kept);
        }
        prop_assert_eq!(balances.total(), Money::ZERO);
        for (via, fen) in &topped {
            prop_assert_eq!(balances.of(Account::Clearing(Clearing::Channel(*via))).as_fen(), *fen);
        }
        let spent: i64 = payments.iter().map(|(i, r)| (i.amount - *r).as_fen()).sum();
        prop_assert_eq!(balances.of(Account::CustomerPrepaid).as_fen(), -spent);
        let (by_code, problems) = check(&stored);
        prop_assert!(problems.is_empty(), "{:?}", problems);
        prop_assert_eq!(-by_code.get(&wallet.code()).copied().unwrap_or(0), kept.as_fen());
    }
}

#[test]
fn a_deposit_is_lodged_fined_and_refunded_in_balanced_entries() {
    let w = WorkerId(Uuid::now_v7());
    let mut b = Balances::default();
    b.post(&deposit_lodged(w, Provider::Wechat, Money::fen(50_000)).unwrap());
    b.post(&deposit_fined(w, Money::fen(5_000)).unwrap());
    b.post(&deposit_refunded(w, Money::fen(45_000)).unwrap());
    assert_eq!(b.of(Account::WorkerDeposit(w)), Money::ZERO);
    assert_eq!(b.of(Account::DepositFines), Money::fen(-5_000));
    assert_eq!(b.of(Account::WorkerWithdrawable(w)), Money::fen(-45_000));
    assert_eq!(b.of(Account::Clearing(WECHAT)), Money::fen(50_000));
    assert_eq!(b.total(), Money::ZERO);
    assert_eq!(Account::WorkerDeposit(w).kind(), Kind::Liability);
    assert_eq!(Account::DepositFines.kind(), Kind::Revenue);
    assert!(deposit_fined(w, Money::ZERO).is_err());
}

#[test]
fn a_deposit_below_zero_is_a_problem() {
    let w = Uuid::now_v7();
    let e = Uuid::now_v7();
    let code = format!("worker_deposit:{w}");
    let (_, problems) = check(&[(e, code.clone(), 100), (e, "deposit_fines".into(), -100)]);
    assert_eq!(
        problems,
        vec![Problem::NegativeDeposit {
            account: code,
            balance: 100
        }]
    );
}
