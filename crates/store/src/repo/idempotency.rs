//! Stored `Idempotency-Key`s. The first request with a key claims it for a short lease; a
//! retry with the same key and the same body gets the stored response replayed; the same
//! key with a different body is a client bug and is refused.
//!
//! - **Leases.** A claim holds the key until `expires_at`, a lease a little longer than the
//!   longest a request may run. A request that dies with its process (or is cut by the
//!   timeout) leaves its claim behind; once the lease is over, a retry claims the key anew
//!   and runs. Completing a key is conditional on the claim still being the one taken
//!   ([`complete`] answers `false` otherwise), so of a slow request and a retry that
//!   re-claimed after its lease, at most one can commit. A completed key is kept for
//!   [`KEEP`] for replays.
//! - **Completion with the work.** [`complete`] takes any connection, so a handler whose work
//!   is a transaction completes the key in that transaction: the work and its recorded
//!   answer commit together, and a retry after a crash finds either both or neither.
//! - **No personal data in clear.** Responses (an order view carries the address) are
//!   stored encrypted with the store's vault under [`RESPONSE_BODY`], bound to the row's
//!   scope and key, so a body copied into another caller's row does not decrypt.

use crate::entity::idempotency_key;
use crate::is_unique_violation;
use crate::pii::{Vault, VaultError};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use uuid::Uuid;

/// The vault context of stored responses (the row's scope and key are bound to it).
pub const RESPONSE_BODY: &str = "idempotency_key.response_body";

/// How long a completed key is kept for replays.
pub const KEEP: Duration = Duration::hours(24);

/// The vault context of the response stored for `key` in `scope`.
pub fn body_context(scope: &str, key: &str) -> String {
    format!("{RESPONSE_BODY}\n{scope}\n{key}")
}

/// A claim this request holds: the row it inserted, with what binds its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The row.
    pub id: Uuid,
    /// The caller and route.
    pub scope: String,
    /// The client's key.
    pub key: String,
}

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time (or the last claim's lease ran out): run the request, then [`complete`]
    /// (or [`release`] on a failure worth retrying).
    New(Held),
    /// The same request is still running elsewhere; its lease ends at `until`.
    InProgress {
        /// End of the running request's lease.
        until: DateTime<Utc>,
    },
    /// Already done: send this response again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Body bytes as text, decrypted.
        body: String,
        /// Content type.
        content_type: Option<String>,
    },
    /// The key was used with a different request.
    Mismatch,
}

/// Why a key could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// The stored response does not decrypt (a removed key, a damaged row).
    #[error("stored idempotent response {0}: {1}")]
    Vault(Uuid, VaultError),
}

/// Claims `key` in `scope` (the caller's identity and route) for a request whose body hashes
/// to `request_hash`, for a lease of `lease`.
pub async fn claim(
    db: &impl ConnectionTrait,
    vault: &Vault,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Claim, ClaimError> {
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
        expires_at: Set(now + lease),
    };
    Ok(match insert_or_find(db, vault, row, now).await? {
        None => Claim::New(Held {
            id,
            scope: scope.to_string(),
            key: key.to_string(),
        }),
        Some(found) => found,
    })
}

/// An answer to keep for a key: what a request answered without having claimed its key,
/// because it wrote nothing (a refusal decided on reads alone).
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// HTTP status.
    pub status: u16,
    /// Body as text (stored encrypted).
    pub body: &'a str,
    /// Content type.
    pub content_type: Option<&'a str>,
}

/// Stores `answer` for `key` in `scope`, completed at once, in one statement (instead of a
/// claim and its completion): for a request that wrote nothing, so that running it
/// without holding the key changed nothing a retry could see twice. `None` when stored;
/// else what the key already holds (another request with it ran or runs: its answer
/// replayed, still running, or another request's key), as [`claim`] would have answered.
pub async fn store_answer(
    db: &impl ConnectionTrait,
    vault: &Vault,
    scope: &str,
    key: &str,
    request_hash: &str,
    answer: Answer<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Claim>, ClaimError> {
    let row = idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        scope: Set(scope.to_string()),
        key: Set(key.to_string()),
        request_hash: Set(request_hash.to_string()),
        status_code: Set(Some(i32::from(answer.status))),
        response_body: Set(Some(vault.encrypt(&body_context(scope, key), answer.body))),
        content_type: Set(answer.content_type.map(str::to_string)),
        created_at: Set(now),
        completed_at: Set(Some(now)),
        expires_at: Set(now + KEEP),
    };
    insert_or_find(db, vault, row, now).await
}

