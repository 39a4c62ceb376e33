//! The catalog in the operations console (后台 服务项目管理): the category tree and the
//! service items, on shelf or off, with their options, skills, payment mode, description
//! and policy. Every write is checked field by field (see `daojia_domain::catalog`) and
//! audited with the row before and after, in the same transaction. Areas and their prices
//! are in `admin_areas`.

use super::audit_entry;
use super::catalog::{ItemOptionView, OptionChoiceView};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, SubsecRound, Utc};
use daojia_domain::catalog::{self as rules, Invalid};
use daojia_domain::money::Money;
use daojia_domain::order::policy::Policy;
use daojia_domain::pricing::{ItemOption, OptionChoice};
use daojia_store::entity::{service_category, service_item};
use daojia_store::repo::catalog_admin::{self as repo, WriteError};
use daojia_store::repo::{audit, catalog};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::LazyLock;
use utoipa::{IntoParams, ToSchema};

type Problem = crate::http::error::Problem;

/// An order policy as the console edits it (the same fields as an order's `policy`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyFields {
    /// Cancelling is free until this many minutes before the window (0–10080).
    pub free_cancel_minutes: u32,
    /// Later cancellation fee, percent of the total (0–100).
    pub late_cancel_fee_percent: u8,
    /// The fee's cap, 分.
    pub late_cancel_fee_cap: i64,
    /// The customer may reschedule until this many minutes before the window (0–10080).
    pub reschedule_minutes: u32,
    /// Reschedules allowed per order.
    pub max_reschedules: u32,
    /// Days after completion in which after-sales may be opened (0–365).
    pub after_sales_days: u32,
    /// Hours after which a finished order completes by itself (1–720).
    pub confirm_hours: u32,
    /// Minutes after which an unpaid order is cancelled (1–1440).
    pub unpaid_minutes: u32,
}

impl From<Policy> for PolicyFields {
    fn from(p: Policy) -> Self {
        PolicyFields {
            free_cancel_minutes: p.free_cancel_minutes,
            late_cancel_fee_percent: p.late_cancel_fee_percent,
            late_cancel_fee_cap: p.late_cancel_fee_cap.as_fen(),
            reschedule_minutes: p.reschedule_minutes,
            max_reschedules: p.max_reschedules,
            after_sales_days: p.after_sales_days,
            confirm_hours: p.confirm_hours,
            unpaid_minutes: p.unpaid_minutes,
        }
    }
}

/// The policy as stored (JSON of the domain's `Policy`), after its range checks.
pub(crate) fn policy_json(p: Option<PolicyFields>, errors: &mut Vec<FieldError>) -> Option<String> {
    let p = p?;
    let policy = Policy {
        free_cancel_minutes: p.free_cancel_minutes,
        late_cancel_fee_percent: p.late_cancel_fee_percent,
        late_cancel_fee_cap: Money::fen(p.late_cancel_fee_cap),
        reschedule_minutes: p.reschedule_minutes,
        max_reschedules: p.max_reschedules,
        after_sales_days: p.after_sales_days,
        confirm_hours: p.confirm_hours,
        unpaid_minutes: p.unpaid_minutes,
    };
    if let Err(e) = policy.validate() {
        errors.push(FieldError::new(
            format!("policy.{}", e.field),
            "out_of_range",
            e.message,
        ));
    }
    Some(serde_json::to_string(&policy).expect("a policy serializes"))
}

/// A stored policy for a view; an unreadable one shows as none (the default applies).
pub(crate) fn policy_view(stored: Option<&str>) -> Option<PolicyFields> {
    stored
        .and_then(|s| serde_json::from_str::<Policy>(s).ok())
        .map(PolicyFields::from)
}

pub(crate) fn field_errors(list: Vec<Invalid>) -> impl Iterator<Item = FieldError> {
    list.into_iter()
        .map(|e| FieldError::new(e.field, e.code, e.message))
}

/// `now` to the microsecond: what every database keeps, so an `updated_at` read back
/// compares equal to the one written.
pub(crate) fn stamp(state: &AppState) -> DateTime<Utc> {
    state.now().trunc_subsecs(6)
}

