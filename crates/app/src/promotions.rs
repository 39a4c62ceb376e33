//! Promotions (限时特价, 秒杀): staff with `marketing.write` (市场运营) create, list and stop them
//! (audited); customers see the current ones with the places left, and book one by naming
//! it when they place an order.
//!
//! A booking at a promotion is checked twice. First with one cheap read before anything is
//! locked ([`check`]): once a promotion is sold out, every further customer is told so
//! without queueing for the booking lock. Then exactly, as the placement's last step
//! ([`take`], `daojia_store::repo::promotions::claim`): the sold count is raised only while
//! it is below the quota, so a promotion is never oversold, whatever the concurrency.

use crate::error::FieldIssue;
use crate::workers::Actor;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::promotion::{Standing, Terms};
use daojia_store::entity::promotion;
use daojia_store::repo::promotions::{self as repo, Claimed};
use daojia_store::repo::{catalog, catalog_admin};
use sea_orm::DatabaseTransaction;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A new promotion as staff enter it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromotionInput {
    /// The service item it prices.
    pub item_code: String,
    /// Name shown to customers (up to 64 characters).
    pub name: String,
    /// Promotional price of one unit, fen: above zero and below the item's base price
    /// (options still add their price differences).
    pub price_fen: i64,
    /// Bookings it may take in all.
    pub quota: i64,
    /// Bookings one customer may hold at once (default 1).
    #[serde(default = "one")]
    pub per_customer: i64,
    /// Service-area codes it is limited to (empty: every area).
    #[serde(default)]
    pub areas: Vec<String>,
    /// Sales open (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// Sales close (RFC 3339), after `starts_at`.
    pub ends_at: DateTime<Utc>,
}

fn one() -> i64 {
    1
}

/// A promotion as staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PromotionView {
    /// Its id.
    pub id: Uuid,
    /// The item.
    pub item_code: String,
    /// Name shown to customers.
    pub name: String,
    /// Promotional price, fen.
    pub price_fen: i64,
    /// The item's base price when the promotion was made, fen.
    pub list_price_fen: i64,
    /// Bookings in all.
    pub quota: i64,
    /// Live bookings holding a place.
    pub sold: i64,
    /// Places left.
    pub remaining: i64,
    /// Per customer.
    pub per_customer: i32,
    /// Area codes (empty: every area).
    pub areas: Vec<String>,
    /// `active` or `stopped`.
    pub state: String,
    /// Now: `open`, `not_started`, `ended`, `stopped` or `sold_out`.
    pub standing: String,
    /// Sales open.
    pub starts_at: DateTime<Utc>,
    /// Sales close.
    pub ends_at: DateTime<Utc>,
    /// Made.
    pub created_at: DateTime<Utc>,
}

/// A current promotion as customers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPromotion {
    /// Its id (send it as `promotion_id` when placing the order).
    pub id: Uuid,
    /// The item.
    pub item_code: String,
    /// Name.
    pub name: String,
    /// Promotional price, fen.
    pub price_fen: i64,
    /// The usual price, fen (shown crossed out).
    pub list_price_fen: i64,
    /// Places left.
    pub remaining: i64,
    /// Places in all.
    pub quota: i64,
    /// Per customer.
    pub per_customer: i32,
    /// Area codes (empty: every area).
    pub areas: Vec<String>,
    /// `open`, `not_started` or `sold_out`.
    pub standing: String,
    /// Sales open.
    pub starts_at: DateTime<Utc>,
    /// Sales close.
    pub ends_at: DateTime<Utc>,
}

/// The promotion an order was booked at, as the order shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BookedPromotion {
    /// The promotion's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The promotional price of one unit, fen (before the options' differences).
    pub price_fen: i64,
    /// The item's usual price when the promotion was made, fen (shown crossed out).
    pub list_price_fen: i64,
    /// The unit price the order's promoted line got, fen (options included).
    pub unit_price_fen: i64,
    /// True once the order gave its place back (it was cancelled); it keeps the price.
    pub released: bool,
}

