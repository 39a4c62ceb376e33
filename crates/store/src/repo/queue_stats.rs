//! What an operator's dashboard shows of the durable queues: per job kind, how many jobs
//! are due and how long the oldest has waited; per outbox consumer, how far behind the
//! latest event it is, in events and in time. Read at each metrics scrape, so every query
//! here is one grouped read.

use crate::entity::{job, outbox, outbox_consumer};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The due jobs of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct JobQueue {
    /// The job kind.
    pub kind: String,
    /// Jobs due now and not finished (waiting or running).
    pub due: i64,
    /// How long the longest-waiting due job has been due, in seconds.
    pub oldest_secs: f64,
    /// Jobs that gave up (failed for good) still on record.
    pub failed: i64,
}

/// Due and failed jobs per kind, at `now`.
pub async fn job_queues(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<JobQueue>, DbErr> {
    let due: Vec<(String, i64, Option<DateTime<Utc>>)> = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .column_as(Expr::from(Func::count(Expr::col(job::Column::Id))), "n")
        .column_as(
            Expr::from(Func::min(Expr::col(job::Column::RunAt))),
            "oldest",
        )
        .filter(job::Column::DoneAt.is_null())
        .filter(job::Column::FailedAt.is_null())
        .filter(job::Column::RunAt.lte(now))
        .group_by(job::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let failed: Vec<(String, i64)> = job::Entity::find()
        .select_only()
        .column(job::Column::Kind)
        .column_as(Expr::from(Func::count(Expr::col(job::Column::Id))), "n")
        .filter(job::Column::FailedAt.is_not_null())
        .group_by(job::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: Vec<JobQueue> = due
        .into_iter()
        .map(|(kind, n, oldest)| JobQueue {
            kind,
            due: n,
            oldest_secs: oldest
                .map(|t| ((now - t).num_milliseconds().max(0) as f64) / 1000.0)
                .unwrap_or(0.0),
            failed: 0,
        })
        .collect();
    for (kind, n) in failed {
        match out.iter_mut().find(|q| q.kind == kind) {
            Some(q) => q.failed = n,
            None => out.push(JobQueue {
                kind,
                due: 0,
                oldest_secs: 0.0,
                failed: n,
            }),
        }
    }
    out.sort_by(|a, b| a.kind.cmp(&b.kind));
    Ok(out)
}

/// How far one outbox consumer is behind.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerLag {
    /// The consumer.
    pub name: String,
    /// Events written after its position.
    pub events: i64,
    /// Age of the first event it has not had, in seconds (0 when it is current).
    pub secs: f64,
    /// Failed attempts at that event.
    pub attempts: i32,
}

/// Every consumer's lag at `now`.
pub async fn outbox_lag(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<ConsumerLag>, DbErr> {
    let last = super::outbox::last_position(db).await?;
    let consumers = outbox_consumer::Entity::find().all(db).await?;
    let mut out = Vec::with_capacity(consumers.len());
    for c in consumers {
        let events = (last - c.position).max(0);
        let secs = if events == 0 {
            0.0
        } else {
            // The next event by position (the primary key's order): one row read.
            let next: Option<DateTime<Utc>> = outbox::Entity::find()
                .select_only()
                .column(outbox::Column::CreatedAt)
                .filter(outbox::Column::Position.gt(c.position))
                .order_by_asc(outbox::Column::Position)
                .into_tuple::<DateTime<Utc>>()
                .one(db)
                .await?;
            next.map(|t| ((now - t).num_milliseconds().max(0) as f64) / 1000.0)
                .unwrap_or(0.0)
        };
        out.push(ConsumerLag {
            name: c.name,
            events,
            secs,
            attempts: c.attempts,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
