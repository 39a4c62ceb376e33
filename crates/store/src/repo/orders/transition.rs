//! Moving an order through the state machine: each transition reads the row, applies the
//! action in the domain, and writes the row (if its version is still the one read), the
//! payment, the event, the outbox event, the timers and the audit entry in one
//! transaction; a writer that loses a race tries again.

use super::timeline::{actor_columns, emit, insert_event};
use super::timers::follow_ups;
use super::{OrderError, SlotClaim, get, to_domain};
use crate::entity::{order_payment, service_order};
use crate::repo::audit::AuditEntry;
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{
    Action, Actor, Order, Outcome, PaymentMethod, TransitionError,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

fn method_code(m: &PaymentMethod) -> String {
    match m {
        PaymentMethod::Cash => "cash".into(),
        PaymentMethod::BankTransfer => "bank_transfer".into(),
        PaymentMethod::Channel { channel } => format!("channel:{channel}"),
        PaymentMethod::Demo => "demo".into(),
    }
}

/// How many times a transition is retried when others change the order meanwhile.
const ATTEMPTS: usize = 5;

/// Applies `action` by `actor` to the order `id`; returns what happened and the order after.
pub async fn apply(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    apply_audited(store, id, actor, action, now, request_id, None).await
}

/// Like [`apply`], and when the order changes, records `audit` (its before and after filled
/// in with the order's state, worker, window and money) in the same transaction.
pub async fn apply_audited(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
) -> Result<(Outcome, Order), OrderError> {
    apply_checked(store, id, actor, action, now, request_id, audit, None).await
}

/// Like [`apply_audited`]; a reschedule with a `slot` claim first takes the area's booking
/// lock and is refused with [`OrderError::SlotUnavailable`] when nobody can take the visit
/// in the new window (the order's own old place does not count against it).
#[allow(clippy::too_many_arguments)]
pub async fn apply_checked(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
) -> Result<(Outcome, Order), OrderError> {
    apply_noted(store, id, actor, action, now, request_id, audit, slot, None).await
}

/// Like [`apply_checked`], with a `note` (a dispatcher's reason for overriding conflicts)
/// recorded as `reason` in the order event's detail and in the audit entry's `after`.
#[allow(clippy::too_many_arguments)]
pub async fn apply_noted(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    retrying(
        store, id, actor, action, now, request_id, audit, slot, note, None,
    )
    .await
}

/// Like [`apply`], for a step the worker app sent later than it was taken (queued
/// offline): `device_at`, the time by the phone's clock, is recorded in the event's detail
/// beside the server's time `now`, which stays the event's time.
pub async fn apply_from_device(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    device_at: Option<DateTime<Utc>>,
) -> Result<(Outcome, Order), OrderError> {
    retrying(
        store, id, actor, action, now, None, None, None, None, device_at,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn retrying(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
    device_at: Option<DateTime<Utc>>,
) -> Result<(Outcome, Order), OrderError> {
    for _ in 0..ATTEMPTS {
        match try_apply(
            store,
            id,
            actor,
            &action,
            now,
            request_id,
            audit.clone(),
            slot,
            note,
            device_at,
        )
        .await
        {
            Err(OrderError::Busy) => continue,
            Err(OrderError::Db(e)) if is_unique_violation(&e) => continue,
            Err(OrderError::Db(e)) if crate::is_retryable(&e) => {
                tokio_free_pause().await;
                continue;
            }
            other => return other,
        }
    }
    Err(OrderError::Busy)
}

/// Applies `action` in the caller's transaction `tx` (see [`place_tx`](super::place_tx)), once: no retry, as
/// a conflict with another writer fails the transaction. On an order `tx` itself placed,
/// which nobody else can see before it commits, there is no such conflict.
pub async fn apply_tx(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    try_apply_in(
        tx, store, id, actor, &action, now, request_id, None, None, None, None,
    )
    .await?
    .ok_or(OrderError::Busy)
}

/// A short pause before running a transaction again, without a runtime dependency: yields
/// to the executor a few times (the other transaction needs only to commit).
pub(crate) async fn tokio_free_pause() {
    struct Yield(u8);
    impl std::future::Future for Yield {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 == 0 {
                return std::task::Poll::Ready(());
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
    Yield(8).await
}

/// The ledger entry of a payment recorded outside any channel (cash, transfer, the demo's).
async fn post_offline_payment(
    tx: &sea_orm::DatabaseTransaction,
    order_id: Uuid,
    payment_id: Uuid,
    method: &str,
    amount: daojia_domain::money::Money,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    let via = crate::repo::ledger::clearing_of_method(method);
    let entry = daojia_domain::ledger::payment_received(via, amount)
        .map_err(|e| OrderError::Corrupt(order_id, e.to_string()))?;
    let memo = format!("收款（{method}）");
    let source = crate::repo::ledger::Source {
        kind: crate::repo::ledger::ORDER_PAYMENT,
        id: payment_id.to_string(),
        order_id: Some(order_id),
        memo: &memo,
    };
    crate::repo::ledger::post(tx, source, &entry, now, now).await?;
    Ok(())
}

/// The commission side of a transition, in its transaction: a completion records the
/// order's split and recognises it in the ledger; an after-sales refund on a completed
/// order takes back its part of the split (see [`crate::repo::earnings`]).
async fn earnings_of(
    tx: &sea_orm::DatabaseTransaction,
    id: Uuid,
    event: &daojia_domain::order::machine::Event,
    now: DateTime<Utc>,
) -> Result<(), OrderError> {
    use daojia_domain::order::OrderState;
    let completed = event.to == OrderState::Completed
        && matches!(
            event.from,
            OrderState::PendingSettlement | OrderState::AwaitingBalance
        );
    let refunded = matches!(event.action, Action::ResolveAfterSales { .. })
        && event.money.refunded > daojia_domain::money::Money::ZERO;
    if !completed && !refunded {
        return Ok(());
    }
    let row = get(tx, id).await?.ok_or(OrderError::NotFound)?;
    if completed {
        crate::repo::earnings::recognise(tx, &row, now).await?;
    }
    if refunded {
        crate::repo::earnings::refunded_after_completion(
            tx,
            &row,
            event.seq,
            event.money.refunded,
            now,
        )
        .await?;
    }
    Ok(())
}

/// What the audit log keeps of an order: no personal data.
fn audit_view(o: &Order) -> serde_json::Value {
    serde_json::json!({
        "state": o.state.as_str(),
        "worker_id": o.worker.map(|w| w.0),
        "window_start": o.window.start,
        "total_fen": o.amounts.total.as_fen(),
        "paid_fen": o.amounts.paid.as_fen(),
        "refunded_fen": o.amounts.refunded.as_fen(),
        "fee_fen": o.amounts.fee.as_fen(),
    })
}

#[allow(clippy::too_many_arguments)]
async fn try_apply(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: &Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
    device_at: Option<DateTime<Utc>>,
) -> Result<(Outcome, Order), OrderError> {
    let tx = crate::begin(store.db()).await?;
    match try_apply_in(
        &tx, store, id, actor, action, now, request_id, audit, slot, note, device_at,
    )
    .await
    {
        Ok(Some(done)) => {
            tx.commit().await?;
            Ok(done)
        }
        Ok(None) => {
            // The payment is on the order already (a concurrent retry won): report the
            // order as it is now.
            tx.rollback().await?;
            let current = get(store.db(), id).await?.ok_or(OrderError::NotFound)?;
            Ok((Outcome::AlreadyDone, to_domain(&current)?))
        }
        Err(e) => {
            // Explicitly: a dropped transaction keeps its locks (the day's booking lock,
            // the order row) until its connection is used again.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// The body of [`try_apply`]; `Ok(None)` when a concurrent writer recorded the same payment.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn try_apply_in(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: &Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
    device_at: Option<DateTime<Utc>>,
) -> Result<Option<(Outcome, Order)>, OrderError> {
    // The lock comes first: on SQLite a transaction that has read cannot start writing
    // once another has written.
    let claim = match (slot, action) {
        (Some(c), Action::Reschedule { window }) => {
            // The new window's day only: leaving a day takes nothing from what its other
            // bookings were promised (ADR 0012).
            let day = crate::repo::slots::day_of(crate::repo::slots::zone(c.area), window.start);
            crate::repo::slots::lock_day(tx, c.pool, day).await?;
            Some((c, *window))
        }
        _ => None,
    };
    let row = get(tx, id).await?.ok_or(OrderError::NotFound)?;
    if let Some((c, window)) = claim
        && row.window_start != window.start
    {
        let job = daojia_domain::slots::Job {
            at: LatLng::new(row.lat, row.lng),
            duration: i64::from(row.duration_min.max(1)) * 60,
            skills: row
                .skills
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
            reach_m: c.reach_m,
        };
        let w = (window.start, window.end);
        if !crate::repo::slots::fits(tx, &c, &job, w, Some(id)).await? {
            return Err(OrderError::SlotUnavailable);
        }
    }
    let mut order = to_domain(&row)?;
    let snapshot = order.clone();
    let before = order.version;
    // A payment whose reference is already on the order is that payment again (a retry or
    // a repeated notification), whatever the order's state is by now.
    if let Action::RecordPayment {
        amount,
        method,
        reference,
    } = action
    {
        let existing = order_payment::Entity::find()
            .filter(order_payment::Column::OrderId.eq(id))
            .filter(order_payment::Column::Method.eq(method_code(method)))
            .filter(order_payment::Column::Reference.eq(reference.as_str()))
            .one(tx)
            .await?;
        if let Some(p) = existing {
            if p.amount_fen != amount.as_fen() {
                return Err(TransitionError::Amount(
                    "this reference was already recorded with another amount",
                )
                .into());
            }
            return Ok(Some((Outcome::AlreadyDone, order)));
        }
    }
    let event = match order.apply(actor, action.clone(), now)? {
        Outcome::AlreadyDone => return Ok(Some((Outcome::AlreadyDone, order))),
        Outcome::Applied(e) => e,
    };
    if let Action::RecordPayment {
        amount,
        method,
        reference,
    } = action
    {
        let (t, by) = actor_columns(actor);
        let payment_id = Uuid::now_v7();
        let inserted = order_payment::ActiveModel {
            id: Set(payment_id),
            order_id: Set(id),
            method: Set(method_code(method)),
            reference: Set(reference.clone()),
            amount_fen: Set(amount.as_fen()),
            recorded_by_type: Set(t.into()),
            recorded_by: Set(by),
            at: Set(now),
        }
        .insert(tx)
        .await;
        match inserted {
            Ok(_) => {}
            // This payment (same method and reference) is already on the order.
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        // A channel's payment is in the ledger from its intent's success (same transaction).
        if !matches!(method, PaymentMethod::Channel { .. }) {
            post_offline_payment(tx, id, payment_id, &method_code(method), *amount, now).await?;
        }
    }
    let updated = service_order::Entity::update_many()
        .col_expr(
            service_order::Column::State,
            Expr::value(order.state.as_str()),
        )
        .col_expr(
            service_order::Column::WorkerId,
            Expr::value(order.worker.map(|w| w.0)),
        )
        .col_expr(
            service_order::Column::WindowStart,
            Expr::value(order.window.start),
        )
        .col_expr(
            service_order::Column::WindowEnd,
            Expr::value(order.window.end),
        )
        .col_expr(
            service_order::Column::PaidFen,
            Expr::value(order.amounts.paid.as_fen()),
        )
        .col_expr(
            service_order::Column::RefundedFen,
            Expr::value(order.amounts.refunded.as_fen()),
        )
        .col_expr(
            service_order::Column::FeeFen,
            Expr::value(order.amounts.fee.as_fen()),
        )
        .col_expr(
            service_order::Column::CustomerReschedules,
            Expr::value(order.customer_reschedules as i32),
        )
        .col_expr(
            service_order::Column::CompletedAt,
            Expr::value(order.completed_at),
        )
        .col_expr(
            service_order::Column::Version,
            Expr::value(order.version as i32),
        )
        .col_expr(service_order::Column::UpdatedAt, Expr::value(now))
        .filter(service_order::Column::Id.eq(id))
        .filter(service_order::Column::Version.eq(before as i32))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(OrderError::Busy);
    }
    insert_event(tx, id, actor, &event, request_id, note, device_at).await?;
    earnings_of(tx, id, &event, now).await?;
    // A cancelled order gives its promotion place back (cancelling is only possible
    // before the service starts).
    if order.state == OrderState::Cancelled && event.from != OrderState::Cancelled {
        crate::repo::promotions::release(tx, id, now).await?;
    }
    emit(
        tx,
        &order,
        event.seq,
        event.action.name(),
        Some(event.from),
        actor,
        now,
    )
    .await?;
    let rescheduled = matches!(action, Action::Reschedule { .. });
    if event.from != event.to || rescheduled {
        for j in follow_ups(&order, event.seq, false, rescheduled, now) {
            crate::repo::jobs::enqueue(tx, j, now).await?;
        }
    }
    if let Some(mut entry) = audit {
        entry.before = Some(audit_view(&snapshot));
        let mut after = audit_view(&order);
        if let (Some(n), Some(obj)) = (note, after.as_object_mut()) {
            obj.insert("reason".into(), n.into());
        }
        entry.after = Some(after);
        crate::repo::audit::record(store, tx, entry, now).await?;
    }
    Ok(Some((Outcome::Applied(event), order)))
}
