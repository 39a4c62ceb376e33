//! Paying a deposit back: a worker who leaves ([`crate::workers::profile::set_status`] to
//! `left`) or asks ([`request`]) has the deposit held for `deposit.hold_hours`; the
//! scheduled job ([`REFUND_JOB`], [`refund_due`]) then pays what is left (after any fines
//! during the hold) into the worker's withdrawable balance, unless an after-sales case on
//! their orders is open (it waits for the next run). Into the withdrawable balance rather
//! than back through the channel: a deposit may be several lodgings through different
//! channels, partly fined, lodged longer ago than a channel takes refunds (WeChat Pay: a
//! year); the withdrawal machinery already pays workers (approval, WeChat transfers) and
//! `ledger check` already watches it.
//!
//! Idempotent: each hold draws the id its refund posts under; a run that refunds a deposit
//! moves it out of `held` with a guard on that id and on the balance it read, so a second
//! run, a second node or a concurrent fine makes the refund do nothing or try again.

use super::DepositView;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::deposit::Refused;
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger as journal;
use daojia_domain::money::Money;
use daojia_store::entity::service_order;
use daojia_store::repo::audit::{self, AuditEntry};
use daojia_store::repo::deposits as store;
use daojia_store::repo::{earnings, ledger};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// The job kind of the refund run (scheduled hourly by the server).
pub const REFUND_JOB: &str = "deposit.refund";

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefundRun {
    /// Deposits paid back.
    pub refunded: usize,
    /// Deposits due but waiting on an open after-sales case.
    pub waiting: usize,
}

/// Holds worker `worker`'s deposit for a refund in the caller's transaction, if it is
/// active and holds money: `true` when it was held now.
pub(crate) async fn hold_in(
    app: &App,
    db: &impl ConnectionTrait,
    worker: Uuid,
    now: DateTime<Utc>,
) -> Result<bool> {
    let d = store::deposit(db, worker).await?;
    let Ok(held) = d.request_refund(now, super::rules(app).hold()) else {
        return Ok(false);
    };
    let daojia_domain::deposit::State::Held { until } = held.state else {
        return Ok(false);
    };
    if d.state == held.state {
        return Ok(false);
    }
    Ok(store::hold(db, worker, until, Uuid::now_v7(), now).await?)
}

/// Worker `worker` asks for the deposit back: held for the configured period, then
/// refunded by the job. Asking again while held changes nothing; 409
/// `nothing_to_refund` when the deposit holds nothing.
pub async fn request(app: &App, worker: Uuid, now: DateTime<Utc>) -> Result<DepositView> {
    let tx = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let d = store::deposit(&tx, worker).await?;
        if let Err(Refused::NothingToRefund) = d.request_refund(now, super::rules(app).hold()) {
            return Err(Error::conflict(
                "nothing_to_refund",
                "there is no deposit to refund",
            ));
        }
        if hold_in(app, &tx, worker, now).await? {
            audit::record(
                &app.store,
                &tx,
                AuditEntry {
                    actor_type: "worker".into(),
                    actor_id: Some(worker),
                    action: "deposit.refund_request".into(),
                    target_type: "deposit".into(),
                    target_id: Some(worker.to_string()),
                    after: Some(json!({ "balance_fen": d.balance.as_fen() })),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
        Ok(())
    }
    .await;
    crate::workers::settle(tx, r).await?;
    super::of_worker(app, worker).await
}

/// Whether an after-sales case on worker `worker`'s orders is open.
pub async fn case_open(db: &impl ConnectionTrait, worker: Uuid) -> Result<bool> {
    Ok(service_order::Entity::find()
        .filter(service_order::Column::WorkerId.eq(worker))
        .filter(service_order::Column::State.eq("after_sales"))
        .count(db)
        .await?
        > 0)
}

/// Refunds every held deposit whose hold ended by `now` (each in its own transaction)
/// into the worker's withdrawable balance, except those of workers with an open
/// after-sales case. Idempotent (see the module).
pub async fn refund_due(app: &App, now: DateTime<Utc>) -> Result<RefundRun> {
    let mut run = RefundRun::default();
    let mut seen = std::collections::HashSet::new();
    loop {
        let due = store::due(app.store.db(), now, 200).await?;
        let fresh: Vec<_> = due
            .into_iter()
            .filter(|d| seen.insert(d.worker_id))
            .collect();
        if fresh.is_empty() {
            return Ok(run);
        }
        for d in fresh {
            let tx = daojia_store::begin(app.store.db()).await?;
            let r = refund_one(app, &tx, d.worker_id, now).await;
            match crate::workers::settle(tx, r).await? {
                Some(true) => run.refunded += 1,
                Some(false) => run.waiting += 1,
                None => {}
            }
        }
    }
}

/// `Some(true)`: refunded; `Some(false)`: waiting on a case; `None`: nothing to do (not
/// held any more, or changed meanwhile: the next run sees it again).
async fn refund_one(
    app: &App,
    tx: &sea_orm::DatabaseTransaction,
    worker: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<bool>> {
    let Some(row) = store::get(tx, worker).await? else {
        return Ok(None);
    };
    let Some(refund_id) = row.refund_id else {
        return Ok(None);
    };
    let d = store::to_domain(&row)?;
    let open = case_open(tx, worker).await?;
    let amount = match d.refund(now, open) {
        Ok((amount, _)) => amount,
        Err(Refused::CaseOpen) => return Ok(Some(false)),
        Err(_) => return Ok(None),
    };
    if !store::refund(tx, worker, refund_id, amount, now).await? {
        return Ok(None);
    }
    if amount > Money::ZERO {
        let entry = journal::deposit_refunded(WorkerId(worker), amount).map_err(Error::internal)?;
        let source = ledger::Source {
            kind: store::REFUND,
            id: refund_id.to_string(),
            order_id: None,
            memo: "保证金退还",
        };
        if ledger::post(tx, source, &entry, now, now).await? {
            earnings::credit_balance(tx, worker, amount, now).await?;
        }
    }
    audit::record(
        &app.store,
        tx,
        AuditEntry {
            actor_type: "system".into(),
            action: "deposit.refund".into(),
            target_type: "deposit".into(),
            target_id: Some(worker.to_string()),
            after: Some(json!({ "refund_id": refund_id, "amount_fen": amount.as_fen() })),
            ..Default::default()
        },
        now,
    )
    .await?;
    Ok(Some(true))
}
