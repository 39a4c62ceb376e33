//! Notifications (消息通知): the inbox rows, the deliveries of each channel, and people's
//! preferences. A notification is unique by its dedupe key (the event and the recipient),
//! so writing it twice writes it once; its deliveries are written in the same transaction.

use super::{Page, PageRequest, page_from};
use crate::entity::{notification, notification_delivery as delivery, notification_preference};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Delivery states.
pub mod state {
    /// Waiting for its job (now, after quiet hours).
    pub const PENDING: &str = "pending";
    /// Failed and waiting for the next attempt.
    pub const RETRYING: &str = "retrying";
    /// Sent (for the inbox: written).
    pub const SENT: &str = "sent";
    /// Given up after the last attempt, or refused for good.
    pub const FAILED: &str = "failed";
    /// Not sent, and never will be: opted out, no phone, no push subscription.
    pub const SKIPPED: &str = "skipped";
    /// Every state.
    pub const ALL: &[&str] = &[PENDING, RETRYING, SENT, FAILED, SKIPPED];
}

/// A notification to write.
#[derive(Debug, Clone)]
pub struct NewNotification {
    /// `customer` or `worker`.
    pub audience: String,
    /// Who.
    pub recipient_id: Uuid,
    /// Its kind.
    pub kind: String,
    /// What makes it unique.
    pub dedupe_key: String,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    /// The template's variables.
    pub vars: serde_json::Value,
    /// Title (Chinese).
    pub title: String,
    /// Text (Chinese).
    pub body: String,
    /// Where a tap leads.
    pub url: Option<String>,
}

/// One channel's delivery to write with it.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// The channel.
    pub channel: String,
    /// Its first state (`sent` for the inbox, `pending`, or `skipped`).
    pub state: &'static str,
    /// Not before.
    pub not_before: DateTime<Utc>,
    /// Why it was skipped.
    pub note: Option<String>,
}

/// Writes a notification and its deliveries in `db` (a transaction); `Ok(None)` when one
/// with the same dedupe key exists (the caller drops the transaction: on PostgreSQL the
/// failed insert ends it).
pub async fn create(
    db: &impl ConnectionTrait,
    n: NewNotification,
    deliveries: Vec<NewDelivery>,
    now: DateTime<Utc>,
) -> Result<Option<(notification::Model, Vec<delivery::Model>)>, DbErr> {
    let id = Uuid::now_v7();
    let row = notification::ActiveModel {
        id: Set(id),
        audience: Set(n.audience.clone()),
        recipient_id: Set(n.recipient_id),
        kind: Set(n.kind.clone()),
        dedupe_key: Set(n.dedupe_key),
        order_id: Set(n.order_id),
        vars: Set(n.vars.to_string()),
        title: Set(n.title),
        body: Set(n.body),
        url: Set(n.url),
        created_at: Set(now),
        read_at: Set(None),
    };
    let row = match row.insert(db).await {
        Ok(r) => r,
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::with_capacity(deliveries.len());
    for d in deliveries {
        let sent = d.state == state::SENT;
        out.push(
            delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                notification_id: Set(id),
                channel: Set(d.channel),
                kind: Set(n.kind.clone()),
                audience: Set(n.audience.clone()),
                state: Set(d.state.to_string()),
                attempts: Set(i32::from(sent)),
                target: Set(None),
                last_error: Set(d.note),
                not_before: Set(d.not_before),
                sent_at: Set(sent.then_some(now)),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?,
        );
    }
    Ok(Some((row, out)))
}

/// The notification with `dedupe_key`.
pub async fn by_key(
    db: &impl ConnectionTrait,
    dedupe_key: &str,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::DedupeKey.eq(dedupe_key))
        .one(db)
        .await
}

/// One notification.
pub async fn get(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::find_by_id(id).one(db).await
}

