//! Workers' deposits (保证金): the kept balance and state, the fines, and the part of
//! `ledger check` about deposits. The balance changes only in the transaction that posts
//! the matching ledger entry (a lodging's success, a fine, a refund), so it equals the
//! ledger's `worker_deposit:<id>`. A fine takes its amount with one guarded update
//! (`balance_fen >= amount`): on PostgreSQL and MariaDB a concurrent fine waits on the row
//! and then sees the lowered balance; SQLite runs one writer at a time. So no deposit goes
//! below zero. A refund moves the whole balance with a guard on the balance it read, so a
//! fine that lands between the read and the refund makes the refund try again.

use super::wallet::{Movement, account_movements};
use super::{Page, PageRequest, page_from};
use crate::entity::{deposit_fine, payment_intent, worker_deposit};
use chrono::{DateTime, Utc};
use daojia_domain::deposit::{Deposit, PURPOSE_DEPOSIT, State};
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger::Account;
use daojia_domain::money::Money;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

/// A lodging's success (`source_id`: the intent's id) posts under the intent's kind,
/// `intent`; a fine under this one (`source_id`: the fine's id).
pub const FINE: &str = "deposit_fine";
/// A refund of a deposit (`source_id`: the `refund_id` of the hold).
pub const REFUND: &str = "deposit_refund";

/// The deposit of a row.
pub fn to_domain(m: &worker_deposit::Model) -> Result<Deposit, DbErr> {
    Ok(Deposit {
        balance: Money::fen(m.balance_fen),
        state: State::parse(&m.state, m.hold_until).ok_or_else(|| {
            DbErr::Custom(format!(
                "worker_deposit.state `{}` of {}",
                m.state, m.worker_id
            ))
        })?,
    })
}

/// The deposit row of `worker`, if one was ever opened.
pub async fn get(
    db: &impl ConnectionTrait,
    worker: Uuid,
) -> Result<Option<worker_deposit::Model>, DbErr> {
    worker_deposit::Entity::find_by_id(worker).one(db).await
}

/// The deposit of `worker` (never lodged: [`Deposit::NONE`]).
pub async fn deposit(db: &impl ConnectionTrait, worker: Uuid) -> Result<Deposit, DbErr> {
    match get(db, worker).await? {
        Some(m) => to_domain(&m),
        None => Ok(Deposit::NONE),
    }
}

/// The usable deposits (what counts for the tiers) of `workers`; absent ones are zero.
pub async fn usable_of(
    db: &impl ConnectionTrait,
    workers: &[Uuid],
) -> Result<BTreeMap<Uuid, Money>, DbErr> {
    let mut out = BTreeMap::new();
    for chunk in workers.chunks(500) {
        for m in worker_deposit::Entity::find()
            .filter(worker_deposit::Column::WorkerId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(m.worker_id, to_domain(&m)?.usable());
        }
    }
    Ok(out)
}

