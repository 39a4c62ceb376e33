//! One-time log-in codes. Only a keyed hash of a code is stored. Every limit is one
//! database decision: a send claims the phone's throttle row (the resend interval) and
//! counts in the same transaction as the insert; a guess reserves an attempt with a
//! conditional update before the code is compared; a code is spent by a conditional
//! update, so two concurrent log-ins with the same code cannot both succeed.

use crate::entity::{otp_code, sms_throttle};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

/// Codes sent to this phone index since `since`.
pub async fn sent_to_phone_since(
    db: &impl ConnectionTrait,
    phone_index: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    otp_code::Entity::find()
        .filter(otp_code::Column::PhoneIndex.eq(phone_index))
        .filter(otp_code::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// Codes requested from this IP address since `since`.
pub async fn sent_from_ip_since(
    db: &impl ConnectionTrait,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    otp_code::Entity::find()
        .filter(otp_code::Column::Ip.eq(ip))
        .filter(otp_code::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// A code to send.
#[derive(Debug, Clone)]
pub struct NewCode<'a> {
    /// Blind index of the phone.
    pub phone_index: &'a str,
    /// `customer` or `worker`.
    pub audience: &'a str,
    /// Keyed hash of the code.
    pub code_hash: &'a str,
    /// The client address that asked.
    pub ip: Option<&'a str>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
}

/// The send limits.
#[derive(Debug, Clone, Copy)]
pub struct SendLimits {
    /// Seconds between two codes to one phone.
    pub resend_secs: i64,
    /// Codes per phone per hour.
    pub per_phone_per_hour: u64,
    /// Codes per client address per hour.
    pub per_ip_per_hour: u64,
}

/// Why a code was not created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendRefused {
    /// A code went to this phone less than the resend interval ago; seconds to wait.
    TooSoon(i64),
    /// The phone had its codes for the hour.
    PhoneHourly,
    /// The client address had its codes for the hour.
    IpHourly,
}

/// The `sms_throttle` subject of a phone (by its blind index).
pub fn phone_subject(phone_index: &str) -> String {
    format!("phone:{phone_index}")
}

fn throttle_subject_ip(ip: &str) -> String {
    format!("ip:{ip}")
}

async fn ensure_throttle(
    db: &impl ConnectionTrait,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    sms_throttle::Entity::insert(sms_throttle::ActiveModel {
        subject: Set(subject.to_string()),
        last_sent_at: Set(None),
        claims: Set(0),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([sms_throttle::Column::Subject])
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Claims the throttle row of `subject` (a row lock until the transaction ends), only if
/// `unless_sent_after` is not passed or nothing was sent after it; sets the last send.
async fn claim_throttle(
    db: &impl ConnectionTrait,
    subject: &str,
    unless_sent_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = sms_throttle::Entity::update_many()
        .col_expr(
            sms_throttle::Column::Claims,
            Expr::col(sms_throttle::Column::Claims).add(1),
        )
        .col_expr(sms_throttle::Column::UpdatedAt, Expr::value(now))
        .filter(sms_throttle::Column::Subject.eq(subject));
    if let Some(cutoff) = unless_sent_after {
        q = q
            .col_expr(sms_throttle::Column::LastSentAt, Expr::value(now))
            .filter(
                Condition::any()
                    .add(sms_throttle::Column::LastSentAt.is_null())
                    .add(sms_throttle::Column::LastSentAt.lte(cutoff)),
            );
    }
    Ok(q.exec(db).await?.rows_affected == 1)
}

/// Creates a code if the send limits allow it. The database decides, so parallel requests
/// (on any number of nodes) cannot all pass: the phone's throttle row is claimed with a
/// conditional update (the resend interval) and the address's row is locked, then the
/// hourly counts are taken and the code inserted in the same transaction, so a second
/// request for the phone or address waits for the first to commit and then counts it.
pub async fn create_limited(
    db: &DatabaseConnection,
    new: NewCode<'_>,
    limits: SendLimits,
    now: DateTime<Utc>,
) -> Result<Result<otp_code::Model, SendRefused>, DbErr> {
    let phone_subject = phone_subject(new.phone_index);
    let ip_subject = new.ip.map(throttle_subject_ip);
    let mut tries = 0;
    loop {
        tries += 1;
        let attempt = async {
            // The rows exist before the transaction, so inside it every statement on them
            // is an update (a row lock), never an insert racing another insert.
            ensure_throttle(db, &phone_subject, now).await?;
            if let Some(s) = &ip_subject {
                ensure_throttle(db, s, now).await?;
            }
            create_limited_once(db, &new, &phone_subject, ip_subject.as_deref(), limits, now).await
        };
        match attempt.await {
            Err(e) if tries < 8 && crate::is_retryable(&e) => continue,
            other => return other,
        }
    }
}

async fn create_limited_once(
    db: &DatabaseConnection,
    new: &NewCode<'_>,
    phone_subject: &str,
    ip_subject: Option<&str>,
    limits: SendLimits,
    now: DateTime<Utc>,
) -> Result<Result<otp_code::Model, SendRefused>, DbErr> {
    let txn = crate::begin(db).await?;
    let cutoff = now - Duration::seconds(limits.resend_secs);
    if !claim_throttle(&txn, phone_subject, Some(cutoff), now).await? {
        let last = sms_throttle::Entity::find_by_id(phone_subject.to_string())
            .one(&txn)
            .await?
            .and_then(|t| t.last_sent_at);
        txn.rollback().await?;
        let wait = last.map_or(1, |l| limits.resend_secs - (now - l).num_seconds());
        return Ok(Err(SendRefused::TooSoon(Ord::max(wait, 1))));
    }
    if let Some(s) = ip_subject {
        claim_throttle(&txn, s, None, now).await?;
    }
    let hour_ago = now - Duration::hours(1);
    if sent_to_phone_since(&txn, new.phone_index, hour_ago).await? >= limits.per_phone_per_hour {
        txn.rollback().await?;
        return Ok(Err(SendRefused::PhoneHourly));
    }
    if let Some(ip) = new.ip
        && sent_from_ip_since(&txn, ip, hour_ago).await? >= limits.per_ip_per_hour
    {
        txn.rollback().await?;
        return Ok(Err(SendRefused::IpHourly));
    }
    let code = insert(
        &txn,
        new.phone_index,
        new.audience,
        new.code_hash,
        new.ip,
        now,
        new.expires_at,
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(code))
}

/// Stores a new code (by hash).
pub async fn insert(
    db: &impl ConnectionTrait,
    phone_index: &str,
    audience: &str,
    code_hash: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<otp_code::Model, DbErr> {
    otp_code::ActiveModel {
        id: Set(Uuid::now_v7()),
        phone_index: Set(phone_index.to_string()),
        audience: Set(audience.to_string()),
        code_hash: Set(code_hash.to_string()),
        ip: Set(ip.map(str::to_string)),
        created_at: Set(now),
        expires_at: Set(expires_at),
        attempts: Set(0),
        consumed_at: Set(None),
    }
    .insert(db)
    .await
}

/// The newest unspent, unexpired code for this phone and audience.
pub async fn current(
    db: &impl ConnectionTrait,
    phone_index: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<Option<otp_code::Model>, DbErr> {
    otp_code::Entity::find()
        .filter(otp_code::Column::PhoneIndex.eq(phone_index))
        .filter(otp_code::Column::Audience.eq(audience))
        .filter(otp_code::Column::ConsumedAt.is_null())
        .filter(otp_code::Column::ExpiresAt.gt(now))
        .order_by_desc(otp_code::Column::CreatedAt)
        .one(db)
        .await
}

/// Reserves one attempt at the code before it is compared: one conditional update, so
/// parallel guesses cannot all pass the limit. False when the code has had its
/// `max_attempts` (or was spent meanwhile): it must not be evaluated.
pub async fn reserve_attempt(
    db: &impl ConnectionTrait,
    id: Uuid,
    max_attempts: i32,
) -> Result<bool, DbErr> {
    let res = otp_code::Entity::update_many()
        .col_expr(
            otp_code::Column::Attempts,
            Expr::col(otp_code::Column::Attempts).add(1),
        )
        .filter(otp_code::Column::Id.eq(id))
        .filter(otp_code::Column::Attempts.lt(max_attempts))
        .filter(otp_code::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Spends the code; false when it was already spent (a concurrent log-in won).
pub async fn consume(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = otp_code::Entity::update_many()
        .col_expr(otp_code::Column::ConsumedAt, Expr::value(now))
        .filter(otp_code::Column::Id.eq(id))
        .filter(otp_code::Column::ConsumedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
