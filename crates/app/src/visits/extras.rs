//! Extra items (加项, issue 11): at the door or during the service the worker proposes items
//! from the catalog, priced as the order's area prices them with their default choices; the
//! customer confirms or declines each in their app before it reaches the bill. A price the
//! app sends must be the catalog's (a tampered or stale price is refused); an item not on
//! offer in the area is refused. Confirmed, the extra is an order line and the order's
//! total grows, so the balance owed grows with it (paid before the customer confirms the
//! service).

use super::{check_device_time, worker_order};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::pricing::{self, AreaPrice, ItemOption};
use daojia_store::entity::{order_extra, service_item};
use daojia_store::repo::extras::{self as stored, ExtraError, NewExtra};
use daojia_store::repo::{catalog, orders};
use uuid::Uuid;

/// Most units of one extra.
pub const MAX_QUANTITY: u32 = 20;
/// Most extras on one order.
pub const MAX_PER_ORDER: usize = 10;

/// An item the worker may propose on a job, priced for its area.
#[derive(Debug, Clone)]
pub struct Offer {
    /// Item code.
    pub item_code: String,
    /// Name.
    pub name: String,
    /// One unit with the default choices, 分.
    pub unit_price_fen: i64,
    /// Minutes one unit takes.
    pub duration_min: u32,
}

/// What the worker proposes.
#[derive(Debug, Clone)]
pub struct Proposal {
    /// Item code.
    pub item: String,
    /// Units (1 to [`MAX_QUANTITY`]).
    pub quantity: u32,
    /// The unit price the app showed, 分: refused unless it is the catalog's.
    pub unit_price_fen: Option<i64>,
    /// The phone's time, when sent later (queued offline).
    pub device_at: Option<DateTime<Utc>>,
}

fn from_store(e: ExtraError) -> Error {
    match e {
        ExtraError::NotFound => Error::NotFound("extra"),
        ExtraError::State(s) => Error::conflict(
            "extra_not_allowed",
            format!("extras can no longer be changed: the order is {s}"),
        ),
        ExtraError::Decided(s) => {
            Error::conflict("extra_decided", format!("this extra was {s} already"))
        }
        ExtraError::Busy => Error::conflict("busy", "the order kept changing; try again"),
        ExtraError::Db(e) => e.into(),
    }
}

fn priced(
    item: &service_item::Model,
    overrides: &[daojia_store::entity::area_item_price::Model],
    quantity: u32,
) -> Result<pricing::Quote> {
    let options: Vec<ItemOption> = serde_json::from_str(&item.options).map_err(Error::internal)?;
    let area = overrides
        .iter()
        .find(|o| o.item_code == item.code)
        .map(|o| AreaPrice {
            base_price: o.base_price_fen.map(Money::fen),
            markup_percent: o.markup_percent,
        });
    pricing::quote(
        Money::fen(item.base_price_fen),
        item.base_duration_min.max(0) as u32,
        &options,
        area.as_ref(),
        &[],
        quantity,
    )
    .map_err(|e| Error::field(e.field, e.code, e.message))
}

/// The items on offer in `area`, with their prices there.
async fn catalog_for(
    app: &App,
    area: Option<&str>,
) -> Result<(
    Vec<service_item::Model>,
    Vec<daojia_store::entity::area_item_price::Model>,
)> {
    let db = app.store.db();
    let mut items = catalog::items_on_shelf(db).await?;
    let overrides = match area {
        Some(a) => {
            let off = catalog::items_not_offered(db, a).await?;
            items.retain(|i| !off.contains(&i.code));
            catalog::area_prices(db, a).await?
        }
        None => vec![],
    };
    Ok((items, overrides))
}

/// The extras of the worker's job and the items they may propose on it.
pub async fn for_worker(
    app: &App,
    worker: Uuid,
    order_id: Uuid,
) -> Result<(Vec<order_extra::Model>, Vec<Offer>)> {
    let row = worker_order(app, worker, order_id).await?;
    let extras = stored::of_order(app.store.db(), order_id).await?;
    let (items, overrides) = catalog_for(app, row.area_code.as_deref()).await?;
    let offers = items
        .iter()
        .filter_map(|i| {
            let q = priced(i, &overrides, 1).ok()?;
            Some(Offer {
                item_code: i.code.clone(),
                name: i.name.clone(),
                unit_price_fen: q.unit_price.as_fen(),
                duration_min: q.duration_min,
            })
        })
        .collect();
    Ok((extras, offers))
}

