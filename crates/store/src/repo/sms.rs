//! The SMS outbox: every message the platform sent or tried to send, as its template, its
//! non-secret parameters and its text with secrets masked. A log-in code is never kept
//! here (staff who read the outbox could otherwise log in as anyone).

use super::{Page, PageRequest, page_from};
use crate::Store;
use crate::entity::sms_outbox;
use chrono::{DateTime, Utc};
use daojia_domain::phone::Phone;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Encryption context of an outbox phone.
pub const OUTBOX_PHONE: &str = "sms_outbox.phone";

/// One message to record.
#[derive(Debug, Clone)]
pub struct OutboxEntry<'a> {
    /// Recipient.
    pub phone: &'a Phone,
    /// Template name, e.g. `login_code`.
    pub template: &'a str,
    /// The rendered text with every secret parameter masked.
    pub content: &'a str,
    /// The non-secret parameters (a JSON object).
    pub params: serde_json::Value,
    /// Provider name.
    pub provider: &'a str,
    /// `sent` or `failed`.
    pub status: &'a str,
    /// The provider's message id.
    pub provider_message_id: Option<String>,
    /// The provider's error, when it failed.
    pub error: Option<String>,
}

/// Records a message.
pub async fn record(
    store: &Store,
    e: OutboxEntry<'_>,
    now: DateTime<Utc>,
) -> Result<sms_outbox::Model, DbErr> {
    record_for(store, store.db(), e, None, now).await
}

/// Records a message sent for the outbox event `event_id` in `db` (the consumer's
/// transaction; unique: a second record for one event is refused with a unique violation).
pub async fn record_for_event(
    store: &Store,
    db: &impl ConnectionTrait,
    e: OutboxEntry<'_>,
    event_id: Uuid,
    now: DateTime<Utc>,
) -> Result<sms_outbox::Model, DbErr> {
    record_for(store, db, e, Some(event_id), now).await
}

/// Whether a message was recorded for the outbox event `event_id`.
pub async fn sent_for_event(store: &Store, event_id: Uuid) -> Result<bool, DbErr> {
    Ok(sms_outbox::Entity::find()
        .filter(sms_outbox::Column::EventId.eq(event_id))
        .one(store.db())
        .await?
        .is_some())
}

async fn record_for(
    store: &Store,
    db: &impl ConnectionTrait,
    e: OutboxEntry<'_>,
    event_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<sms_outbox::Model, DbErr> {
    sms_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        created_at: Set(now),
        phone_enc: Set(store.vault().encrypt(OUTBOX_PHONE, e.phone.expose())),
        phone_index: Set(super::accounts::phone_index(store, e.phone)),
        phone_masked: Set(e.phone.masked()),
        template: Set(e.template.to_string()),
        content: Set(e.content.to_string()),
        provider: Set(e.provider.to_string()),
        status: Set(e.status.to_string()),
        provider_message_id: Set(e.provider_message_id),
        error: Set(e.error),
        params: Set(Some(e.params.to_string())),
        event_id: Set(event_id),
    }
    .insert(db)
    .await
}

/// The outbox, newest first, optionally for one phone.
pub async fn list(
    store: &Store,
    phone: Option<&Phone>,
    page: PageRequest,
) -> Result<Page<sms_outbox::Model>, DbErr> {
    let mut q = sms_outbox::Entity::find()
        .order_by_desc(sms_outbox::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(sms_outbox::Column::Id.lt(after));
    }
    if let Some(p) = phone {
        q = q.filter(sms_outbox::Column::PhoneIndex.eq(super::accounts::phone_index(store, p)));
    }
    Ok(page_from(q.all(store.db()).await?, page.limit, |m| m.id))
}
