//! Location tracks (docs/location.md): a batch of points stored in one transaction with
//! its batch row (unique per worker and client batch id, so that a resent batch is found,
//! not stored twice), its raw points, and the visit's downsampled track extended; reads of
//! a visit's track and a worker's last point; deletion by age.

use crate::entity::{job_track, order_event, track_batch, track_point};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use daojia_domain::track::codec::{self, TrackPoint};
use daojia_domain::track::{Dropped, Fix, extend};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryTrait, Statement,
    TransactionTrait,
};
use uuid::Uuid;

/// Rows per INSERT statement (far below every database's limit of bound values).
const CHUNK: usize = 250;

/// The visit a batch's points belong to, from its departure on.
#[derive(Debug, Clone, Copy)]
pub struct JobLeg {
    /// The order on the way.
    pub order_id: Uuid,
    /// When the worker set off (server time): earlier points are not the visit's.
    pub departed_at: DateTime<Utc>,
    /// Douglas-Peucker tolerance, metres.
    pub epsilon_m: f64,
}

/// A checked batch to store.
#[derive(Debug, Clone)]
pub struct NewBatch {
    /// The worker.
    pub worker_id: Uuid,
    /// The app's batch id.
    pub batch_id: Uuid,
    /// The server's time of receipt.
    pub received_at: DateTime<Utc>,
    /// Points sent.
    pub sent: usize,
    /// Points kept, in time order.
    pub kept: Vec<Fix>,
    /// Points dropped.
    pub dropped: Dropped,
    /// The visit on the way, if any.
    pub leg: Option<JobLeg>,
}

/// What storing a batch did.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Stored now.
    New(track_batch::Model),
    /// Stored before (a resend): nothing written.
    Again(track_batch::Model),
}

impl Stored {
    /// The batch's row.
    pub fn batch(&self) -> &track_batch::Model {
        match self {
            Stored::New(b) | Stored::Again(b) => b,
        }
    }
}

/// The batch `batch_id` of `worker`, if stored.
pub async fn batch(
    db: &impl ConnectionTrait,
    worker: Uuid,
    batch_id: Uuid,
) -> Result<Option<track_batch::Model>, DbErr> {
    track_batch::Entity::find()
        .filter(track_batch::Column::WorkerId.eq(worker))
        .filter(track_batch::Column::BatchId.eq(batch_id))
        .one(db)
        .await
}

/// The worker's latest raw point by the device's time.
pub async fn last_point(
    db: &impl ConnectionTrait,
    worker: Uuid,
) -> Result<Option<track_point::Model>, DbErr> {
    track_point::Entity::find()
        .filter(track_point::Column::WorkerId.eq(worker))
        .order_by_desc(track_point::Column::MeasuredAt)
        .one(db)
        .await
}

/// A raw point as the domain's fix.
pub fn fix_of(p: &track_point::Model) -> Fix {
    Fix {
        at: p.measured_at,
        lat: p.lat,
        lng: p.lng,
        accuracy_m: p.accuracy_m,
        speed_mps: p.speed_mps,
        heading_deg: p.heading_deg,
        battery_pct: p.battery_pct,
    }
}

/// When the order last set off (`depart`), by its events.
pub async fn departed_at(
    db: &impl ConnectionTrait,
    order: Uuid,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order))
        .filter(order_event::Column::Action.eq("depart"))
        .order_by_desc(order_event::Column::Seq)
        .one(db)
        .await?
        .map(|e| e.at))
}

/// Stores a batch in one transaction: its row, its raw points, the visit's track extended.
/// A batch stored before is answered as [`Stored::Again`] with nothing written. Another
/// writer of the same visit's track in between makes it run again.
pub async fn store_batch(db: &DatabaseConnection, b: &NewBatch) -> Result<Stored, DbErr> {
    let mut tries = 0;
    loop {
        tries += 1;
        match store_once(db, b).await {
            Err(e) if is_unique_violation(&e) => {
                if let Some(found) = batch(db, b.worker_id, b.batch_id).await? {
                    return Ok(Stored::Again(found));
                }
                if tries >= 8 {
                    return Err(e);
                }
            }
            Err(e) if tries < 8 && (crate::is_retryable(&e) || is_conflict(&e)) => {}
            other => return other,
        }
    }
}