/// Opens a worker's kept deposit at zero unless it exists.
pub async fn open(
    db: &impl ConnectionTrait,
    worker: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    worker_deposit::Entity::insert(worker_deposit::ActiveModel {
        worker_id: Set(worker),
        balance_fen: Set(0),
        lodged_fen: Set(0),
        fined_fen: Set(0),
        refunded_fen: Set(0),
        state: Set(State::Active.code().into()),
        hold_until: Set(None),
        refund_id: Set(None),
        refund_requested_at: Set(None),
        refunded_at: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        // A no-op update rather than `DO NOTHING` (see `wallet::open`).
        OnConflict::column(worker_deposit::Column::WorkerId)
            .update_column(worker_deposit::Column::WorkerId)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Adds a lodging of `amount` to the kept deposit, in the transaction that posts its
/// entry. A refunded deposit becomes active again; a held one stays held (the money
/// arrived at the channel anyway, and goes back with the rest).
pub async fn credit_lodging(
    db: &impl ConnectionTrait,
    worker: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    open(db, worker, now).await?;
    let state = Expr::case(
        worker_deposit::Column::State.eq(State::Refunded.code()),
        State::Active.code(),
    )
    .finally(Expr::col(worker_deposit::Column::State));
    worker_deposit::Entity::update_many()
        .col_expr(
            worker_deposit::Column::BalanceFen,
            Expr::col(worker_deposit::Column::BalanceFen).add(amount.as_fen()),
        )
        .col_expr(
            worker_deposit::Column::LodgedFen,
            Expr::col(worker_deposit::Column::LodgedFen).add(amount.as_fen()),
        )
        .col_expr(worker_deposit::Column::State, state.into())
        .col_expr(worker_deposit::Column::UpdatedAt, Expr::value(now))
        .filter(worker_deposit::Column::WorkerId.eq(worker))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes a fine of `amount` off the kept deposit if the balance holds it; `false`
/// (nothing taken) when it is less. The guarded update is the lock (see the module).
pub async fn take_fine(
    db: &impl ConnectionTrait,
    worker: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = worker_deposit::Entity::update_many()
        .col_expr(
            worker_deposit::Column::BalanceFen,
            Expr::col(worker_deposit::Column::BalanceFen).sub(amount.as_fen()),
        )
        .col_expr(
            worker_deposit::Column::FinedFen,
            Expr::col(worker_deposit::Column::FinedFen).add(amount.as_fen()),
        )
        .col_expr(worker_deposit::Column::UpdatedAt, Expr::value(now))
        .filter(worker_deposit::Column::WorkerId.eq(worker))
        .filter(worker_deposit::Column::BalanceFen.gte(amount.as_fen()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// A fine to record.
#[derive(Debug, Clone)]
pub struct NewFine<'a> {
    /// Whose deposit.
    pub worker_id: Uuid,
    /// How much.
    pub amount: Money,
    /// Why.
    pub reason: &'a str,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// The upheld complaint's credit event.
    pub credit_event_id: Option<Uuid>,
    /// Who fined.
    pub staff_id: Option<Uuid>,
}

/// Records fine `f` (its balance already taken by [`take_fine`]).
pub async fn insert_fine(
    db: &impl ConnectionTrait,
    f: NewFine<'_>,
    now: DateTime<Utc>,
) -> Result<deposit_fine::Model, DbErr> {
    deposit_fine::ActiveModel {
        id: Set(Uuid::now_v7()),
        worker_id: Set(f.worker_id),
        amount_fen: Set(f.amount.as_fen()),
        reason: Set(f.reason.into()),
        order_id: Set(f.order_id),
        credit_event_id: Set(f.credit_event_id),
        staff_id: Set(f.staff_id),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// The fines of `worker`, newest first.
pub async fn fines_of(
    db: &impl ConnectionTrait,
    worker: Uuid,
    limit: u64,
) -> Result<Vec<deposit_fine::Model>, DbErr> {
    deposit_fine::Entity::find()
        .filter(deposit_fine::Column::WorkerId.eq(worker))
        .order_by_desc(deposit_fine::Column::CreatedAt)
        .order_by_desc(deposit_fine::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Holds an active deposit that holds money until `until`, its refund to post under
/// `refund_id`; `false` when it is not active or holds nothing.
pub async fn hold(
    db: &impl ConnectionTrait,
    worker: Uuid,
    until: DateTime<Utc>,
    refund_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = worker_deposit::Entity::update_many()
        .col_expr(
            worker_deposit::Column::State,
            Expr::value(State::Held { until }.code()),
        )
        .col_expr(worker_deposit::Column::HoldUntil, Expr::value(until))
        .col_expr(worker_deposit::Column::RefundId, Expr::value(refund_id))
        .col_expr(worker_deposit::Column::RefundRequestedAt, Expr::value(now))
        .col_expr(worker_deposit::Column::UpdatedAt, Expr::value(now))
        .filter(worker_deposit::Column::WorkerId.eq(worker))
        .filter(worker_deposit::Column::State.eq(State::Active.code()))
        .filter(worker_deposit::Column::BalanceFen.gt(0))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Marks the held deposit of `worker` refunded: `amount` (the balance read) paid back
/// under `refund_id`. `false` when it changed meanwhile (a fine, another run).
pub async fn refund(
    db: &impl ConnectionTrait,
    worker: Uuid,
    refund_id: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = worker_deposit::Entity::update_many()
        .col_expr(worker_deposit::Column::BalanceFen, Expr::value(0i64))
        .col_expr(
            worker_deposit::Column::RefundedFen,
            Expr::col(worker_deposit::Column::RefundedFen).add(amount.as_fen()),
        )
        .col_expr(
            worker_deposit::Column::State,
            Expr::value(State::Refunded.code()),
        )
        .col_expr(worker_deposit::Column::RefundedAt, Expr::value(now))
        .col_expr(worker_deposit::Column::UpdatedAt, Expr::value(now))
        .filter(worker_deposit::Column::WorkerId.eq(worker))
        .filter(worker_deposit::Column::State.eq("held"))
        .filter(worker_deposit::Column::RefundId.eq(refund_id))
        .filter(worker_deposit::Column::BalanceFen.eq(amount.as_fen()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Held deposits whose hold ended by `now`, oldest hold first, at most `limit`.
pub async fn due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<worker_deposit::Model>, DbErr> {
    worker_deposit::Entity::find()
        .filter(worker_deposit::Column::State.eq("held"))
        .filter(worker_deposit::Column::HoldUntil.lte(now))
        .order_by_asc(worker_deposit::Column::HoldUntil)
        .limit(limit)
        .all(db)
        .await
}

/// Every opened deposit (of partner `partner`'s workers when given), a page at a time (by
/// worker id), optionally of one state.
pub async fn list(
    db: &impl ConnectionTrait,
    partner: Option<Uuid>,
    state: Option<&str>,
    page: PageRequest,
) -> Result<Page<worker_deposit::Model>, DbErr> {
    let mut q = worker_deposit::Entity::find()
        .order_by_desc(worker_deposit::Column::WorkerId)
        .limit(page.limit + 1);
    if let Some(p) = partner {
        q = q.filter(
            worker_deposit::Column::WorkerId.in_subquery(super::orders::partner_workers(p)),
        );
    }
    if let Some(s) = state {
        q = q.filter(worker_deposit::Column::State.eq(s));
    }
    if let Some(after) = page.after {
        q = q.filter(worker_deposit::Column::WorkerId.lt(after));
    }
    Ok(page_from(q.all(db).await?, page.limit, |m| m.worker_id))
}

/// The lodgings (intents of purpose `deposit`) of `worker`, newest first.
pub async fn lodgings_of(
    db: &impl ConnectionTrait,
    worker: Uuid,
    limit: u64,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find()
        .filter(payment_intent::Column::CustomerId.eq(worker))
        .filter(payment_intent::Column::Purpose.eq(PURPOSE_DEPOSIT))
        .order_by_desc(payment_intent::Column::CreatedAt)
        .order_by_desc(payment_intent::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The movements of `worker`'s deposit from the ledger, newest first: lodgings in,
/// fines and refunds out.
pub async fn movements(
    db: &impl ConnectionTrait,
    worker: Uuid,
    page: PageRequest,
) -> Result<Page<Movement>, DbErr> {
    account_movements(db, &Account::WorkerDeposit(WorkerId(worker)).code(), page).await
}

/// The part of `ledger check` about deposits: each worker's kept deposit equals the
/// ledger's `worker_deposit:<id>` and its own lodged less fined less refunded (negative
/// deposits are found by the journal check). `balances` are the ledger's, by account code.
pub async fn check(
    db: &impl ConnectionTrait,
    balances: &BTreeMap<String, i64>,
) -> Result<Vec<String>, DbErr> {
    let mut problems = vec![];
    let mut seen = HashSet::new();
    for k in worker_deposit::Entity::find().all(db).await? {
        let code = Account::WorkerDeposit(WorkerId(k.worker_id)).code();
        let ledger = -balances.get(&code).copied().unwrap_or(0);
        seen.insert(code.clone());
        if ledger != k.balance_fen {
            problems.push(format!(
                "{code}: kept deposit {} fen, the ledger says {ledger} fen",
                k.balance_fen
            ));
        }
        if k.balance_fen < 0 {
            problems.push(format!(
                "{code}: kept deposit {} fen is negative",
                k.balance_fen
            ));
        }
        if k.lodged_fen - k.fined_fen - k.refunded_fen != k.balance_fen {
            problems.push(format!(
                "{code}: lodged {} less fined {} less refunded {} fen is not the kept {} fen",
                k.lodged_fen, k.fined_fen, k.refunded_fen, k.balance_fen
            ));
        }
    }
    for (code, fen) in balances {
        if code.starts_with("worker_deposit:") && !seen.contains(code) && *fen != 0 {
            problems.push(format!(
                "{code}: the ledger holds {} fen but no kept deposit exists",
                -fen
            ));
        }
    }
    let fined: i64 = deposit_fine::Entity::find()
        .select_only()
        .column(deposit_fine::Column::AmountFen)
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .sum();
    let booked = -balances
        .get(&Account::DepositFines.code())
        .copied()
        .unwrap_or(0);
    if fined != booked {
        problems.push(format!(
            "deposit fines: {fined} fen recorded, the ledger's deposit_fines holds {booked} fen"
        ));
    }
    Ok(problems)
}