/// A recipient's notifications, newest first; only unread ones with `unread_only`.
pub async fn list(
    db: &impl ConnectionTrait,
    audience: &str,
    recipient_id: Uuid,
    unread_only: bool,
    page: PageRequest,
) -> Result<Page<notification::Model>, DbErr> {
    let mut q = notification::Entity::find()
        .filter(notification::Column::Audience.eq(audience))
        .filter(notification::Column::RecipientId.eq(recipient_id))
        .order_by_desc(notification::Column::Id)
        .limit(page.limit + 1);
    if unread_only {
        q = q.filter(notification::Column::ReadAt.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(notification::Column::Id.lt(after));
    }
    Ok(page_from(q.all(db).await?, page.limit, |m| m.id))
}

/// How many of a recipient's notifications are unread.
pub async fn unread(
    db: &impl ConnectionTrait,
    audience: &str,
    recipient_id: Uuid,
) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::Audience.eq(audience))
        .filter(notification::Column::RecipientId.eq(recipient_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// Marks one of a recipient's notifications read (kept as it was when it already is);
/// `None` when it is not theirs.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    audience: &str,
    recipient_id: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::Audience.eq(audience))
        .filter(notification::Column::RecipientId.eq(recipient_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(get(db, id)
        .await?
        .filter(|m| m.audience == audience && m.recipient_id == recipient_id))
}

/// Marks all of a recipient's notifications read; how many were unread.
pub async fn mark_all_read(
    db: &impl ConnectionTrait,
    audience: &str,
    recipient_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::Audience.eq(audience))
        .filter(notification::Column::RecipientId.eq(recipient_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// One delivery.
pub async fn delivery(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<delivery::Model>, DbErr> {
    delivery::Entity::find_by_id(id).one(db).await
}

/// The deliveries of a notification.
pub async fn deliveries_of(
    db: &impl ConnectionTrait,
    notification_id: Uuid,
) -> Result<Vec<delivery::Model>, DbErr> {
    delivery::Entity::find()
        .filter(delivery::Column::NotificationId.eq(notification_id))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await
}

/// The outcome of one attempt at a delivery.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The state after it.
    pub state: String,
    /// Where it went, masked.
    pub target: Option<String>,
    /// Why it failed (or was skipped).
    pub error: Option<String>,
    /// The next attempt (`retrying`), or when quiet hours end (`pending`).
    pub not_before: Option<DateTime<Utc>>,
    /// Whether this was an attempt (a deferral is not).
    pub counts: bool,
}

/// Records an attempt at delivery `id` that was in `from` state with `attempts` attempts;
/// `false` when another runner recorded one meanwhile (the row moved on).
pub async fn record_attempt(
    db: &impl ConnectionTrait,
    d: &delivery::Model,
    a: Attempt,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value(a.state.clone()))
        .col_expr(
            delivery::Column::Attempts,
            Expr::value(d.attempts + i32::from(a.counts)),
        )
        .col_expr(delivery::Column::LastError, Expr::value(a.error))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now));
    if a.target.is_some() {
        q = q.col_expr(delivery::Column::Target, Expr::value(a.target));
    }
    if let Some(t) = a.not_before {
        q = q.col_expr(delivery::Column::NotBefore, Expr::value(t));
    }
    if a.state == state::SENT {
        q = q.col_expr(delivery::Column::SentAt, Expr::value(now));
    }
    let r = q
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::State.eq(d.state.clone()))
        .filter(delivery::Column::Attempts.eq(d.attempts))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Console filters over deliveries.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this channel.
    pub channel: Option<String>,
    /// Only this state.
    pub state: Option<String>,
}

