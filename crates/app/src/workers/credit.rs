//! Credit (信用分): events lower (or, for adjustments, raise) a worker's score by
//! configurable rules; staff may reverse an event with a reason. The score is recomputed
//! from the events that stand, and a score below the floor suspends grab rights for the
//! configured days (lifted when a reversal brings the score back).

use super::{Actor, Scope, settle, text, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::worker::{CreditKind, CreditRules};
use daojia_store::entity::{service_order, worker, worker_credit_event};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

/// An event as staff enter it.
#[derive(Debug, Clone)]
pub struct NewCreditEvent {
    /// Why.
    pub kind: CreditKind,
    /// For an adjustment, the change (-100 to 100, not 0); ignored otherwise.
    pub delta: Option<i32>,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// Explanation.
    pub reason: Option<String>,
    /// For an upheld complaint recorded by platform staff: a fine taken from the worker's
    /// deposit in the same transaction (never more than it holds; the reason is
    /// required).
    pub deposit_fine: Option<daojia_domain::money::Money>,
}

fn audit_json(e: &worker_credit_event::Model) -> serde_json::Value {
    json!({
        "worker_id": e.worker_id,
        "kind": e.kind,
        "delta": e.delta,
        "order_id": e.order_id,
        "reason": e.reason,
        "reversed_at": e.reversed_at,
        "reverse_reason": e.reverse_reason,
    })
}

/// Recomputes the score and grab suspension of `w` from its standing events.
async fn recompute(
    db: &impl ConnectionTrait,
    rules: &CreditRules,
    w: worker::Model,
    now: DateTime<Utc>,
) -> Result<worker::Model> {
    let events = worker_credit_event::Entity::find()
        .filter(worker_credit_event::Column::WorkerId.eq(w.id))
        .filter(worker_credit_event::Column::ReversedAt.is_null())
        .order_by_asc(worker_credit_event::Column::At)
        .order_by_asc(worker_credit_event::Column::Id)
        .all(db)
        .await?;
    let score = rules.score(events.iter().map(|e| e.delta));
    let until = rules.grab_suspension(score, w.grab_suspended_until, now);
    let mut a = w.into_active_model();
    a.credit_score = Set(score);
    a.grab_suspended_until = Set(until);
    a.updated_at = Set(now);
    Ok(a.update(db).await?)
}

/// Records a credit event for a worker: by staff (`actor`, audited) or by the platform
/// (no actor: a no-show or late cancellation detected by a job).
pub async fn record(
    app: &App,
    actor: Option<&Actor>,
    worker_id: Uuid,
    new: NewCreditEvent,
    rules: &CreditRules,
    now: DateTime<Utc>,
) -> Result<(worker_credit_event::Model, worker::Model)> {
    let delta = match rules.delta(new.kind) {
        Some(d) => d,
        None => match new.delta {
            Some(d) if d != 0 && (-100..=100).contains(&d) => d,
            _ => {
                return Err(Error::field(
                    "delta",
                    "bad_delta",
                    "an adjustment changes the score by -100 to 100, not 0",
                ));
            }
        },
    };
    let reason = text(
        "reason",
        new.reason.as_deref(),
        actor.is_some() && new.kind == CreditKind::Adjustment,
        500,
    )?;
    let fine = match (new.deposit_fine, actor) {
        (None, _) => None,
        (Some(_), _) if new.kind != CreditKind::UpheldComplaint => {
            return Err(Error::field(
                "deposit_fine_fen",
                "only_with_upheld_complaint",
                "a deposit is fined only with an upheld complaint",
            ));
        }
        (Some(_), None) => return Err(Error::internal("a fine without a staff member")),
        (Some(amount), Some(a)) => {
            a.scope.require_platform()?;
            let f = crate::deposits::NewFine {
                amount,
                reason: new.reason.clone(),
                order_id: new.order_id,
            };
            let why = crate::deposits::fines::validated(&f).map_err(|e| match e {
                Error::Field { code, message, .. } if code == "not_positive" => {
                    Error::field("deposit_fine_fen", code, message)
                }
                other => other,
            })?;
            Some((f, why))
        }
    };
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let scope = actor.map_or(Scope::All, |a| a.scope);
        let w = visible(&txn, scope, worker_id).await?;
        if let Some(o) = new.order_id {
            let served = service_order::Entity::find_by_id(o).one(&txn).await?;
            if served.is_none_or(|o| o.worker_id != Some(worker_id)) {
                return Err(Error::field(
                    "order_id",
                    "not_their_order",
                    "the order is not one of this worker's",
                ));
            }
        }
        let event = worker_credit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            worker_id: Set(worker_id),
            delta: Set(delta),
            kind: Set(new.kind.as_str().into()),
            order_id: Set(new.order_id),
            reason: Set(reason),
            at: Set(now),
            created_by: Set(actor.map(|a| a.staff_id)),
            reversed_at: Set(None),
            reversed_by: Set(None),
            reverse_reason: Set(None),
        }
        .insert(&txn)
        .await?;
        let w = recompute(&txn, rules, w, now).await?;
        if let (Some((f, why)), Some(actor)) = (&fine, actor) {
            crate::deposits::fines::fine_in(
                app,
                &txn,
                actor,
                worker_id,
                f,
                why,
                Some(event.id),
                now,
            )
            .await
            .map_err(|e| match e {
                Error::Field { code, message, .. } if code == "above_balance" => {
                    Error::field("deposit_fine_fen", code, message)
                }
                other => other,
            })?;
        }
        if let Some(actor) = actor {
            let mut after = audit_json(&event);
            after["score"] = json!(w.credit_score);
            actor
                .audit(
                    app,
                    &txn,
                    "worker_credit.create",
                    event.id,
                    (None, Some(after)),
                    now,
                )
                .await?;
        }
        Ok::<_, Error>((event, w))
    }
    .await;
    settle(txn, r).await
}

