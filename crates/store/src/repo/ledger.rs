//! The ledger's store: posting a [`daojia_domain::ledger::Entry`] in the caller's
//! transaction (once per source), reversing one, reading the journal back, the backfill
//! of money that moved before the ledger existed, and the consistency check behind
//! `daojia ledger check`.
//!
//! Nothing here updates or deletes a posted row: the journal is append-only.

use crate::entity::{
    ledger_account, ledger_books, ledger_entry, ledger_posting, order_payment, payment_intent,
    refund, service_order,
};
use chrono::{DateTime, Utc};
use daojia_domain::ledger::{self, Account, Clearing, Entry, Posting};
use daojia_domain::money::Money;
use daojia_domain::payment::Provider;
use daojia_domain::period::Period;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QuerySelect,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// An intent's success (`source_id`: the intent's id).
pub const INTENT: &str = "intent";
/// A refund's success (`source_id`: the refund's id).
pub const REFUND: &str = "refund";
/// A payment recorded on an order that no intent posts: offline (cash, transfer, the
/// demo's) or a channel payment without an intent (the demo's history). `source_id`: the
/// `order_payment` id.
pub const ORDER_PAYMENT: &str = "order_payment";
/// The part of an order transition's booked refund no channel carries (`source_id`:
/// `<order id>#<seq>`).
pub const OFFLINE_REFUND: &str = "offline_refund";
/// The same, for refunds booked before the ledger existed (`source_id`: the order id).
pub const BACKFILL_REFUND: &str = "backfill_refund";
/// A correcting entry (`source_id`: the id of the entry it reverses).
pub const REVERSAL: &str = "reversal";
/// A partner's share paid to its receiver at the channel (分账; `source_id`: the
/// `profit_sharing` row's id).
pub const PROFIT_SHARING: &str = "profit_sharing";
/// The same share given back by the receiver before a refund (`source_id`: the
/// `profit_sharing` row's id).
pub const PROFIT_SHARING_RETURN: &str = "profit_sharing_return";

/// A channel's fees of one bill day, booked when its trade bill is reconciled
/// (`source_id`: `<provider>:<China date>`, and `<provider>:<China date>#<n>` for each
/// later correction when the bill is read again with other fees).
pub const CHANNEL_FEE: &str = "channel_fee";

/// What the `channel_fee` entries of `provider`'s bill of China date `date` (`YYYY-MM-DD`)
/// moved to the `fees` account so far (debit positive), and how many there are.
pub async fn channel_fees_booked(
    db: &impl ConnectionTrait,
    provider: Provider,
    date: &str,
) -> Result<(Money, usize), DbErr> {
    use sea_orm::sea_query::ExprTrait;
    let base = format!("{}:{date}", provider.code());
    let entries: Vec<Uuid> = ledger_entry::Entity::find()
        .select_only()
        .column(ledger_entry::Column::Id)
        .filter(ledger_entry::Column::SourceType.eq(CHANNEL_FEE))
        .filter(
            ledger_entry::Column::SourceId
                .eq(base.clone())
                .or(ledger_entry::Column::SourceId.starts_with(format!("{base}#"))),
        )
        .into_tuple()
        .all(db)
        .await?;
    if entries.is_empty() {
        return Ok((Money::ZERO, 0));
    }
    let amounts: Vec<i64> = ledger_posting::Entity::find()
        .select_only()
        .column(ledger_posting::Column::AmountFen)
        .filter(ledger_posting::Column::EntryId.is_in(entries.clone()))
        .filter(ledger_posting::Column::Account.eq(Account::Fees.code()))
        .into_tuple()
        .all(db)
        .await?;
    Ok((Money::fen(amounts.into_iter().sum()), entries.len()))
}

/// The source id of an order transition: `<order id>#<seq>`.
pub fn transition_source(order_id: Uuid, seq: u32) -> String {
    format!("{order_id}#{seq}")
}