/// The promotion the order of `visits` (the order's id first, then its other visits) was
/// booked at, if any. Read through `db`, which may be the placement's transaction.
pub async fn booked(
    db: &impl sea_orm::ConnectionTrait,
    visits: &[Uuid],
) -> Result<Option<BookedPromotion>> {
    let Some(c) = repo::claim_among(db, visits).await? else {
        return Ok(None);
    };
    let Some(p) = repo::get(db, c.promotion_id).await? else {
        return Ok(None);
    };
    Ok(Some(BookedPromotion {
        id: p.id,
        name: p.name,
        price_fen: p.price_fen,
        list_price_fen: p.list_price_fen,
        unit_price_fen: c.price_fen,
        released: c.released_at.is_some(),
    }))
}

fn standing(p: &promotion::Model, now: DateTime<Utc>) -> Standing {
    Standing::at(
        p.state == repo::STOPPED,
        p.starts_at,
        p.ends_at,
        p.sold,
        p.quota,
        now,
    )
}

fn view(p: &promotion::Model, now: DateTime<Utc>) -> PromotionView {
    PromotionView {
        id: p.id,
        item_code: p.item_code.clone(),
        name: p.name.clone(),
        price_fen: p.price_fen,
        list_price_fen: p.list_price_fen,
        quota: p.quota,
        sold: p.sold,
        remaining: (p.quota - p.sold).max(0),
        per_customer: p.per_customer,
        areas: repo::areas(p),
        state: p.state.clone(),
        standing: standing(p, now).as_str().into(),
        starts_at: p.starts_at,
        ends_at: p.ends_at,
        created_at: p.created_at,
    }
}

/// Every promotion with its sold count, newest first.
pub async fn list(app: &App, now: DateTime<Utc>) -> Result<Vec<PromotionView>> {
    Ok(repo::all(app.store.db())
        .await?
        .iter()
        .map(|p| view(p, now))
        .collect())
}

