//! Log-in sessions and rotating refresh tokens.
//!
//! A session is one refresh-token family. Each refresh spends the presented token and issues
//! a new one; a spent token presented again means it was copied, so the whole family is
//! revoked (RFC 9700 §4.14.2) and both the thief and the user must log in again.

use crate::entity::{auth_refresh_token, auth_session};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use daojia_domain::access::Audience;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A new refresh token (shown to the client once; only its hash is stored).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "rt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who logs in, from where.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The audience the session is for.
    pub audience: Audience,
    /// The customer, worker or staff id.
    pub subject_id: Uuid,
    /// The client's User-Agent, truncated.
    pub user_agent: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    /// How long the session may be refreshed.
    pub ttl: Duration,
}

/// Opens a session; returns it with its first refresh token.
pub async fn open(
    db: &impl ConnectionTrait,
    new: NewSession,
    now: DateTime<Utc>,
) -> Result<(auth_session::Model, String), DbErr> {
    let session = auth_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        audience: Set(new.audience.as_str().to_string()),
        subject_id: Set(new.subject_id),
        created_at: Set(now),
        last_used_at: Set(now),
        expires_at: Set(now + new.ttl),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        user_agent: Set(new.user_agent.map(|s| s.chars().take(255).collect())),
        ip: Set(new.ip),
    }
    .insert(db)
    .await?;
    let token = new_refresh_token();
    auth_refresh_token::ActiveModel {
        token_hash: Set(hash(&token)),
        session_id: Set(session.id),
        issued_at: Set(now),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((session, token))
}

/// Why a refresh was refused.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Not a token we issued.
    #[error("unknown refresh token")]
    Unknown,
    /// A spent token was presented again: the family is now revoked.
    #[error("refresh token reused; the session has been revoked")]
    Reused,
    /// The session was revoked (log-out, reuse, or by the user).
    #[error("session revoked")]
    Revoked,
    /// The session's lifetime is over.
    #[error("session expired")]
    Expired,
    /// Any database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Spends `token` and issues the next one of its family.
pub async fn rotate(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(auth_session::Model, String), RefreshError> {
    let token_hash = hash(token);
    let Some(row) = auth_refresh_token::Entity::find_by_id(token_hash.clone())
        .one(db)
        .await?
    else {
        return Err(RefreshError::Unknown);
    };
    let session = auth_session::Entity::find_by_id(row.session_id)
        .one(db)
        .await?
        .ok_or(RefreshError::Unknown)?;
    if session.revoked_at.is_some() {
        return Err(RefreshError::Revoked);
    }
    if session.expires_at <= now {
        return Err(RefreshError::Expired);
    }
    // Spend the token only if nobody spent it first: of two racing refreshes with the same
    // token, exactly one wins and the other is treated as reuse.
    let spent = auth_refresh_token::Entity::update_many()
        .col_expr(auth_refresh_token::Column::UsedAt, Expr::value(now))
        .filter(auth_refresh_token::Column::TokenHash.eq(token_hash))
        .filter(auth_refresh_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        revoke(db, session.id, "refresh_reuse", now).await?;
        return Err(RefreshError::Reused);
    }
    let next = new_refresh_token();
    let txn = crate::begin(db).await?;
    auth_refresh_token::ActiveModel {
        token_hash: Set(hash(&next)),
        session_id: Set(session.id),
        issued_at: Set(now),
        used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let mut s: auth_session::ActiveModel = session.into();
    s.last_used_at = Set(now);
    let session = s.update(&txn).await?;
    txn.commit().await?;
    Ok((session, next))
}

/// Revokes a session (log-out, reuse detected, or revoked by its owner).
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(now))
        .col_expr(
            auth_session::Column::RevokedReason,
            Expr::value(reason.to_string()),
        )
        .filter(auth_session::Column::Id.eq(id))
        .filter(auth_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The session if it is live (not revoked, not expired).
pub async fn live(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<auth_session::Model>, DbErr> {
    Ok(auth_session::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|s| s.revoked_at.is_none() && s.expires_at > now))
}

/// The live sessions of one account, newest first.
pub async fn list_live(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<auth_session::Model>, DbErr> {
    auth_session::Entity::find()
        .filter(auth_session::Column::Audience.eq(audience.as_str()))
        .filter(auth_session::Column::SubjectId.eq(subject_id))
        .filter(auth_session::Column::RevokedAt.is_null())
        .filter(auth_session::Column::ExpiresAt.gt(now))
        .order_by_desc(auth_session::Column::Id)
        .all(db)
        .await
}