/// The clearing account of an `order_payment.method` code (`cash`, `bank_transfer`, `demo`:
/// offline; `channel:<provider>`: that provider's).
pub fn clearing_of_method(method: &str) -> Clearing {
    method
        .strip_prefix("channel:")
        .and_then(Provider::parse)
        .map(Clearing::Channel)
        .unwrap_or(Clearing::Offline)
}

/// What caused an entry.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// One of the constants of this module.
    pub kind: &'static str,
    /// Which one.
    pub id: String,
    /// The order it concerns.
    pub order_id: Option<Uuid>,
    /// For people.
    pub memo: &'a str,
}

/// Up to which period the books are closed (`None`: no period is), read under a shared
/// lock on the books' row (PostgreSQL `FOR SHARE`, MariaDB `LOCK IN SHARE MODE`) that
/// holds until the caller's transaction ends: a close, which updates that row first,
/// waits for every transaction that has read it, and a transaction that reads it after a
/// close began waits for the close to commit and then sees the new period (a locking read
/// reads the latest committed row on both). On SQLite every writing transaction begins
/// `IMMEDIATE` ([`crate::begin`]) and holds the database's one write lock from its start,
/// so a close and a posting never overlap. Every entry is booked through this: see
/// [`booking_period`].
pub async fn closed_through(db: &impl ConnectionTrait) -> Result<Option<Period>, DbErr> {
    let row = ledger_books::Entity::find_by_id(1)
        .lock_shared()
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("the ledger_books row is missing".into()))?;
    parse_closed(&row.closed_through)
}

/// The period of a `closed_through` column (empty: none).
pub fn parse_closed(s: &str) -> Result<Option<Period>, DbErr> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|e| DbErr::Custom(format!("ledger_books.closed_through: {e}")))
}

/// The period an entry whose business time is `at` is booked in, decided now, in the
/// caller's transaction: its own China month, or the first open period when that one is
/// closed ([`Period::for_entry`]). Takes the books' shared lock ([`closed_through`]), so
/// call it in the transaction that inserts the entry.
pub async fn booking_period(db: &impl ConnectionTrait, at: DateTime<Utc>) -> Result<Period, DbErr> {
    Ok(Period::for_entry(at, closed_through(db).await?))
}