/// The worker proposes an extra on their job (at the door or in service).
pub async fn propose(
    app: &App,
    worker: Uuid,
    order_id: Uuid,
    p: &Proposal,
    now: DateTime<Utc>,
) -> Result<order_extra::Model> {
    let row = worker_order(app, worker, order_id).await?;
    check_device_time(app, p.device_at, now)?;
    if !(1..=MAX_QUANTITY).contains(&p.quantity) {
        return Err(Error::field(
            "quantity",
            "out_of_range",
            format!("1 to {MAX_QUANTITY} units"),
        ));
    }
    let (items, overrides) = catalog_for(app, row.area_code.as_deref()).await?;
    let Some(item) = items.iter().find(|i| i.code == p.item) else {
        return Err(Error::field(
            "item",
            "unknown_item",
            format!("`{}` is not on offer at this address", p.item),
        ));
    };
    let q = priced(item, &overrides, p.quantity)?;
    if let Some(shown) = p.unit_price_fen
        && shown != q.unit_price.as_fen()
    {
        return Err(Error::field(
            "unit_price_fen",
            "price_mismatch",
            format!(
                "the catalog's price is {} fen a unit, not {shown}: reload the items",
                q.unit_price.as_fen()
            ),
        ));
    }
    if stored::of_order(app.store.db(), order_id).await?.len() >= MAX_PER_ORDER {
        return Err(Error::conflict(
            "too_many_extras",
            format!("at most {MAX_PER_ORDER} extras on one order"),
        ));
    }
    let new = NewExtra {
        order_id,
        worker_id: worker,
        item_code: item.code.clone(),
        item_name: item.name.clone(),
        quantity: q.quantity as i32,
        unit_price_fen: q.unit_price.as_fen(),
        total_fen: q.total.as_fen(),
        duration_min: q.duration_min as i32,
        selections: serde_json::to_string(&q.selections).map_err(Error::internal)?,
        device_at: p.device_at,
    };
    let done = stored::propose(&app.store, &new, now)
        .await
        .map_err(from_store)?;
    app.wake_relay();
    Ok(done)
}

/// The customer's order `order_id` (someone else's is "not found").
async fn customer_order(app: &App, customer: Uuid, order_id: Uuid) -> Result<()> {
    orders::get(app.store.db(), order_id)
        .await?
        .filter(|r| r.customer_id == customer)
        .ok_or(Error::NotFound("order"))?;
    Ok(())
}

/// The extras of the customer's order.
pub async fn for_customer(
    app: &App,
    customer: Uuid,
    order_id: Uuid,
) -> Result<Vec<order_extra::Model>> {
    customer_order(app, customer, order_id).await?;
    Ok(stored::of_order(app.store.db(), order_id).await?)
}

/// The extras of an order, oldest first, for staff who see the order (a partner's staff:
/// their workers' orders only; any other is not found).
pub async fn for_staff(
    app: &App,
    scope: crate::workers::Scope,
    order_id: Uuid,
) -> Result<Vec<order_extra::Model>> {
    crate::orders::read::get(app, scope, order_id).await?;
    Ok(stored::of_order(app.store.db(), order_id).await?)
}

/// The customer confirms (`confirm`) or declines an extra proposed on their order. Deciding
/// the same way again answers the extra as it is.
pub async fn decide(
    app: &App,
    customer: Uuid,
    order_id: Uuid,
    extra_id: Uuid,
    confirm: bool,
    now: DateTime<Utc>,
) -> Result<order_extra::Model> {
    customer_order(app, customer, order_id).await?;
    let (row, changed) = stored::decide(&app.store, order_id, extra_id, confirm, now)
        .await
        .map_err(from_store)?;
    if changed {
        app.wake_relay();
    }
    Ok(row)
}
