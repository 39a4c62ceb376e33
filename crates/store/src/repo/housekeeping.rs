//! Deleting what nobody needs any more: spent and expired log-in codes, expired idempotency
//! keys, sessions long ended, finished jobs. Run hourly by the job runner.

use crate::entity::{auth_session, idempotency_key, otp_code};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Rows removed by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Log-in codes.
    pub otp_codes: u64,
    /// Idempotency keys.
    pub idempotency_keys: u64,
    /// Sessions (their refresh tokens go with them).
    pub sessions: u64,
    /// Finished jobs.
    pub jobs: u64,
}

/// One pass. Log-in codes are kept a day (rate limits count the last hour), sessions 30
/// days after they end (a user may ask where they were logged in), finished jobs 7 days.
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Purged, DbErr> {
    let otp_codes = otp_code::Entity::delete_many()
        .filter(otp_code::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected;
    let idempotency_keys = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    let ended = now - Duration::days(30);
    let stale: Vec<uuid::Uuid> = auth_session::Entity::find()
        .filter(
            auth_session::Column::ExpiresAt
                .lt(ended)
                .or(auth_session::Column::RevokedAt.lt(ended)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if !stale.is_empty() {
        use crate::entity::auth_refresh_token;
        auth_refresh_token::Entity::delete_many()
            .filter(auth_refresh_token::Column::SessionId.is_in(stale.clone()))
            .exec(db)
            .await?;
    }
    let sessions = if stale.is_empty() {
        0
    } else {
        auth_session::Entity::delete_many()
            .filter(auth_session::Column::Id.is_in(stale))
            .exec(db)
            .await?
            .rows_affected
    };
    let jobs = super::jobs::purge_finished(db, now - Duration::days(7)).await?;
    Ok(Purged {
        otp_codes,
        idempotency_keys,
        sessions,
        jobs,
    })
}
