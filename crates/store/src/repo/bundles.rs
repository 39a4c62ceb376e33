//! Orders needing several trades (docs/adr/0008): their visits are ordinary orders sharing
//! `bundle_id`, the id of the first visit (the order the customer sees). This module
//! places all the visits of one order together, under the booking lock of their pool's day,
//! and applies a step to all of them in one transaction: all or none.

use super::audit::AuditEntry;
use super::orders::{self, NewOrder, OrderError, SlotClaim, insert, job_of};
use crate::entity::service_order;
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::machine::{Action, Actor, Order, Outcome, Window};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The visits of the order `bundle`, the first (the customer's order) first.
pub async fn visits(
    db: &impl ConnectionTrait,
    bundle: Uuid,
) -> Result<Vec<service_order::Model>, DbErr> {
    service_order::Entity::find()
        .filter(service_order::Column::BundleId.eq(bundle))
        .order_by_asc(service_order::Column::Id)
        .all(db)
        .await
}

/// The visits of the order `m` belongs to: all of them when it has several, else `m` alone.
pub async fn siblings(
    db: &impl ConnectionTrait,
    m: service_order::Model,
) -> Result<Vec<service_order::Model>, DbErr> {
    match m.bundle_id {
        Some(b) => visits(db, b).await,
        None => Ok(vec![m]),
    }
}

/// Places the visits of one order (one per trade, the first being the order the customer
/// sees) in the caller's transaction `tx`: with a `slot` claim, under the booking lock of
/// the window's day and only if every visit can still be served in the window by a different worker
/// ([`OrderError::TradeUnavailable`] names the first that cannot). The caller commits, or
/// rolls back on an error.
pub async fn place_tx(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    visits: Vec<NewOrder>,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: Option<SlotClaim<'_>>,
) -> Result<Vec<(service_order::Model, Order)>, OrderError> {
    assert!(
        visits.len() > 1,
        "an order of several trades has several visits"
    );
    if let Some(claim) = slot {
        let tz = super::slots::zone(claim.area);
        let day = super::slots::day_of(tz, visits[0].window.start);
        super::slots::lock_day(tx, claim.pool, day).await?;
        let jobs: Vec<_> = visits.iter().map(|v| job_of(v, claim.reach_m)).collect();
        let window = (visits[0].window.start, visits[0].window.end);
        super::slots::fits_all(tx, &claim, &jobs, window, &[])
            .await?
            .map_err(OrderError::TradeUnavailable)?;
    }
    let bundle = Uuid::now_v7();
    let mut out = Vec::with_capacity(visits.len());
    for (k, v) in visits.into_iter().enumerate() {
        // Ids grow with time: the first visit keeps the bundle's id and sorts first.
        let id = if k == 0 { bundle } else { Uuid::now_v7() };
        out.push(insert(tx, store, v, id, Some(bundle), now, request_id).await?);
    }
    Ok(out)
}

/// One visit's step of a change to a whole order.
#[derive(Debug, Clone)]
pub struct Step {
    /// The visit.
    pub id: Uuid,
    /// What to do to it.
    pub action: Action,
    /// The audit entry (staff's changes).
    pub audit: Option<AuditEntry>,
}

/// Applies `steps` (one per visit of an order) by `actor` in one transaction: every visit
/// changes or none does. A reschedule with a `slot` claim first takes the booking lock
/// of the new window's day and is refused ([`OrderError::TradeUnavailable`]) unless every visit can be served
/// in the new window by a different worker (the visits' old places do not count against
/// it). Retried from the start when another writer changed a visit meanwhile.
pub async fn apply(
    store: &Store,
    actor: Actor,
    steps: &[Step],
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: Option<(SlotClaim<'_>, Window)>,
) -> Result<Vec<(Outcome, Order)>, OrderError> {
    for _ in 0..5 {
        let tx = crate::begin(store.db()).await?;
        match apply_in(&tx, store, actor, steps, now, request_id, slot).await {
            Ok(done) => {
                tx.commit().await?;
                return Ok(done);
            }
            Err(e) => {
                // Explicitly: a dropped transaction keeps its locks until its connection
                // is used again.
                let _ = tx.rollback().await;
                match e {
                    OrderError::Busy => continue,
                    OrderError::Db(e) if is_unique_violation(&e) => continue,
                    OrderError::Db(e) if crate::is_retryable(&e) => {
                        orders::tokio_free_pause().await;
                        continue;
                    }
                    other => return Err(other),
                }
            }
        }
    }
    Err(OrderError::Busy)
}

async fn apply_in(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    actor: Actor,
    steps: &[Step],
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: Option<(SlotClaim<'_>, Window)>,
) -> Result<Vec<(Outcome, Order)>, OrderError> {
    if let Some((c, window)) = slot {
        // The lock comes first: on SQLite a transaction that has read cannot start
        // writing once another has written.
        let tz = super::slots::zone(c.area);
        super::slots::lock_day(tx, c.pool, super::slots::day_of(tz, window.start)).await?;
        let ids: Vec<Uuid> = steps.iter().map(|s| s.id).collect();
        let mut jobs = vec![];
        let mut moved = false;
        for id in &ids {
            let row = orders::get(tx, *id).await?.ok_or(OrderError::NotFound)?;
            moved |= row.window_start != window.start;
            jobs.push(daojia_domain::slots::Job {
                at: LatLng::new(row.lat, row.lng),
                duration: i64::from(row.duration_min.max(1)) * 60,
                skills: row
                    .skills
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or_default(),
                reach_m: c.reach_m,
            });
        }
        if moved {
            let w = (window.start, window.end);
            super::slots::fits_all(tx, &c, &jobs, w, &ids)
                .await?
                .map_err(OrderError::TradeUnavailable)?;
        }
    }
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        let done = orders::try_apply_in(
            tx,
            store,
            s.id,
            actor,
            &s.action,
            now,
            request_id,
            s.audit.clone(),
            None,
            None,
            None,
        )
        .await?
        // A concurrent writer recorded the same payment: start again, and find it.
        .ok_or(OrderError::Busy)?;
        out.push(done);
    }
    Ok(out)
}