/// 409 `edit_conflict` when the row changed since the client read it.
pub(crate) fn check_fresh(sent: Option<DateTime<Utc>>, current: DateTime<Utc>) -> ApiResult<()> {
    match sent {
        Some(s) if s.trunc_subsecs(6) != current.trunc_subsecs(6) => Err(ApiError::conflict(
            "edit_conflict",
            "someone changed this since you opened it; reload, then make your change again",
        )
        .with_field("updated_at")),
        _ => Ok(()),
    }
}

pub(crate) fn duplicate(what: &str, field: &str) -> impl Fn(WriteError) -> ApiError {
    let (what, field) = (what.to_string(), field.to_string());
    move |e| match e {
        WriteError::Duplicate => ApiError::conflict(
            "duplicate_code",
            format!("another {what} already has this code"),
        )
        .with_field(&field),
        WriteError::Db(e) => e.into(),
    }
}

// ---------------------------------------------------------------------------------------
// Categories

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

/// The category tree (two levels), in display order.
#[utoipa::path(operation_id = "admin_catalog_categories", get, path = "/api/v1/admin/catalog/categories", tag = "admin", security(("bearer" = ["catalog.read"])),
    responses((status = 200, body = Vec<AdminCategory>), (status = 403, body = Problem)))]
pub async fn categories(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
) -> ApiResult<axum::Json<Vec<AdminCategory>>> {
    let db = state.store.db();
    let cats = catalog::categories(db).await?;
    let items = repo::items(db).await?;
    Ok(axum::Json(tree(&cats, &items)))
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
    errors: &mut Vec<FieldError>,
) -> repo::CategoryFields {
    let mut found = vec![];
    rules::check_name("name", &req.name, 64, &mut found);
    rules::check_name("name_en", &req.name_en, 64, &mut found);
    errors.extend(field_errors(found));
    let parent = req
        .parent_code
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    if let Some(p) = parent {
        match cats.iter().find(|c| c.code == p) {
            None => errors.push(FieldError::new(
                "parent_code",
                "unknown_category",
                format!("no category `{p}`"),
            )),
            Some(_) if p == code => errors.push(FieldError::new(
                "parent_code",
                "cycle",
                "a category cannot be its own parent",
            )),
            Some(c) if c.parent_code.is_some() => errors.push(FieldError::new(
                "parent_code",
                "too_deep",
                "the parent must be a top-level category (the tree has two levels)",
            )),
            Some(_) if cats.iter().any(|c| c.parent_code.as_deref() == Some(code)) => {
                errors.push(FieldError::new(
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

/// Adds a category.
#[utoipa::path(operation_id = "admin_catalog_category_create", post, path = "/api/v1/admin/catalog/categories", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = CategoryInput,
    responses((status = 201, body = AdminSubcategory), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_category(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(req): Json<CategoryInput>,
) -> ApiResult<(StatusCode, axum::Json<AdminSubcategory>)> {
    let code = req.code.clone().unwrap_or_default();
    let txn = daojia_store::begin(state.store.db()).await?;
    let cats = catalog::categories(&txn).await?;
    let mut errors = vec![];
    if !rules::is_code(&code) {
        errors.push(FieldError::new(
            "code",
            "invalid",
            "1–64 lowercase letters, digits, `_` or `-`",
        ));
    }
    let fields = check_category(&code, &req, &cats, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let created = repo::create_category(&txn, &code, fields)
        .await
        .map_err(duplicate("category", "code"))?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.category.create",
            "service_category",
            &code,
            None,
            Some(category_audit(&created)),
        ),
        state.now(),
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(sub_view(&created, &[]))))
}

/// Renames, moves or reorders a category.
#[utoipa::path(operation_id = "admin_catalog_category_update", put, path = "/api/v1/admin/catalog/categories/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = CategoryInput,
    params(("code" = String, Path, description = "Category code")),
    responses((status = 200, body = AdminSubcategory), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_category(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<CategoryInput>,
) -> ApiResult<axum::Json<AdminSubcategory>> {
    let txn = daojia_store::begin(state.store.db()).await?;
    let before = repo::category(&txn, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("category"))?;
    let cats = catalog::categories(&txn).await?;
    let mut errors = vec![];
    if req.code.as_ref().is_some_and(|c| c != &code) {
        errors.push(FieldError::new(
            "code",
            "immutable",
            "a category's code never changes",
        ));
    }
    let fields = check_category(&code, &req, &cats, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let after = repo::update_category(&txn, before.clone(), fields).await?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.category.update",
            "service_category",
            &code,
            Some(category_audit(&before)),
            Some(category_audit(&after)),
        ),
        state.now(),
    )
    .await?;
    let items = repo::items(&txn).await?;
    txn.commit().await?;
    Ok(axum::Json(sub_view(&after, &items)))
}

// ---------------------------------------------------------------------------------------
// Items

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

fn strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

fn item_view(i: &service_item::Model) -> ApiResult<AdminItem> {
    let options: Vec<ItemOption> = serde_json::from_str(&i.options)
        .map_err(|e| ApiError::internal(format!("item {} has unreadable options: {e}", i.code)))?;
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
        options: options
            .into_iter()
            .map(|o| ItemOptionView {
                code: o.code,
                name: o.name,
                name_en: o.name_en,
                choices: o
                    .choices
                    .into_iter()
                    .map(|c| OptionChoiceView {
                        code: c.code,
                        name: c.name,
                        name_en: c.name_en,
                        price_delta_fen: c.price_delta_fen,
                        duration_delta_min: c.duration_delta_min,
                    })
                    .collect(),
            })
            .collect(),
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

/// Item list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ItemListParams {
    /// Only this category (and its sub-categories).
    pub category: Option<String>,
}

/// Every item, on shelf or off, in display order.
#[utoipa::path(operation_id = "admin_catalog_items", get, path = "/api/v1/admin/catalog/items", tag = "admin", security(("bearer" = ["catalog.read"])), params(ItemListParams),
    responses((status = 200, body = Vec<AdminItem>), (status = 403, body = Problem)))]
pub async fn items(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Query(p): Query<ItemListParams>,
) -> ApiResult<axum::Json<Vec<AdminItem>>> {
    let db = state.store.db();
    let cats = catalog::categories(db).await?;
    let wanted = |code: &str| match &p.category {
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
        .collect::<ApiResult<Vec<_>>>()
        .map(axum::Json)
}

/// One item.
#[utoipa::path(operation_id = "admin_catalog_item", get, path = "/api/v1/admin/catalog/items/{code}", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = AdminItem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn item(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<AdminItem>> {
    let i = repo::item(state.store.db(), &code)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    Ok(axum::Json(item_view(&i)?))
}

/// The skills an item may ask for: those the platform's active workers have.
#[utoipa::path(operation_id = "admin_catalog_skills", get, path = "/api/v1/admin/catalog/skills", tag = "admin", security(("bearer" = ["catalog.read"])),
    responses((status = 200, body = Vec<String>), (status = 403, body = Problem)))]
pub async fn skills(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
) -> ApiResult<axum::Json<Vec<String>>> {
    Ok(axum::Json(repo::worker_skills(state.store.db()).await?))
}

/// An option choice as written.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceInput {
    /// Code, unique within the option.
    pub code: String,
    /// 中文 label.
    pub name: String,
    /// English label.
    pub name_en: String,
    /// Added to the unit price, 分 (may be negative).
    #[serde(default)]
    pub price_delta_fen: i64,
    /// Added to the unit duration, minutes (may be negative).
    #[serde(default)]
    pub duration_delta_min: i32,
}