/// Deliveries, newest first, with their notifications.
pub async fn list_deliveries(
    db: &impl ConnectionTrait,
    f: &DeliveryFilter,
    page: PageRequest,
) -> Result<Page<(delivery::Model, Option<notification::Model>)>, DbErr> {
    let mut q = delivery::Entity::find()
        .order_by_desc(delivery::Column::Id)
        .limit(page.limit + 1);
    if let Some(k) = &f.kind {
        q = q.filter(delivery::Column::Kind.eq(k.clone()));
    }
    if let Some(c) = &f.channel {
        q = q.filter(delivery::Column::Channel.eq(c.clone()));
    }
    if let Some(s) = &f.state {
        q = q.filter(delivery::Column::State.eq(s.clone()));
    }
    if let Some(after) = page.after {
        q = q.filter(delivery::Column::Id.lt(after));
    }
    let rows = page_from(q.all(db).await?, page.limit, |m| m.id);
    let ids: Vec<Uuid> = rows.items.iter().map(|d| d.notification_id).collect();
    let ns = if ids.is_empty() {
        vec![]
    } else {
        notification::Entity::find()
            .filter(notification::Column::Id.is_in(ids))
            .all(db)
            .await?
    };
    Ok(Page {
        items: rows
            .items
            .into_iter()
            .map(|d| {
                let n = ns.iter().find(|n| n.id == d.notification_id).cloned();
                (d, n)
            })
            .collect(),
        next_cursor: rows.next_cursor,
    })
}

/// A person's stored preferences.
pub async fn preferences(
    db: &impl ConnectionTrait,
    audience: &str,
    recipient_id: Uuid,
) -> Result<Option<notification_preference::Model>, DbErr> {
    notification_preference::Entity::find_by_id((audience.to_string(), recipient_id))
        .one(db)
        .await
}

/// Saves a person's preferences (replacing what was there).
pub async fn save_preferences(
    db: &impl ConnectionTrait,
    row: notification_preference::Model,
) -> Result<(), DbErr> {
    let exists = preferences(db, &row.audience, row.recipient_id)
        .await?
        .is_some();
    let active = notification_preference::ActiveModel {
        audience: Set(row.audience),
        recipient_id: Set(row.recipient_id),
        opt_outs: Set(row.opt_outs),
        quiet_start: Set(row.quiet_start),
        quiet_end: Set(row.quiet_end),
        updated_at: Set(row.updated_at),
    };
    if exists {
        active.update(db).await?;
    } else {
        match active.insert(db).await {
            Ok(_) => {}
            // Saved by a concurrent request: the last write is as good as this one.
            Err(e) if is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Orders in one of `states` whose window starts in `[from, to)`, soonest first.
pub async fn orders_starting(
    db: &impl ConnectionTrait,
    states: &[&str],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<crate::entity::service_order::Model>, DbErr> {
    use crate::entity::service_order as o;
    o::Entity::find()
        .filter(o::Column::State.is_in(states.iter().map(|s| s.to_string())))
        .filter(o::Column::WindowStart.gte(from))
        .filter(o::Column::WindowStart.lt(to))
        .order_by_asc(o::Column::WindowStart)
        .all(db)
        .await
}

/// Deletes a person's notifications, their deliveries and the person's preferences (the
/// erasure of their account); how many notifications there were.
pub async fn erase_recipient(
    db: &impl ConnectionTrait,
    audience: &str,
    recipient_id: Uuid,
) -> Result<u64, DbErr> {
    let ids: Vec<Uuid> = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .filter(notification::Column::Audience.eq(audience))
        .filter(notification::Column::RecipientId.eq(recipient_id))
        .into_tuple()
        .all(db)
        .await?;
    for chunk in ids.chunks(500) {
        delivery::Entity::delete_many()
            .filter(delivery::Column::NotificationId.is_in(chunk.to_vec()))
            .exec(db)
            .await?;
    }
    let n = notification::Entity::delete_many()
        .filter(notification::Column::Audience.eq(audience))
        .filter(notification::Column::RecipientId.eq(recipient_id))
        .exec(db)
        .await?
        .rows_affected;
    notification_preference::Entity::delete_many()
        .filter(notification_preference::Column::Audience.eq(audience))
        .filter(notification_preference::Column::RecipientId.eq(recipient_id))
        .exec(db)
        .await?;
    Ok(n)
}