/// The rows of `entry` for `source` at `at`, for a bulk insert (see [`post`] for one),
/// booked in `at`'s own month; [`rebook`] moves them to the period the books decide.
pub fn rows(
    source: &Source<'_>,
    entry: &Entry,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (ledger_entry::ActiveModel, Vec<ledger_posting::ActiveModel>) {
    booked_rows(source, entry, at, Period::of(at), now)
}

/// Books rows made by [`rows`] in the period an entry of their time takes when the books
/// are closed through `closed` (see [`booking_period`]).
pub fn rebook(
    entry: &mut ledger_entry::ActiveModel,
    postings: &mut [ledger_posting::ActiveModel],
    closed: Option<Period>,
) {
    let at = entry.at.clone().unwrap();
    let period = Period::for_entry(at, closed).to_string();
    entry.period = Set(period.clone());
    for p in postings {
        p.period = Set(period.clone());
    }
}

fn booked_rows(
    source: &Source<'_>,
    entry: &Entry,
    at: DateTime<Utc>,
    period: Period,
    now: DateTime<Utc>,
) -> (ledger_entry::ActiveModel, Vec<ledger_posting::ActiveModel>) {
    let period = period.to_string();
    let id = Uuid::now_v7();
    let e = ledger_entry::ActiveModel {
        id: Set(id),
        source_type: Set(source.kind.into()),
        source_id: Set(source.id.clone()),
        order_id: Set(source.order_id),
        reverses: Set(None),
        memo: Set(source.memo.chars().take(200).collect()),
        at: Set(at),
        period: Set(period.clone()),
        created_at: Set(now),
    };
    let p = entry
        .postings()
        .iter()
        .map(|p| ledger_posting::ActiveModel {
            id: Set(Uuid::now_v7()),
            entry_id: Set(id),
            account: Set(p.account.code()),
            amount_fen: Set(p.amount.as_fen()),
            at: Set(at),
            period: Set(period.clone()),
        })
        .collect();
    (e, p)
}

/// Posts `entry` for `source` in the caller's transaction, once: `Ok(false)` when that
/// source has its entry already (a retry, a redelivery). Opens per-person accounts on
/// first use. `at` is the business time; the accounting period is decided here
/// ([`booking_period`]), under the books' lock, so call it in the transaction of the state
/// change.
pub async fn post(
    db: &impl ConnectionTrait,
    source: Source<'_>,
    entry: &Entry,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if entry_of(db, source.kind, &source.id).await?.is_some() {
        return Ok(false);
    }
    let period = booking_period(db, at).await?;
    for p in entry.postings() {
        open_account(db, p.account, now).await?;
    }
    let (e, postings) = booked_rows(&source, entry, at, period, now);
    e.insert(db).await?;
    ledger_posting::Entity::insert_many(postings)
        .exec_without_returning(db)
        .await?;
    Ok(true)
}

/// Posts the reversal of entry `id` (once): the correction of a mistaken entry, which
/// itself stays. `Ok(None)` when there is no such entry.
pub async fn reverse(
    db: &impl ConnectionTrait,
    id: Uuid,
    memo: &str,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    let Some(original) = ledger_entry::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let postings = postings_of(db, id).await?;
    let entry = Entry::new(postings)
        .map_err(|e| DbErr::Custom(format!("entry {id} cannot be reversed: {e}")))?;
    let source = Source {
        kind: REVERSAL,
        id: id.to_string(),
        order_id: original.order_id,
        memo,
    };
    if entry_of(db, REVERSAL, &source.id).await?.is_some() {
        return Ok(Some(false));
    }
    // The reversal is booked now, in the first open period: the original's own period
    // may be closed.
    let period = booking_period(db, now).await?;
    let (mut e, postings) = booked_rows(&source, &entry.reversal(), now, period, now);
    e.reverses = Set(Some(id));
    e.insert(db).await?;
    ledger_posting::Entity::insert_many(postings)
        .exec_without_returning(db)
        .await?;
    Ok(Some(true))
}

/// The entry of a source.
pub async fn entry_of(
    db: &impl ConnectionTrait,
    kind: &str,
    id: &str,
) -> Result<Option<ledger_entry::Model>, DbErr> {
    ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SourceType.eq(kind))
        .filter(ledger_entry::Column::SourceId.eq(id))
        .one(db)
        .await
}

/// The postings of entry `id` as the domain's (an unknown account code is an error).
pub async fn postings_of(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<Posting>, DbErr> {
    ledger_posting::Entity::find()
        .filter(ledger_posting::Column::EntryId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| {
            Ok(Posting {
                account: Account::parse(&p.account)
                    .ok_or_else(|| DbErr::Custom(format!("unknown account `{}`", p.account)))?,
                amount: Money::fen(p.amount_fen),
            })
        })
        .collect()
}

/// The entries about order `order_id`, oldest first.
pub async fn entries_of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<ledger_entry::Model>, DbErr> {
    let mut all = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::OrderId.eq(order_id))
        .all(db)
        .await?;
    all.sort_by_key(|e| (e.at, e.id));
    Ok(all)
}

