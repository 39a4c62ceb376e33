//! Committing a ready plan (下发): each order on a route that is still waiting for a
//! worker is assigned to the route's worker, through the order state machine
//! ([`AssignedBy::Plan`]) and the order store's transition function, all in one
//! transaction with the plan's new status and the audit entry.
//!
//! - An order already held (offered or accepted) by another worker moves only when the
//!   commit says `reassign`; otherwise it is skipped as `held_by_another_worker`.
//! - A stale plan is committed for the orders that did not change: an order whose version
//!   moved since the day was loaded (cancelled, rescheduled, assigned by hand...) is
//!   skipped as `changed`, and the answer lists every skipped order with its reason. The
//!   dispatcher sees the same list before committing (`dry_run`).
//! - Committing a committed plan changes nothing and answers what the commit did; a
//!   superseded, failed or unfinished plan cannot be committed (409).
//! - The committed stops (worker, planned arrival and start) are the promises the next plan
//!   of the day keeps to; earlier plans of the day become superseded.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use daojia_domain::ids::WorkerId;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, AssignedBy};
use daojia_store::entity::{route_plan, route_plan_stop, service_order};
use daojia_store::repo::audit::AuditEntry;
use daojia_store::repo::orders::{OrderError, apply_tx};
use daojia_store::repo::route_plans::{self, status};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{App, Error, Result};

/// What to commit.
#[derive(Debug, Clone, Copy)]
pub struct CommitInput {
    /// The plan.
    pub plan: Uuid,
    /// Also move orders another worker holds (offered or accepted, not under way).
    pub reassign: bool,
    /// Only say what a commit would do; change nothing.
    pub dry_run: bool,
}

/// An order the commit leaves as it is.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Skipped {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// The worker of its route in the plan.
    pub worker_id: Uuid,
    /// The worker it has now, if any.
    pub current_worker_id: Option<Uuid>,
    /// Why: `changed` (since the plan was made), `held_by_another_worker` (commit with
    /// `reassign` to move it), `under_way` (another worker is on the way or serving),
    /// `not_bookable` (cancelled, done or unpaid), `missing`, `refused` (the order's rules
    /// refused the assignment).
    pub reason: String,
}

/// What a commit did (or, for a dry run, would do).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommitSummary {
    /// The plan.
    pub plan_id: Uuid,
    /// True when nothing was changed because this is a preview.
    pub dry_run: bool,
    /// True when the plan had been committed before: this answer is that commit's.
    #[serde(default)]
    pub already_committed: bool,
    /// Whether orders held by other workers were moved.
    pub reassign: bool,
    /// Orders waiting for a worker given to their route's worker.
    pub assigned: usize,
    /// Orders moved from another worker.
    pub reassigned: usize,
    /// Orders their route's worker already had.
    pub kept: usize,
    /// Orders left as they are, with the reason.
    pub skipped: Vec<Skipped>,
    /// Earlier plans of the day marked superseded.
    pub superseded: u64,
    /// When.
    pub committed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Assign,
    Reassign,
    Keep,
    Skip(&'static str),
}

fn decide(
    stop: &route_plan_stop::Model,
    row: Option<&service_order::Model>,
    reassign: bool,
) -> Decision {
    let Some(row) = row else {
        return Decision::Skip("missing");
    };
    if Some(row.version) != stop.order_version {
        return Decision::Skip("changed");
    }
    let mine = row.worker_id == Some(stop.worker_id);
    let other = |held: &'static str| match (mine, reassign) {
        (true, _) => Decision::Keep,
        (false, true) if held != "under_way" => Decision::Reassign,
        _ => Decision::Skip(held),
    };
    match row.state.parse::<OrderState>() {
        Ok(OrderState::PendingDispatch) => Decision::Assign,
        // Offered to the plan's worker: the plan gives it to them.
        Ok(OrderState::PendingAccept) if mine => Decision::Assign,
        Ok(OrderState::PendingAccept | OrderState::Accepted) => other("held_by_another_worker"),
        Ok(OrderState::EnRoute | OrderState::Arrived | OrderState::InService) => other("under_way"),
        _ => Decision::Skip("not_bookable"),
    }
}

