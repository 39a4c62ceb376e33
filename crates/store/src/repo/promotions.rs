//! Promotions (限时特价): the rows, and taking and giving back a place.
//!
//! Taking a place ([`claim`]) is one conditional update, `sold = sold + 1 WHERE id = ? AND
//! sold < quota AND state = 'active'`, in the placement's transaction: the database applies
//! it to the row as it is now (PostgreSQL re-checks the condition on the newest version
//! after waiting for the row, MySQL/MariaDB updates read the latest committed row, SQLite
//! has one writer), so `sold` can never pass `quota`, and a placement that fails later
//! rolls its `+ 1` back with everything else. The updated row stays locked until the
//! placement commits, which serialises the claims of one promotion for the few statements
//! that follow (the per-customer seat and the claim row), and nothing longer: the claim is
//! the last step before the order commits.
//!
//! Giving back ([`release`]) runs in the transaction that cancels the order: the claim is
//! marked released (its seat cleared) and `sold` goes down by one, once per order.

use crate::entity::{promotion, promotion_claim};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// `promotion.state` of a promotion that can be booked (within its sales window).
pub const ACTIVE: &str = "active";
/// `promotion.state` of a promotion staff stopped.
pub const STOPPED: &str = "stopped";

/// What creating a promotion stores.
#[derive(Debug, Clone)]
pub struct NewPromotion {
    /// The item.
    pub item_code: String,
    /// Name shown to customers.
    pub name: String,
    /// Promotional price, fen.
    pub price_fen: i64,
    /// The item's list price now, fen.
    pub list_price_fen: i64,
    /// Bookings in all.
    pub quota: i64,
    /// Per customer.
    pub per_customer: i32,
    /// Area codes (empty: all).
    pub areas: Vec<String>,
    /// Sales open.
    pub starts_at: DateTime<Utc>,
    /// Sales close.
    pub ends_at: DateTime<Utc>,
}

/// Stores a new, active promotion.
pub async fn create(
    db: &impl ConnectionTrait,
    new: NewPromotion,
    now: DateTime<Utc>,
) -> Result<promotion::Model, DbErr> {
    promotion::ActiveModel {
        id: Set(Uuid::now_v7()),
        item_code: Set(new.item_code),
        name: Set(new.name),
        price_fen: Set(new.price_fen),
        list_price_fen: Set(new.list_price_fen),
        quota: Set(new.quota),
        sold: Set(0),
        per_customer: Set(new.per_customer),
        areas: Set(serde_json::to_string(&new.areas).expect("strings serialise")),
        state: Set(ACTIVE.into()),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
}

/// The area codes a promotion is limited to (empty: every area).
pub fn areas(p: &promotion::Model) -> Vec<String> {
    serde_json::from_str(&p.areas).unwrap_or_default()
}

/// One promotion.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<promotion::Model>, DbErr> {
    promotion::Entity::find_by_id(id).one(db).await
}

/// Every promotion, newest sales window first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<promotion::Model>, DbErr> {
    promotion::Entity::find()
        .order_by_desc(promotion::Column::StartsAt)
        .order_by_desc(promotion::Column::Id)
        .all(db)
        .await
}

