//! Stored `Idempotency-Key`s. The first request with a key claims it; a retry with the same
//! key and the same body gets the stored response replayed; the same key with a different
//! body is a client bug and is refused.

use crate::entity::idempotency_key;
use crate::is_unique_violation;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run the request, then call [`complete`] (or [`release`] on failure).
    New(Uuid),
    /// The same request is still running elsewhere.
    InProgress,
    /// Already done: send this response again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Body bytes as text.
        body: String,
        /// Content type.
        content_type: Option<String>,
    },
    /// The key was used with a different request.
    Mismatch,
}

/// Claims `key` in `scope` (the caller's identity and route) for a request whose body hashes
/// to `request_hash`.
pub async fn claim(
    db: &impl ConnectionTrait,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<Claim, DbErr> {
    // An expired key is forgotten, so it may be claimed anew.
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let id = Uuid::now_v7();
    let row = idempotency_key::ActiveModel {
        id: Set(id),
        scope: Set(scope.to_string()),
        key: Set(key.to_string()),
        request_hash: Set(request_hash.to_string()),
        status_code: Set(None),
        response_body: Set(None),
        content_type: Set(None),
        created_at: Set(now),
        completed_at: Set(None),
        expires_at: Set(now + ttl),
    };
    match row.insert(db).await {
        Ok(_) => return Ok(Claim::New(id)),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e),
    }
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?;
    Ok(match existing {
        None => Claim::InProgress,
        Some(r) if r.request_hash != request_hash => Claim::Mismatch,
        Some(r) => match (r.status_code, r.response_body) {
            (Some(status), Some(body)) => Claim::Replay {
                status: status as u16,
                body,
                content_type: r.content_type,
            },
            _ => Claim::InProgress,
        },
    })
}

/// Stores the response of a claimed request.
pub async fn complete(
    db: &impl ConnectionTrait,
    id: Uuid,
    status: u16,
    body: &str,
    content_type: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::StatusCode,
            Expr::value(i32::from(status)),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            Expr::value(body.to_string()),
        )
        .col_expr(
            idempotency_key::Column::ContentType,
            Expr::value(content_type.map(str::to_string)),
        )
        .col_expr(idempotency_key::Column::CompletedAt, Expr::value(now))
        .filter(idempotency_key::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets a claim whose request failed in a way worth retrying (a server error), so the
/// client's retry runs again instead of replaying the failure.
pub async fn release(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}
