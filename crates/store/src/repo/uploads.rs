//! Uploaded files and the photos of orders. The bytes are in the server's file store; a row
//! records who uploaded what, its checked type, size, dimensions and digest. A photo is
//! attached to one order once (unique per order and upload).

use crate::entity::{order_photo, upload};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// A new upload's record.
#[derive(Debug, Clone)]
pub struct NewUpload {
    /// Its id (also the file store key).
    pub id: Uuid,
    /// `customer`, `worker` or `staff`.
    pub owner_type: &'static str,
    /// Who.
    pub owner_id: Uuid,
    /// `problem` or `after_sales`.
    pub purpose: String,
    /// Checked type.
    pub content_type: String,
    /// Bytes kept.
    pub size_bytes: i64,
    /// SHA-256 of the bytes kept, hex.
    pub sha256: String,
    /// Pixels across.
    pub width: i32,
    /// Pixels down.
    pub height: i32,
}

/// Records an upload.
pub async fn insert(
    db: &impl ConnectionTrait,
    u: NewUpload,
    now: DateTime<Utc>,
) -> Result<upload::Model, DbErr> {
    upload::ActiveModel {
        id: Set(u.id),
        owner_type: Set(u.owner_type.into()),
        owner_id: Set(u.owner_id),
        purpose: Set(u.purpose),
        content_type: Set(u.content_type),
        size_bytes: Set(u.size_bytes),
        sha256: Set(u.sha256),
        width: Set(u.width),
        height: Set(u.height),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// One upload.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<upload::Model>, DbErr> {
    upload::Entity::find_by_id(id).one(db).await
}

/// How many files an owner uploaded since `since`.
pub async fn count_since(
    db: &impl ConnectionTrait,
    owner_type: &str,
    owner_id: Uuid,
    since: DateTime<Utc>,
) -> Result<u64, DbErr> {
    upload::Entity::find()
        .filter(upload::Column::OwnerType.eq(owner_type))
        .filter(upload::Column::OwnerId.eq(owner_id))
        .filter(upload::Column::CreatedAt.gte(since))
        .count(db)
        .await
}

/// Why photos cannot be attached.
#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    /// Not an upload of this owner for this purpose.
    #[error("photo {0} is not one of yours")]
    NotYours(Uuid),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Attaches the owner's uploads to an order for `purpose` (an upload already attached to
/// this order is left as it is).
pub async fn attach(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    owner_type: &str,
    owner_id: Uuid,
    ids: &[Uuid],
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), AttachError> {
    for id in ids {
        let u = get(db, *id)
            .await?
            .filter(|u| {
                u.owner_type == owner_type && u.owner_id == owner_id && u.purpose == purpose
            })
            .ok_or(AttachError::NotYours(*id))?;
        let already = order_photo::Entity::find()
            .filter(order_photo::Column::OrderId.eq(order_id))
            .filter(order_photo::Column::UploadId.eq(u.id))
            .one(db)
            .await?;
        if already.is_none() {
            order_photo::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(order_id),
                upload_id: Set(u.id),
                purpose: Set(purpose.into()),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// An order's photos, oldest first.
pub async fn photos_of(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<order_photo::Model>, DbErr> {
    order_photo::Entity::find()
        .filter(order_photo::Column::OrderId.eq(order_id))
        .order_by_asc(order_photo::Column::CreatedAt)
        .all(db)
        .await
}

/// Whether an upload is attached to an order.
pub async fn attached_to(db: &impl ConnectionTrait, upload_id: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(order_photo::Entity::find()
        .filter(order_photo::Column::UploadId.eq(upload_id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.order_id)
        .collect())
}
