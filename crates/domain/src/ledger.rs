//! The double-entry ledger: a chart of accounts and journal entries whose postings sum to
//! zero. Every money movement the platform records (a payment collected, a refund paid, a
//! refund owed by hand) is one [`Entry`]; entries are append-only, and a mistake is
//! corrected by posting the [`Entry::reversal`] of the wrong entry and then the right one.
//!
//! Sign convention: a posting's amount is a **debit when positive and a credit when
//! negative**. Assets (money at a channel or in hand) carry debit balances (positive);
//! liabilities and revenue carry credit balances (negative). See `docs/ledger.md` for the
//! chart and the entry each event posts.

use crate::ids::{CustomerId, PartnerId, WorkerId};
use crate::money::Money;
use crate::payment::Provider;
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// Where money is kept: a channel, or offline (cash, bank transfer, the demo's auto-pay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Clearing {
    /// Money held by a payment provider until it settles to the merchant's bank account.
    Channel(Provider),
    /// Money received outside any channel and recorded by staff (or the demo).
    Offline,
}

impl Clearing {
    /// The code used in account codes: the provider's (`wechat`, `alipay`) or `offline`.
    pub fn code(self) -> &'static str {
        match self {
            Clearing::Channel(p) => p.code(),
            Clearing::Offline => "offline",
        }
    }

    /// The clearing of a code.
    pub fn parse(code: &str) -> Option<Clearing> {
        match code {
            "offline" => Some(Clearing::Offline),
            c => Provider::parse(c).map(Clearing::Channel),
        }
    }
}

/// The nature of an account, which fixes the side its balance normally sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// What the platform holds (debit balance).
    Asset,
    /// What the platform owes (credit balance).
    Liability,
    /// What the platform earned (credit balance).
    Revenue,
    /// What the platform spent (debit balance).
    Expense,
}

impl Kind {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Kind::Asset => "asset",
            Kind::Liability => "liability",
            Kind::Revenue => "revenue",
            Kind::Expense => "expense",
        }
    }
}

/// An account of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Account {
    /// 渠道待清算: money collected through a channel (or offline) not yet moved to the bank.
    Clearing(Clearing),
    /// 预收款: what customers paid for orders, owed back to them until the service is
    /// earned (revenue recognition and the revenue split come with commissions).
    CustomerPrepaid,
    /// 应付退款: refunds the platform owes but has not sent (paid offline: returned by hand).
    RefundsPayable,
    /// 客户余额: a customer's prepaid wallet balance.
    CustomerWallet(CustomerId),
    /// 平台收入: the platform's share of completed orders.
    PlatformRevenue,
    /// 手续费: channel fees (expense).
    Fees,
    /// 优惠支出: coupons and discounts the platform pays for (expense).
    Discounts,
    /// 待结算收入: a worker's earning during the dispute window.
    WorkerPending(WorkerId),
    /// 可提现余额: a worker's settled earning, withdrawable.
    WorkerWithdrawable(WorkerId),
    /// 服务商待结算: a partner's share of its workers' orders during the dispute window.
    PartnerPending(PartnerId),
    /// 服务商可结算: a partner's settled share, owed to the partner.
    PartnerWithdrawable(PartnerId),
    /// 提现在途: withdrawals requested and not yet paid or returned.
    WithdrawalsInFlight,
    /// 提现手续费: the fees withheld from paid withdrawals (revenue).
    WithdrawalFees,
    /// 保证金: a worker's lodged deposit, owed back to them (less fines) when they leave.
    WorkerDeposit(WorkerId),
    /// 保证金罚没: fines taken from workers' deposits (revenue).
    DepositFines,
}

impl Account {
    /// The accounts that exist from the start (per-person accounts are opened on first use).
    pub const FIXED: [Account; 11] = [
        Account::Clearing(Clearing::Channel(Provider::Wechat)),
        Account::Clearing(Clearing::Channel(Provider::Alipay)),
        Account::Clearing(Clearing::Offline),
        Account::CustomerPrepaid,
        Account::RefundsPayable,
        Account::PlatformRevenue,
        Account::Fees,
        Account::Discounts,
        Account::WithdrawalsInFlight,
        Account::WithdrawalFees,
        Account::DepositFines,
    ];

    /// Its nature.
    pub fn kind(self) -> Kind {
        match self {
            Account::Clearing(_) => Kind::Asset,
            Account::CustomerPrepaid
            | Account::RefundsPayable
            | Account::CustomerWallet(_)
            | Account::WorkerPending(_)
            | Account::WorkerWithdrawable(_)
            | Account::PartnerPending(_)
            | Account::PartnerWithdrawable(_)
            | Account::WithdrawalsInFlight
            | Account::WorkerDeposit(_) => Kind::Liability,
            Account::PlatformRevenue | Account::WithdrawalFees | Account::DepositFines => {
                Kind::Revenue
            }
            Account::Fees | Account::Discounts => Kind::Expense,
        }
    }