async fn orders_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, service_order::Model>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for o in service_order::Entity::find()
            .filter(service_order::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            out.insert(o.id, o);
        }
    }
    Ok(out)
}

/// The plan's orders on routes (its own area's), with the decision for each.
async fn decisions(
    app: &App,
    db: &impl ConnectionTrait,
    plan: Uuid,
    reassign: bool,
) -> Result<
    Vec<(
        route_plan_stop::Model,
        Option<service_order::Model>,
        Decision,
    )>,
> {
    let stops: Vec<route_plan_stop::Model> = route_plans::stops(db, plan)
        .await?
        .into_iter()
        .filter(|s| s.kind == "order" && !s.elsewhere && s.order_id.is_some())
        .collect();
    let ids: Vec<Uuid> = stops.iter().filter_map(|s| s.order_id).collect();
    let mut rows = orders_of(db, &ids).await?;
    let workers: Vec<Uuid> = stops.iter().map(|s| s.worker_id).collect();
    let deposits = crate::deposits::gate::usable(app, db, &workers).await?;
    let mut out = Vec::with_capacity(stops.len());
    for s in stops {
        let row = s.order_id.and_then(|id| rows.remove(&id));
        let mut d = decide(&s, row.as_ref(), reassign);
        // A plan does not give a worker an order their deposit does not reach.
        if matches!(d, Decision::Assign | Decision::Reassign)
            && let Some(r) = &row
            && let Some(required) = crate::deposits::gate::required(app, db, r).await?
            && deposits.get(&s.worker_id).copied().unwrap_or(0) < required
        {
            d = Decision::Skip("deposit_too_low");
        }
        out.push((s, row, d));
    }
    Ok(out)
}

fn skipped(
    stop: &route_plan_stop::Model,
    row: Option<&service_order::Model>,
    reason: &str,
) -> Skipped {
    Skipped {
        order_id: stop.order_id.unwrap_or_default(),
        order_no: row.map(|r| r.order_no.clone()).unwrap_or_default(),
        worker_id: stop.worker_id,
        current_worker_id: row.and_then(|r| r.worker_id),
        reason: reason.into(),
    }
}

fn summary(
    plan: Uuid,
    input: &CommitInput,
    done: &[(
        route_plan_stop::Model,
        Option<service_order::Model>,
        Decision,
    )],
) -> CommitSummary {
    let count = |d: Decision| done.iter().filter(|(_, _, x)| *x == d).count();
    CommitSummary {
        plan_id: plan,
        dry_run: input.dry_run,
        already_committed: false,
        reassign: input.reassign,
        assigned: count(Decision::Assign),
        reassigned: count(Decision::Reassign),
        kept: count(Decision::Keep),
        skipped: done
            .iter()
            .filter_map(|(s, r, d)| match d {
                Decision::Skip(reason) => Some(skipped(s, r.as_ref(), reason)),
                _ => None,
            })
            .collect(),
        superseded: 0,
        committed_at: None,
    }
}

fn refuse(plan: &route_plan::Model) -> Option<Error> {
    match plan.status.as_str() {
        status::READY | status::COMMITTED => None,
        status::SOLVING => Some(Error::conflict(
            "plan_not_ready",
            "the plan is still being made; commit it when it is done",
        )),
        status::FAILED => Some(Error::conflict(
            "plan_failed",
            "the plan failed; make a new one",
        )),
        _ => Some(Error::conflict(
            "plan_superseded",
            "a later plan of this day was committed; make a new plan",
        )),
    }
}

