//! Log-in sessions and rotating refresh tokens.
//!
//! A session is one refresh-token family. Each refresh spends the presented token and issues
//! a new one; a spent token presented again means it was copied, so the whole family is
//! revoked (RFC 9700 §4.14.2) and both the thief and the user must log in again.

use super::versions;
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

/// Revokes a session (log-out, reuse detected, or revoked by its owner), and bumps the
/// `sessions` counter in the same transaction, so that no node accepts it again.
pub async fn revoke(
    db: &DatabaseConnection,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let tx = crate::begin(db).await?;
    let res = auth_session::Entity::update_many()
        .col_expr(auth_session::Column::RevokedAt, Expr::value(now))
        .col_expr(
            auth_session::Column::RevokedReason,
            Expr::value(reason.to_string()),
        )
        .filter(auth_session::Column::Id.eq(id))
        .filter(auth_session::Column::RevokedAt.is_null())
        .exec(&tx)
        .await?;
    let revoked = res.rows_affected == 1;
    if revoked {
        versions::bump(&tx, versions::SESSIONS).await?;
    }
    tx.commit().await?;
    Ok(revoked)
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

/// Most sessions a node keeps in [`LiveSessions`]; past it, the copy starts afresh.
const MOST: usize = 100_000;

/// A node's copy of the sessions it found live, kept while the `sessions` counter
/// ([`versions::SESSIONS`]) is the one it read them at. Every revocation and every deletion
/// of a session bumps the counter in its own transaction, so a request that reads the
/// counter after that commit (on any node: the counter is in the shared database) finds
/// this copy out of date and reads the session's row: a revocation is refused at once, as
/// when every request read the row. A new log-in does not bump it (its session is simply
/// not in the copy yet). A session is read again after [`super::pool_rows::KEPT`] all the
/// same, so that a revocation made by hand in SQL, which bumps nothing, holds within it.
#[derive(Debug, Default)]
pub struct LiveSessions {
    kept: std::sync::Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    /// The counter the sessions below were found live at.
    at: versions::Read,
    /// Each session's end, and when its row was read.
    until: std::collections::HashMap<Uuid, (DateTime<Utc>, std::time::Instant)>,
}

impl LiveSessions {
    /// Whether session `id` is live at `now`, `counter` being the `sessions` counter read
    /// in this request before anything else of it: from the copy when the counter has not
    /// moved since the copy was made, else from the row (one statement), kept.
    pub async fn live(
        &self,
        db: &impl ConnectionTrait,
        counter: versions::Read,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, DbErr> {
        if let Some(c) = counter {
            let kept = self.kept.lock().expect("not poisoned");
            if kept.at == Some(c)
                && let Some((until, read)) = kept.until.get(&id)
                && read.elapsed() < super::pool_rows::KEPT
            {
                return Ok(*until > now);
            }
        }
        // Read after the counter: at least as new as it says.
        let Some(row) = live(db, id, now).await? else {
            return Ok(false);
        };
        if let Some((epoch, version)) = counter {
            let mut kept = self.kept.lock().expect("not poisoned");
            match kept.at {
                Some(at) if at == (epoch, version) => {}
                // A newer copy made meanwhile by another request stays.
                Some((e, v)) if e == epoch && v > version => return Ok(true),
                _ => {
                    kept.at = counter;
                    kept.until.clear();
                }
            }
            if kept.until.len() >= MOST {
                kept.until.clear();
            }
            kept.until
                .insert(id, (row.expires_at, std::time::Instant::now()));
        }
        Ok(true)
    }
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
