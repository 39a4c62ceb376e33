//! Withdrawals in the store: a request takes the amount off the worker's kept balance with
//! a guarded update (`withdrawable_fen >= amount`), so concurrent requests can never
//! overdraw it on any database, and posts withdrawable → in flight in the same
//! transaction; each decision moves the row by compare-and-set on its state and posts its
//! entry (paid: in flight → clearing and fees; rejected or failed: back to withdrawable).

use crate::entity::{withdrawal, worker, worker_balance};
use crate::repo::earnings::{open_balance, withdrawable};
use crate::repo::ledger::{self, Source};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger::Clearing;
use daojia_domain::money::Money;
use daojia_domain::payment::Provider;
use daojia_domain::withdrawal::{self as wd, Limits, Refused, State};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// A request (`source_id`: the withdrawal's id).
pub const WITHDRAWAL: &str = "withdrawal";
/// A payout (`source_id`: the withdrawal's id).
pub const WITHDRAWAL_PAID: &str = "withdrawal_paid";
/// A rejected or failed withdrawal's return (`source_id`: the withdrawal's id).
pub const WITHDRAWAL_RETURN: &str = "withdrawal_return";

/// Why a withdrawal operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WithdrawalError {
    /// Refused by the limits or the balance.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// No such withdrawal.
    #[error("no such withdrawal")]
    NotFound,
    /// The step does not follow from its state (or another decision came first).
    #[error("the withdrawal is {0}")]
    State(String),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn entry_err(e: daojia_domain::ledger::Invalid) -> DbErr {
    DbErr::Custom(format!("withdrawal entry: {e}"))
}

/// The clearing account a channel pays out from.
pub fn clearing_of(channel: &str) -> Clearing {
    match channel {
        "wechat" => Clearing::Channel(Provider::Wechat),
        _ => Clearing::Offline,
    }
}

/// What a worker asked for since `since` (not counting rejected or failed requests).
pub async fn asked_since(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
    since: DateTime<Utc>,
) -> Result<Money, DbErr> {
    let rows: Vec<(i64, String)> = withdrawal::Entity::find()
        .select_only()
        .columns([withdrawal::Column::AmountFen, withdrawal::Column::State])
        .filter(withdrawal::Column::WorkerId.eq(worker_id))
        .filter(withdrawal::Column::RequestedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    Ok(Money::fen(
        rows.into_iter()
            .filter(|(_, s)| State::parse(s).is_some_and(State::counts))
            .map(|(f, _)| f)
            .sum(),
    ))
}

/// Where a WeChat withdrawal goes, copied onto it when the worker asks (encrypted), so
/// that every attempt sends the same bill.
#[derive(Debug, Clone, Copy)]
pub struct Payee<'a> {
    /// The payee's openid under the paying app.
    pub openid: &'a str,
    /// The payee's real name, when the bill carries it.
    pub name: Option<&'a str>,
}