/// The balance of `account` (debits minus credits), from its postings.
pub async fn balance(db: &impl ConnectionTrait, account: Account) -> Result<Money, DbErr> {
    let amounts: Vec<i64> = ledger_posting::Entity::find()
        .select_only()
        .column(ledger_posting::Column::AmountFen)
        .filter(ledger_posting::Column::Account.eq(account.code()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(Money::fen(amounts.into_iter().sum()))
}

async fn open_account(
    db: &impl ConnectionTrait,
    account: Account,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if Account::FIXED.contains(&account) {
        return Ok(());
    }
    let code = account.code();
    if ledger_account::Entity::find_by_id(code.clone())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    ledger_account::ActiveModel {
        code: Set(code),
        kind: Set(account.kind().code().into()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Opens the accounts every ledger has (the migration does it once).
pub async fn open_fixed_accounts(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for a in Account::FIXED {
        if ledger_account::Entity::find_by_id(a.code())
            .one(db)
            .await?
            .is_none()
        {
            ledger_account::ActiveModel {
                code: Set(a.code()),
                kind: Set(a.kind().code().into()),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

fn entry_or(e: Result<Entry, ledger::Invalid>, what: &str) -> Result<Entry, DbErr> {
    e.map_err(|e| DbErr::Custom(format!("{what}: {e}")))
}

/// Posts what moved before the ledger existed: payments recorded offline, intents that
/// succeeded, refunds that succeeded, and the refunds orders booked that no channel refund
/// carries (owed by hand). Each once: running it again posts nothing.
pub async fn backfill(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let mut posted = 0;
    let by_intents = intent_references(db).await?;
    for (id, order_id, method, reference, fen, at) in order_payments(db).await? {
        if !posts_itself(&by_intents, order_id, &method, &reference) || fen <= 0 {
            continue;
        }
        let entry = entry_or(
            ledger::payment_received(clearing_of_method(&method), Money::fen(fen)),
            "payment",
        )?;
        let memo = format!("收款（{method}，补记）");
        let source = Source {
            kind: ORDER_PAYMENT,
            id: id.to_string(),
            order_id: Some(order_id),
            memo: &memo,
        };
        posted += usize::from(post(db, source, &entry, at, now).await?);
    }
    let intents: Vec<IntentRow> = payment_intent::Entity::find()
        .select_only()
        .columns([
            payment_intent::Column::Id,
            payment_intent::Column::OrderId,
            payment_intent::Column::CustomerId,
            payment_intent::Column::Provider,
            payment_intent::Column::AmountFen,
            payment_intent::Column::State,
            payment_intent::Column::UpdatedAt,
            payment_intent::Column::Purpose,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let mut paid_from: HashMap<Uuid, Paid> = HashMap::new();
    // A top-up is the intent that pays no order. Workers' deposit lodgings (which came
    // after the ledger, with their own entries, fines and refunds) are not backfilled.
    for (id, order_id, customer, provider, fen, state, at, purpose) in intents {
        if purpose == daojia_domain::deposit::PURPOSE_DEPOSIT {
            continue;
        }
        let from = paid_by(id, &provider, customer)?;
        paid_from.insert(id, from);
        if state != "succeeded" {
            continue;
        }
        let amount = Money::fen(fen);
        let entry = match (from, order_id) {
            (Paid::Channel(p), None) => {
                ledger::wallet_topped_up(daojia_domain::ids::CustomerId(customer), p, amount)
            }
            (Paid::Channel(p), Some(_)) => ledger::payment_received(Clearing::Channel(p), amount),
            (Paid::Wallet(c), _) => ledger::wallet_paid(c, amount),
        };
        let entry = entry_or(entry, "intent")?;
        let source = Source {
            kind: INTENT,
            id: id.to_string(),
            order_id,
            memo: "收款（补记）",
        };
        posted += usize::from(post(db, source, &entry, at, now).await?);
    }
    let refunds = refund_rows(db).await?;
    let mut carried: HashMap<Uuid, i64> = HashMap::new();
    for (id, intent_id, order_id, fen, state, origin, at) in &refunds {
        if state != "failed" && origin != "unowed" {
            *carried.entry(*order_id).or_default() += fen;
        }
        if state != "succeeded" {
            continue;
        }
        let from = *paid_from
            .get(intent_id)
            .ok_or_else(|| DbErr::Custom(format!("refund {id} without its intent")))?;
        let amount = Money::fen(*fen);
        let entry = match from {
            Paid::Channel(p) => ledger::refund_paid(Clearing::Channel(p), amount),
            Paid::Wallet(c) => ledger::wallet_refunded(c, amount),
        };
        let entry = entry_or(entry, "refund")?;
        let source = Source {
            kind: REFUND,
            id: id.to_string(),
            order_id: Some(*order_id),
            memo: "退款（补记）",
        };
        posted += usize::from(post(db, source, &entry, *at, now).await?);
    }
    let orders: Vec<(Uuid, i64, DateTime<Utc>)> = service_order::Entity::find()
        .select_only()
        .columns([
            service_order::Column::Id,
            service_order::Column::RefundedFen,
            service_order::Column::UpdatedAt,
        ])
        .filter(service_order::Column::RefundedFen.gt(0))
        .into_tuple()
        .all(db)
        .await?;
    for (order_id, refunded, at) in orders {
        let owed = refunded - carried.get(&order_id).copied().unwrap_or(0);
        if owed <= 0 {
            continue;
        }
        let entry = entry_or(ledger::refund_owed(Money::fen(owed)), "refund owed")?;
        let source = Source {
            kind: BACKFILL_REFUND,
            id: order_id.to_string(),
            order_id: Some(order_id),
            memo: "应退款（线下退回，补记）",
        };
        posted += usize::from(post(db, source, &entry, at, now).await?);
    }
    Ok(posted)
}

type IntentRow = (
    Uuid,
    Option<Uuid>,
    Uuid,
    String,
    i64,
    String,
    DateTime<Utc>,
    String,
);

/// Where an intent's money came from: a channel, or the customer's wallet.
#[derive(Debug, Clone, Copy)]
enum Paid {
    Channel(Provider),
    Wallet(daojia_domain::ids::CustomerId),
}

fn paid_by(id: Uuid, provider: &str, customer: Uuid) -> Result<Paid, DbErr> {
    if provider == daojia_domain::wallet::CHANNEL {
        return Ok(Paid::Wallet(daojia_domain::ids::CustomerId(customer)));
    }
    Provider::parse(provider)
        .map(Paid::Channel)
        .ok_or_else(|| DbErr::Custom(format!("intent {id}: provider `{provider}`")))
}

/// The (order, reference) of every payment a succeeded intent recorded on its order
/// (the channel's trade number, or the intent's number when the channel gave none).
async fn intent_references(db: &impl ConnectionTrait) -> Result<HashSet<(Uuid, String)>, DbErr> {
    let rows: Vec<(Option<Uuid>, String, Option<String>)> = payment_intent::Entity::find()
        .select_only()
        .columns([
            payment_intent::Column::OrderId,
            payment_intent::Column::IntentNo,
            payment_intent::Column::ChannelTradeNo,
        ])
        .filter(payment_intent::Column::State.eq("succeeded"))
        .into_tuple()
        .all(db)
        .await?;
    let mut refs = HashSet::new();
    for (order, no, trade) in rows {
        // A top-up pays no order.
        let Some(order) = order else { continue };
        refs.insert((order, no));
        if let Some(t) = trade {
            refs.insert((order, t));
        }
    }
    Ok(refs)
}

/// Whether a payment recorded on an order posts its own entry: all but those a channel's
/// intent recorded (the intent posts them). A channel payment without an intent (the
/// demo's history) posts its own.
fn posts_itself(
    intents: &HashSet<(Uuid, String)>,
    order: Uuid,
    method: &str,
    reference: &str,
) -> bool {
    !method.starts_with("channel:") || !intents.contains(&(order, reference.to_string()))
}

type PaymentRow = (Uuid, Uuid, String, String, i64, DateTime<Utc>);

async fn order_payments(db: &impl ConnectionTrait) -> Result<Vec<PaymentRow>, DbErr> {
    order_payment::Entity::find()
        .select_only()
        .columns([
            order_payment::Column::Id,
            order_payment::Column::OrderId,
            order_payment::Column::Method,
            order_payment::Column::Reference,
            order_payment::Column::AmountFen,
            order_payment::Column::At,
        ])
        .into_tuple()
        .all(db)
        .await
}

type RefundRow = (Uuid, Uuid, Uuid, i64, String, String, DateTime<Utc>);

async fn refund_rows(db: &impl ConnectionTrait) -> Result<Vec<RefundRow>, DbErr> {
    refund::Entity::find()
        .select_only()
        .columns([
            refund::Column::Id,
            refund::Column::IntentId,
            refund::Column::OrderId,
            refund::Column::AmountFen,
            refund::Column::State,
            refund::Column::Origin,
            refund::Column::UpdatedAt,
        ])
        .into_tuple()
        .all(db)
        .await
}

/// What `daojia ledger check` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Entries read.
    pub entries: usize,
    /// Postings read.
    pub postings: usize,
    /// Each account's balance (debits minus credits), in fen.
    pub balances: BTreeMap<String, i64>,
    /// What is wrong, one line each; empty when the ledger is sound.
    pub problems: Vec<String>,
}

/// Checks the whole ledger: every entry balances with two postings or more on accounts of
/// the chart, no worker's withdrawable balance is negative, every account posted to is in
/// the chart table, every succeeded intent and refund, every share paid to a partner's
/// receiver (分账) and every such share returned, and every payment recorded on an order
/// without an intent has its entry for its amount, and every refund an order booked is
/// carried by a refund row or owed by hand.
pub async fn check(db: &impl ConnectionTrait) -> Result<Report, DbErr> {
    let postings: Vec<(Uuid, String, i64)> = ledger_posting::Entity::find()
        .select_only()
        .columns([
            ledger_posting::Column::EntryId,
            ledger_posting::Column::Account,
            ledger_posting::Column::AmountFen,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let entries: Vec<(Uuid, String, String, Option<Uuid>)> = ledger_entry::Entity::find()
        .select_only()
        .columns([
            ledger_entry::Column::Id,
            ledger_entry::Column::SourceType,
            ledger_entry::Column::SourceId,
            ledger_entry::Column::OrderId,
        ])
        .into_tuple()
        .all(db)
        .await?;
    let (balances, found) = ledger::check(&postings);
    let mut problems: Vec<String> = found.iter().map(ToString::to_string).collect();
    let mut moved: HashMap<Uuid, i64> = HashMap::new();
    for (e, _, fen) in &postings {
        if *fen > 0 {
            *moved.entry(*e).or_default() += fen;
        }
    }
    let known: HashSet<Uuid> = entries.iter().map(|e| e.0).collect();
    let posted: HashSet<Uuid> = postings.iter().map(|p| p.0).collect();
    for e in posted.iter().filter(|e| !known.contains(e)) {
        problems.push(format!("postings of entry {e}, which does not exist"));
    }
    let accounts: HashSet<String> = ledger_account::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    for code in balances.keys().filter(|c| !accounts.contains(*c)) {
        problems.push(format!("account `{code}` is posted to but not opened"));
    }
    // A reversed entry no longer carries its cause: what it moved, less its reversal.
    let mut reversed: HashMap<Uuid, i64> = HashMap::new();
    for (id, kind, source, _) in &entries {
        if kind == REVERSAL
            && let Ok(original) = source.parse::<Uuid>()
        {
            *reversed.entry(original).or_default() += moved.get(id).copied().unwrap_or(0);
        }
    }
    let mut by_source: HashMap<(&str, &str), (Uuid, i64)> = HashMap::new();
    let mut owed: HashMap<Uuid, i64> = HashMap::new();
    for (id, kind, source, order) in &entries {
        let amount = moved.get(id).copied().unwrap_or(0) - reversed.get(id).copied().unwrap_or(0);
        if !posted.contains(id) {
            problems.push(format!("entry {id} ({kind} {source}) has no postings"));
        }
        by_source.insert((kind.as_str(), source.as_str()), (*id, amount));
        if (kind == OFFLINE_REFUND || kind == BACKFILL_REFUND)
            && let Some(o) = order
        {
            *owed.entry(*o).or_default() += amount;
        }
    }
    let mut expect = |kind: &'static str, id: Uuid, fen: i64, what: &str| match by_source
        .get(&(kind, id.to_string().as_str()))
    {
        None => problems.push(format!("{what} {id} ({fen} fen) has no ledger entry")),
        Some((e, amount)) if *amount != fen => problems.push(format!(
            "{what} {id} is {fen} fen but its entry {e} moves {amount} fen"
        )),
        Some(_) => {}
    };
    let intents: Vec<(Uuid, i64)> = payment_intent::Entity::find()
        .select_only()
        .columns([
            payment_intent::Column::Id,
            payment_intent::Column::AmountFen,
        ])
        .filter(payment_intent::Column::State.eq("succeeded"))
        .into_tuple()
        .all(db)
        .await?;
    for (id, fen) in intents {
        expect(INTENT, id, fen, "succeeded payment intent");
    }
    let refunds = refund_rows(db).await?;
    let mut carried: HashMap<Uuid, i64> = HashMap::new();
    for (id, _, order_id, fen, state, origin, _) in &refunds {
        if state != "failed" && origin != "unowed" {
            *carried.entry(*order_id).or_default() += fen;
        }
        if state == "succeeded" {
            expect(REFUND, *id, *fen, "succeeded refund");
        }
    }
    // A share paid to a partner's receiver (分账) has its entry; so has its return.
    let sharings: Vec<(Uuid, Option<Uuid>, i64, String, i64)> =
        crate::entity::profit_sharing::Entity::find()
            .select_only()
            .columns([
                crate::entity::profit_sharing::Column::Id,
                crate::entity::profit_sharing::Column::PartnerId,
                crate::entity::profit_sharing::Column::AmountFen,
                crate::entity::profit_sharing::Column::State,
                crate::entity::profit_sharing::Column::ReturnedFen,
            ])
            .filter(crate::entity::profit_sharing::Column::State.is_in([
                crate::repo::sharing::SUCCEEDED,
                crate::repo::sharing::RETURNED,
            ]))
            .into_tuple()
            .all(db)
            .await?;
    for (id, partner, fen, state, returned) in sharings {
        if partner.is_none() || fen == 0 {
            continue;
        }
        expect(PROFIT_SHARING, id, fen, "succeeded profit sharing");
        if state == crate::repo::sharing::RETURNED {
            expect(
                PROFIT_SHARING_RETURN,
                id,
                returned,
                "returned profit sharing",
            );
        }
    }
    let by_intents = intent_references(db).await?;
    for (id, order_id, method, reference, fen, _) in order_payments(db).await? {
        if posts_itself(&by_intents, order_id, &method, &reference) {
            expect(ORDER_PAYMENT, id, fen, "payment recorded on its order");
        }
    }
    let orders: Vec<(Uuid, String, i64)> = service_order::Entity::find()
        .select_only()
        .columns([
            service_order::Column::Id,
            service_order::Column::OrderNo,
            service_order::Column::RefundedFen,
        ])
        .filter(service_order::Column::RefundedFen.gt(0))
        .into_tuple()
        .all(db)
        .await?;
    for (id, no, refunded) in orders {
        let booked = carried.get(&id).copied().unwrap_or(0) + owed.get(&id).copied().unwrap_or(0);
        if booked != refunded {
            problems.push(format!(
                "order {no}: {refunded} fen refunded on the order, {booked} fen booked as refunds \
                 (channel refunds and refunds owed by hand)"
            ));
        }
    }
    problems.extend(crate::repo::settlement_check::check(db, &balances).await?);
    problems.extend(crate::repo::periods::check(db).await?);
    problems.extend(crate::repo::wallet::check(db, &balances).await?);
    problems.extend(crate::repo::deposits::check(db, &balances).await?);
    Ok(Report {
        entries: entries.len(),
        postings: postings.len(),
        balances,
        problems,
    })
}
