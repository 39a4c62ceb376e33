//! Month-end close (期末结账): accounting periods, the close that records a period's
//! trial balance and moves the books' `closed_through`, the reopening of the latest closed
//! period, and the check that a closed period's recorded balances still equal its
//! postings. The period an entry is booked in is decided by
//! [`crate::repo::ledger::booking_period`]; see `docs/ledger.md`, "Month-end close".

use crate::entity::{ledger_books, ledger_entry, ledger_period, ledger_period_balance};
use crate::repo::ledger::parse_closed;
use chrono::{DateTime, Utc};
use daojia_domain::period::Period;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// One account's line of a trial balance (试算平衡表), in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The account's code.
    pub account: String,
    /// Debits minus credits before the period.
    pub opening: i64,
    /// Debits in the period.
    pub debit: i64,
    /// Credits in the period (positive).
    pub credit: i64,
    /// `opening + debit - credit`.
    pub closing: i64,
}

/// Takes the books' write lock until the transaction ends (an update of their row, the
/// first statement of a close or a reopening: on SQLite too it takes the write lock
/// before anything is read) and returns the period they are closed through.
async fn lock_books(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Option<Period>, DbErr> {
    let q = Query::update()
        .table(ledger_books::Entity)
        .value(ledger_books::Column::UpdatedAt, now)
        .and_where(Expr::col(ledger_books::Column::Id).eq(1))
        .to_owned();
    db.execute(&q).await?;
    let row = ledger_books::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("the ledger_books row is missing".into()))?;
    parse_closed(&row.closed_through)
}

async fn set_closed_through(
    db: &impl ConnectionTrait,
    p: Option<Period>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let q = Query::update()
        .table(ledger_books::Entity)
        .value(
            ledger_books::Column::ClosedThrough,
            p.map(|p| p.to_string()).unwrap_or_default(),
        )
        .value(ledger_books::Column::UpdatedAt, now)
        .and_where(Expr::col(ledger_books::Column::Id).eq(1))
        .to_owned();
    db.execute(&q).await?;
    Ok(())
}

/// Up to which period the books are closed, without a lock (for reading).
pub async fn closed_through(db: &impl ConnectionTrait) -> Result<Option<Period>, DbErr> {
    let row = ledger_books::Entity::find_by_id(1)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("the ledger_books row is missing".into()))?;
    parse_closed(&row.closed_through)
}

fn int(b: DatabaseBackend, expr: &str) -> String {
    match b {
        DatabaseBackend::MySql => format!("CAST({expr} AS SIGNED)"),
        DatabaseBackend::Postgres => format!("CAST({expr} AS BIGINT)"),
        _ => format!("CAST({expr} AS INTEGER)"),
    }
}

fn param(b: DatabaseBackend) -> &'static str {
    match b {
        DatabaseBackend::Postgres => "$1",
        _ => "?",
    }
}

/// Per account: (debits, credits) of the postings booked in periods `op` `p` (`<`, `=`,
/// `<=`), summed by the database.
async fn sums(
    db: &impl ConnectionTrait,
    op: &str,
    p: Period,
) -> Result<BTreeMap<String, (i64, i64)>, DbErr> {
    let b = db.get_database_backend();
    let dr = int(
        b,
        "COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0)",
    );
    let cr = int(
        b,
        "COALESCE(SUM(CASE WHEN amount_fen < 0 THEN -amount_fen ELSE 0 END), 0)",
    );
    let sql = format!(
        "SELECT account, {dr} AS dr, {cr} AS cr FROM ledger_posting WHERE period {op} {} \
         GROUP BY account",
        param(b)
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            b,
            sql,
            [p.to_string().into()],
        ))
        .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let account: String = r.try_get("", "account")?;
        let dr: i64 = r.try_get("", "dr")?;
        let cr: i64 = r.try_get("", "cr")?;
        out.insert(account, (dr, cr));
    }
    Ok(out)
}

/// The trial balance of period `p` from its postings: per account that has a balance
/// before it or a posting in it, the opening balance, the period's debits and credits and
/// the closing balance. The closing balances sum to zero when every entry balances.
pub async fn trial_balance(db: &impl ConnectionTrait, p: Period) -> Result<Vec<Line>, DbErr> {
    let before = sums(db, "<", p).await?;
    let during = sums(db, "=", p).await?;
    let accounts: BTreeSet<&String> = before.keys().chain(during.keys()).collect();
    let mut out = vec![];
    for a in accounts {
        let opening = before.get(a).map(|(d, c)| d - c).unwrap_or(0);
        let (debit, credit) = during.get(a).copied().unwrap_or((0, 0));
        if opening == 0 && debit == 0 && credit == 0 {
            continue;
        }
        out.push(Line {
            account: a.clone(),
            opening,
            debit,
            credit,
            closing: opening + debit - credit,
        });
    }
    Ok(out)
}

