//! Payment intents, refunds and the record of applied channel notifications.
//!
//! State changes are compare-and-set updates (`... WHERE id = ? AND state IN (...)`): of two
//! nodes applying the same news at once, one changes the row and the other sees that it did
//! nothing, which is what makes a callback racing the scheduled query harmless. The
//! application layer decides the transitions (`daojia_domain::payment`); this module only
//! writes what it decided.

use crate::entity::{payment_intent, payment_notification, refund};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// An intent to write (state `created`).
#[derive(Debug, Clone)]
pub struct NewIntent {
    /// Our number (`out_trade_no`).
    pub intent_no: String,
    /// The order; `None` for a wallet top-up.
    pub order_id: Option<Uuid>,
    /// `order` or `top_up` (`daojia_domain::wallet::PURPOSE_*`).
    pub purpose: &'static str,
    /// Who pays.
    pub customer_id: Uuid,
    /// Channel code.
    pub channel: String,
    /// Provider code.
    pub provider: String,
    /// In fen.
    pub amount_fen: i64,
    /// When it stops being payable.
    pub expires_at: DateTime<Utc>,
    /// Opened to be shared at the channel (分账).
    pub profit_sharing: bool,
}

/// Writes a new intent in state `created`.
pub async fn insert_intent(
    db: &impl ConnectionTrait,
    new: NewIntent,
    now: DateTime<Utc>,
) -> Result<payment_intent::Model, DbErr> {
    payment_intent::ActiveModel {
        id: Set(Uuid::now_v7()),
        intent_no: Set(new.intent_no),
        order_id: Set(new.order_id),
        customer_id: Set(new.customer_id),
        channel: Set(new.channel),
        provider: Set(new.provider),
        amount_fen: Set(new.amount_fen),
        state: Set("created".into()),
        channel_trade_no: Set(None),
        checkout: Set(None),
        failure: Set(None),
        expires_at: Set(new.expires_at),
        created_at: Set(now),
        updated_at: Set(now),
        succeeded_at: Set(None),
        purpose: Set(new.purpose.into()),
        profit_sharing: Set(new.profit_sharing),
    }
    .insert(db)
    .await
}

/// The intent `id`.
pub async fn intent(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find_by_id(id).one(db).await
}

/// The intent numbered `intent_no`.
pub async fn intent_by_no(
    db: &impl ConnectionTrait,
    intent_no: &str,
) -> Result<Option<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find()
        .filter(payment_intent::Column::IntentNo.eq(intent_no))
        .one(db)
        .await
}

/// The order's intents, oldest first.
pub async fn intents_of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find()
        .filter(payment_intent::Column::OrderId.eq(order_id))
        .order_by_asc(payment_intent::Column::CreatedAt)
        .order_by_asc(payment_intent::Column::Id)
        .all(db)
        .await
}