    /// The stable code stored with postings: `clearing:wechat`, `customer_prepaid`,
    /// `worker_withdrawable:<uuid>`...
    pub fn code(self) -> String {
        match self {
            Account::Clearing(c) => format!("clearing:{}", c.code()),
            Account::CustomerPrepaid => "customer_prepaid".into(),
            Account::RefundsPayable => "refunds_payable".into(),
            Account::CustomerWallet(c) => format!("customer_wallet:{}", c.0),
            Account::PlatformRevenue => "platform_revenue".into(),
            Account::Fees => "fees".into(),
            Account::Discounts => "discounts".into(),
            Account::WorkerPending(w) => format!("worker_pending:{}", w.0),
            Account::WorkerWithdrawable(w) => format!("worker_withdrawable:{}", w.0),
            Account::PartnerPending(p) => format!("partner_pending:{}", p.0),
            Account::PartnerWithdrawable(p) => format!("partner_withdrawable:{}", p.0),
            Account::WithdrawalsInFlight => "withdrawals_in_flight".into(),
            Account::WithdrawalFees => "withdrawal_fees".into(),
            Account::WorkerDeposit(w) => format!("worker_deposit:{}", w.0),
            Account::DepositFines => "deposit_fines".into(),
        }
    }

    /// The account of a code (`None` for a code no account has).
    pub fn parse(code: &str) -> Option<Account> {
        let id = |s: &str| s.parse::<Uuid>().ok();
        Some(match code.split_once(':') {
            None => match code {
                "customer_prepaid" => Account::CustomerPrepaid,
                "refunds_payable" => Account::RefundsPayable,
                "platform_revenue" => Account::PlatformRevenue,
                "fees" => Account::Fees,
                "discounts" => Account::Discounts,
                "withdrawals_in_flight" => Account::WithdrawalsInFlight,
                "withdrawal_fees" => Account::WithdrawalFees,
                "deposit_fines" => Account::DepositFines,
                _ => return None,
            },
            Some(("clearing", c)) => Account::Clearing(Clearing::parse(c)?),
            Some(("customer_wallet", c)) => Account::CustomerWallet(CustomerId(id(c)?)),
            Some(("worker_pending", w)) => Account::WorkerPending(WorkerId(id(w)?)),
            Some(("worker_withdrawable", w)) => Account::WorkerWithdrawable(WorkerId(id(w)?)),
            Some(("partner_pending", p)) => Account::PartnerPending(PartnerId(id(p)?)),
            Some(("partner_withdrawable", p)) => Account::PartnerWithdrawable(PartnerId(id(p)?)),
            Some(("worker_deposit", w)) => Account::WorkerDeposit(WorkerId(id(w)?)),
            Some(_) => return None,
        })
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

/// One line of an entry: `amount` debited (positive) or credited (negative) to `account`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// The account.
    pub account: Account,
    /// Debit when positive, credit when negative; never zero.
    pub amount: Money,
}

/// Why an entry cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// The postings do not sum to zero (by this much).
    #[error("the postings sum to {0} fen, not zero")]
    Unbalanced(i64),
    /// Fewer than two postings.
    #[error("an entry needs at least two postings")]
    TooFew,
    /// A posting of zero moves nothing.
    #[error("a posting of zero on {0}")]
    Zero(String),
    /// The amounts overflow.
    #[error("the amounts overflow")]
    Overflow,
}

/// A journal entry: postings that sum to zero. Only [`Entry::new`] builds one, so an
/// unbalanced entry cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    postings: Vec<Posting>,
}

impl Entry {
    /// An entry of `postings`, refused unless there are at least two, none is zero and
    /// they sum to zero.
    pub fn new(postings: Vec<Posting>) -> Result<Entry, Invalid> {
        if postings.len() < 2 {
            return Err(Invalid::TooFew);
        }
        let mut sum = Money::ZERO;
        for p in &postings {
            if p.amount == Money::ZERO {
                return Err(Invalid::Zero(p.account.code()));
            }
            sum = sum.checked_add(p.amount).ok_or(Invalid::Overflow)?;
        }
        if sum != Money::ZERO {
            return Err(Invalid::Unbalanced(sum.as_fen()));
        }
        Ok(Entry { postings })
    }

    /// `amount` debited to `debit` and credited to `credit` (a positive amount).
    pub fn transfer(debit: Account, credit: Account, amount: Money) -> Result<Entry, Invalid> {
        Entry::new(vec![
            Posting {
                account: debit,
                amount,
            },
            Posting {
                account: credit,
                amount: -amount,
            },
        ])
    }

