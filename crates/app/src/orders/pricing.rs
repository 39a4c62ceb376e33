//! Pricing an order's lines with the area's overrides: what is due before a worker is
//! sent, the working time, the skills needed and the policy the order is placed under.

use crate::{App, Error, Result};
use daojia_domain::money::Money;
use daojia_domain::order::machine::PaymentPlan;
use daojia_domain::order::policy::Policy;
use daojia_domain::pricing::{self, ItemOption, Selection};
use daojia_store::entity::{promotion, service_area};
use daojia_store::repo::{catalog_rows, orders};

/// One item to price: its code, chosen options, units.
#[derive(Debug, Clone)]
pub struct LineRequest {
    /// Item code.
    pub item: String,
    /// Chosen options (others take their first choice).
    pub options: Vec<Selection>,
    /// Units.
    pub quantity: u32,
}

/// Items priced by the server for one area, with what the visit needs.
#[derive(Debug, Clone)]
pub struct Priced {
    /// The lines.
    pub lines: Vec<orders::NewLine>,
    /// Full payment, or a deposit first.
    pub plan: PaymentPlan,
    /// Working time including the longest packing-up time of the items, minutes.
    pub duration_min: u32,
    /// Skills the worker needs (all items').
    pub skills: Vec<String>,
    /// The rules: the first item's own policy, else the area's, else the default.
    pub policy: Policy,
    /// What each line needs of the visit, in line order (to split an order by trade).
    pub needs: Vec<LineNeeds>,
}

/// What one priced line needs: skills, packing-up time, and what of it is due first.
#[derive(Debug, Clone)]
pub struct LineNeeds {
    /// Skills a worker needs for it.
    pub skills: Vec<String>,
    /// Packing-up time after it, minutes.
    pub buffer_min: u32,
    /// Its deposit when the item takes one (else it is paid in full before dispatch).
    pub deposit: Option<Money>,
}

impl Priced {
    /// The part of the order made of the lines `members` (one trade's visit): their lines,
    /// working time, skills and what is due first; the policy is the order's (the caller
    /// shares its fee cap out, `daojia_domain::bundle::policies`).
    pub fn part(&self, members: &[usize]) -> Priced {
        let needs: Vec<LineNeeds> = members.iter().map(|&i| self.needs[i].clone()).collect();
        let lines: Vec<orders::NewLine> = members.iter().map(|&i| self.lines[i].clone()).collect();
        let mut skills: Vec<String> = vec![];
        for s in needs.iter().flat_map(|n| &n.skills) {
            if !skills.contains(s) {
                skills.push(s.clone());
            }
        }
        let work: u32 = lines.iter().map(|l| l.duration_min).sum();
        let buffer = needs.iter().map(|n| n.buffer_min).max().unwrap_or(0);
        let plan = if needs.iter().any(|n| n.deposit.is_some()) {
            let deposit = needs
                .iter()
                .zip(&lines)
                .map(|(n, l)| n.deposit.unwrap_or(l.total))
                .sum();
            PaymentPlan::Deposit { deposit }
        } else {
            PaymentPlan::Full
        };
        Priced {
            lines,
            plan,
            duration_min: work + buffer,
            skills,
            policy: self.policy,
            needs,
        }
    }
}

/// Prices the lines with the area's price overrides. Errors name the line's field
/// (`items[1].item`, `items[0].quantity`).
pub async fn price(
    app: &App,
    items: Vec<LineRequest>,
    area: &service_area::Model,
) -> Result<Priced> {
    price_with(app, items, area, None).await
}

/// Like [`price`], with the first line of the promotion's item at the promotion's price
/// (replacing the base price and the area's adjustment; the options' differences still
/// apply). That line must be one unit; an order without the item is refused (errors on
/// `items[i].quantity` and `promotion_id`).
pub async fn price_with(
    app: &App,
    items: Vec<LineRequest>,
    area: &service_area::Model,
    promotion: Option<&promotion::Model>,
) -> Result<Priced> {
    price_on(app, None, items, area, promotion).await
}

