//! Location tracking (实时定位与轨迹追踪, docs/location.md): the worker app sends batches of
//! points while the worker is online and has consented to tracking ([`ingest`]); the
//! newest point goes to the positions index (dispatch's), every kept point to the raw
//! table, and the points after departure to the visit's downsampled track. The visit's
//! customer (while the worker is on the way), the worker and staff read it ([`view`]);
//! raw points are deleted after `[tracks] raw_days` ([`purge`]).
//!
//! A batch is all or nothing: a point that is no place, no number or out of time refuses
//! the whole batch with every problem named (the app drops or fixes it); a point that
//! implies an impossible speed is dropped and counted, and the rest is kept. Resending a
//! batch with the same id stores nothing twice.

pub mod view;

use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use daojia_domain::ids::WorkerId;
use daojia_domain::order::OrderState;
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::track::{self, Dropped, Fix};
use daojia_domain::worker::WorkerStatus;
use daojia_store::entity::{service_order, worker};
use daojia_store::repo::privacy;
use daojia_store::repo::tracks::{self, JobLeg, NewBatch, Stored};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The consent document of tracking, separate from the privacy policy: its newest row's
/// version is [`GRANTED`] or [`WITHDRAWN`].
pub const CONSENT_DOCUMENT: &str = "tracking";
/// Consent given.
pub const GRANTED: &str = "granted";
/// Consent withdrawn.
pub const WITHDRAWN: &str = "withdrawn";

/// The hourly job that deletes raw points past `[tracks] raw_days` ([`purge`]).
pub const RETENTION_JOB: &str = "tracks.retention";

/// A batch as the app sends it.
#[derive(Debug, Clone)]
pub struct BatchInput {
    /// The app's id of the batch (the same when resent).
    pub batch_id: Uuid,
    /// The points, in any order.
    pub points: Vec<Fix>,
}

/// What happened to a batch.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// The batch.
    pub batch_id: Uuid,
    /// Stored before: nothing was written now.
    pub resent: bool,
    /// When the server received it (the first time).
    pub received_at: DateTime<Utc>,
    /// Points sent.
    pub sent: usize,
    /// Points kept.
    pub kept: usize,
    /// Points dropped, by reason.
    pub dropped: Dropped,
    /// The visit on the way the points went to, if any.
    pub order_id: Option<Uuid>,
    /// The newest point kept (none when resent or all dropped).
    pub latest: Option<Fix>,
}

/// Whether the worker's tracking consent is in force.
pub async fn consented(app: &App, worker: Uuid) -> Result<bool> {
    Ok(
        privacy::accepted(app.store.db(), Audience::Worker, worker, CONSENT_DOCUMENT)
            .await?
            .is_some_and(|c| c.version == GRANTED),
    )
}