    /// The postings, in the order given.
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// The entry that undoes this one (every posting on the other side).
    pub fn reversal(&self) -> Entry {
        Entry {
            postings: self
                .postings
                .iter()
                .map(|p| Posting {
                    account: p.account,
                    amount: -p.amount,
                })
                .collect(),
        }
    }

    /// The sum of the debits (the amount the entry moves).
    pub fn amount(&self) -> Money {
        self.postings
            .iter()
            .filter(|p| p.amount > Money::ZERO)
            .map(|p| p.amount)
            .sum()
    }
}

/// A customer paid `amount` through `via`: the money is at the channel (or in hand) and
/// owed to the customer until the order earns it.
pub fn payment_received(via: Clearing, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(Account::Clearing(via), Account::CustomerPrepaid, amount)
}

/// The channel `via` paid a refund of `amount` back to the customer.
pub fn refund_paid(via: Clearing, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(Account::CustomerPrepaid, Account::Clearing(via), amount)
}

/// An order booked a refund of `amount` that no channel can carry (it was paid offline):
/// owed to the customer, to be returned by hand.
pub fn refund_owed(amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(Account::CustomerPrepaid, Account::RefundsPayable, amount)
}

/// A refund owed by hand (see [`refund_owed`]) was returned in cash or by transfer.
pub fn refund_returned(amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::RefundsPayable,
        Account::Clearing(Clearing::Offline),
        amount,
    )
}

/// A top-up of `amount` paid through `via` reached customer `customer`'s wallet: the money
/// is at the channel and owed to the customer as their balance.
pub fn wallet_topped_up(
    customer: CustomerId,
    via: Provider,
    amount: Money,
) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::Clearing(Clearing::Channel(via)),
        Account::CustomerWallet(customer),
        amount,
    )
}

/// Customer `customer` paid `amount` of an order from their wallet: the balance becomes
/// the order's prepayment.
pub fn wallet_paid(customer: CustomerId, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::CustomerWallet(customer),
        Account::CustomerPrepaid,
        amount,
    )
}

/// A refund of `amount` of a payment made from customer `customer`'s wallet went back to
/// the wallet.
pub fn wallet_refunded(customer: CustomerId, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::CustomerPrepaid,
        Account::CustomerWallet(customer),
        amount,
    )
}

/// Worker `worker` lodged `amount` of deposit through `via`: the money is at the channel
/// and owed back to the worker.
pub fn deposit_lodged(worker: WorkerId, via: Provider, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::Clearing(Clearing::Channel(via)),
        Account::WorkerDeposit(worker),
        amount,
    )
}

/// Staff fined worker `worker`'s deposit `amount`: the platform keeps it.
pub fn deposit_fined(worker: WorkerId, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::WorkerDeposit(worker),
        Account::DepositFines,
        amount,
    )
}

/// Worker `worker`'s deposit of `amount` was paid back, into their withdrawable balance
/// (they withdraw it like an earning).
pub fn deposit_refunded(worker: WorkerId, amount: Money) -> Result<Entry, Invalid> {
    positive(amount)?;
    Entry::transfer(
        Account::WorkerDeposit(worker),
        Account::WorkerWithdrawable(worker),
        amount,
    )
}

/// Channel `via` took `fee` in fees (手续费) on the money it carried: an expense, out of
/// the clearing account. A negative `fee` is fees given back (on refunds, or a bill
/// restated lower): the same entry the other way round.
pub fn channel_fee(via: Provider, fee: Money) -> Result<Entry, Invalid> {
    let clearing = Account::Clearing(Clearing::Channel(via));
    if fee < Money::ZERO {
        Entry::transfer(clearing, Account::Fees, -fee)
    } else {
        positive(fee)?;
        Entry::transfer(Account::Fees, clearing, fee)
    }
}

fn positive(amount: Money) -> Result<(), Invalid> {
    if amount <= Money::ZERO {
        return Err(Invalid::Zero("a movement of no money".into()));
    }
    Ok(())
}

/// Balances kept from entries in memory: what `ledger check` and the tests compare the
/// stored postings with.
#[derive(Debug, Clone, Default)]
pub struct Balances {
    by_account: BTreeMap<Account, Money>,
    entries: usize,
}

impl Balances {
    /// Posts `entry` (already balanced by construction).
    pub fn post(&mut self, entry: &Entry) {
        for p in entry.postings() {
            let b = self.by_account.entry(p.account).or_default();
            *b = *b + p.amount;
        }
        self.entries += 1;
    }

    /// The balance of `account` (debits minus credits).
    pub fn of(&self, account: Account) -> Money {
        self.by_account.get(&account).copied().unwrap_or_default()
    }

    /// The sum of every balance: zero for any sequence of balanced entries.
    pub fn total(&self) -> Money {
        self.by_account.values().copied().sum()
    }