/// Like [`price_with`], on the catalog rows `rows` when the caller read them already (they
/// must be current: [`catalog_rows::get`] of this request).
pub async fn price_on(
    app: &App,
    rows: Option<std::sync::Arc<catalog_rows::CatalogRows>>,
    items: Vec<LineRequest>,
    area: &service_area::Model,
    promotion: Option<&promotion::Model>,
) -> Result<Priced> {
    let promoted = promotion.map(|p| (items.iter().position(|l| l.item == p.item_code), p));
    if let Some((None, p)) = promoted {
        return Err(Error::field(
            "promotion_id",
            "promotion_item_missing",
            format!(
                "this promotion is for the item `{}`: add it to the order",
                p.item_code
            ),
        ));
    }
    let promoted = promoted.and_then(|(i, p)| Some((i?, p)));
    if items.is_empty() || items.len() > 5 {
        return Err(Error::field("items", "count", "between 1 and 5 items"));
    }
    let rows = match rows {
        Some(r) => r,
        None => catalog_rows::get(app.store.db()).await?,
    };
    let on_shelf = &rows.on_shelf;
    let overrides = rows.prices_in(&area.code);
    let off = rows.not_offered_in(&area.code);
    let mut lines = Vec::with_capacity(items.len());
    let mut deposit = Money::ZERO;
    let mut any_deposit = false;
    let mut duration = 0u32;
    let mut buffer = 0u32;
    let mut skills: Vec<String> = vec![];
    let mut policy: Option<Policy> = None;
    let mut line_needs = Vec::with_capacity(items.len());
    for (i, l) in items.into_iter().enumerate() {
        let item = on_shelf.iter().find(|x| x.code == l.item).ok_or_else(|| {
            Error::field(
                format!("items[{i}].item"),
                "unknown_item",
                format!("`{}` is not on offer", l.item),
            )
        })?;
        if off.contains(&item.code) {
            return Err(Error::field(
                format!("items[{i}].item"),
                "not_offered_here",
                format!("`{}` is not offered at this address", item.name),
            ));
        }
        let options: Vec<ItemOption> =
            serde_json::from_str(&item.options).map_err(Error::internal)?;
        let area_price = match promoted {
            Some((at, p)) if at == i => {
                if l.quantity != 1 {
                    return Err(Error::field(
                        format!("items[{i}].quantity"),
                        "promotion_one_unit",
                        "a promotion prices one unit; order further units as another line",
                    ));
                }
                Some(pricing::AreaPrice {
                    base_price: Some(Money::fen(p.price_fen)),
                    markup_percent: 0,
                })
            }
            _ => overrides
                .iter()
                .find(|o| o.item_code == item.code)
                .map(|o| pricing::AreaPrice {
                    base_price: o.base_price_fen.map(Money::fen),
                    markup_percent: o.markup_percent,
                }),
        };
        let q = pricing::quote(
            Money::fen(item.base_price_fen),
            item.base_duration_min.max(0) as u32,
            &options,
            area_price.as_ref(),
            &l.options,
            l.quantity,
        )
        .map_err(|e| Error::field(format!("items[{i}].{}", e.field), e.code, e.message))?;
        let line_deposit = if item.payment_mode == "deposit" {
            any_deposit = true;
            let d = Money::fen(item.deposit_fen * i64::from(q.quantity)).min(q.total);
            deposit = deposit + d;
            Some(d)
        } else {
            deposit = deposit + q.total;
            None
        };
        duration += q.duration_min;
        buffer = buffer.max(item.buffer_min.max(0) as u32);
        let needs: Vec<String> = serde_json::from_str(&item.skills).unwrap_or_default();
        for s in &needs {
            if !skills.contains(s) {
                skills.push(s.clone());
            }
        }
        line_needs.push(LineNeeds {
            skills: needs,
            buffer_min: item.buffer_min.max(0) as u32,
            deposit: line_deposit,
        });
        if policy.is_none() {
            policy = item
                .policy
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok());
        }
        lines.push(orders::NewLine {
            item_code: item.code.clone(),
            item_name: item.name.clone(),
            quantity: q.quantity,
            unit_price: q.unit_price,
            total: q.total,
            duration_min: q.duration_min,
            selections: q.selections,
        });
    }
    let policy = policy
        .or_else(|| {
            area.policy
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok())
        })
        .unwrap_or_default();
    Ok(Priced {
        lines,
        plan: if any_deposit {
            PaymentPlan::Deposit { deposit }
        } else {
            PaymentPlan::Full
        },
        duration_min: duration + buffer,
        skills,
        policy,
        needs: line_needs,
    })
}