/// The trial balance recorded when `p` was closed (empty when it is not closed).
pub async fn snapshot(db: &impl ConnectionTrait, p: Period) -> Result<Vec<Line>, DbErr> {
    Ok(ledger_period_balance::Entity::find()
        .filter(ledger_period_balance::Column::Period.eq(p.to_string()))
        .order_by_asc(ledger_period_balance::Column::Account)
        .all(db)
        .await?
        .into_iter()
        .map(|r| Line {
            account: r.account,
            opening: r.opening_fen,
            debit: r.debit_fen,
            credit: r.credit_fen,
            closing: r.closing_fen,
        })
        .collect())
}

/// Per period with entries: (entries, the sum of their debits in fen).
pub async fn totals(db: &impl ConnectionTrait) -> Result<BTreeMap<String, (i64, i64)>, DbErr> {
    let b = db.get_database_backend();
    let n = int(b, "COUNT(*)");
    let rows = db
        .query_all_raw(Statement::from_string(
            b,
            format!("SELECT period, {n} AS n FROM ledger_entry GROUP BY period"),
        ))
        .await?;
    let mut out: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for r in rows {
        let p: String = r.try_get("", "period")?;
        out.entry(p).or_default().0 = r.try_get("", "n")?;
    }
    let dr = int(
        b,
        "COALESCE(SUM(CASE WHEN amount_fen > 0 THEN amount_fen ELSE 0 END), 0)",
    );
    let rows = db
        .query_all_raw(Statement::from_string(
            b,
            format!("SELECT period, {dr} AS dr FROM ledger_posting GROUP BY period"),
        ))
        .await?;
    for r in rows {
        let p: String = r.try_get("", "period")?;
        out.entry(p).or_default().1 = r.try_get("", "dr")?;
    }
    Ok(out)
}

/// The periods that were ever closed, by period.
pub async fn records(db: &impl ConnectionTrait) -> Result<Vec<ledger_period::Model>, DbErr> {
    ledger_period::Entity::find()
        .order_by_asc(ledger_period::Column::Period)
        .all(db)
        .await
}

/// The record of one period, if it was ever closed.
pub async fn record(
    db: &impl ConnectionTrait,
    p: Period,
) -> Result<Option<ledger_period::Model>, DbErr> {
    ledger_period::Entity::find_by_id(p.to_string())
        .one(db)
        .await
}

/// Why a period cannot be closed or reopened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The month is not over yet.
    NotOver,
    /// It is closed already.
    Closed,
    /// An earlier period is open (the first of them).
    EarlierOpen(Period),
    /// `ledger check` lists problems (these).
    Check(Vec<String>),
    /// Only the latest closed period (this one, or none) can be reopened.
    NotLatest(Option<Period>),
}

