//! Which events each consumer has applied: the idempotency of outbox consumers by event id.
//! A consumer marks an event in the transaction of its effect ([`mark`]); a second delivery
//! of the event (however it came: a relay restarted, a broker redelivery, a republish)
//! finds the mark and applies nothing.

use crate::entity::processed_event;
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

/// Marks `event_id` applied by `consumer` in `db` (the transaction of the effect, marked
/// first); `false` when it already was, and the caller then drops the transaction with
/// its effect (on PostgreSQL the failed insert has aborted it). A plain insert whose
/// unique violation is the answer: `ON DUPLICATE KEY UPDATE` would count a found row as
/// affected on MySQL, and a concurrent second mark waits for the first to commit.
pub async fn mark(
    db: &impl ConnectionTrait,
    consumer: &str,
    event_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let inserted = processed_event::ActiveModel {
        consumer: Set(consumer.to_string()),
        event_id: Set(event_id),
        processed_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether `consumer` has applied `event_id` (a cheap check before an outside effect).
pub async fn seen(
    db: &impl ConnectionTrait,
    consumer: &str,
    event_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(
        processed_event::Entity::find_by_id((consumer.to_string(), event_id))
            .one(db)
            .await?
            .is_some(),
    )
}

/// How many events `consumer` has applied.
pub async fn count(db: &impl ConnectionTrait, consumer: &str) -> Result<u64, DbErr> {
    processed_event::Entity::find()
        .filter(processed_event::Column::Consumer.eq(consumer))
        .count(db)
        .await
}

/// Deletes marks older than `before` (housekeeping; a redelivery comes within minutes, a
/// mark is kept for days).
pub async fn prune(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(processed_event::Entity::delete_many()
        .filter(processed_event::Column::ProcessedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