/// Commits (or previews) plan `input.plan` as `actor`; `audit` names the staff member and
/// the request (its before and after are filled in here).
pub async fn commit(
    app: &App,
    input: CommitInput,
    actor: Actor,
    audit: AuditEntry,
    now: DateTime<Utc>,
) -> Result<CommitSummary> {
    if !matches!(actor, Actor::Staff { .. }) {
        return Err(Error::Forbidden {
            code: "not_allowed",
            message: "only staff commit plans".into(),
        });
    }
    for _ in 0..5 {
        match try_commit(app, &input, actor, audit.clone(), now).await {
            Err(Error::Db(e)) if daojia_store::is_retryable(&e) => continue,
            Err(Error::Conflict {
                code: "order_busy", ..
            }) => continue,
            other => return other,
        }
    }
    Err(Error::conflict(
        "order_busy",
        "orders of the plan kept changing while it was being committed; try again",
    ))
}

async fn try_commit(
    app: &App,
    input: &CommitInput,
    actor: Actor,
    mut audit: AuditEntry,
    now: DateTime<Utc>,
) -> Result<CommitSummary> {
    let db = app.store.db();
    let plan = route_plans::get(db, input.plan)
        .await?
        .ok_or(Error::NotFound("plan"))?;
    if let Some(e) = refuse(&plan) {
        return Err(e);
    }
    if plan.status == status::COMMITTED {
        return committed_answer(&plan);
    }
    if input.dry_run {
        let done = decisions(app, db, plan.id, input.reassign).await?;
        return Ok(summary(plan.id, input, &done));
    }
    let tx = daojia_store::begin(db).await?;
    // The plan's row first: it is the commit's lock (and SQLite's write lock is taken
    // before anything is read).
    if !route_plans::claim_commit(&tx, plan.id, audit.actor_id.unwrap_or_default(), now).await? {
        tx.rollback().await?;
        let now_row = route_plans::get(db, input.plan)
            .await?
            .ok_or(Error::NotFound("plan"))?;
        if let Some(e) = refuse(&now_row) {
            return Err(e);
        }
        return committed_answer(&now_row);
    }
    let mut done = decisions(app, &tx, plan.id, input.reassign).await?;
    for (stop, _, decision) in &mut done {
        if !matches!(decision, Decision::Assign | Decision::Reassign) {
            continue;
        }
        let (Some(order), worker) = (stop.order_id, stop.worker_id) else {
            continue;
        };
        let action = Action::Assign {
            worker: WorkerId(worker),
            by: AssignedBy::Plan,
        };
        match apply_tx(
            &tx,
            &app.store,
            order,
            actor,
            action,
            now,
            audit.request_id.as_deref(),
        )
        .await
        {
            Ok(_) => {}
            // The rules refused before anything was written: this order stays as it is.
            Err(OrderError::Transition(_)) => *decision = Decision::Skip("refused"),
            Err(OrderError::Busy) => {
                let _ = tx.rollback().await;
                return Err(Error::conflict("order_busy", "an order changed meanwhile"));
            }
            Err(OrderError::Db(e)) => {
                let _ = tx.rollback().await;
                return Err(Error::Db(e));
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(Error::internal(e));
            }
        }
    }
    let mut out = summary(plan.id, input, &done);
    out.committed_at = Some(now);
    out.superseded = route_plans::supersede_others(&tx, &plan).await?;
    let outcomes: Vec<(Uuid, String)> = done
        .iter()
        .map(|(s, _, d)| {
            let o = match d {
                Decision::Assign => "assigned".to_string(),
                Decision::Reassign => "reassigned".to_string(),
                Decision::Keep => "kept".to_string(),
                Decision::Skip(r) => format!("skipped:{r}"),
            };
            (s.id, o)
        })
        .collect();
    let stored = serde_json::to_value(&out).map_err(Error::internal)?;
    route_plans::record_outcomes(&tx, plan.id, &outcomes, &stored).await?;
    audit.action = "plan.commit".into();
    audit.target_type = "route_plan".into();
    audit.target_id = Some(plan.id.to_string());
    audit.before = Some(
        serde_json::json!({ "status": status::READY, "area": plan.area_code, "date": plan.plan_date }),
    );
    audit.after = Some(serde_json::json!({
        "status": status::COMMITTED,
        "reassign": input.reassign,
        "assigned": out.assigned,
        "reassigned": out.reassigned,
        "kept": out.kept,
        "skipped": out.skipped.len(),
        "superseded": out.superseded,
    }));
    daojia_store::repo::audit::record(&app.store, &tx, audit, now).await?;
    tx.commit().await?;
    Ok(out)
}

