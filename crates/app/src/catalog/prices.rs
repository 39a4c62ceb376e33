//! An area's price overrides: an item's base price there and a markup after the options.

use super::{audit, duplicate, stamp};
use crate::App;
use crate::error::{Error, FieldIssue, Result};
use crate::workers::Actor;
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use daojia_domain::pricing::{self, AreaPrice, ItemOption, Selection};
use daojia_store::entity::{area_item_price, service_item};
use daojia_store::repo::catalog;
use daojia_store::repo::catalog_admin as repo;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// An item's price in one area.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaPriceView {
    /// Item code.
    pub item_code: String,
    /// Item name.
    pub item_name: String,
    /// The item's own base price, 分.
    pub item_base_price_fen: i64,
    /// The base price in this area, 分 (none: the item's).
    pub base_price_fen: Option<i64>,
    /// Percent added (negative: taken off) after the options.
    pub markup_percent: i32,
    /// One unit with the default choices in this area, 分.
    pub default_unit_price_fen: Option<i64>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One unit of `item` in an area priced `area`: with the default choices, or with the
/// cheapest choice of every option when `cheapest`. None when the price is no price.
fn unit_price(item: &service_item::Model, area: Option<&AreaPrice>, cheapest: bool) -> Option<i64> {
    let options: Vec<ItemOption> = serde_json::from_str(&item.options).ok()?;
    let selections: Vec<Selection> = if cheapest {
        options
            .iter()
            .filter_map(|o| {
                let c = o.choices.iter().min_by_key(|c| c.price_delta_fen)?;
                Some(Selection {
                    option: o.code.clone(),
                    choice: c.code.clone(),
                })
            })
            .collect()
    } else {
        vec![]
    };
    pricing::quote(
        Money::fen(item.base_price_fen),
        item.base_duration_min.max(0) as u32,
        &options,
        area,
        &selections,
        1,
    )
    .ok()
    .map(|q| q.unit_price.as_fen())
}

fn area_price_of(o: &area_item_price::Model) -> AreaPrice {
    AreaPrice {
        base_price: o.base_price_fen.map(Money::fen),
        markup_percent: o.markup_percent,
    }
}

fn price_view(o: &area_item_price::Model, item: Option<&service_item::Model>) -> AreaPriceView {
    AreaPriceView {
        item_code: o.item_code.clone(),
        item_name: item.map(|i| i.name.clone()).unwrap_or_default(),
        item_base_price_fen: item.map_or(0, |i| i.base_price_fen),
        base_price_fen: o.base_price_fen,
        markup_percent: o.markup_percent,
        default_unit_price_fen: item.and_then(|i| unit_price(i, Some(&area_price_of(o)), false)),
        updated_at: o.updated_at,
    }
}

fn price_audit(o: &area_item_price::Model) -> Value {
    json!({"area_code": o.area_code, "item_code": o.item_code, "base_price_fen": o.base_price_fen, "markup_percent": o.markup_percent})
}

/// Area `code`'s price overrides, by item code.
pub async fn list(app: &App, code: &str) -> Result<Vec<AreaPriceView>> {
    let db = app.store.db();
    repo::area(db, code).await?.ok_or(Error::NotFound("area"))?;
    let items = repo::items(db).await?;
    let mut out: Vec<AreaPriceView> = catalog::area_prices(db, code)
        .await?
        .iter()
        .map(|o| price_view(o, items.iter().find(|i| i.code == o.item_code)))
        .collect();
    out.sort_by(|a, b| a.item_code.cmp(&b.item_code));
    Ok(out)
}

/// An item's price in an area.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaPriceInput {
    /// Replaces the item's base price here, 分 (1 to 100,000,000); null keeps the item's.
    pub base_price_fen: Option<i64>,
    /// Percent added after the options (−90 to 500; negative takes off).
    #[serde(default)]
    pub markup_percent: i32,
}

fn check_price(item: &service_item::Model, req: &AreaPriceInput) -> Result<()> {
    let mut issues = vec![];
    if let Some(p) = req.base_price_fen
        && !(1..=100_000_000).contains(&p)
    {
        issues.push(FieldIssue::new(
            "base_price_fen",
            "out_of_range",
            "1 to 100,000,000 分, or null for the item's own",
        ));
    }
    if !(-90..=500).contains(&req.markup_percent) {
        issues.push(FieldIssue::new(
            "markup_percent",
            "out_of_range",
            "−90 to 500 percent",
        ));
    }
    let adjusted = AreaPrice {
        base_price: req.base_price_fen.map(Money::fen),
        markup_percent: req.markup_percent,
    };
    if issues.is_empty() && unit_price(item, Some(&adjusted), true).is_none() {
        issues.push(FieldIssue::new(
            "base_price_fen",
            "price",
            "with this price the item's cheapest choices would cost nothing or less",
        ));
    }
    Error::check(issues)
}

/// Sets item `item_code`'s price in area `code`.
pub async fn put(
    app: &App,
    actor: &Actor,
    (code, item_code): (&str, &str),
    req: AreaPriceInput,
    now: DateTime<Utc>,
) -> Result<AreaPriceView> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        repo::area(&txn, code)
            .await?
            .ok_or(Error::NotFound("area"))?;
        let item = repo::item(&txn, item_code)
            .await?
            .ok_or(Error::NotFound("item"))?;
        check_price(&item, &req)?;
        let before = repo::area_price(&txn, code, item_code).await?;
        let now = stamp(now);
        let after = repo::put_area_price(
            &txn,
            code,
            item_code,
            req.base_price_fen,
            req.markup_percent,
            now,
        )
        .await
        .map_err(duplicate("price override", "item"))?;
        let target = format!("{code}/{item_code}");
        let what = ("catalog.area_price.put", "area_item_price", target.as_str());
        let change = (before.as_ref().map(price_audit), Some(price_audit(&after)));
        audit(app, &txn, actor, what, change, now).await?;
        Ok(price_view(&after, Some(&item)))
    }
    .await;
    crate::workers::settle(txn, r).await
}

/// Removes item `item_code`'s price override in area `code` (its own price applies again).
pub async fn delete(
    app: &App,
    actor: &Actor,
    (code, item_code): (&str, &str),
    now: DateTime<Utc>,
) -> Result<()> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let gone = repo::delete_area_price(&txn, code, item_code)
            .await?
            .ok_or(Error::NotFound("price override"))?;
        let target = format!("{code}/{item_code}");
        let what = (
            "catalog.area_price.delete",
            "area_item_price",
            target.as_str(),
        );
        audit(
            app,
            &txn,
            actor,
            what,
            (Some(price_audit(&gone)), None),
            stamp(now),
        )
        .await?;
        Ok(())
    }
    .await;
    crate::workers::settle(txn, r).await
}
