//! What dispatch needs from the deposit rules: the deposit an order needs (by its total
//! and the categories of its items, a category's parent included) and the usable deposit
//! of each worker looked at. With no tiers configured neither is read and nothing is
//! gated.

use crate::{App, Result};
use daojia_domain::money::Money;
use daojia_store::entity::{order_line, service_category, service_item, service_order};
use daojia_store::repo::deposits as store;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The category codes of order `order_id`'s items, with their parent categories.
pub async fn categories_of(db: &impl ConnectionTrait, order_id: Uuid) -> Result<Vec<String>> {
    let items: Vec<String> = order_line::Entity::find()
        .select_only()
        .column(order_line::Column::ItemCode)
        .filter(order_line::Column::OrderId.eq(order_id))
        .into_tuple()
        .all(db)
        .await?;
    if items.is_empty() {
        return Ok(vec![]);
    }
    let cats: BTreeSet<String> = service_item::Entity::find()
        .select_only()
        .column(service_item::Column::CategoryCode)
        .filter(service_item::Column::Code.is_in(items))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let parents: Vec<Option<String>> = service_category::Entity::find()
        .select_only()
        .column(service_category::Column::ParentCode)
        .filter(service_category::Column::Code.is_in(cats.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    let mut all = cats;
    all.extend(parents.into_iter().flatten());
    Ok(all.into_iter().collect())
}

/// The deposit order `row` needs, in fen; `None` when deposits are not required.
pub async fn required(
    app: &App,
    db: &impl ConnectionTrait,
    row: &service_order::Model,
) -> Result<Option<i64>> {
    let rules = super::rules(app);
    if !rules.enabled() {
        return Ok(None);
    }
    let cats = categories_of(db, row.id).await?;
    Ok(rules
        .required_for(Money::fen(row.total_fen), &cats)
        .map(Money::as_fen))
}

/// The usable deposit of each of `workers`, in fen (absent: none); empty when deposits
/// are not required.
pub async fn usable(
    app: &App,
    db: &impl ConnectionTrait,
    workers: &[Uuid],
) -> Result<HashMap<Uuid, i64>> {
    if !super::rules(app).enabled() {
        return Ok(HashMap::new());
    }
    Ok(store::usable_of(db, workers)
        .await?
        .into_iter()
        .map(|(w, m)| (w, m.as_fen()))
        .collect())
}
