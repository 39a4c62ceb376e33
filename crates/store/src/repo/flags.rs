//! Feature flags: the rows, and each node's copy of them, kept while the `flags` counter of
//! `data_version` is unchanged (checked on every read, one small query), so a flag changed
//! in the console is seen by every node from the next request. A copy is also dropped after
//! [`KEPT`], for a row changed by hand in SQL.

use crate::entity::feature_flag;
use crate::repo::versions;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder,
};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The longest a node uses its copy without reading the rows again.
pub const KEPT: Duration = Duration::from_secs(60);

struct Kept {
    version: i64,
    at: Instant,
    rows: Arc<Vec<feature_flag::Model>>,
}

/// Per database (its counter's epoch): the copy.
static CACHE: LazyLock<Mutex<HashMap<Uuid, Kept>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Every flag, by key, from this node's copy when it is current.
pub async fn all(db: &impl ConnectionTrait) -> Result<Arc<Vec<feature_flag::Model>>, DbErr> {
    let Some((epoch, version)) = versions::read(db, versions::FLAGS).await? else {
        return Ok(Arc::new(read_all(db).await?));
    };
    if let Some(k) = CACHE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&epoch)
        .filter(|k| k.version == version && k.at.elapsed() < KEPT)
    {
        return Ok(k.rows.clone());
    }
    let rows = Arc::new(read_all(db).await?);
    CACHE.lock().unwrap_or_else(|p| p.into_inner()).insert(
        epoch,
        Kept {
            version,
            at: Instant::now(),
            rows: rows.clone(),
        },
    );
    Ok(rows)
}

async fn read_all(db: &impl ConnectionTrait) -> Result<Vec<feature_flag::Model>, DbErr> {
    feature_flag::Entity::find()
        .order_by_asc(feature_flag::Column::Key)
        .all(db)
        .await
}

/// One flag, read from the database.
pub async fn get(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<feature_flag::Model>, DbErr> {
    feature_flag::Entity::find_by_id(key.to_string())
        .one(db)
        .await
}

/// A flag's settings.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    /// What it switches.
    pub description: &'a str,
    /// On or off.
    pub enabled: bool,
    /// 0 to 100.
    pub percent: u8,
    /// Area codes.
    pub areas: &'a [String],
    /// Audiences and roles.
    pub roles: &'a [String],
}

/// Writes flag `key` (made when new) and bumps the counter; call in a transaction. Returns
/// the row before (none when new) and after.
pub async fn put(
    db: &impl ConnectionTrait,
    key: &str,
    s: Settings<'_>,
    now: DateTime<Utc>,
) -> Result<(Option<feature_flag::Model>, feature_flag::Model), DbErr> {
    let before = get(db, key).await?;
    let am = feature_flag::ActiveModel {
        key: Set(key.to_string()),
        description: Set(s.description.to_string()),
        enabled: Set(s.enabled),
        percent: Set(i16::from(s.percent)),
        areas: Set(serde_json::to_string(s.areas).unwrap_or_else(|_| "[]".into())),
        roles: Set(serde_json::to_string(s.roles).unwrap_or_else(|_| "[]".into())),
        created_at: Set(before.as_ref().map_or(now, |b| b.created_at)),
        updated_at: Set(now),
    };
    let after = if before.is_some() {
        am.update(db).await?
    } else {
        am.insert(db).await?
    };
    versions::bump(db, versions::FLAGS).await?;
    Ok((before, after))
}

/// Deletes flag `key` and bumps the counter; the row deleted, if there was one.
pub async fn delete(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<feature_flag::Model>, DbErr> {
    let before = get(db, key).await?;
    if before.is_some() {
        feature_flag::Entity::delete_by_id(key.to_string())
            .exec(db)
            .await?;
        versions::bump(db, versions::FLAGS).await?;
    }
    Ok(before)
}

/// A JSON array of strings as stored; `None` for a damaged value (the flag is then off:
/// an unreadable limit must not widen it to everyone).
pub fn list(json: &str) -> Option<Vec<String>> {
    serde_json::from_str(json).ok()
}