/// Inserts `row` (a claim or a completed answer) for its scope and key: `None` when it is
/// in, else what the key holds.
async fn insert_or_find(
    db: &impl ConnectionTrait,
    vault: &Vault,
    row: idempotency_key::ActiveModel,
    now: DateTime<Utc>,
) -> Result<Option<Claim>, ClaimError> {
    let scope = row.scope.clone().unwrap();
    let key = row.key.clone().unwrap();
    let request_hash = row.request_hash.clone().unwrap();
    let (scope, key) = (scope.as_str(), key.as_str());
    // A fresh key (nearly every request) is in after this one statement; only a key seen
    // before reads what is stored.
    // Without `RETURNING` (on MariaDB an `ActiveModel` insert reads the row back).
    let insert = || idempotency_key::Entity::insert(row.clone()).exec_without_returning(db);
    match insert().await {
        Ok(_) => return Ok(None),
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    // An expired key (a completed one past its keeping time, or a claim whose lease ran out)
    // is forgotten, so it may be claimed anew.
    let forgotten = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .filter(idempotency_key::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    if forgotten.rows_affected > 0 {
        match insert().await {
            Ok(_) => return Ok(None),
            // Another retry claimed it between the two statements: it answers below.
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?;
    Ok(Some(match existing {
        // Released or expired between the insert and this read: a retry will claim it.
        None => Claim::InProgress { until: now },
        Some(r) if r.request_hash != request_hash => Claim::Mismatch,
        Some(r) => match (r.status_code, r.response_body, r.completed_at) {
            (Some(status), Some(body), Some(_)) => Claim::Replay {
                status: status as u16,
                body: vault
                    .decrypt(&body_context(scope, key), &body)
                    .map_err(|e| ClaimError::Vault(r.id, e))?,
                content_type: r.content_type,
            },
            _ => Claim::InProgress {
                until: r.expires_at,
            },
        },
    }))
}

/// Stores the response of a claimed request (encrypted) and keeps it for [`KEEP`]. Only the
/// claim `held` is completed, and only once: `false` when it is no longer this request's
/// (its lease ran out and a retry claimed the key anew) or was completed already. Called in
/// the transaction of the request's work, a `false` means: roll the work back.
pub async fn complete(
    db: &impl ConnectionTrait,
    vault: &Vault,
    held: &Held,
    status: u16,
    body: &str,
    content_type: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let sealed = vault.encrypt(&body_context(&held.scope, &held.key), body);
    let r = idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::StatusCode,
            Expr::value(i32::from(status)),
        )
        .col_expr(idempotency_key::Column::ResponseBody, Expr::value(sealed))
        .col_expr(
            idempotency_key::Column::ContentType,
            Expr::value(content_type.map(str::to_string)),
        )
        .col_expr(idempotency_key::Column::CompletedAt, Expr::value(now))
        .col_expr(idempotency_key::Column::ExpiresAt, Expr::value(now + KEEP))
        .filter(idempotency_key::Column::Id.eq(held.id))
        .filter(idempotency_key::Column::CompletedAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Forgets a claim whose request failed in a way worth retrying (a server error, a timeout),
/// so the client's retry runs again instead of replaying the failure. A claim completed
/// meanwhile (its work committed) stays.
pub async fn release(db: &impl ConnectionTrait, id: Uuid) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Id.eq(id))
        .filter(idempotency_key::Column::CompletedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Re-encrypts stored responses written under a key other than the vault's active one (key
/// rotation, part of [`super::rotation::reencrypt_all`]); returns how many rows changed.
pub async fn reencrypt(
    db: &impl ConnectionTrait,
    vault: &Vault,
) -> Result<u64, super::rotation::RotationError> {
    let mut changed = 0;
    for r in idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ResponseBody.is_not_null())
        .all(db)
        .await?
    {
        let Some(body) = r.response_body.as_deref() else {
            continue;
        };
        if !vault.needs_rotation(body) {
            continue;
        }
        let ctx = body_context(&r.scope, &r.key);
        let plain = vault.decrypt(&ctx, body).map_err(|source| {
            super::rotation::RotationError::Decrypt {
                table: "idempotency_key",
                id: r.id.to_string(),
                source,
            }
        })?;
        // Only the body is written: a completion racing this keeps its own columns.
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::ResponseBody,
                Expr::value(vault.encrypt(&ctx, &plain)),
            )
            .filter(idempotency_key::Column::Id.eq(r.id))
            .filter(idempotency_key::Column::ResponseBody.eq(body))
            .exec(db)
            .await?;
        changed += 1;
    }
    Ok(changed)
}

/// What migration m0009 does to the records of earlier versions, which stored responses in
/// clear, kept `in progress` claims for a day and gave anonymous callers one shared scope:
/// deletes the anonymous scope's rows (refusals only, as every route with a key needs a
/// log-in), ends the open claims one minute from `now` (their process stopped for the
/// upgrade), and encrypts the stored responses (kept, not deleted: a retry of a request
/// made before the upgrade must still get its answer, not a second order). `vault` is asked
/// for only when there is something to encrypt. Safe to run again.
pub async fn seal_legacy_rows(
    db: &impl ConnectionTrait,
    vault: impl FnOnce() -> Result<Vault, DbErr>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.starts_with("anonymous "))
        .exec(db)
        .await?;
    let lease_end = now + Duration::minutes(1);
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::ExpiresAt, Expr::value(lease_end))
        .filter(idempotency_key::Column::CompletedAt.is_null())
        .filter(idempotency_key::Column::ExpiresAt.gt(lease_end))
        .exec(db)
        .await?;
    let rows = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::ResponseBody.is_not_null())
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let vault = vault()?;
    for r in rows {
        let Some(body) = r.response_body else {
            continue;
        };
        let ctx = body_context(&r.scope, &r.key);
        // Run again after an interruption (MySQL changes data outside a transaction
        // there): what decrypts is sealed already.
        if vault.decrypt(&ctx, &body).is_ok() {
            continue;
        }
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::ResponseBody,
                Expr::value(vault.encrypt(&ctx, &body)),
            )
            .filter(idempotency_key::Column::Id.eq(r.id))
            .exec(db)
            .await?;
    }
    Ok(())
}