/// Asks for `amount` for `worker_id` through `channel` (to `payee`, the WeChat openid, for
/// a transfer; stored encrypted): one transaction that takes the amount off the kept
/// balance (refused with [`Refused::OverBalance`] when it is not there), checks the limits
/// against what the worker asked for since `day_start`, writes the request and posts
/// withdrawable → in flight.
#[allow(clippy::too_many_arguments)]
pub async fn request(
    store: &crate::Store,
    worker_id: Uuid,
    amount: Money,
    channel: &str,
    payee: Option<Payee<'_>>,
    limits: &Limits,
    day_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<withdrawal::Model, WithdrawalError> {
    // Checked before taking the lock too, so a request below the minimum says so even
    // with an empty balance.
    limits.check(amount, Money::ZERO)?;
    let v = store.vault();
    let payee_enc = payee.map(|p| {
        (
            v.encrypt(crate::repo::payees::PAYEE_OPENID, p.openid),
            p.name
                .map(|n| v.encrypt(crate::repo::payees::PAYEE_NAME, n)),
        )
    });
    let mut attempts = 0;
    loop {
        attempts += 1;
        let tx = crate::begin(store.db()).await?;
        let result = request_in(
            &tx,
            worker_id,
            amount,
            (channel, payee_enc.clone()),
            limits,
            day_start,
            now,
        )
        .await;
        let result = match result {
            Ok(w) => tx.commit().await.map(|_| w).map_err(WithdrawalError::from),
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        };
        match result {
            // A deadlock or a busy snapshot: nothing was written; run it again.
            Err(WithdrawalError::Db(e)) if crate::is_retryable(&e) && attempts < 5 => {
                crate::repo::orders::tokio_free_pause().await;
            }
            other => return other,
        }
    }
}

async fn request_in(
    tx: &sea_orm::DatabaseTransaction,
    worker_id: Uuid,
    amount: Money,
    (channel, payee_enc): (&str, Option<(String, Option<String>)>),
    limits: &Limits,
    day_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<withdrawal::Model, WithdrawalError> {
    open_balance(tx, worker_id, now).await?;
    // The guarded update is the lock: on PostgreSQL and MariaDB a concurrent request waits
    // for this row until we commit and then sees the lowered balance; SQLite runs one
    // writer at a time.
    let taken = worker_balance::Entity::update_many()
        .col_expr(
            worker_balance::Column::WithdrawableFen,
            Expr::col(worker_balance::Column::WithdrawableFen).sub(amount.as_fen()),
        )
        .col_expr(worker_balance::Column::UpdatedAt, Expr::value(now))
        .filter(worker_balance::Column::WorkerId.eq(worker_id))
        .filter(worker_balance::Column::WithdrawableFen.gte(amount.as_fen()))
        .exec(tx)
        .await?;
    if taken.rows_affected != 1 {
        return Err(Refused::OverBalance(withdrawable(tx, worker_id).await?).into());
    }
    let today = asked_since(tx, worker_id, day_start).await?;
    let fee = limits.check(amount, today)?;
    let partner = worker::Entity::find_by_id(worker_id)
        .one(tx)
        .await?
        .and_then(|w| w.partner_id);
    let id = Uuid::now_v7();
    let row = withdrawal::ActiveModel {
        id: Set(id),
        withdrawal_no: Set(number(now)),
        worker_id: Set(worker_id),
        partner_id: Set(partner),
        amount_fen: Set(amount.as_fen()),
        fee_fen: Set(fee.as_fen()),
        state: Set(State::Requested.code().into()),
        channel: Set(channel.into()),
        reference: Set(None),
        reason: Set(None),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(now),
        payee_enc: Set(payee_enc.as_ref().map(|p| p.0.clone())),
        transfer_bill_no: Set(None),
        package_info: Set(None),
        transfer_state: Set(None),
        payee_name_enc: Set(payee_enc.and_then(|p| p.1)),
    }
    .insert(tx)
    .await?;
    let entry = wd::requested(WorkerId(worker_id), amount).map_err(entry_err)?;
    let source = Source {
        kind: WITHDRAWAL,
        id: id.to_string(),
        order_id: None,
        memo: "提现申请：可提现转提现在途",
    };
    ledger::post(tx, source, &entry, now, now).await?;
    Ok(row)
}

/// A new withdrawal number: `W`, the UTC time to the second and 16 random digits, 31
/// characters of letters and digits, so that it is also a valid WeChat `out_bill_no`
/// (at most 32).
fn number(now: DateTime<Utc>) -> String {
    let random = Uuid::new_v4().as_u128() % 10u128.pow(16);
    format!("W{}{random:016}", now.format("%Y%m%d%H%M%S"))
}

/// The withdrawal numbered `no`.
pub async fn by_no(
    db: &impl ConnectionTrait,
    no: &str,
) -> Result<Option<withdrawal::Model>, DbErr> {
    withdrawal::Entity::find()
        .filter(withdrawal::Column::WithdrawalNo.eq(no))
        .one(db)
        .await
}

/// Records what WeChat answered about withdrawal `id`'s transfer bill: its number, the
/// `package_info` the payee confirms with (kept only while the bill waits for them) and
/// its state.
pub async fn record_transfer(
    db: &impl ConnectionTrait,
    id: Uuid,
    transfer_bill_no: &str,
    package_info: Option<&str>,
    state: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    withdrawal::Entity::update_many()
        .col_expr(
            withdrawal::Column::TransferBillNo,
            Expr::value(Some(transfer_bill_no.to_owned())),
        )
        .col_expr(
            withdrawal::Column::PackageInfo,
            Expr::value(package_info.map(str::to_owned)),
        )
        .col_expr(
            withdrawal::Column::TransferState,
            Expr::value(Some(state.to_owned())),
        )
        .col_expr(withdrawal::Column::UpdatedAt, Expr::value(now))
        .filter(withdrawal::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Approved withdrawals of `channel` last touched before `before`, oldest first: the
/// transfers whose outcome has not come.
pub async fn approved_before(
    db: &impl ConnectionTrait,
    channel: &str,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<withdrawal::Model>, DbErr> {
    withdrawal::Entity::find()
        .filter(withdrawal::Column::State.eq(State::Approved.code()))
        .filter(withdrawal::Column::Channel.eq(channel))
        .filter(withdrawal::Column::UpdatedAt.lt(before))
        .order_by_asc(withdrawal::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await
}

/// One withdrawal.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<withdrawal::Model>, DbErr> {
    withdrawal::Entity::find_by_id(id).one(db).await
}

/// Withdrawals, newest first: of one worker, of one partner's workers, in one state.
pub async fn list(
    db: &impl ConnectionTrait,
    worker_id: Option<Uuid>,
    partner_id: Option<Uuid>,
    state: Option<State>,
    limit: u64,
) -> Result<Vec<withdrawal::Model>, DbErr> {
    let mut q = withdrawal::Entity::find();
    if let Some(w) = worker_id {
        q = q.filter(withdrawal::Column::WorkerId.eq(w));
    }
    if let Some(p) = partner_id {
        q = q.filter(withdrawal::Column::PartnerId.eq(p));
    }
    if let Some(s) = state {
        q = q.filter(withdrawal::Column::State.eq(s.code()));
    }
    q.order_by_desc(withdrawal::Column::RequestedAt)
        .order_by_desc(withdrawal::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// A decision on a withdrawal.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Approve (the payout follows).
    Approve,
    /// Reject, with the reason; the amount goes back.
    Reject(String),
    /// Paid, with the channel's or bank's reference.
    Paid(String),
    /// The payout failed, with the reason; the amount goes back.
    Fail(String),
}

/// Applies `decision` by `staff` (none: the platform) to withdrawal `id` in one
/// transaction: compare-and-set on its state, the entry, and the kept balance when the
/// amount goes back. A decision whose effect is in place already (the same step again)
/// returns the row unchanged; any other step out of order is [`WithdrawalError::State`].
pub async fn decide(
    store: &crate::Store,
    id: Uuid,
    decision: Decision,
    staff: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<withdrawal::Model, WithdrawalError> {
    let tx = crate::begin(store.db()).await?;
    match decide_in(&tx, id, decision, staff, now).await {
        Ok(w) => {
            tx.commit().await?;
            Ok(w)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// [`decide`] in the caller's transaction (to record its audit entry with it).
pub async fn decide_in(
    tx: &sea_orm::DatabaseTransaction,
    id: Uuid,
    decision: Decision,
    staff: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<withdrawal::Model, WithdrawalError> {
    let w = get(tx, id).await?.ok_or(WithdrawalError::NotFound)?;
    let from = State::parse(&w.state).ok_or_else(|| WithdrawalError::State(w.state.clone()))?;
    let (to, reason, reference) = match &decision {
        Decision::Approve => (State::Approved, None, None),
        Decision::Reject(r) => (State::Rejected, Some(r.clone()), None),
        Decision::Paid(r) => (State::Paid, None, Some(r.clone())),
        Decision::Fail(r) => (State::Failed, Some(r.clone()), None),
    };
    if from == to {
        return Ok(w);
    }
    if !from.can_become(to) {
        return Err(WithdrawalError::State(from.code().into()));
    }
    let mut q = withdrawal::Entity::update_many()
        .col_expr(withdrawal::Column::State, Expr::value(to.code()))
        .col_expr(withdrawal::Column::UpdatedAt, Expr::value(now));
    if matches!(to, State::Approved | State::Rejected) {
        q = q
            .col_expr(withdrawal::Column::DecidedBy, Expr::value(staff))
            .col_expr(withdrawal::Column::DecidedAt, Expr::value(Some(now)));
    }
    if matches!(to, State::Paid | State::Failed | State::Rejected) {
        q = q.col_expr(withdrawal::Column::FinishedAt, Expr::value(Some(now)));
    }
    if let Some(r) = &reason {
        q = q.col_expr(withdrawal::Column::Reason, Expr::value(Some(r.clone())));
    }
    if let Some(r) = &reference {
        q = q.col_expr(withdrawal::Column::Reference, Expr::value(Some(r.clone())));
    }
    let moved = q
        .filter(withdrawal::Column::Id.eq(id))
        .filter(withdrawal::Column::State.eq(from.code()))
        .exec(tx)
        .await?;
    if moved.rows_affected != 1 {
        return Err(WithdrawalError::State("changed meanwhile".into()));
    }
    let amount = Money::fen(w.amount_fen);
    let worker = WorkerId(w.worker_id);
    match to {
        State::Rejected | State::Failed => {
            let entry = wd::returned(worker, amount).map_err(entry_err)?;
            let source = Source {
                kind: WITHDRAWAL_RETURN,
                id: id.to_string(),
                order_id: None,
                memo: if to == State::Rejected {
                    "提现驳回：退回可提现"
                } else {
                    "提现失败：退回可提现"
                },
            };
            ledger::post(tx, source, &entry, now, now).await?;
            crate::repo::earnings::credit_balance(tx, w.worker_id, amount, now).await?;
        }
        State::Paid => {
            let entry = wd::paid(clearing_of(&w.channel), amount, Money::fen(w.fee_fen))
                .map_err(entry_err)?;
            let source = Source {
                kind: WITHDRAWAL_PAID,
                id: id.to_string(),
                order_id: None,
                memo: "提现已付款",
            };
            ledger::post(tx, source, &entry, now, now).await?;
        }
        _ => {}
    }
    get(tx, id).await?.ok_or(WithdrawalError::NotFound)
}

/// The start of the local day of `now` for a zone `offset_hours` east of UTC (China: 8).
pub fn day_start(now: DateTime<Utc>, offset_hours: i64) -> DateTime<Utc> {
    let local = now + Duration::hours(offset_hours);
    let midnight = local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(local);
    midnight - Duration::hours(offset_hours)
}