const CONFLICT: &str = "job_track changed meanwhile";

fn is_conflict(e: &DbErr) -> bool {
    matches!(e, DbErr::Custom(m) if m == CONFLICT)
}

/// The INSERTs of a batch's raw points, built before the transaction so that the write
/// lock (SQLite's is the database's) is held for executing them only.
fn point_inserts(backend: DbBackend, b: &NewBatch) -> Vec<Statement> {
    let on_leg = |f: &Fix| b.leg.filter(|l| f.at >= l.departed_at).map(|l| l.order_id);
    b.kept
        .chunks(CHUNK)
        .map(|chunk| {
            let rows = chunk.iter().map(|f| track_point::ActiveModel {
                id: Set(Uuid::now_v7()),
                worker_id: Set(b.worker_id),
                order_id: Set(on_leg(f)),
                measured_at: Set(f.at),
                received_at: Set(b.received_at),
                lat: Set(f.lat),
                lng: Set(f.lng),
                accuracy_m: Set(f.accuracy_m),
                speed_mps: Set(f.speed_mps),
                heading_deg: Set(f.heading_deg),
                battery_pct: Set(f.battery_pct),
            });
            track_point::Entity::insert_many(rows).build(backend)
        })
        .collect()
}

async fn store_once(db: &DatabaseConnection, b: &NewBatch) -> Result<Stored, DbErr> {
    let inserts = point_inserts(db.get_database_backend(), b);
    let tx = db.begin().await?;
    let row = track_batch::ActiveModel {
        id: Set(Uuid::now_v7()),
        worker_id: Set(b.worker_id),
        batch_id: Set(b.batch_id),
        order_id: Set(b.leg.map(|l| l.order_id)),
        received_at: Set(b.received_at),
        points: Set(b.sent as i32),
        kept: Set(b.kept.len() as i32),
        dropped_jumps: Set(b.dropped.jumps as i32),
        dropped_duplicates: Set(b.dropped.duplicates as i32),
    }
    .insert(&tx)
    .await?;
    for stmt in inserts {
        tx.execute_raw(stmt).await?;
    }
    if let Some(leg) = b.leg {
        let fixes: Vec<Fix> = b
            .kept
            .iter()
            .filter(|f| f.at >= leg.departed_at)
            .copied()
            .collect();
        if !fixes.is_empty() {
            extend_job_track(&tx, b, leg, &fixes).await?;
        }
    }
    tx.commit().await?;
    Ok(Stored::New(row))
}

async fn extend_job_track(
    tx: &impl ConnectionTrait,
    b: &NewBatch,
    leg: JobLeg,
    fixes: &[Fix],
) -> Result<(), DbErr> {
    match job_track::Entity::find_by_id(leg.order_id).one(tx).await? {
        None => {
            let mut track = vec![];
            extend(&mut track, fixes, leg.epsilon_m);
            job_track::ActiveModel {
                order_id: Set(leg.order_id),
                worker_id: Set(b.worker_id),
                track: Set(codec::encode(&track)),
                point_count: Set(track.len() as i32),
                raw_count: Set(fixes.len() as i32),
                started_at: Set(track[0].at()),
                last_at: Set(track[track.len() - 1].at()),
                updated_at: Set(b.received_at),
            }
            .insert(tx)
            .await?;
        }
        Some(row) => {
            let mut track = codec::decode(&row.track).map_err(|e| DbErr::Custom(e.to_string()))?;
            if extend(&mut track, fixes, leg.epsilon_m) == 0 {
                return Ok(());
            }
            // Compare and set on what was read: a concurrent batch of the same visit makes
            // this transaction run again instead of losing its points.
            let done = job_track::Entity::update_many()
                .col_expr(
                    job_track::Column::Track,
                    sea_orm::sea_query::Expr::value(codec::encode(&track)),
                )
                .col_expr(
                    job_track::Column::PointCount,
                    sea_orm::sea_query::Expr::value(track.len() as i32),
                )
                .col_expr(
                    job_track::Column::RawCount,
                    sea_orm::sea_query::Expr::value(row.raw_count + fixes.len() as i32),
                )
                .col_expr(
                    job_track::Column::LastAt,
                    sea_orm::sea_query::Expr::value(track[track.len() - 1].at()),
                )
                .col_expr(
                    job_track::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(b.received_at),
                )
                .filter(job_track::Column::OrderId.eq(leg.order_id))
                .filter(job_track::Column::PointCount.eq(row.point_count))
                .filter(job_track::Column::RawCount.eq(row.raw_count))
                .exec(tx)
                .await?;
            if done.rows_affected == 0 {
                return Err(DbErr::Custom(CONFLICT.into()));
            }
        }
    }
    Ok(())
}

