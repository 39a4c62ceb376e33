//! One-time log-in codes. Only a keyed hash of a code is stored; a code is spent by a
//! conditional update, so two concurrent log-ins with the same code cannot both succeed.

use crate::entity::otp_code;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
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

/// When the newest code for this phone was sent.
pub async fn last_sent(
    db: &impl ConnectionTrait,
    phone_index: &str,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(otp_code::Entity::find()
        .filter(otp_code::Column::PhoneIndex.eq(phone_index))
        .order_by_desc(otp_code::Column::CreatedAt)
        .one(db)
        .await?
        .map(|c| c.created_at))
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

/// Counts one wrong guess.
pub async fn count_attempt(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    otp_code::Entity::update_many()
        .col_expr(
            otp_code::Column::Attempts,
            Expr::col(otp_code::Column::Attempts).add(1),
        )
        .filter(otp_code::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
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
