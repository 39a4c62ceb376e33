//! The job queue's operations. One code path on all three databases: candidates are read
//! without locks, then each is claimed by a conditional update that only one node can win
//! (`... WHERE id = ? AND (locked_until IS NULL OR locked_until < now)`). A claim is a lease;
//! finishing requires still holding it.

use crate::entity::job;
use crate::is_unique_violation;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Handler name, e.g. `housekeeping` or `order.unpaid_timeout`.
    pub kind: String,
    /// JSON payload for the handler.
    pub payload: serde_json::Value,
    /// When it may run.
    pub run_at: DateTime<Utc>,
    /// At most one job ever exists with this key (e.g. `order.unpaid_timeout:{order id}`, or a
    /// periodic job's period), so several nodes enqueueing the same thing make one job.
    pub dedupe_key: Option<String>,
    /// Attempts before the job is marked failed.
    pub max_attempts: i32,
}

/// Enqueues a job; `Ok(None)` when a job with the same dedupe key already exists.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    j: NewJob,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    let id = Uuid::now_v7();
    let row = job::ActiveModel {
        id: Set(id),
        kind: Set(j.kind),
        payload: Set(j.payload.to_string()),
        dedupe_key: Set(j.dedupe_key),
        run_at: Set(j.run_at),
        attempts: Set(0),
        max_attempts: Set(std::cmp::Ord::max(j.max_attempts, 1)),
        locked_by: Set(None),
        locked_until: Set(None),
        done_at: Set(None),
        failed_at: Set(None),
        last_error: Set(None),
        created_at: Set(now),
    };
    match row.insert(db).await {
        Ok(_) => Ok(Some(id)),
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Claims up to `limit` due jobs for `worker` with a lease of `lease`.
pub async fn claim(
    db: &impl ConnectionTrait,
    worker: &str,
    limit: u64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<job::Model>, DbErr> {
    let candidates = job::Entity::find()
        .filter(job::Column::DoneAt.is_null())
        .filter(job::Column::FailedAt.is_null())
        .filter(job::Column::RunAt.lte(now))
        .filter(
            job::Column::LockedUntil
                .is_null()
                .or(job::Column::LockedUntil.lt(now)),
        )
        .order_by_asc(job::Column::RunAt)
        .limit(limit * 2)
        .all(db)
        .await?;
    let mut claimed = vec![];
    for c in candidates {
        if claimed.len() as u64 >= limit {
            break;
        }
        let res = job::Entity::update_many()
            .col_expr(job::Column::LockedBy, Expr::value(worker.to_string()))
            .col_expr(job::Column::LockedUntil, Expr::value(now + lease))
            .col_expr(
                job::Column::Attempts,
                Expr::col(job::Column::Attempts).add(1),
            )
            .filter(job::Column::Id.eq(c.id))
            .filter(job::Column::DoneAt.is_null())
            .filter(job::Column::FailedAt.is_null())
            .filter(
                job::Column::LockedUntil
                    .is_null()
                    .or(job::Column::LockedUntil.lt(now)),
            )
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            let mut j = c;
            j.locked_by = Some(worker.to_string());
            j.locked_until = Some(now + lease);
            j.attempts += 1;
            claimed.push(j);
        }
    }
    Ok(claimed)
}

/// Marks a job done; false when the lease was lost (another node may have run it).
pub async fn complete(
    db: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = job::Entity::update_many()
        .col_expr(job::Column::DoneAt, Expr::value(now))
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LockedBy.eq(worker))
        .filter(job::Column::DoneAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records a failure: retried after `retry_in` unless attempts are used up.
pub async fn fail(
    db: &impl ConnectionTrait,
    j: &job::Model,
    worker: &str,
    error: &str,
    retry_in: Duration,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let give_up = j.attempts >= j.max_attempts;
    let mut q = job::Entity::update_many()
        .col_expr(
            job::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(job::Column::Id.eq(j.id))
        .filter(job::Column::LockedBy.eq(worker));
    q = if give_up {
        q.col_expr(job::Column::FailedAt, Expr::value(now))
    } else {
        q.col_expr(job::Column::RunAt, Expr::value(now + retry_in))
    };
    q.exec(db).await?;
    Ok(())
}

/// A job by id.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<job::Model>, DbErr> {
    job::Entity::find_by_id(id).one(db).await
}

/// Deletes finished jobs older than `before`.
pub async fn purge_finished(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let res = job::Entity::delete_many()
        .filter(
            job::Column::DoneAt
                .lt(before)
                .or(job::Column::FailedAt.lt(before)),
        )
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