/// A visit's track, decoded, with its row.
pub async fn job_track(
    db: &impl ConnectionTrait,
    order: Uuid,
) -> Result<Option<(job_track::Model, Vec<TrackPoint>)>, DbErr> {
    let Some(row) = job_track::Entity::find_by_id(order).one(db).await? else {
        return Ok(None);
    };
    let points = codec::decode(&row.track).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(Some((row, points)))
}

/// What a retention pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Raw points.
    pub points: u64,
    /// Batch rows.
    pub batches: u64,
    /// Visit tracks.
    pub job_tracks: u64,
}

/// Deletes raw points and batch rows received before `raw_before`, and visit tracks whose
/// last point is before `job_before` (when visit tracks expire).
pub async fn purge(
    db: &impl ConnectionTrait,
    raw_before: DateTime<Utc>,
    job_before: Option<DateTime<Utc>>,
) -> Result<Purged, DbErr> {
    let points = track_point::Entity::delete_many()
        .filter(track_point::Column::ReceivedAt.lt(raw_before))
        .exec(db)
        .await?
        .rows_affected;
    let batches = track_batch::Entity::delete_many()
        .filter(track_batch::Column::ReceivedAt.lt(raw_before))
        .exec(db)
        .await?
        .rows_affected;
    let job_tracks = match job_before {
        Some(before) => {
            job_track::Entity::delete_many()
                .filter(job_track::Column::LastAt.lt(before))
                .exec(db)
                .await?
                .rows_affected
        }
        None => 0,
    };
    Ok(Purged {
        points,
        batches,
        job_tracks,
    })
}

/// Everything recorded of a worker's whereabouts (their export): raw points in time order,
/// and each visit's decoded track.
#[allow(clippy::type_complexity)]
pub async fn of_worker(
    db: &impl ConnectionTrait,
    worker: Uuid,
) -> Result<
    (
        Vec<track_point::Model>,
        Vec<(job_track::Model, Vec<TrackPoint>)>,
    ),
    DbErr,
> {
    let points = track_point::Entity::find()
        .filter(track_point::Column::WorkerId.eq(worker))
        .order_by_asc(track_point::Column::MeasuredAt)
        .all(db)
        .await?;
    let mut tracks = vec![];
    for row in job_track::Entity::find()
        .filter(job_track::Column::WorkerId.eq(worker))
        .order_by_asc(job_track::Column::StartedAt)
        .all(db)
        .await?
    {
        let pts = codec::decode(&row.track).map_err(|e| DbErr::Custom(e.to_string()))?;
        tracks.push((row, pts));
    }
    Ok((points, tracks))
}

/// Deletes everything recorded of a worker's whereabouts (erasure).
pub async fn erase_worker(db: &impl ConnectionTrait, worker: Uuid) -> Result<(), DbErr> {
    track_point::Entity::delete_many()
        .filter(track_point::Column::WorkerId.eq(worker))
        .exec(db)
        .await?;
    track_batch::Entity::delete_many()
        .filter(track_batch::Column::WorkerId.eq(worker))
        .exec(db)
        .await?;
    job_track::Entity::delete_many()
        .filter(job_track::Column::WorkerId.eq(worker))
        .exec(db)
        .await?;
    Ok(())
}
