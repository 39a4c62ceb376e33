//! Push subscriptions (`push_subscription`): where a customer or worker is pushed to. A
//! browser or app install registering again updates its row (found by `target_key`, the
//! hash of its kind and target), also when it moves to another account on a shared phone;
//! a recipient keeps at most [`MAX_PER_OWNER`], the least recently registered dropped
//! first. A push service's "gone" deletes the row ([`delete`]); each push's result is
//! recorded on it ([`record_success`], [`record_failure`]).

use crate::entity::push_subscription::{self, ActiveModel, Column, Entity, Model};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The most subscriptions one recipient keeps (browsers and installs).
pub const MAX_PER_OWNER: usize = 20;

/// What a subscription points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A browser's Web Push subscription.
    WebPush {
        /// The push resource.
        endpoint: String,
        /// The browser's public key, base64url.
        p256dh: String,
        /// The authentication secret, base64url.
        auth: String,
    },
    /// An app install: `kind` is `jpush` or `getui`, `device_id` its registration or client id.
    Device {
        /// `jpush` or `getui`.
        kind: String,
        /// The registration id (JPush) or client id (Getui).
        device_id: String,
    },
}

impl Target {
    /// `webpush`, `jpush` or `getui`.
    pub fn kind(&self) -> &str {
        match self {
            Target::WebPush { .. } => "webpush",
            Target::Device { kind, .. } => kind,
        }
    }

    /// Hex SHA-256 of `kind:endpoint` or `kind:device_id`.
    pub fn key(&self) -> String {
        let target = match self {
            Target::WebPush { endpoint, .. } => endpoint,
            Target::Device { device_id, .. } => device_id,
        };
        hex::encode(Sha256::digest(
            format!("{}:{target}", self.kind()).as_bytes(),
        ))
    }

    /// The target a stored row points at (None for a row of an unknown kind).
    pub fn of(row: &Model) -> Option<Target> {
        match row.kind.as_str() {
            "webpush" => Some(Target::WebPush {
                endpoint: row.endpoint.clone()?,
                p256dh: row.p256dh.clone()?,
                auth: row.auth.clone()?,
            }),
            "jpush" | "getui" | "wechat" => Some(Target::Device {
                kind: row.kind.clone(),
                device_id: row.device_id.clone()?,
            }),
            _ => None,
        }
    }
}

fn cut(text: Option<&str>, max: usize) -> Option<String> {
    text.map(|t| t.chars().take(max).collect())
}

/// Registers `target` for the recipient (`owner_kind` `customer` or `worker`, `owner_id`):
/// inserts it, or updates the row of the same target (owner, keys, user agent; failures
/// reset). Answers the row.
pub async fn upsert(
    db: &impl ConnectionTrait,
    owner_kind: &str,
    owner_id: Uuid,
    target: &Target,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Model, DbErr> {
    let key = target.key();
    let (endpoint, p256dh, auth, device_id) = match target {
        Target::WebPush {
            endpoint,
            p256dh,
            auth,
        } => (
            Some(endpoint.clone()),
            Some(p256dh.clone()),
            Some(auth.clone()),
            None,
        ),
        Target::Device { device_id, .. } => (None, None, None, Some(device_id.clone())),
    };
    let existing = Entity::find()
        .filter(Column::TargetKey.eq(&key))
        .one(db)
        .await?;
    let row = if let Some(row) = existing {
        let mut a: ActiveModel = row.into();
        a.owner_kind = Set(owner_kind.to_string());
        a.owner_id = Set(owner_id);
        a.p256dh = Set(p256dh);
        a.auth = Set(auth);
        a.user_agent = Set(cut(user_agent, 300));
        a.updated_at = Set(now);
        a.failures = Set(0);
        a.last_error = Set(None);
        a.update(db).await?
    } else {
        let a = ActiveModel {
            id: Set(Uuid::now_v7()),
            owner_kind: Set(owner_kind.to_string()),
            owner_id: Set(owner_id),
            kind: Set(target.kind().to_string()),
            target_key: Set(key),
            endpoint: Set(endpoint),
            p256dh: Set(p256dh),
            auth: Set(auth),
            device_id: Set(device_id),
            user_agent: Set(cut(user_agent, 300)),
            created_at: Set(now),
            updated_at: Set(now),
            last_success_at: Set(None),
            failures: Set(0),
            last_error: Set(None),
        };
        a.insert(db).await?
    };
    let mut mine = list_for(db, owner_kind, owner_id).await?;
    if mine.len() > MAX_PER_OWNER {
        mine.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
        let drop: Vec<Uuid> = mine[MAX_PER_OWNER..].iter().map(|r| r.id).collect();
        Entity::delete_many()
            .filter(Column::Id.is_in(drop))
            .exec(db)
            .await?;
    }
    Ok(row)
}

/// A recipient's subscriptions, oldest first.
pub async fn list_for(
    db: &impl ConnectionTrait,
    owner_kind: &str,
    owner_id: Uuid,
) -> Result<Vec<Model>, DbErr> {
    Entity::find()
        .filter(Column::OwnerKind.eq(owner_kind))
        .filter(Column::OwnerId.eq(owner_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db)
        .await
}

/// Removes one of the recipient's subscriptions (unsubscribing); false when the recipient
/// has none with that id.
pub async fn remove_for(
    db: &impl ConnectionTrait,
    owner_kind: &str,
    owner_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let r = Entity::delete_many()
        .filter(Column::OwnerKind.eq(owner_kind))
        .filter(Column::OwnerId.eq(owner_id))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Deletes a subscription (its push service said it is gone).
pub async fn delete(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, DbErr> {
    Ok(Entity::delete_by_id(id).exec(db).await?.rows_affected > 0)
}

/// Records an accepted push: `last_success_at`, failures back to zero.
pub async fn record_success(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::LastSuccessAt, Expr::value(Some(now)))
        .col_expr(Column::Failures, Expr::value(0))
        .col_expr(Column::LastError, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed push: one more failure, and its reason.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    id: Uuid,
    reason: &str,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).add(1))
        .col_expr(Column::LastError, Expr::value(cut(Some(reason), 300)))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// One subscription by id.
pub async fn get(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<push_subscription::Model>, DbErr> {
    Entity::find_by_id(id).one(db).await
}