/// An option as written; the first choice is the default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptionInput {
    /// Code, unique within the item.
    pub code: String,
    /// 中文 label.
    pub name: String,
    /// English label.
    pub name_en: String,
    /// Choices (at least one).
    pub choices: Vec<ChoiceInput>,
}

/// An item to create, or the new values of one (every field; codes never change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// Code (on create only): lowercase letters, digits, `_`, `-`.
    pub code: Option<String>,
    /// Category code.
    pub category_code: String,
    /// 中文 name (1–128 characters).
    pub name: String,
    /// English name (1–128 characters).
    pub name_en: String,
    /// Description, HTML; anything outside the allowed tags (scripts, styles, event
    /// attributes, images) is removed.
    #[serde(default)]
    pub description: String,
    /// Unit (1–16 characters).
    pub unit: String,
    /// Base price, 分 (1 to 100,000,000).
    pub base_price_fen: i64,
    /// Base duration, minutes (15–1440).
    pub base_duration_min: i32,
    /// Packing-up time, minutes (0–240).
    #[serde(default)]
    pub buffer_min: i32,
    /// Skills a worker needs: names from `GET /api/v1/admin/catalog/skills`.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Tools the worker brings (each 1–32 characters, at most 20).
    #[serde(default)]
    pub tools: Vec<String>,
    /// Notes for the customer (at most 1000 characters).
    #[serde(default)]
    pub notes: String,
    /// Options (at most 10).
    #[serde(default)]
    pub options: Vec<OptionInput>,
    /// `full` or `deposit`.
    pub payment_mode: String,
    /// Deposit per unit, 分: 0 for `full`, 1 up to the base price for `deposit`.
    #[serde(default)]
    pub deposit_fen: i64,
    /// Bookable by customers.
    pub on_shelf: bool,
    /// Display order (smaller first).
    #[serde(default)]
    pub sort: i32,
    /// The item's own order policy; null for the area's or the default.
    pub policy: Option<PolicyFields>,
    /// On update: the `updated_at` you read; a later change answers 409 `edit_conflict`.
    #[serde(default, deserialize_with = "crate::http::bounds::opt_instant")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// The tags a description may keep. Everything else is dropped; scripts and styles with