fn committed_answer(plan: &route_plan::Model) -> Result<CommitSummary> {
    let mut s: CommitSummary = plan
        .commit_summary
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(Error::internal)?
        .ok_or_else(|| {
            Error::internal(format!("plan {} is committed without a summary", plan.id))
        })?;
    s.already_committed = true;
    s.dry_run = false;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(worker: Uuid, version: i32) -> route_plan_stop::Model {
        route_plan_stop::Model {
            id: Uuid::now_v7(),
            plan_id: Uuid::nil(),
            worker_id: worker,
            seq: 0,
            kind: "order".into(),
            order_id: Some(Uuid::from_u128(7)),
            order_version: Some(version),
            elsewhere: false,
            arrival: DateTime::default(),
            start_at: DateTime::default(),
            finish_at: DateTime::default(),
            outcome: None,
        }
    }

    fn order(state: OrderState, worker: Option<Uuid>, version: i32) -> service_order::Model {
        service_order::Model {
            id: Uuid::from_u128(7),
            order_no: "D1".into(),
            customer_id: Uuid::nil(),
            state: state.as_str().into(),
            worker_id: worker,
            area_code: Some("sh-xuhui".into()),
            address_id: None,
            contact_name_enc: String::new(),
            contact_phone_enc: String::new(),
            address_enc: String::new(),
            house_number_enc: String::new(),
            lat: 31.2,
            lng: 121.4,
            window_start: DateTime::default(),
            window_end: DateTime::default(),
            payment_mode: "full".into(),
            deposit_fen: 0,
            total_fen: 100,
            paid_fen: 100,
            refunded_fen: 0,
            fee_fen: 0,
            policy: "{}".into(),
            customer_reschedules: 0,
            notes_enc: String::new(),
            completed_at: None,
            duration_min: 60,
            skills: None,
            rework_of: None,
            bundle_id: None,
            version,
            created_at: DateTime::default(),
            updated_at: DateTime::default(),
        }
    }

    #[test]
    fn a_waiting_order_is_assigned_and_one_the_worker_has_is_kept() {
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let s = stop(me, 3);
        for reassign in [false, true] {
            let o = order(OrderState::PendingDispatch, None, 3);
            assert_eq!(decide(&s, Some(&o), reassign), Decision::Assign);
            let o = order(OrderState::PendingAccept, Some(me), 3);
            assert_eq!(decide(&s, Some(&o), reassign), Decision::Assign);
            let o = order(OrderState::Accepted, Some(me), 3);
            assert_eq!(decide(&s, Some(&o), reassign), Decision::Keep);
            let o = order(OrderState::EnRoute, Some(other), 3);
            assert_eq!(decide(&s, Some(&o), reassign), Decision::Skip("under_way"));
        }
    }

    #[test]
    fn another_workers_order_moves_only_when_asked() {
        let (me, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let s = stop(me, 3);
        for state in [OrderState::PendingAccept, OrderState::Accepted] {
            let o = order(state, Some(other), 3);
            assert_eq!(
                decide(&s, Some(&o), false),
                Decision::Skip("held_by_another_worker")
            );
            assert_eq!(decide(&s, Some(&o), true), Decision::Reassign);
        }
    }

    #[test]
    fn a_changed_cancelled_or_missing_order_is_skipped() {
        let me = Uuid::from_u128(1);
        let s = stop(me, 3);
        let o = order(OrderState::PendingDispatch, None, 4);
        assert_eq!(decide(&s, Some(&o), true), Decision::Skip("changed"));
        let o = order(OrderState::Cancelled, None, 3);
        assert_eq!(decide(&s, Some(&o), true), Decision::Skip("not_bookable"));
        assert_eq!(decide(&s, None, true), Decision::Skip("missing"));
    }
}