/// Closes period `p` in the caller's transaction (which must commit or roll back right
/// after): takes the books' write lock, refuses when the month is not over, when it is
/// closed, when an earlier period is open, or when `ledger check` finds a problem (run
/// under the lock, so what it checked is what is closed); records the trial balance and
/// the period's totals and moves `closed_through` to `p`. Entries posted while the close
/// waits for the lock are in the trial balance; entries posted after it are booked in a
/// later period.
pub async fn close(
    db: &impl ConnectionTrait,
    p: Period,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Result<ledger_period::Model, Refusal>, DbErr> {
    let closed = lock_books(db, now).await?;
    if closed.is_some_and(|c| p <= c) {
        return Ok(Err(Refusal::Closed));
    }
    if !p.is_over(now) {
        return Ok(Err(Refusal::NotOver));
    }
    match closed {
        Some(c) if p != c.next() => return Ok(Err(Refusal::EarlierOpen(c.next()))),
        Some(_) => {}
        None => {
            let earliest: Option<String> = ledger_entry::Entity::find()
                .select_only()
                .column(ledger_entry::Column::Period)
                .filter(ledger_entry::Column::Period.lt(p.to_string()))
                .order_by_asc(ledger_entry::Column::Period)
                .into_tuple()
                .one(db)
                .await?;
            if let Some(e) = earliest {
                let e = e
                    .parse()
                    .map_err(|err| DbErr::Custom(format!("ledger_entry.period: {err}")))?;
                return Ok(Err(Refusal::EarlierOpen(e)));
            }
        }
    }
    let report = crate::repo::ledger::check(db).await?;
    if !report.problems.is_empty() {
        return Ok(Err(Refusal::Check(report.problems)));
    }
    let lines = trial_balance(db, p).await?;
    ledger_period_balance::Entity::delete_many()
        .filter(ledger_period_balance::Column::Period.eq(p.to_string()))
        .exec(db)
        .await?;
    let rows: Vec<ledger_period_balance::ActiveModel> = lines
        .iter()
        .map(|l| ledger_period_balance::ActiveModel {
            period: Set(p.to_string()),
            account: Set(l.account.clone()),
            opening_fen: Set(l.opening),
            debit_fen: Set(l.debit),
            credit_fen: Set(l.credit),
            closing_fen: Set(l.closing),
        })
        .collect();
    for chunk in rows.chunks(500) {
        ledger_period_balance::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::Period.eq(p.to_string()))
        .count(db)
        .await?;
    let entries = i64::try_from(entries).unwrap_or(i64::MAX);
    let debits: i64 = lines.iter().map(|l| l.debit).sum();
    let previous = record(db, p).await?;
    let closes = previous.as_ref().map_or(0, |r| r.closes) + 1;
    let row = ledger_period::ActiveModel {
        period: Set(p.to_string()),
        state: Set("closed".into()),
        entries: Set(entries),
        debits_fen: Set(debits),
        closed_by: Set(Some(by)),
        closed_at: Set(Some(now)),
        reopened_by: Set(previous.as_ref().and_then(|r| r.reopened_by)),
        reopened_at: Set(previous.as_ref().and_then(|r| r.reopened_at)),
        reopen_reason: Set(previous.as_ref().and_then(|r| r.reopen_reason.clone())),
        closes: Set(closes),
        updated_at: Set(now),
    };
    let saved = if previous.is_some() {
        row.update(db).await?
    } else {
        row.insert(db).await?
    };
    set_closed_through(db, Some(p), now).await?;
    Ok(Ok(saved))
}

/// Reopens period `p`, the latest closed one, in the caller's transaction: its recorded
/// trial balance is dropped (a new close records a new one), `closed_through` moves back to
/// the period before (when that one is closed), and entries dated in `p` are booked in it
/// again.
pub async fn reopen(
    db: &impl ConnectionTrait,
    p: Period,
    reason: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Result<ledger_period::Model, Refusal>, DbErr> {
    let closed = lock_books(db, now).await?;
    if closed != Some(p) {
        return Ok(Err(Refusal::NotLatest(closed)));
    }
    let Some(rec) = record(db, p).await? else {
        return Err(DbErr::Custom(format!(
            "the books are closed through {p} but the period has no record"
        )));
    };
    ledger_period_balance::Entity::delete_many()
        .filter(ledger_period_balance::Column::Period.eq(p.to_string()))
        .exec(db)
        .await?;
    let before = record(db, p.prev()).await?;
    let back = before.filter(|r| r.state == "closed").map(|_| p.prev());
    let mut row: ledger_period::ActiveModel = rec.into();
    row.state = Set("reopened".into());
    row.reopened_by = Set(Some(by));
    row.reopened_at = Set(Some(now));
    row.reopen_reason = Set(Some(reason.to_string()));
    row.updated_at = Set(now);
    let saved = row.update(db).await?;
    set_closed_through(db, back, now).await?;
    Ok(Ok(saved))
}

/// What `ledger check` adds for closed periods: every period up to `closed_through` is
/// recorded closed, and each closed period's recorded trial balance and totals still
/// equal what its postings say (a posting edited, deleted or added afterwards shows here).
pub async fn check(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let mut problems = vec![];
    let closed = closed_through(db).await?;
    let totals = totals(db).await?;
    let records = records(db).await?;
    for r in &records {
        let Ok(p) = r.period.parse::<Period>() else {
            problems.push(format!("ledger_period `{}` is not a period", r.period));
            continue;
        };
        let should = closed.is_some_and(|c| p <= c);
        if (r.state == "closed") != should {
            problems.push(format!(
                "period {p} is recorded {} but the books are closed through {}",
                r.state,
                closed.map_or("nothing".into(), |c| c.to_string())
            ));
        }
        if r.state != "closed" {
            continue;
        }
        let recorded = snapshot(db, p).await?;
        let now = trial_balance(db, p).await?;
        if recorded != now {
            let rec: BTreeMap<&str, &Line> =
                recorded.iter().map(|l| (l.account.as_str(), l)).collect();
            let cur: BTreeMap<&str, &Line> = now.iter().map(|l| (l.account.as_str(), l)).collect();
            let accounts: BTreeSet<&str> = rec.keys().chain(cur.keys()).copied().collect();
            for a in accounts {
                let (x, y) = (rec.get(a), cur.get(a));
                if x != y {
                    let show = |l: Option<&&Line>| {
                        l.map_or("nothing".to_string(), |l| {
                            format!(
                                "opening {} debit {} credit {} closing {}",
                                l.opening, l.debit, l.credit, l.closing
                            )
                        })
                    };
                    problems.push(format!(
                        "closed period {p}, account {a}: recorded {}, the postings now say {}",
                        show(x),
                        show(y)
                    ));
                }
            }
        }
        let (n, dr) = totals.get(&r.period).copied().unwrap_or((0, 0));
        if n != r.entries || dr != r.debits_fen {
            problems.push(format!(
                "closed period {p}: recorded {} entries and {} fen of debits, the journal now \
                 has {n} entries and {dr} fen",
                r.entries, r.debits_fen
            ));
        }
    }
    if let Some(c) = closed {
        let recorded: BTreeSet<&str> = records
            .iter()
            .filter(|r| r.state == "closed")
            .map(|r| r.period.as_str())
            .collect();
        if !recorded.contains(c.to_string().as_str()) {
            problems.push(format!(
                "the books are closed through {c} but that period has no close recorded"
            ));
        }
        for (period, (n, _)) in &totals {
            let unrecorded = period.parse::<Period>().is_ok_and(|p| p <= c)
                && !recorded.contains(period.as_str());
            if unrecorded {
                problems.push(format!(
                    "{n} entries are booked in {period}, which is closed without a recorded close"
                ));
            }
        }
    }
    Ok(problems)
}