/// The active promotions whose sales have not closed at `now` (open or about to open),
/// soonest first: what customers are shown.
pub async fn current(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<promotion::Model>, DbErr> {
    promotion::Entity::find()
        .filter(promotion::Column::State.eq(ACTIVE))
        .filter(promotion::Column::EndsAt.gt(now))
        .order_by_asc(promotion::Column::StartsAt)
        .order_by_asc(promotion::Column::Id)
        .all(db)
        .await
}

/// Stops promotion `id`; returns it before and after, `None` when there is no such one.
pub async fn stop(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<(promotion::Model, promotion::Model)>, DbErr> {
    let Some(before) = get(db, id).await? else {
        return Ok(None);
    };
    promotion::Entity::update_many()
        .col_expr(promotion::Column::State, Expr::value(STOPPED))
        .col_expr(promotion::Column::UpdatedAt, Expr::value(now))
        .filter(promotion::Column::Id.eq(id))
        .exec(db)
        .await?;
    let after = get(db, id).await?.ok_or(DbErr::RecordNotFound(
        "the promotion disappeared while it was being stopped".into(),
    ))?;
    Ok(Some((before, after)))
}

/// How many places `customer` holds in promotion `id` (live claims).
pub async fn held_by(db: &impl ConnectionTrait, id: Uuid, customer: Uuid) -> Result<u64, DbErr> {
    promotion_claim::Entity::find()
        .filter(promotion_claim::Column::PromotionId.eq(id))
        .filter(promotion_claim::Column::CustomerId.eq(customer))
        .filter(promotion_claim::Column::Seat.is_not_null())
        .count(db)
        .await
}

/// The claim of order `order_id`, live or released.
pub async fn claim_of(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<promotion_claim::Model>, DbErr> {
    promotion_claim::Entity::find()
        .filter(promotion_claim::Column::OrderId.eq(order_id))
        .one(db)
        .await
}

/// The claim of the first of `orders` that has one (an order of several trades holds it on
/// the visit carrying the promoted line), live or released.
pub async fn claim_among(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> Result<Option<promotion_claim::Model>, DbErr> {
    if orders.is_empty() {
        return Ok(None);
    }
    promotion_claim::Entity::find()
        .filter(promotion_claim::Column::OrderId.is_in(orders.iter().copied()))
        .order_by_asc(promotion_claim::Column::CreatedAt)
        .one(db)
        .await
}

/// What taking a place came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claimed {
    /// The order holds a place.
    Taken,
    /// No place was left, or the promotion is no longer active (the caller reads which).
    NoPlace,
    /// The customer already holds as many places as one customer may.
    LimitReached,
}

/// Takes a place in promotion `p` for `order_id` of `customer` at `price_fen`, in the
/// placement's transaction `tx` (see the module's text). On anything but [`Claimed::Taken`]
/// the caller rolls `tx` back, which also undoes a `sold + 1` already made.
pub async fn claim(
    tx: &impl ConnectionTrait,
    p: &promotion::Model,
    order_id: Uuid,
    customer: Uuid,
    price_fen: i64,
    now: DateTime<Utc>,
) -> Result<Claimed, DbErr> {
    let taken = promotion::Entity::update_many()
        .col_expr(
            promotion::Column::Sold,
            Expr::col(promotion::Column::Sold).add(1),
        )
        .filter(promotion::Column::Id.eq(p.id))
        .filter(promotion::Column::State.eq(ACTIVE))
        .filter(Expr::col(promotion::Column::Sold).lt(Expr::col(promotion::Column::Quota)))
        .exec(tx)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(Claimed::NoPlace);
    }
    // The row is ours until commit: the seats read now are every other claim's of this
    // promotion. The unique key on (promotion, customer, seat) stands behind this read
    // (on MySQL a transaction may read an older snapshot than its lock).
    let held: Vec<Option<i32>> = promotion_claim::Entity::find()
        .select_only()
        .column(promotion_claim::Column::Seat)
        .filter(promotion_claim::Column::PromotionId.eq(p.id))
        .filter(promotion_claim::Column::CustomerId.eq(customer))
        .filter(promotion_claim::Column::Seat.is_not_null())
        .into_tuple()
        .all(tx)
        .await?;
    let Some(seat) = (1..=Ord::max(p.per_customer, 1)).find(|s| !held.contains(&Some(*s))) else {
        return Ok(Claimed::LimitReached);
    };
    let inserted = promotion_claim::ActiveModel {
        id: Set(Uuid::now_v7()),
        promotion_id: Set(p.id),
        order_id: Set(order_id),
        customer_id: Set(customer),
        seat: Set(Some(seat)),
        price_fen: Set(price_fen),
        created_at: Set(now),
        released_at: Set(None),
    }
    .insert(tx)
    .await;
    match inserted {
        Ok(_) => Ok(Claimed::Taken),
        Err(e) if is_unique_violation(&e) => Ok(Claimed::LimitReached),
        Err(e) => Err(e),
    }
}

/// Gives back the place order `order_id` holds, if any, in the transaction that cancels
/// it; true when one was given back. Once per order: a released claim is not released
/// again (the update's condition, read at the row as it is now on every database).
pub async fn release(
    tx: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let released = promotion_claim::Entity::update_many()
        .col_expr(
            promotion_claim::Column::Seat,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(promotion_claim::Column::ReleasedAt, Expr::value(now))
        .filter(promotion_claim::Column::OrderId.eq(order_id))
        .filter(promotion_claim::Column::ReleasedAt.is_null())
        .exec(tx)
        .await?;
    if released.rows_affected == 0 {
        return Ok(false);
    }
    let Some(c) = claim_of(tx, order_id).await? else {
        return Ok(false);
    };
    promotion::Entity::update_many()
        .col_expr(
            promotion::Column::Sold,
            Expr::col(promotion::Column::Sold).sub(1),
        )
        .filter(promotion::Column::Id.eq(c.promotion_id))
        .filter(promotion::Column::Sold.gt(0))
        .exec(tx)
        .await?;
    Ok(true)
}
