//! The audit log: every admin write, with actor, target and before/after.

use super::{Page, PageRequest, page_from};
use crate::Store;
use crate::entity::audit_log;
use crate::pii::VaultError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// One admin write to record. `before` and `after` must already have secrets masked.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    /// `staff`, `system` or `cli`.
    pub actor_type: String,
    /// The acting staff member.
    pub actor_id: Option<Uuid>,
    /// Their display name at the time (clear here; [`record`] encrypts it).
    pub actor_name: Option<String>,
    /// What was done, e.g. `staff.create`.
    pub action: String,
    /// The kind of thing changed, e.g. `staff`.
    pub target_type: String,
    /// Its id.
    pub target_id: Option<String>,
    /// State before (masked).
    pub before: Option<serde_json::Value>,
    /// State after (masked).
    pub after: Option<serde_json::Value>,
    /// The request that did it.
    pub request_id: Option<String>,
    /// From where.
    pub ip: Option<String>,
}

/// Encryption context of the actor's name.
pub const ACTOR_NAME: &str = "audit_log.actor_name";

/// The actor's name as recorded, decrypted (`None` when the entry names none).
pub fn actor_name(store: &Store, m: &audit_log::Model) -> Option<Result<String, VaultError>> {
    m.actor_name_enc
        .as_deref()
        .map(|enc| store.vault().decrypt(ACTOR_NAME, enc))
}

/// Records an entry (the actor's name encrypted). Call it in the same transaction as the
/// write it describes.
pub async fn record(
    store: &Store,
    db: &impl ConnectionTrait,
    e: AuditEntry,
    now: DateTime<Utc>,
) -> Result<audit_log::Model, DbErr> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now),
        actor_type: Set(e.actor_type),
        actor_id: Set(e.actor_id),
        actor_name_enc: Set(e.actor_name.map(|n| store.vault().encrypt(ACTOR_NAME, &n))),
        action: Set(e.action),
        target_type: Set(e.target_type),
        target_id: Set(e.target_id),
        before_json: Set(e.before.map(|v| v.to_string())),
        after_json: Set(e.after.map(|v| v.to_string())),
        request_id: Set(e.request_id),
        ip: Set(e.ip),
    }
    .insert(db)
    .await
}

/// Filters for the audit list; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor_id: Option<Uuid>,
    /// Only this action (exact), or actions starting with it when it ends in `.`.
    pub action: Option<String>,
    /// Only this target type.
    pub target_type: Option<String>,
    /// Only this target id.
    pub target_id: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Before.
    pub until: Option<DateTime<Utc>>,
}

/// The audit log newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &AuditFilter,
    page: PageRequest,
) -> Result<Page<audit_log::Model>, DbErr> {
    let mut q = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(audit_log::Column::Id.lt(after));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(audit_log::Column::ActorId.eq(a));
    }
    if let Some(a) = &f.action {
        q = if a.ends_with('.') {
            q.filter(audit_log::Column::Action.starts_with(a.as_str()))
        } else {
            q.filter(audit_log::Column::Action.eq(a.as_str()))
        };
    }
    if let Some(t) = &f.target_type {
        q = q.filter(audit_log::Column::TargetType.eq(t.as_str()));
    }
    if let Some(t) = &f.target_id {
        q = q.filter(audit_log::Column::TargetId.eq(t.as_str()));
    }
    if let Some(s) = f.since {
        q = q.filter(audit_log::Column::At.gte(s));
    }
    if let Some(u) = f.until {
        q = q.filter(audit_log::Column::At.lt(u));
    }
    Ok(page_from(q.all(db).await?, page.limit, |m| m.id))
}
