//! Service items as the console edits them: on shelf or off, with their options, skills,
//! payment mode, description and policy. The field rules are in [`super::item_rules`].

use super::item_rules::{ItemInput, ItemShelfPatch, check_item};
use super::{
    ItemOptionView, PolicyFields, audit, check_fresh, duplicate, policy_view, stamp, strings,
};
use crate::App;
use crate::error::{Error, FieldIssue, Result};
use crate::workers::Actor;
use chrono::{DateTime, Utc};
use daojia_domain::catalog as rules;
use daojia_domain::pricing::ItemOption;
use daojia_store::entity::service_item;
use daojia_store::repo::catalog;
use daojia_store::repo::catalog_admin as repo;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// A service item as the console edits it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminItem {
    /// Code.
    pub code: String,
    /// Category code.
    pub category_code: String,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Description: HTML limited to paragraphs, line breaks, bold, italic, underline,
    /// lists, small headings, quotes and http(s) links.
    pub description: String,
    /// Unit the price is for (次, 台, 只…).
    pub unit: String,
    /// Base price, 分.
    pub base_price_fen: i64,
    /// Base duration, minutes.
    pub base_duration_min: i32,
    /// Packing-up time after the visit, minutes.
    pub buffer_min: i32,
    /// Skills a worker needs.
    pub skills: Vec<String>,
    /// Tools the worker brings.
    pub tools: Vec<String>,
    /// Notes for the customer.
    pub notes: String,
    /// The service record's checklist: steps the worker ticks during the service.
    pub checklist: Vec<String>,
    /// Options; the first choice of each is the default.
    pub options: Vec<ItemOptionView>,
    /// `full` or `deposit`.
    pub payment_mode: String,
    /// Deposit per unit, 分 (0 when paid in full).
    pub deposit_fen: i64,
    /// Bookable by customers.
    pub on_shelf: bool,
    /// Display order (smaller first).
    pub sort: i32,
    /// The item's own order policy; none means the area's (or the platform default).
    pub policy: Option<PolicyFields>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed: send it back with an update to be told of a concurrent edit.
    pub updated_at: DateTime<Utc>,
}

fn item_view(i: &service_item::Model) -> Result<AdminItem> {
    let options: Vec<ItemOption> = serde_json::from_str(&i.options)
        .map_err(|e| Error::internal(format!("item {} has unreadable options: {e}", i.code)))?;
    Ok(AdminItem {
        code: i.code.clone(),
        category_code: i.category_code.clone(),
        name: i.name.clone(),
        name_en: i.name_en.clone(),
        description: i.description.clone(),
        unit: i.unit.clone(),
        base_price_fen: i.base_price_fen,
        base_duration_min: i.base_duration_min,
        buffer_min: i.buffer_min,
        skills: strings(&i.skills),
        tools: strings(&i.tools),
        notes: i.notes.clone(),
        checklist: i.checklist.as_deref().map(strings).unwrap_or_default(),
        options: options.into_iter().map(ItemOptionView::from).collect(),
        payment_mode: i.payment_mode.clone(),
        deposit_fen: i.deposit_fen,
        on_shelf: i.on_shelf,
        sort: i.sort,
        policy: policy_view(i.policy.as_deref()),
        created_at: i.created_at,
        updated_at: i.updated_at,
    })
}

fn item_audit(i: &service_item::Model) -> serde_json::Value {
    item_view(i).map_or_else(|_| json!({"code": i.code}), |v| json!(v))
}

/// Every item, on shelf or off, in display order; with `category`, only those in it and
/// its sub-categories.
pub async fn list(app: &App, category: Option<&str>) -> Result<Vec<AdminItem>> {
    let db = app.store.db();
    let cats = catalog::categories(db).await?;
    let wanted = |code: &str| match category {
        None => true,
        Some(c) => {
            code == c
                || cats
                    .iter()
                    .any(|x| x.code == code && x.parent_code.as_deref() == Some(c))
        }
    };
    repo::items(db)
        .await?
        .iter()
        .filter(|i| wanted(&i.category_code))
        .map(item_view)
        .collect()
}

/// One item.
pub async fn get(app: &App, code: &str) -> Result<AdminItem> {
    let i = repo::item(app.store.db(), code)
        .await?
        .ok_or(Error::NotFound("item"))?;
    item_view(&i)
}

/// The skills an item may ask for: those the platform's active workers have.
pub async fn skills(app: &App) -> Result<Vec<String>> {
    Ok(repo::worker_skills(app.store.db()).await?)
}