/// The promotions customers may see at `now` (not stopped, sales not closed), with the
/// places left; only those of `area` (and those of every area) when one is given.
pub async fn current(
    app: &App,
    area: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<PublicPromotion>> {
    Ok(repo::current(app.store.db(), now)
        .await?
        .iter()
        .filter(|p| area.is_none_or(|a| covers(p, a)))
        .map(|p| PublicPromotion {
            id: p.id,
            item_code: p.item_code.clone(),
            name: p.name.clone(),
            price_fen: p.price_fen,
            list_price_fen: p.list_price_fen,
            remaining: (p.quota - p.sold).max(0),
            quota: p.quota,
            per_customer: p.per_customer,
            areas: repo::areas(p),
            standing: standing(p, now).as_str().into(),
            starts_at: p.starts_at,
            ends_at: p.ends_at,
        })
        .collect())
}

fn covers(p: &promotion::Model, area: &str) -> bool {
    let areas = repo::areas(p);
    areas.is_empty() || areas.iter().any(|a| a == area)
}

/// Creates a promotion (audited `promotion.create`); it is active from `starts_at`.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: PromotionInput,
    now: DateTime<Utc>,
) -> Result<PromotionView> {
    let db = app.store.db();
    let code = input.item_code.trim();
    let item = catalog_admin::item(db, code).await?;
    let mut issues: Vec<FieldIssue> = vec![];
    if item.is_none() {
        issues.push(FieldIssue::new(
            "item_code",
            "unknown_item",
            format!("no service item `{code}`"),
        ));
    }
    let list_price = item.as_ref().map_or(i64::MAX, |i| i.base_price_fen);
    let terms = Terms {
        name: input.name.clone(),
        list_price: Money::fen(list_price),
        price: Money::fen(input.price_fen),
        quota: input.quota,
        per_customer: input.per_customer,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
    };
    issues.extend(terms.check().into_iter().map(FieldIssue::from));
    let known: Vec<String> = catalog::areas(db)
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    let mut areas: Vec<String> = vec![];
    for (i, a) in input.areas.iter().enumerate() {
        let a = a.trim();
        if !known.iter().any(|k| k == a) {
            issues.push(FieldIssue::new(
                format!("areas[{i}]"),
                "unknown_area",
                format!("no service area `{a}`"),
            ));
        } else if !areas.iter().any(|x| x == a) {
            areas.push(a.to_string());
        }
    }
    Error::check(issues)?;
    let tx = daojia_store::begin(db).await?;
    let new = repo::NewPromotion {
        item_code: code.to_string(),
        name: input.name.trim().to_string(),
        price_fen: input.price_fen,
        list_price_fen: list_price,
        quota: input.quota,
        per_customer: input.per_customer as i32,
        areas,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
    };
    let p = repo::create(&tx, new, now).await?;
    let v = view(&p, now);
    actor
        .audit(
            app,
            &tx,
            "promotion.create",
            p.id,
            (None, serde_json::to_value(&v).ok()),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(v)
}

/// Stops a promotion (audited `promotion.stop`): no further bookings take it; those made
/// keep their price.
pub async fn stop(app: &App, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<PromotionView> {
    let tx = daojia_store::begin(app.store.db()).await?;
    let Some((before, after)) = repo::stop(&tx, id, now).await? else {
        let _ = tx.rollback().await;
        return Err(Error::NotFound("promotion"));
    };
    let v = view(&after, now);
    actor
        .audit(
            app,
            &tx,
            "promotion.stop",
            id,
            (
                serde_json::to_value(view(&before, now)).ok(),
                serde_json::to_value(&v).ok(),
            ),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(v)
}

fn refused(s: Standing) -> Error {
    let (code, message) = s.refusal().unwrap_or((
        "promotion_sold_out",
        "every place of this promotion is taken",
    ));
    Error::ConflictAt {
        code,
        field: "promotion_id".into(),
        message: message.into(),
    }
}

fn limit_reached(p: &promotion::Model) -> Error {
    Error::ConflictAt {
        code: "promotion_limit_reached",
        field: "promotion_id".into(),
        message: format!(
            "one customer may hold {} booking(s) of this promotion",
            p.per_customer
        ),
    }
}

/// The cheap check before a booking at promotion `id` reads or locks anything else: it
/// exists, is open at `now` and not sold out, and `customer` holds fewer places than one
/// customer may. Two reads by key. Errors concern `promotion_id`.
pub(crate) async fn check(
    app: &App,
    id: Uuid,
    customer: Uuid,
    now: DateTime<Utc>,
) -> Result<promotion::Model> {
    let db = app.store.db();
    let p = repo::get(db, id)
        .await?
        .ok_or_else(|| Error::field("promotion_id", "unknown_promotion", "no such promotion"))?;
    let s = standing(&p, now);
    if s != Standing::Open {
        return Err(refused(s));
    }
    if repo::held_by(db, id, customer).await? >= p.per_customer.max(1) as u64 {
        return Err(limit_reached(&p));
    }
    Ok(p)
}

/// Whether promotion `p` is offered in `area` (the address's); errors concern
/// `promotion_id`.
pub(crate) fn check_area(p: &promotion::Model, area: &str) -> Result<()> {
    if covers(p, area) {
        Ok(())
    } else {
        Err(Error::ConflictAt {
            code: "promotion_not_offered_here",
            field: "promotion_id".into(),
            message: "this promotion is not offered at this address".into(),
        })
    }
}

/// Takes the place of order `order_id` in `p` at `price_fen`, in the placement's
/// transaction (its last step, see the module's text). On an error the caller rolls `tx`
/// back.
pub(crate) async fn take(
    tx: &DatabaseTransaction,
    p: &promotion::Model,
    order_id: Uuid,
    customer: Uuid,
    price_fen: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    match repo::claim(tx, p, order_id, customer, price_fen, now).await? {
        Claimed::Taken => Ok(()),
        Claimed::LimitReached => Err(limit_reached(p)),
        Claimed::NoPlace => {
            // Stopped meanwhile, or sold out: say which.
            let s = match repo::get(tx, p.id).await? {
                Some(now_p) if now_p.state == repo::STOPPED => Standing::Stopped,
                _ => Standing::SoldOut,
            };
            Err(refused(s))
        }
    }
}
