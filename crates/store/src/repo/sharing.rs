//! Profit sharing's rows (分账): partners' receivers and one `profit_sharing` row per shared
//! payment. Every state change is a compare-and-set on the state it leaves, so a job run
//! twice, a callback and the scheduled query racing each other change a row once.

use crate::entity::{partner_receiver, profit_sharing};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// Asked for; not sent yet, or the answer was lost.
pub const REQUESTED: &str = "requested";
/// Accepted by the channel; the outcome is not known yet.
pub const PROCESSING: &str = "processing";
/// Done: the share reached the receiver (or, for an unfreeze, the money was released).
pub const SUCCEEDED: &str = "succeeded";
/// The channel closed the share (the money stayed with us, released).
pub const FAILED: &str = "failed";
/// The receiver gave the share back (before a refund).
pub const RETURNED: &str = "returned";

/// The receiver of partner `partner_id`, if one is set.
pub async fn receiver(
    db: &impl ConnectionTrait,
    partner_id: Uuid,
) -> Result<Option<partner_receiver::Model>, DbErr> {
    partner_receiver::Entity::find_by_id(partner_id)
        .one(db)
        .await
}

/// Sets partner `partner_id`'s receiver; a changed one must be added at the channel again.
pub async fn set_receiver(
    db: &impl ConnectionTrait,
    partner_id: Uuid,
    mchid: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let same = receiver(db, partner_id)
        .await?
        .is_some_and(|r| r.mchid == mchid && r.name == name);
    if same {
        return Ok(());
    }
    partner_receiver::Entity::insert(partner_receiver::ActiveModel {
        partner_id: Set(partner_id),
        mchid: Set(mchid.to_owned()),
        name: Set(name.to_owned()),
        added_at: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(partner_receiver::Column::PartnerId)
            .update_columns([
                partner_receiver::Column::Mchid,
                partner_receiver::Column::Name,
                partner_receiver::Column::AddedAt,
                partner_receiver::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Records that partner `partner_id`'s receiver (as `mchid`) was added at the channel.
pub async fn receiver_added(
    db: &impl ConnectionTrait,
    partner_id: Uuid,
    mchid: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    partner_receiver::Entity::update_many()
        .col_expr(partner_receiver::Column::AddedAt, Expr::value(Some(now)))
        .filter(partner_receiver::Column::PartnerId.eq(partner_id))
        .filter(partner_receiver::Column::Mchid.eq(mchid))
        .exec(db)
        .await?;
    Ok(())
}

/// A sharing to write.
#[derive(Debug, Clone)]
pub struct NewSharing {
    /// The payment.
    pub intent_id: Uuid,
    /// Its order.
    pub order_id: Uuid,
    /// The partner, when something is shared.
    pub partner_id: Option<Uuid>,
    /// Our number at the channel.
    pub out_order_no: String,
    /// The channel's number of the payment.
    pub transaction_id: String,
    /// The receiver, when something is shared.
    pub receiver_mchid: Option<String>,
    /// The share, in fen (0: unfreeze only).
    pub amount_fen: i64,
}

/// Writes `new` as `requested` unless its payment has a sharing already; returns the row
/// written, `None` when there was one.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: NewSharing,
    now: DateTime<Utc>,
) -> Result<Option<profit_sharing::Model>, DbErr> {
    if of_intent(db, new.intent_id).await?.is_some() {
        return Ok(None);
    }
    let id = Uuid::now_v7();
    profit_sharing::Entity::insert(profit_sharing::ActiveModel {
        id: Set(id),
        intent_id: Set(new.intent_id),
        order_id: Set(new.order_id),
        partner_id: Set(new.partner_id),
        out_order_no: Set(new.out_order_no),
        transaction_id: Set(new.transaction_id),
        receiver_mchid: Set(new.receiver_mchid),
        amount_fen: Set(new.amount_fen),
        state: Set(REQUESTED.into()),
        wx_order_id: Set(None),
        fail_reason: Set(None),
        return_no: Set(None),
        returned_fen: Set(0),
        attempts: Set(0),
        requested_at: Set(now),
        finished_at: Set(None),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    by_id(db, id).await
}

/// The row `id`.
pub async fn by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<profit_sharing::Model>, DbErr> {
    profit_sharing::Entity::find_by_id(id).one(db).await
}

/// The row numbered `out_order_no` at the channel.
pub async fn by_out_order_no(
    db: &impl ConnectionTrait,
    out_order_no: &str,
) -> Result<Option<profit_sharing::Model>, DbErr> {
    profit_sharing::Entity::find()
        .filter(profit_sharing::Column::OutOrderNo.eq(out_order_no))
        .one(db)
        .await
}

/// The sharing of payment `intent_id`, if any.
pub async fn of_intent(
    db: &impl ConnectionTrait,
    intent_id: Uuid,
) -> Result<Option<profit_sharing::Model>, DbErr> {
    profit_sharing::Entity::find()
        .filter(profit_sharing::Column::IntentId.eq(intent_id))
        .one(db)
        .await
}

/// The sharings of order `order_id`, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<profit_sharing::Model>, DbErr> {
    profit_sharing::Entity::find()
        .filter(profit_sharing::Column::OrderId.eq(order_id))
        .order_by_asc(profit_sharing::Column::RequestedAt)
        .all(db)
        .await
}

/// Sharings still `requested` or `processing` whose last change is at or before `cutoff`.
pub async fn open(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<profit_sharing::Model>, DbErr> {
    profit_sharing::Entity::find()
        .filter(profit_sharing::Column::State.is_in([REQUESTED, PROCESSING]))
        .filter(profit_sharing::Column::UpdatedAt.lte(cutoff))
        .order_by_asc(profit_sharing::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await
}

/// What a state change records.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The channel's number of the sharing order.
    pub wx_order_id: Option<String>,
    /// Why it failed.
    pub fail_reason: Option<String>,
    /// The return's number.
    pub return_no: Option<String>,
    /// Given back so far.
    pub returned_fen: Option<i64>,
    /// It reached a final state.
    pub finished: bool,
}

/// Moves row `id` from `from` to `to` (compare-and-set); `true` when this call moved it.
pub async fn advance(
    db: &impl ConnectionTrait,
    id: Uuid,
    from: &str,
    to: &str,
    change: Change,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = profit_sharing::Entity::update_many()
        .col_expr(profit_sharing::Column::State, Expr::value(to))
        .col_expr(profit_sharing::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            profit_sharing::Column::Attempts,
            Expr::col(profit_sharing::Column::Attempts).add(1),
        );
    if let Some(v) = change.wx_order_id {
        q = q.col_expr(profit_sharing::Column::WxOrderId, Expr::value(Some(v)));
    }
    if let Some(v) = change.fail_reason {
        q = q.col_expr(profit_sharing::Column::FailReason, Expr::value(Some(v)));
    }
    if let Some(v) = change.return_no {
        q = q.col_expr(profit_sharing::Column::ReturnNo, Expr::value(Some(v)));
    }
    if let Some(v) = change.returned_fen {
        q = q.col_expr(profit_sharing::Column::ReturnedFen, Expr::value(v));
    }
    if change.finished {
        q = q.col_expr(profit_sharing::Column::FinishedAt, Expr::value(Some(now)));
    }
    let r = q
        .filter(profit_sharing::Column::Id.eq(id))
        .filter(profit_sharing::Column::State.eq(from))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// WeChat payments opened to be shared (so frozen at the channel) whose order was
/// cancelled, that have no sharing row and no refund in flight: their order will never be
/// settled and shared, so what the refunds left of them is still frozen. Oldest first, at
/// most `limit`.
pub async fn frozen_of_cancelled(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<crate::entity::payment_intent::Model>, DbErr> {
    use crate::entity::{payment_intent, refund, service_order};
    use sea_orm::sea_query::Query;
    payment_intent::Entity::find()
        .filter(payment_intent::Column::ProfitSharing.eq(true))
        .filter(payment_intent::Column::Provider.eq("wechat"))
        .filter(payment_intent::Column::State.eq("succeeded"))
        .filter(payment_intent::Column::ChannelTradeNo.is_not_null())
        .filter(
            payment_intent::Column::OrderId.in_subquery(
                Query::select()
                    .column(service_order::Column::Id)
                    .from(service_order::Entity)
                    .and_where(service_order::Column::State.eq("cancelled"))
                    .to_owned(),
            ),
        )
        .filter(
            payment_intent::Column::Id.not_in_subquery(
                Query::select()
                    .column(profit_sharing::Column::IntentId)
                    .from(profit_sharing::Entity)
                    .to_owned(),
            ),
        )
        .filter(
            payment_intent::Column::Id.not_in_subquery(
                Query::select()
                    .column(refund::Column::IntentId)
                    .from(refund::Entity)
                    .and_where(refund::Column::State.is_in(["requested", "processing"]))
                    .to_owned(),
            ),
        )
        // Something is left: a payment refunded whole is released by the channel itself.
        .filter(Expr::cust(
            "payment_intent.amount_fen > (SELECT COALESCE(SUM(r.amount_fen), 0) FROM refund r \
             WHERE r.intent_id = payment_intent.id AND r.state <> 'failed')",
        ))
        .order_by_asc(payment_intent::Column::SucceededAt)
        .order_by_asc(payment_intent::Column::Id)
        .limit(limit)
        .all(db)
        .await
}