/// Adds a service item.
pub async fn create(
    app: &App,
    actor: &Actor,
    req: ItemInput,
    now: DateTime<Utc>,
) -> Result<AdminItem> {
    let code = req.code.clone().unwrap_or_default();
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let cats = catalog::categories(&txn).await?;
        let known = repo::worker_skills(&txn).await?;
        let mut issues = vec![];
        if !rules::is_code(&code) {
            issues.push(FieldIssue::new("code", "invalid", super::CODE_RULE));
        }
        if req.updated_at.is_some() {
            issues.push(FieldIssue::new(
                "updated_at",
                "unexpected",
                "only an update has one",
            ));
        }
        let fields = check_item(req, &cats, &known, None, &mut issues);
        Error::check(issues)?;
        let now = stamp(now);
        let created = repo::create_item(&txn, &code, fields, now)
            .await
            .map_err(duplicate("item", "code"))?;
        let what = ("catalog.item.create", "service_item", code.as_str());
        audit(
            app,
            &txn,
            actor,
            what,
            (None, Some(item_audit(&created))),
            now,
        )
        .await?;
        item_view(&created)
    }
    .await;
    crate::workers::settle(txn, r).await
}

/// Changes every field of service item `code`.
pub async fn update(
    app: &App,
    actor: &Actor,
    code: &str,
    req: ItemInput,
    now: DateTime<Utc>,
) -> Result<AdminItem> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let before = repo::item(&txn, code)
            .await?
            .ok_or(Error::NotFound("item"))?;
        check_fresh(req.updated_at, before.updated_at)?;
        let cats = catalog::categories(&txn).await?;
        let known = repo::worker_skills(&txn).await?;
        let mut issues = vec![];
        if req.code.as_ref().is_some_and(|c| c != code) {
            issues.push(FieldIssue::new(
                "code",
                "immutable",
                "an item's code never changes (orders refer to it); create a new item instead",
            ));
        }
        let fields = check_item(req, &cats, &known, Some(&before), &mut issues);
        Error::check(issues)?;
        let now = stamp(now);
        let after = repo::update_item(&txn, before.clone(), fields, now).await?;
        let what = ("catalog.item.update", "service_item", code);
        let change = (Some(item_audit(&before)), Some(item_audit(&after)));
        audit(app, &txn, actor, what, change, now).await?;
        item_view(&after)
    }
    .await;
    crate::workers::settle(txn, r).await
}

/// The fields of `before` as they are written back.
fn fields_of(before: &service_item::Model) -> repo::ItemFields {
    repo::ItemFields {
        category_code: before.category_code.clone(),
        name: before.name.clone(),
        name_en: before.name_en.clone(),
        description: before.description.clone(),
        unit: before.unit.clone(),
        base_price_fen: before.base_price_fen,
        base_duration_min: before.base_duration_min,
        buffer_min: before.buffer_min,
        skills: before.skills.clone(),
        tools: before.tools.clone(),
        notes: before.notes.clone(),
        checklist: before.checklist.clone(),
        options: before.options.clone(),
        payment_mode: before.payment_mode.clone(),
        deposit_fen: before.deposit_fen,
        on_shelf: before.on_shelf,
        sort: before.sort,
        policy: before.policy.clone(),
    }
}

/// Puts item `code` on or off shelf, or moves it in the display order.
pub async fn patch(
    app: &App,
    actor: &Actor,
    code: &str,
    req: ItemShelfPatch,
    now: DateTime<Utc>,
) -> Result<AdminItem> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let before = repo::item(&txn, code)
            .await?
            .ok_or(Error::NotFound("item"))?;
        if req.on_shelf.is_none() && req.sort.is_none() {
            return Err(Error::field(
                "on_shelf",
                "required",
                "send `on_shelf`, `sort` or both",
            ));
        }
        let action = match req.on_shelf {
            Some(true) if !before.on_shelf => "catalog.item.on_shelf",
            Some(false) if before.on_shelf => "catalog.item.off_shelf",
            _ => "catalog.item.sort",
        };
        let mut fields = fields_of(&before);
        fields.on_shelf = req.on_shelf.unwrap_or(before.on_shelf);
        fields.sort = req.sort.unwrap_or(before.sort);
        let now = stamp(now);
        let after = repo::update_item(&txn, before.clone(), fields, now).await?;
        let change = (
            Some(json!({"on_shelf": before.on_shelf, "sort": before.sort})),
            Some(json!({"on_shelf": after.on_shelf, "sort": after.sort})),
        );
        audit(
            app,
            &txn,
            actor,
            (action, "service_item", code),
            change,
            now,
        )
        .await?;
        item_view(&after)
    }
    .await;
    crate::workers::settle(txn, r).await
}