    /// How many entries were posted.
    pub fn entries(&self) -> usize {
        self.entries
    }

    /// Every account with its balance.
    pub fn iter(&self) -> impl Iterator<Item = (Account, Money)> + '_ {
        self.by_account.iter().map(|(a, m)| (*a, *m))
    }
}

/// What is wrong with a stored journal, as `ledger check` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// An entry whose postings do not sum to zero.
    Unbalanced {
        /// The entry.
        entry: Uuid,
        /// Their sum, in fen.
        sum: i64,
    },
    /// An entry with fewer than two postings.
    TooFewPostings {
        /// The entry.
        entry: Uuid,
    },
    /// A posting to an account the chart does not have.
    UnknownAccount {
        /// The entry.
        entry: Uuid,
        /// The code.
        code: String,
    },
    /// A worker's or partner's earning account (pending or withdrawable), or the
    /// withdrawals in flight, below zero.
    NegativeWithdrawable {
        /// The account.
        account: String,
        /// Its balance, in fen (a debit).
        balance: i64,
    },
    /// A customer's wallet below zero: more was paid from it than was put in.
    NegativeWallet {
        /// The account.
        account: String,
        /// Its balance, in fen (a debit).
        balance: i64,
    },
    /// A worker's deposit below zero: more was fined or refunded than was lodged.
    NegativeDeposit {
        /// The account.
        account: String,
        /// Its balance, in fen (a debit).
        balance: i64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unbalanced { entry, sum } => {
                write!(f, "entry {entry}: postings sum to {sum} fen, not zero")
            }
            Problem::TooFewPostings { entry } => {
                write!(f, "entry {entry}: fewer than two postings")
            }
            Problem::UnknownAccount { entry, code } => {
                write!(f, "entry {entry}: unknown account `{code}`")
            }
            Problem::NegativeWithdrawable { account, balance } => write!(
                f,
                "{account}: balance is {} fen (a debit: owes the platform)",
                -balance
            ),
            Problem::NegativeWallet { account, balance } => write!(
                f,
                "{account}: wallet balance is {} fen (more paid from it than put in)",
                -balance
            ),
            Problem::NegativeDeposit { account, balance } => write!(
                f,
                "{account}: deposit is {} fen (more fined or refunded than lodged)",
                -balance
            ),
        }
    }
}

/// Checks stored postings, given as (entry, account code, amount in fen), grouped by entry
/// in any order: every entry balances, has two postings or more and uses accounts of the
/// chart; no customer's wallet, no worker's deposit and no worker's withdrawable balance is negative (a liability below zero: the worker
/// would owe the platform). Returns the balances and what is wrong.
pub fn check(postings: &[(Uuid, String, i64)]) -> (BTreeMap<String, i64>, Vec<Problem>) {
    let mut by_entry: BTreeMap<Uuid, (i128, usize)> = BTreeMap::new();
    let mut balances: BTreeMap<String, i64> = BTreeMap::new();
    let mut problems = vec![];
    for (entry, code, fen) in postings {
        let e = by_entry.entry(*entry).or_default();
        e.0 += i128::from(*fen);
        e.1 += 1;
        if Account::parse(code).is_none() {
            problems.push(Problem::UnknownAccount {
                entry: *entry,
                code: code.clone(),
            });
        }
        let b = balances.entry(code.clone()).or_default();
        *b = b.saturating_add(*fen);
    }
    for (entry, (sum, n)) in &by_entry {
        if *sum != 0 {
            problems.push(Problem::Unbalanced {
                entry: *entry,
                sum: (*sum).clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64,
            });
        }
        if *n < 2 {
            problems.push(Problem::TooFewPostings { entry: *entry });
        }
    }
    for (code, balance) in &balances {
        // A liability's balance is a credit (negative); a debit balance is money owed to us.
        let owed = matches!(
            Account::parse(code),
            Some(
                Account::WorkerWithdrawable(_)
                    | Account::WorkerPending(_)
                    | Account::PartnerPending(_)
                    | Account::PartnerWithdrawable(_)
                    | Account::WithdrawalsInFlight
            )
        );
        if owed && *balance > 0 {
            problems.push(Problem::NegativeWithdrawable {
                account: code.clone(),
                balance: *balance,
            });
        }
        if matches!(Account::parse(code), Some(Account::WorkerDeposit(_))) && *balance > 0 {
            problems.push(Problem::NegativeDeposit {
                account: code.clone(),
                balance: *balance,
            });
        }
        if matches!(Account::parse(code), Some(Account::CustomerWallet(_))) && *balance > 0 {
            problems.push(Problem::NegativeWallet {
                account: code.clone(),
                balance: *balance,
            });
        }
    }
    (balances, problems)
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
