//! The transactional outbox: events written in the transaction of the change that caused
//! them, read in position order by relays, and each consumer's progress with the lease that
//! makes one relay at a time deliver to it.
//!
//! Positions come from an auto-increment column, handed out when a row is inserted, not when
//! its transaction commits: a reader may see position 12 before 11 commits, and a rolled
//! back insert leaves a hole for good. Relays therefore stop at a hole until it has been
//! open longer than any transaction lasts (`daojia_app::outbox`).

use crate::entity::{outbox, outbox_consumer};
use crate::is_unique_violation;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Writes one event in `db` (the transaction of the change); returns its id.
pub async fn append(
    db: &impl ConnectionTrait,
    topic: &str,
    aggregate_id: Uuid,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        topic: Set(topic.to_string()),
        aggregate_id: Set(aggregate_id),
        payload: Set(payload.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// Up to `limit` events after `position`, in position order.
pub async fn after(
    db: &impl ConnectionTrait,
    position: i64,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::Position.gt(position))
        .order_by_asc(outbox::Column::Position)
        .limit(limit)
        .all(db)
        .await
}

/// The events of one aggregate (an order), in position order.
pub async fn of_aggregate(
    db: &impl ConnectionTrait,
    aggregate_id: Uuid,
) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::AggregateId.eq(aggregate_id))
        .order_by_asc(outbox::Column::Position)
        .all(db)
        .await
}

/// The highest position written so far (0 for none).
pub async fn last_position(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    // The position alone: the latest event's payload is not wanted here.
    Ok(outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Position)
        .order_by_desc(outbox::Column::Position)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(0))
}

/// Registers the consumer `name` if it is new, starting after the last event written now
/// (a consumer added to a running business does not replay its history). Safe to call on
/// every start and from several nodes at once.
pub async fn register(
    db: &impl ConnectionTrait,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    register_from(db, name, None, now).await
}

/// [`register`] starting after `position` instead of the last event when given (a consumer
/// that takes over from others starts where the slowest of them stood).
pub async fn register_from(
    db: &impl ConnectionTrait,
    name: &str,
    position: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if outbox_consumer::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let inserted = outbox_consumer::ActiveModel {
        name: Set(name.to_string()),
        position: Set(match position {
            Some(p) => p,
            None => last_position(db).await?,
        }),
        lease_owner: Set(None),
        lease_until: Set(None),
        attempts: Set(0),
        retry_at: Set(None),
        last_error: Set(None),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        // Another node registered it first.
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes (or renews) the lease on consumer `name` for `owner` until `now + lease`, if it is
/// free, expired or already `owner`'s; returns the consumer's progress when it is ours. One
/// conditional update, so two relays can never both hold it (on every database).
pub async fn claim(
    db: &impl ConnectionTrait,
    name: &str,
    owner: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<Option<outbox_consumer::Model>, DbErr> {
    let r = outbox_consumer::Entity::update_many()
        .col_expr(outbox_consumer::Column::LeaseOwner, Expr::value(owner))
        .col_expr(
            outbox_consumer::Column::LeaseUntil,
            Expr::value(now + lease),
        )
        .filter(outbox_consumer::Column::Name.eq(name))
        .filter(
            Condition::any()
                .add(outbox_consumer::Column::LeaseOwner.is_null())
                .add(outbox_consumer::Column::LeaseOwner.eq(owner))
                .add(outbox_consumer::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    if r.rows_affected != 1 {
        return Ok(None);
    }
    Ok(outbox_consumer::Entity::find_by_id(name.to_string())
        .one(db)
        .await?
        .filter(|c| c.lease_owner.as_deref() == Some(owner)))
}

/// Extends `owner`'s lease on consumer `name` to `until` (a delivery that runs long);
/// `false` when `owner` no longer holds it.
pub async fn renew(
    db: &impl ConnectionTrait,
    name: &str,
    owner: &str,
    until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = outbox_consumer::Entity::update_many()
        .col_expr(outbox_consumer::Column::LeaseUntil, Expr::value(until))
        .filter(outbox_consumer::Column::Name.eq(name))
        .filter(outbox_consumer::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Records that consumer `name` handled everything up to `position`; `false` when `owner`
/// no longer holds its lease (another relay took over and will deliver from its record).
pub async fn advance(
    db: &impl ConnectionTrait,
    name: &str,
    owner: &str,
    position: i64,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = outbox_consumer::Entity::update_many()
        .col_expr(outbox_consumer::Column::Position, Expr::value(position))
        .col_expr(outbox_consumer::Column::Attempts, Expr::value(0))
        .col_expr(
            outbox_consumer::Column::RetryAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox_consumer::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(outbox_consumer::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_consumer::Column::Name.eq(name))
        .filter(outbox_consumer::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Records a failed delivery of the event after the consumer's position: one more attempt,
/// the error, and when to try again. `false` when `owner` no longer holds the lease.
pub async fn failed(
    db: &impl ConnectionTrait,
    name: &str,
    owner: &str,
    error: &str,
    retry_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = outbox_consumer::Entity::update_many()
        .col_expr(
            outbox_consumer::Column::Attempts,
            Expr::col(outbox_consumer::Column::Attempts).add(1),
        )
        .col_expr(outbox_consumer::Column::RetryAt, Expr::value(retry_at))
        .col_expr(
            outbox_consumer::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .col_expr(outbox_consumer::Column::UpdatedAt, Expr::value(now))
        .filter(outbox_consumer::Column::Name.eq(name))
        .filter(outbox_consumer::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Gives the lease on `name` back (on shutdown), so another node takes over at once.
pub async fn release(db: &impl ConnectionTrait, name: &str, owner: &str) -> Result<(), DbErr> {
    outbox_consumer::Entity::update_many()
        .col_expr(
            outbox_consumer::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            outbox_consumer::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(outbox_consumer::Column::Name.eq(name))
        .filter(outbox_consumer::Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}

/// Every consumer's progress (for operators).
pub async fn consumers(db: &impl ConnectionTrait) -> Result<Vec<outbox_consumer::Model>, DbErr> {
    outbox_consumer::Entity::find()
        .order_by_asc(outbox_consumer::Column::Name)
        .all(db)
        .await
}
