//! Fines on a worker's deposit: by operations staff directly, or with an upheld complaint
//! recorded on the worker's credit (`crate::workers::credit::record`). Never more than
//! the deposit holds: the kept balance is lowered with one guarded update, so of two
//! concurrent fines that together exceed it, one is refused. Each fine is recorded with
//! its reason and staff member, posts Dr `worker_deposit:<id>` / Cr `deposit_fines`, and
//! is audited, all in one transaction.

use crate::workers::{Actor, settle, text, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger as journal;
use daojia_domain::money::Money;
use daojia_store::entity::{deposit_fine, service_order};
use daojia_store::repo::deposits as store;
use daojia_store::repo::ledger;
use sea_orm::{DatabaseTransaction, EntityTrait};
use serde_json::json;
use uuid::Uuid;

/// Longest reason, characters.
pub const MAX_REASON: usize = 500;

/// A fine as staff enter it.
#[derive(Debug, Clone)]
pub struct NewFine {
    /// How much, fen (at least 1, at most the balance).
    pub amount: Money,
    /// Why (required).
    pub reason: Option<String>,
    /// The order concerned (one of the worker's).
    pub order_id: Option<Uuid>,
}

/// A fine as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FineView {
    /// Id.
    pub id: Uuid,
    /// Whose deposit.
    pub worker_id: Uuid,
    /// How much, fen.
    pub amount_fen: i64,
    /// Why.
    pub reason: String,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// The upheld complaint's credit event, when fined with it.
    pub credit_event_id: Option<Uuid>,
    /// Who fined.
    pub staff_id: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<&deposit_fine::Model> for FineView {
    fn from(m: &deposit_fine::Model) -> Self {
        FineView {
            id: m.id,
            worker_id: m.worker_id,
            amount_fen: m.amount_fen,
            reason: m.reason.clone(),
            order_id: m.order_id,
            credit_event_id: m.credit_event_id,
            staff_id: m.staff_id,
            created_at: m.created_at,
        }
    }
}

/// Checks a fine's input before any transaction: the amount and the reason.
pub(crate) fn validated(new: &NewFine) -> Result<String> {
    if new.amount <= Money::ZERO {
        return Err(Error::field(
            "amount_fen",
            "not_positive",
            "a fine is at least 1 fen",
        ));
    }
    Ok(text("reason", new.reason.as_deref(), true, MAX_REASON)?.unwrap_or_default())
}

/// Fines worker `worker_id`'s deposit (operations staff; platform staff only): the
/// amount taken off the kept balance, recorded, posted and audited in one transaction.
/// 422 `amount_fen` `above_balance` when the deposit holds less (also when a concurrent
/// fine took it first); `order_id` `not_their_order`.
pub async fn fine(
    app: &App,
    actor: &Actor,
    worker_id: Uuid,
    new: NewFine,
    now: DateTime<Utc>,
) -> Result<FineView> {
    actor.scope.require_platform()?;
    let reason = validated(&new)?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let txn = daojia_store::begin(app.store.db()).await?;
        let r = async {
            visible(&txn, actor.scope, worker_id).await?;
            fine_in(app, &txn, actor, worker_id, &new, &reason, None, now).await
        }
        .await;
        match settle(txn, r).await {
            // A deadlock or a busy snapshot: nothing was written; try again.
            Err(Error::Db(e)) if daojia_store::is_retryable(&e) && attempts < 6 => {}
            other => return other,
        }
        tokio::task::yield_now().await;
    }
}

/// [`fine`] inside the caller's transaction (the worker already checked visible): also
/// used when an upheld complaint is recorded with a fine (`credit_event`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn fine_in(
    app: &App,
    txn: &DatabaseTransaction,
    actor: &Actor,
    worker_id: Uuid,
    new: &NewFine,
    reason: &str,
    credit_event: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<FineView> {
    if let Some(o) = new.order_id {
        let served = service_order::Entity::find_by_id(o).one(txn).await?;
        if served.is_none_or(|o| o.worker_id != Some(worker_id)) {
            return Err(Error::field(
                "order_id",
                "not_their_order",
                "the order is not one of this worker's",
            ));
        }
    }
    let before = store::deposit(txn, worker_id).await?;
    if !store::take_fine(txn, worker_id, new.amount, now).await? {
        let balance = store::deposit(txn, worker_id).await?.balance;
        return Err(Error::field(
            "amount_fen",
            "above_balance",
            format!(
                "the deposit holds {}; a fine cannot be more",
                crate::finance::yuan(balance)
            ),
        ));
    }
    let row = store::insert_fine(
        txn,
        store::NewFine {
            worker_id,
            amount: new.amount,
            reason,
            order_id: new.order_id,
            credit_event_id: credit_event,
            staff_id: Some(actor.staff_id),
        },
        now,
    )
    .await?;
    let entry = journal::deposit_fined(WorkerId(worker_id), new.amount).map_err(Error::internal)?;
    let source = ledger::Source {
        kind: store::FINE,
        id: row.id.to_string(),
        order_id: new.order_id,
        memo: "保证金罚扣",
    };
    ledger::post(txn, source, &entry, now, now).await?;
    actor
        .audit(
            app,
            txn,
            "deposit.fine",
            worker_id,
            (
                Some(json!({ "balance_fen": before.balance.as_fen() })),
                Some(json!({
                    "fine_id": row.id,
                    "amount_fen": row.amount_fen,
                    "reason": row.reason,
                    "order_id": row.order_id,
                    "credit_event_id": row.credit_event_id,
                    "balance_fen": (before.balance - new.amount).as_fen(),
                })),
            ),
            now,
        )
        .await?;
    Ok((&row).into())
}

/// The fines of worker `worker_id`, newest first.
pub async fn of_worker(app: &App, worker_id: Uuid, limit: u64) -> Result<Vec<FineView>> {
    Ok(store::fines_of(app.store.db(), worker_id, limit)
        .await?
        .iter()
        .map(FineView::from)
        .collect())
}
