//! Deleting what nobody needs any more, after the retention periods the operator
//! configured (`[retention]`): spent and expired log-in codes, expired idempotency keys,
//! sessions long ended, sent messages, photos of cancelled orders, finished jobs. Run
//! hourly by the job runner; every step is idempotent.

use crate::entity::{
    auth_session, idempotency_key, order_photo, otp_code, service_order, sms_outbox, upload,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// How long a consumer's mark of an applied event (`processed_event`) is kept, in days.
pub const PROCESSED_EVENT_DAYS: i64 = 30;

/// How long each kind of record is kept, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Log-in codes, counted from their expiry (the send limits look back one hour).
    pub otp_days: i64,
    /// Sessions, counted from their end (expiry or revocation): a user may ask where they
    /// were logged in.
    pub sessions_days: i64,
    /// Messages in the SMS outbox, counted from sending.
    pub sms_outbox_days: i64,
    /// Photos attached to a cancelled order, counted from the cancellation.
    pub cancelled_uploads_days: i64,
    /// Finished jobs.
    pub jobs_days: i64,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            otp_days: 1,
            sessions_days: 30,
            sms_outbox_days: 30,
            cancelled_uploads_days: 30,
            jobs_days: 7,
        }
    }
}

/// What one pass removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Purged {
    /// Log-in codes.
    pub otp_codes: u64,
    /// Idempotency keys.
    pub idempotency_keys: u64,
    /// Sessions (their refresh tokens go with them).
    pub sessions: u64,
    /// Outbox messages.
    pub sms_messages: u64,
    /// Uploads whose rows were deleted; the caller deletes their files.
    pub uploads: Vec<Uuid>,
    /// Finished jobs.
    pub jobs: u64,
}

/// One pass with the default periods.
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Purged, DbErr> {
    purge_with(db, now, &Retention::default()).await
}

/// One pass with the given periods. Idempotency keys go as soon as they expire.
pub async fn purge_with(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    r: &Retention,
) -> Result<Purged, DbErr> {
    let otp_codes = otp_code::Entity::delete_many()
        .filter(otp_code::Column::ExpiresAt.lt(now - Duration::days(r.otp_days)))
        .exec(db)
        .await?
        .rows_affected;
    let idempotency_keys = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    let sessions = purge_sessions(db, now - Duration::days(r.sessions_days)).await?;
    let sms_messages = sms_outbox::Entity::delete_many()
        .filter(sms_outbox::Column::CreatedAt.lt(now - Duration::days(r.sms_outbox_days)))
        .exec(db)
        .await?
        .rows_affected;
    let uploads =
        purge_cancelled_uploads(db, now - Duration::days(r.cancelled_uploads_days)).await?;
    let jobs = super::jobs::purge_finished(db, now - Duration::days(r.jobs_days)).await?;
    // Consumers' marks of applied events: a duplicate comes within minutes of the first
    // delivery (a republish, a redelivery), or after an outage of days at most.
    super::processed::prune(db, now - Duration::days(PROCESSED_EVENT_DAYS)).await?;
    Ok(Purged {
        otp_codes,
        idempotency_keys,
        sessions,
        sms_messages,
        uploads,
        jobs,
    })
}

async fn purge_sessions(db: &impl ConnectionTrait, ended: DateTime<Utc>) -> Result<u64, DbErr> {
    let stale: Vec<Uuid> = auth_session::Entity::find()
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
    if stale.is_empty() {
        return Ok(0);
    }
    use crate::entity::auth_refresh_token;
    auth_refresh_token::Entity::delete_many()
        .filter(auth_refresh_token::Column::SessionId.is_in(stale.clone()))
        .exec(db)
        .await?;
    // Ended sessions only (expired or revoked long ago, refused either way); bumped all the
    // same, so that no node keeps a session whose row is gone.
    super::versions::bump(db, super::versions::SESSIONS).await?;
    Ok(auth_session::Entity::delete_many()
        .filter(auth_session::Column::Id.is_in(stale))
        .exec(db)
        .await?
        .rows_affected)
}

/// Photos of orders cancelled before `before` (the order's last change is its
/// cancellation): the links go, and the uploads that no other order uses.
async fn purge_cancelled_uploads(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let cancelled: Vec<Uuid> = service_order::Entity::find()
        .filter(service_order::Column::State.eq("cancelled"))
        .filter(service_order::Column::UpdatedAt.lt(before))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let mut gone = vec![];
    for chunk in cancelled.chunks(500) {
        let links = order_photo::Entity::find()
            .filter(order_photo::Column::OrderId.is_in(chunk.to_vec()))
            .all(db)
            .await?;
        if links.is_empty() {
            continue;
        }
        order_photo::Entity::delete_many()
            .filter(order_photo::Column::OrderId.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
        for l in links {
            let elsewhere = order_photo::Entity::find()
                .filter(order_photo::Column::UploadId.eq(l.upload_id))
                .one(db)
                .await?;
            if elsewhere.is_none() && !gone.contains(&l.upload_id) {
                upload::Entity::delete_by_id(l.upload_id).exec(db).await?;
                gone.push(l.upload_id);
            }
        }
    }
    Ok(gone)
}
