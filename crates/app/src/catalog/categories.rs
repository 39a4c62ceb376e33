//! The category tree (two levels): top-level categories and their sub-categories.

use super::{audit, duplicate};
use crate::App;
use crate::error::{Error, FieldIssue, Result};
use crate::workers::Actor;
use chrono::{DateTime, Utc};
use daojia_domain::catalog as rules;
use daojia_store::entity::{service_category, service_item};
use daojia_store::repo::catalog;
use daojia_store::repo::catalog_admin as repo;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A sub-category.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSubcategory {
    /// Code.
    pub code: String,
    /// Parent category code.
    pub parent_code: Option<String>,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Display order (smaller first).
    pub sort: i32,
    /// Items in it, on shelf or not.
    pub item_count: u32,
}

/// A top-level category with its sub-categories.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCategory {
    /// Code.
    pub code: String,
    /// Always none for a top-level category.
    pub parent_code: Option<String>,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Display order (smaller first).
    pub sort: i32,
    /// Items directly in it, on shelf or not.
    pub item_count: u32,
    /// Sub-categories in display order.
    pub children: Vec<AdminSubcategory>,
}

fn sub_view(c: &service_category::Model, items: &[service_item::Model]) -> AdminSubcategory {
    AdminSubcategory {
        code: c.code.clone(),
        parent_code: c.parent_code.clone(),
        name: c.name.clone(),
        name_en: c.name_en.clone(),
        sort: c.sort,
        item_count: items.iter().filter(|i| i.category_code == c.code).count() as u32,
    }
}

fn tree(cats: &[service_category::Model], items: &[service_item::Model]) -> Vec<AdminCategory> {
    let known = |code: &Option<String>| {
        code.as_ref()
            .is_some_and(|p| cats.iter().any(|c| &c.code == p))
    };
    cats.iter()
        // A category whose parent is gone shows at the top so it can be fixed.
        .filter(|c| !known(&c.parent_code))
        .map(|c| {
            let s = sub_view(c, items);
            AdminCategory {
                children: cats
                    .iter()
                    .filter(|x| x.parent_code.as_deref() == Some(c.code.as_str()))
                    .map(|x| sub_view(x, items))
                    .collect(),
                code: s.code,
                parent_code: s.parent_code,
                name: s.name,
                name_en: s.name_en,
                sort: s.sort,
                item_count: s.item_count,
            }
        })
        .collect()
}

/// A category to create or the new values of one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// Code (on create only; codes never change): lowercase letters, digits, `_`, `-`.
    pub code: Option<String>,
    /// Parent (a top-level category), or none for a top-level one.
    pub parent_code: Option<String>,
    /// 中文 name (1–64 characters).
    pub name: String,
    /// English name (1–64 characters).
    pub name_en: String,
    /// Display order (smaller first).
    #[serde(default)]
    pub sort: i32,
}

fn check_category(
    code: &str,
    req: &CategoryInput,
    cats: &[service_category::Model],
    issues: &mut Vec<FieldIssue>,
) -> repo::CategoryFields {
    let mut found = vec![];
    rules::check_name("name", &req.name, 64, &mut found);
    rules::check_name("name_en", &req.name_en, 64, &mut found);
    issues.extend(found.into_iter().map(FieldIssue::from));
    let parent = req
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = parent {
        match cats.iter().find(|c| c.code == p) {
            None => issues.push(FieldIssue::new(
                "parent_code",
                "unknown_category",
                format!("no category `{p}`"),
            )),
            Some(_) if p == code => issues.push(FieldIssue::new(
                "parent_code",
                "cycle",
                "a category cannot be its own parent",
            )),
            Some(c) if c.parent_code.is_some() => issues.push(FieldIssue::new(
                "parent_code",
                "too_deep",
                "the parent must be a top-level category (the tree has two levels)",
            )),
            Some(_) if cats.iter().any(|c| c.parent_code.as_deref() == Some(code)) => {
                issues.push(FieldIssue::new(
                    "parent_code",
                    "too_deep",
                    "this category has sub-categories, so it must stay at the top level",
                ))
            }
            Some(_) => {}
        }
    }
    repo::CategoryFields {
        parent_code: parent.map(str::to_string),
        name: req.name.trim().to_string(),
        name_en: req.name_en.trim().to_string(),
        sort: req.sort,
    }
}

fn category_audit(c: &service_category::Model) -> serde_json::Value {
    json!({"code": c.code, "parent_code": c.parent_code, "name": c.name, "name_en": c.name_en, "sort": c.sort})
}

/// The category tree, in display order.
pub async fn tree_of(app: &App) -> Result<Vec<AdminCategory>> {
    let db = app.store.db();
    let cats = catalog::categories(db).await?;
    let items = repo::items(db).await?;
    Ok(tree(&cats, &items))
}

/// Adds a category.
pub async fn create(
    app: &App,
    actor: &Actor,
    req: CategoryInput,
    now: DateTime<Utc>,
) -> Result<AdminSubcategory> {
    let code = req.code.clone().unwrap_or_default();
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let cats = catalog::categories(&txn).await?;
        let mut issues = vec![];
        if !rules::is_code(&code) {
            issues.push(FieldIssue::new("code", "invalid", super::CODE_RULE));
        }
        let fields = check_category(&code, &req, &cats, &mut issues);
        Error::check(issues)?;
        let created = repo::create_category(&txn, &code, fields)
            .await
            .map_err(duplicate("category", "code"))?;
        let what = ("catalog.category.create", "service_category", code.as_str());
        audit(
            app,
            &txn,
            actor,
            what,
            (None, Some(category_audit(&created))),
            now,
        )
        .await?;
        Ok(sub_view(&created, &[]))
    }
    .await;
    crate::workers::settle(txn, r).await
}

/// Renames, moves or reorders category `code`.
pub async fn update(
    app: &App,
    actor: &Actor,
    code: &str,
    req: CategoryInput,
    now: DateTime<Utc>,
) -> Result<AdminSubcategory> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let before = repo::category(&txn, code)
            .await?
            .ok_or(Error::NotFound("category"))?;
        let cats = catalog::categories(&txn).await?;
        let mut issues = vec![];
        if req.code.as_ref().is_some_and(|c| c != code) {
            issues.push(FieldIssue::new(
                "code",
                "immutable",
                "a category's code never changes",
            ));
        }
        let fields = check_category(code, &req, &cats, &mut issues);
        Error::check(issues)?;
        let after = repo::update_category(&txn, before.clone(), fields).await?;
        let what = ("catalog.category.update", "service_category", code);
        let change = (Some(category_audit(&before)), Some(category_audit(&after)));
        audit(app, &txn, actor, what, change, now).await?;
        let items = repo::items(&txn).await?;
        Ok(sub_view(&after, &items))
    }
    .await;
    crate::workers::settle(txn, r).await
}