/// Gives or withdraws the worker's tracking consent (a consent row either way).
pub async fn set_consent(
    app: &App,
    worker: Uuid,
    granted: bool,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool> {
    privacy::record_consent(
        app.store.db(),
        Audience::Worker,
        worker,
        CONSENT_DOCUMENT,
        if granted { GRANTED } else { WITHDRAWN },
        ip,
        now,
    )
    .await?;
    Ok(granted)
}

/// Checks the batch's shape and every point: all problems named, nothing stored.
pub fn check(app: &App, b: &BatchInput, now: DateTime<Utc>) -> Result<()> {
    let rules = &app.settings.tracks;
    if b.points.is_empty() {
        return Err(Error::field(
            "points",
            "empty",
            "a batch has 1 point or more",
        ));
    }
    if b.points.len() > rules.max_batch as usize {
        return Err(Error::field(
            "points",
            "too_many",
            format!(
                "{} points in one batch; send at most {} per batch",
                b.points.len(),
                rules.max_batch
            ),
        ));
    }
    let issues = track::check_batch(rules, &b.points, now);
    Error::check(
        issues
            .into_iter()
            .take(20)
            .map(|i| {
                crate::error::FieldIssue::new(
                    format!("points[{}].{}", i.index, i.field),
                    i.code,
                    i.message,
                )
            })
            .collect(),
    )
}

/// The visit the worker is on the way to (`en_route`), with its departure time.
async fn leg(app: &App, worker: Uuid) -> Result<Option<JobLeg>> {
    let db = app.store.db();
    let Some(order) = service_order::Entity::find()
        .filter(service_order::Column::WorkerId.eq(worker))
        .filter(service_order::Column::State.eq(OrderState::EnRoute.as_str()))
        .order_by_desc(service_order::Column::UpdatedAt)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let departed_at = tracks::departed_at(db, order.id)
        .await?
        .unwrap_or(order.updated_at);
    Ok(Some(JobLeg {
        order_id: order.id,
        departed_at,
        epsilon_m: app.settings.tracks.epsilon_m,
    }))
}

/// Takes a batch of the worker's points (see the module). Refused: bad points (422, every
/// one named), tracking not consented (409 `tracking_consent_required`), the worker offline
/// (409 `worker_offline`) or not active (409 `not_active`).
pub async fn ingest(
    app: &App,
    worker_id: Uuid,
    b: BatchInput,
    now: DateTime<Utc>,
) -> Result<Ingested> {
    check(app, &b, now)?;
    let db = app.store.db();
    if let Some(found) = tracks::batch(db, worker_id, b.batch_id).await? {
        return Ok(answer(&Stored::Again(found), None));
    }
    let w = worker::Entity::find_by_id(worker_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("worker"))?;
    if !w
        .status
        .parse::<WorkerStatus>()
        .is_ok_and(WorkerStatus::works)
    {
        return Err(Error::conflict(
            "not_active",
            "only an active worker shares a position",
        ));
    }
    if !consented(app, worker_id).await? {
        return Err(Error::conflict(
            "tracking_consent_required",
            "the worker has not agreed to location tracking (PUT /api/v1/worker/me/tracking-consent)",
        ));
    }
    if !w.online {
        return Err(Error::conflict(
            "worker_offline",
            "tracking runs only while online; go online first",
        ));
    }
    let previous = tracks::last_point(db, worker_id)
        .await?
        .map(|p| tracks::fix_of(&p));
    let sent = b.points.len();
    let (kept, dropped) = track::drop_jumps(
        previous.as_ref(),
        b.points,
        app.settings.tracks.max_speed_kmh,
    );
    let leg = leg(app, worker_id).await?;
    let latest = kept
        .iter()
        .copied()
        .filter(|f| previous.is_none_or(|p| f.at > p.at))
        .max_by_key(|f| f.at);
    let stored = tracks::store_batch(
        db,
        &NewBatch {
            worker_id,
            batch_id: b.batch_id,
            received_at: now,
            sent,
            kept,
            dropped,
            leg,
        },
    )
    .await?;
    if let (Stored::New(_), Some(f)) = (&stored, latest) {
        index(app, &w, &f, now).await;
    }
    Ok(answer(
        &stored,
        latest.filter(|_| matches!(stored, Stored::New(_))),
    ))
}

fn answer(s: &Stored, latest: Option<Fix>) -> Ingested {
    let b = s.batch();
    Ingested {
        batch_id: b.batch_id,
        resent: matches!(s, Stored::Again(_)),
        received_at: b.received_at,
        sent: b.points as usize,
        kept: b.kept as usize,
        dropped: Dropped {
            jumps: b.dropped_jumps as usize,
            duplicates: b.dropped_duplicates as usize,
        },
        order_id: b.order_id,
        latest,
    }
}

/// The newest point becomes the worker's live position for dispatch (the later
/// measurement wins in the index). Never fails: the database holds the points.
async fn index(app: &App, w: &worker::Model, f: &Fix, now: DateTime<Utc>) {
    let Some(index) = &app.positions else { return };
    let p = Presence {
        at: f.place(),
        source: PositionSource::Live,
        online: w.online,
        accepting: w.online && w.accepting,
        seen_at: f.at.min(now).timestamp(),
    };
    if let Err(e) = index.report(WorkerId(w.id), p).await {
        tracing::debug!(worker = %w.id, error = %e, "tracked position not indexed");
    }
}

/// Deletes raw points older than `[tracks] raw_days` and, when visit tracks expire
/// (`job_days` > 0), visit tracks whose last point is older than that. Idempotent.
pub async fn purge(app: &App, now: DateTime<Utc>) -> Result<tracks::Purged> {
    let rules = &app.settings.tracks;
    Ok(tracks::purge(app.store.db(), rules.raw_cutoff(now), rules.job_cutoff(now)).await?)
}