/// The customer's wallet top-ups, newest first, at most `limit`.
pub async fn top_ups_of(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    limit: u64,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find()
        .filter(payment_intent::Column::CustomerId.eq(customer_id))
        .filter(payment_intent::Column::Purpose.eq(daojia_domain::wallet::PURPOSE_TOP_UP))
        .order_by_desc(payment_intent::Column::CreatedAt)
        .order_by_desc(payment_intent::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Open intents (`created`, `pending`) created before `before`, oldest first.
pub async fn open_intents_before(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find()
        .filter(payment_intent::Column::State.is_in(["created", "pending"]))
        .filter(payment_intent::Column::CreatedAt.lt(before))
        .order_by_asc(payment_intent::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await
}

/// A change of an intent's state, with what the channel said.
#[derive(Debug, Clone, Default)]
pub struct IntentUpdate<'a> {
    /// The channel's transaction id (kept when `None`).
    pub channel_trade_no: Option<&'a str>,
    /// The checkout (kept when `None`).
    pub checkout: Option<&'a str>,
    /// Why it failed (kept when `None`).
    pub failure: Option<&'a str>,
}

/// Moves intent `id` from one of `from` to `to`; `false` when it was no longer in one of
/// `from` (someone else moved it first).
pub async fn set_intent_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: &[&str],
    to: &str,
    update: IntentUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = payment_intent::Entity::update_many()
        .col_expr(payment_intent::Column::State, Expr::value(to))
        .col_expr(payment_intent::Column::UpdatedAt, Expr::value(now));
    if to == "succeeded" {
        q = q.col_expr(payment_intent::Column::SucceededAt, Expr::value(now));
    }
    if let Some(t) = update.channel_trade_no {
        q = q.col_expr(payment_intent::Column::ChannelTradeNo, Expr::value(t));
    }
    if let Some(c) = update.checkout {
        q = q.col_expr(payment_intent::Column::Checkout, Expr::value(c));
    }
    if let Some(f) = update.failure {
        q = q.col_expr(payment_intent::Column::Failure, Expr::value(f));
    }
    let done = q
        .filter(payment_intent::Column::Id.eq(id))
        .filter(payment_intent::Column::State.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// A refund to write (state `requested`).
#[derive(Debug, Clone)]
pub struct NewRefund {
    /// Our number.
    pub refund_no: String,
    /// The intent refunded.
    pub intent_id: Uuid,
    /// Its order.
    pub order_id: Uuid,
    /// In fen.
    pub amount_fen: i64,
    /// What caused it.
    pub origin: String,
    /// Shown to the payer.
    pub reason: Option<String>,
    /// The order transition (`<order id>#<seq>`) whose booked refund it carries, if any.
    pub source: Option<String>,
}

/// Writes a new refund in state `requested`.
pub async fn insert_refund(
    db: &impl ConnectionTrait,
    new: NewRefund,
    now: DateTime<Utc>,
) -> Result<refund::Model, DbErr> {
    refund::ActiveModel {
        id: Set(Uuid::now_v7()),
        refund_no: Set(new.refund_no),
        intent_id: Set(new.intent_id),
        order_id: Set(new.order_id),
        amount_fen: Set(new.amount_fen),
        state: Set("requested".into()),
        origin: Set(new.origin),
        reason: Set(new.reason),
        failure: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
        source: Set(new.source),
    }
    .insert(db)
    .await
}

/// Takes order `order_id`'s row lock until the transaction ends (PostgreSQL and MariaDB
/// `SELECT ... FOR UPDATE`; on SQLite a writing transaction holds the database's write lock
/// from its start, see [`crate::begin`]). Refund bookings take it first: two bookings of
/// one transition (the use case's own and the outbox consumer's) then run one after the
/// other, so the second sees the first's refunds instead of reading that nothing is
/// booked yet and then that nothing is left to refund. False when there is no such order.
pub async fn lock_order(db: &impl ConnectionTrait, order_id: Uuid) -> Result<bool, DbErr> {
    Ok(crate::entity::service_order::Entity::find_by_id(order_id)
        .select_only()
        .column(crate::entity::service_order::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// The refunds that carry the booked refund of order transition `source`.
pub async fn refunds_of_source(
    db: &impl ConnectionTrait,
    source: &str,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::Source.eq(source))
        .all(db)
        .await
}

/// Step `seq` of order `order_id`'s history (what it booked: `refunded_fen`...).
pub async fn order_step(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    seq: u32,
) -> Result<Option<crate::entity::order_event::Model>, DbErr> {
    crate::entity::order_event::Entity::find()
        .filter(crate::entity::order_event::Column::OrderId.eq(order_id))
        .filter(crate::entity::order_event::Column::Seq.eq(seq as i32))
        .one(db)
        .await
}

/// The refund numbered `refund_no`.
pub async fn refund_by_no(
    db: &impl ConnectionTrait,
    refund_no: &str,
) -> Result<Option<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::RefundNo.eq(refund_no))
        .one(db)
        .await
}

/// The intent's refunds, oldest first.
pub async fn refunds_of_intent(
    db: &impl ConnectionTrait,
    intent_id: Uuid,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::IntentId.eq(intent_id))
        .order_by_asc(refund::Column::CreatedAt)
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await
}

/// The order's refunds, oldest first.
pub async fn refunds_of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::OrderId.eq(order_id))
        .order_by_asc(refund::Column::CreatedAt)
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await
}

/// Moves refund `id` from one of `from` to `to` (with why, when it failed); `false` when
/// someone else moved it first.
pub async fn set_refund_state(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: &[&str],
    to: &str,
    failure: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = refund::Entity::update_many()
        .col_expr(refund::Column::State, Expr::value(to))
        .col_expr(refund::Column::UpdatedAt, Expr::value(now));
    if matches!(to, "succeeded" | "failed") {
        q = q.col_expr(refund::Column::FinishedAt, Expr::value(now));
    }
    if let Some(f) = failure {
        q = q.col_expr(refund::Column::Failure, Expr::value(f));
    }
    let done = q
        .filter(refund::Column::Id.eq(id))
        .filter(refund::Column::State.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records that the `provider`'s notification `notification_id` is being applied; `false`
/// when it was applied before (a redelivery: do nothing). Call it in the transaction that
/// applies the notification, so that a rolled-back attempt leaves no record; after `false`
/// roll that transaction back (PostgreSQL refuses further statements in it).
pub async fn record_notification(
    db: &impl ConnectionTrait,
    provider: &str,
    notification_id: &str,
    kind: &str,
    subject_no: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = payment_notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        provider: Set(provider.to_owned()),
        notification_id: Set(notification_id.to_owned()),
        kind: Set(kind.to_owned()),
        subject_no: Set(subject_no.to_owned()),
        received_at: Set(now),
    };
    match payment_notification::Entity::insert(row).exec(db).await {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