/// their content.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "ul",
        "ol",
        "li",
        "h3",
        "h4",
        "blockquote",
        "a",
    ])
    .add_tag_attributes("a", ["href"])
    .url_schemes(["http", "https"].into_iter().collect())
    .url_relative(ammonia::UrlRelative::Deny)
    .link_rel(Some("noopener noreferrer nofollow"))
    .clean_content_tags(["script", "style"].into_iter().collect());
    b
});

/// A description with only the allowed HTML left.
pub fn sanitize_description(html: &str) -> String {
    SANITIZER.clean(html).to_string().trim().to_string()
}

const MAX_DESCRIPTION: usize = 10_000;

/// Checks an item's fields and returns them as stored. `current` is the item being edited.
fn check_item(
    req: ItemInput,
    cats: &[service_category::Model],
    known_skills: &[String],
    current: Option<&service_item::Model>,
    errors: &mut Vec<FieldError>,
) -> repo::ItemFields {
    let mut found = vec![];
    rules::check_name("name", &req.name, 128, &mut found);
    rules::check_name("name_en", &req.name_en, 128, &mut found);
    rules::check_name("unit", &req.unit, 16, &mut found);
    errors.extend(field_errors(found));
    if !cats.iter().any(|c| c.code == req.category_code) {
        errors.push(FieldError::new(
            "category_code",
            "unknown_category",
            format!("no category `{}`", req.category_code),
        ));
    }
    let description = sanitize_description(&req.description);
    if description.chars().count() > MAX_DESCRIPTION {
        errors.push(FieldError::new(
            "description",
            "too_long",
            format!("at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if !(1..=100_000_000).contains(&req.base_price_fen) {
        errors.push(FieldError::new(
            "base_price_fen",
            "out_of_range",
            "1 to 100,000,000 分 (¥1,000,000)",
        ));
    }
    if !(15..=1440).contains(&req.base_duration_min) {
        errors.push(FieldError::new(
            "base_duration_min",
            "out_of_range",
            "15 to 1440 minutes",
        ));
    }
    if !(0..=240).contains(&req.buffer_min) {
        errors.push(FieldError::new(
            "buffer_min",
            "out_of_range",
            "0 to 240 minutes",
        ));
    }
    let had: Vec<String> = current.map(|c| strings(&c.skills)).unwrap_or_default();
    if req.skills.len() > 10 {
        errors.push(FieldError::new("skills", "too_many", "at most 10 skills"));
    }
    for (i, s) in req.skills.iter().enumerate() {
        if !known_skills.contains(s) && !had.contains(s) {
            errors.push(FieldError::new(
                format!("skills[{i}]"),
                "unknown_skill",
                format!("no active worker has the skill `{s}`; enrol workers with it first"),
            ));
        } else if req.skills[..i].contains(s) {
            errors.push(FieldError::new(
                format!("skills[{i}]"),
                "duplicate",
                "listed twice",
            ));
        }
    }
    let tools: Vec<String> = req.tools.iter().map(|t| t.trim().to_string()).collect();
    if tools.len() > 20 {
        errors.push(FieldError::new("tools", "too_many", "at most 20 tools"));
    }
    for (i, t) in tools.iter().enumerate() {
        if t.is_empty() || t.chars().count() > 32 {
            errors.push(FieldError::new(
                format!("tools[{i}]"),
                "invalid",
                "1 to 32 characters",
            ));
        }
    }
    if req.notes.chars().count() > 1000 {
        errors.push(FieldError::new(
            "notes",
            "too_long",
            "at most 1000 characters",
        ));
    }
    let options: Vec<ItemOption> = req
        .options
        .into_iter()
        .map(|o| ItemOption {
            code: o.code.trim().to_string(),
            name: o.name.trim().to_string(),
            name_en: o.name_en.trim().to_string(),
            choices: o
                .choices
                .into_iter()
                .map(|c| OptionChoice {
                    code: c.code.trim().to_string(),
                    name: c.name.trim().to_string(),
                    name_en: c.name_en.trim().to_string(),
                    price_delta_fen: c.price_delta_fen,
                    duration_delta_min: c.duration_delta_min,
                })
                .collect(),
        })
        .collect();
    errors.extend(field_errors(rules::check_options(
        req.base_price_fen,
        &options,
    )));
    match req.payment_mode.as_str() {
        "full" if req.deposit_fen != 0 => errors.push(FieldError::new(
            "deposit_fen",
            "unexpected",
            "an item paid in full has no deposit (0)",
        )),
        "deposit" if !(1..=req.base_price_fen.max(1)).contains(&req.deposit_fen) => {
            errors.push(FieldError::new(
                "deposit_fen",
                "out_of_range",
                "a deposit of at least 1 分 and at most the base price",
            ))
        }
        "full" | "deposit" => {}
        _ => errors.push(FieldError::new(
            "payment_mode",
            "unknown_payment_mode",
            "`full` or `deposit`",
        )),
    }
    let policy = policy_json(req.policy, errors);
    repo::ItemFields {
        category_code: req.category_code,
        name: req.name.trim().to_string(),
        name_en: req.name_en.trim().to_string(),
        description,
        unit: req.unit.trim().to_string(),
        base_price_fen: req.base_price_fen,
        base_duration_min: req.base_duration_min,
        buffer_min: req.buffer_min,
        skills: json!(req.skills).to_string(),
        tools: json!(tools).to_string(),
        notes: req.notes.trim().to_string(),
        options: serde_json::to_string(&options).expect("options serialize"),
        payment_mode: req.payment_mode,
        deposit_fen: req.deposit_fen,
        on_shelf: req.on_shelf,
        sort: req.sort,
        policy,
    }
}

/// Adds a service item.
#[utoipa::path(operation_id = "admin_catalog_item_create", post, path = "/api/v1/admin/catalog/items", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemInput,
    responses((status = 201, body = AdminItem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_item(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(req): Json<ItemInput>,
) -> ApiResult<(StatusCode, axum::Json<AdminItem>)> {
    let code = req.code.clone().unwrap_or_default();
    let txn = daojia_store::begin(state.store.db()).await?;
    let cats = catalog::categories(&txn).await?;
    let known = repo::worker_skills(&txn).await?;
    let mut errors = vec![];
    if !rules::is_code(&code) {
        errors.push(FieldError::new(
            "code",
            "invalid",
            "1–64 lowercase letters, digits, `_` or `-`",
        ));
    }
    if req.updated_at.is_some() {
        errors.push(FieldError::new(
            "updated_at",
            "unexpected",
            "only an update has one",
        ));
    }
    let fields = check_item(req, &cats, &known, None, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = stamp(&state);
    let created = repo::create_item(&txn, &code, fields, now)
        .await
        .map_err(duplicate("item", "code"))?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.item.create",
            "service_item",
            &code,
            None,
            Some(item_audit(&created)),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(item_view(&created)?)))
}

/// Changes every field of a service item.
#[utoipa::path(operation_id = "admin_catalog_item_update", put, path = "/api/v1/admin/catalog/items/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemInput,
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = AdminItem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<ItemInput>,
) -> ApiResult<axum::Json<AdminItem>> {
    let txn = daojia_store::begin(state.store.db()).await?;
    let before = repo::item(&txn, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    check_fresh(req.updated_at, before.updated_at)?;
    let cats = catalog::categories(&txn).await?;
    let known = repo::worker_skills(&txn).await?;
    let mut errors = vec![];
    if req.code.as_ref().is_some_and(|c| c != &code) {
        errors.push(FieldError::new(
            "code",
            "immutable",
            "an item's code never changes (orders refer to it); create a new item instead",
        ));
    }
    let fields = check_item(req, &cats, &known, Some(&before), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = stamp(&state);
    let after = repo::update_item(&txn, before.clone(), fields, now).await?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.item.update",
            "service_item",
            &code,
            Some(item_audit(&before)),
            Some(item_audit(&after)),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(axum::Json(item_view(&after)?))
}

/// The quick changes of the item table.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemShelfPatch {
    /// Put on shelf (bookable) or take off.
    pub on_shelf: Option<bool>,
    /// New display order.
    pub sort: Option<i32>,
}

/// Puts an item on or off shelf, or moves it in the display order.
#[utoipa::path(operation_id = "admin_catalog_item_patch", patch, path = "/api/v1/admin/catalog/items/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = ItemShelfPatch,
    params(("code" = String, Path, description = "Item code")),
    responses((status = 200, body = AdminItem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patch_item(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<ItemShelfPatch>,
) -> ApiResult<axum::Json<AdminItem>> {
    let txn = daojia_store::begin(state.store.db()).await?;
    let before = repo::item(&txn, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    if req.on_shelf.is_none() && req.sort.is_none() {
        return Err(ApiError::field(
            "on_shelf",
            "required",
            "send `on_shelf`, `sort` or both",
        ));
    }
    let mut fields = repo::ItemFields {
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
        options: before.options.clone(),
        payment_mode: before.payment_mode.clone(),
        deposit_fen: before.deposit_fen,
        on_shelf: before.on_shelf,
        sort: before.sort,
        policy: before.policy.clone(),
    };
    let action = match req.on_shelf {
        Some(true) if !before.on_shelf => "catalog.item.on_shelf",
        Some(false) if before.on_shelf => "catalog.item.off_shelf",
        _ => "catalog.item.sort",
    };
    fields.on_shelf = req.on_shelf.unwrap_or(before.on_shelf);
    fields.sort = req.sort.unwrap_or(before.sort);
    let now = stamp(&state);
    let after = repo::update_item(&txn, before.clone(), fields, now).await?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            action,
            "service_item",
            &code,
            Some(json!({"on_shelf": before.on_shelf, "sort": before.sort})),
            Some(json!({"on_shelf": after.on_shelf, "sort": after.sort})),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(axum::Json(item_view(&after)?))
}

#[cfg(test)]
mod tests {
    use super::sanitize_description;

    #[test]
    fn a_description_keeps_simple_formatting_and_loses_scripts_and_handlers() {
        let dirty = r#"<p onclick="steal()">深度<b>保洁</b><script>alert(1)</script></p><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a><a href="https://example.com/a">规则</a><style>p{}</style>"#;
        assert_eq!(
            sanitize_description(dirty),
            r#"<p>深度<b>保洁</b></p><a rel="noopener noreferrer nofollow">x</a><a href="https://example.com/a" rel="noopener noreferrer nofollow">规则</a>"#
        );
    }

    #[test]
    fn a_description_keeps_no_foreign_markup_however_it_is_disguised() {
        for dirty in [
            r#"<svg onload=alert(1)><circle/></svg>"#,
            r#"<iframe src="https://example.com"></iframe>"#,
            r#"<a href="//evil.example/x">x</a>"#,
            r#"<a href="data:text/html,<script>alert(1)</script>">x</a>"#,
            r#"<p style="background:url(javascript:alert(1))">x</p>"#,
            r#"<form action="https://evil.example"><input name=a></form>"#,
            r#"<SCRIPT>alert(1)</SCRIPT><scr<script>ipt>alert(2)</script>"#,
        ] {
            let clean = sanitize_description(dirty);
            for bad in [
                "<svg",
                "<iframe",
                "evil",
                "data:",
                "style",
                "<form",
                "<input",
                "<script",
                "javascript",
            ] {
                assert!(!clean.to_lowercase().contains(bad), "{dirty} -> {clean}");
            }
        }
        assert_eq!(sanitize_description("  只写文字  "), "只写文字");
    }
}