/// Reverses a credit event (with a reason, audited); the score is recomputed.
pub async fn reverse(
    app: &App,
    actor: &Actor,
    worker_id: Uuid,
    event_id: Uuid,
    reason: Option<&str>,
    rules: &CreditRules,
    now: DateTime<Utc>,
) -> Result<(worker_credit_event::Model, worker::Model)> {
    let reason = text("reason", reason, true, 500)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let w = visible(&txn, actor.scope, worker_id).await?;
        let Some(before) = worker_credit_event::Entity::find_by_id(event_id)
            .filter(worker_credit_event::Column::WorkerId.eq(worker_id))
            .one(&txn)
            .await?
        else {
            return Err(Error::NotFound("credit event"));
        };
        if before.reversed_at.is_some() {
            return Err(Error::conflict(
                "already_reversed",
                "this credit event was already reversed",
            ));
        }
        let mut a = before.clone().into_active_model();
        a.reversed_at = Set(Some(now));
        a.reversed_by = Set(Some(actor.staff_id));
        a.reverse_reason = Set(reason);
        let after = a.update(&txn).await?;
        let w = recompute(&txn, rules, w, now).await?;
        let mut after_json = audit_json(&after);
        after_json["score"] = json!(w.credit_score);
        actor
            .audit(
                app,
                &txn,
                "worker_credit.reverse",
                event_id,
                (Some(audit_json(&before)), Some(after_json)),
                now,
            )
            .await?;
        Ok::<_, Error>((after, w))
    }
    .await;
    settle(txn, r).await
}

/// A worker's credit events, newest first.
pub async fn events(
    app: &App,
    scope: Scope,
    worker_id: Uuid,
) -> Result<Vec<worker_credit_event::Model>> {
    visible(app.store.db(), scope, worker_id).await?;
    Ok(worker_credit_event::Entity::find()
        .filter(worker_credit_event::Column::WorkerId.eq(worker_id))
        .order_by_desc(worker_credit_event::Column::At)
        .order_by_desc(worker_credit_event::Column::Id)
        .all(app.store.db())
        .await?)
}
