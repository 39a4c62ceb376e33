//! The rules of a service item as written: names, category, description (HTML cleaned to a
//! short allow-list), price, duration, skills, tools, options, payment mode and policy.

use super::{PolicyFields, policy_json, strings};
use crate::error::FieldIssue;
use chrono::{DateTime, Utc};
use daojia_domain::catalog as rules;
use daojia_domain::pricing::{ItemOption, OptionChoice};
use daojia_store::entity::{service_category, service_item};
use daojia_store::repo::catalog_admin as repo;
use serde::Deserialize;
use serde_json::json;
use std::sync::LazyLock;
use utoipa::ToSchema;

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
    /// The service record's checklist: short steps the worker ticks during the service
    /// (each 1–60 characters, at most 20; docs/visit.md "Service record").
    #[serde(default)]
    pub checklist: Vec<String>,
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
    #[serde(default, deserialize_with = "daojia_domain::bounds::opt_instant")]
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
/// Most steps in an item's checklist.
pub const MAX_CHECKLIST: usize = 20;

/// Checks an item's fields and returns them as stored. `current` is the item being edited.
pub(super) fn check_item(
    req: ItemInput,
    cats: &[service_category::Model],
    known_skills: &[String],
    current: Option<&service_item::Model>,
    issues: &mut Vec<FieldIssue>,
) -> repo::ItemFields {
    let mut found = vec![];
    rules::check_name("name", &req.name, 128, &mut found);
    rules::check_name("name_en", &req.name_en, 128, &mut found);
    rules::check_name("unit", &req.unit, 16, &mut found);
    issues.extend(found.into_iter().map(FieldIssue::from));
    if !cats.iter().any(|c| c.code == req.category_code) {
        issues.push(FieldIssue::new(
            "category_code",
            "unknown_category",
            format!("no category `{}`", req.category_code),
        ));
    }
    let description = sanitize_description(&req.description);
    if description.chars().count() > MAX_DESCRIPTION {
        issues.push(FieldIssue::new(
            "description",
            "too_long",
            format!("at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if !(1..=100_000_000).contains(&req.base_price_fen) {
        issues.push(FieldIssue::new(
            "base_price_fen",
            "out_of_range",
            "1 to 100,000,000 分 (¥1,000,000)",
        ));
    }
    if !(15..=1440).contains(&req.base_duration_min) {
        issues.push(FieldIssue::new(
            "base_duration_min",
            "out_of_range",
            "15 to 1440 minutes",
        ));
    }
    if !(0..=240).contains(&req.buffer_min) {
        issues.push(FieldIssue::new(
            "buffer_min",
            "out_of_range",
            "0 to 240 minutes",
        ));
    }
    let had: Vec<String> = current.map(|c| strings(&c.skills)).unwrap_or_default();
    if req.skills.len() > 10 {
        issues.push(FieldIssue::new("skills", "too_many", "at most 10 skills"));
    }
    for (i, s) in req.skills.iter().enumerate() {
        if !known_skills.contains(s) && !had.contains(s) {
            issues.push(FieldIssue::new(
                format!("skills[{i}]"),
                "unknown_skill",
                format!("no active worker has the skill `{s}`; enrol workers with it first"),
            ));
        } else if req.skills[..i].contains(s) {
            issues.push(FieldIssue::new(
                format!("skills[{i}]"),
                "duplicate",
                "listed twice",
            ));
        }
    }
    let tools: Vec<String> = req.tools.iter().map(|t| t.trim().to_string()).collect();
    if tools.len() > 20 {
        issues.push(FieldIssue::new("tools", "too_many", "at most 20 tools"));
    }
    for (i, t) in tools.iter().enumerate() {
        if t.is_empty() || t.chars().count() > 32 {
            issues.push(FieldIssue::new(
                format!("tools[{i}]"),
                "invalid",
                "1 to 32 characters",
            ));
        }
    }
    let checklist: Vec<String> = req.checklist.iter().map(|t| t.trim().to_string()).collect();
    if checklist.len() > MAX_CHECKLIST {
        issues.push(FieldIssue::new(
            "checklist",
            "too_many",
            format!("at most {MAX_CHECKLIST} steps"),
        ));
    }
    for (i, t) in checklist.iter().enumerate() {
        if t.is_empty() || t.chars().count() > 60 {
            issues.push(FieldIssue::new(
                format!("checklist[{i}]"),
                "invalid",
                "1 to 60 characters",
            ));
        } else if checklist[..i].contains(t) {
            issues.push(FieldIssue::new(
                format!("checklist[{i}]"),
                "duplicate",
                "listed twice",
            ));
        }
    }
    if req.notes.chars().count() > 1000 {
        issues.push(FieldIssue::new(
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
    issues.extend(
        rules::check_options(req.base_price_fen, &options)
            .into_iter()
            .map(FieldIssue::from),
    );
    match req.payment_mode.as_str() {
        "full" if req.deposit_fen != 0 => issues.push(FieldIssue::new(
            "deposit_fen",
            "unexpected",
            "an item paid in full has no deposit (0)",
        )),
        "deposit" if !(1..=req.base_price_fen.max(1)).contains(&req.deposit_fen) => {
            issues.push(FieldIssue::new(
                "deposit_fen",
                "out_of_range",
                "a deposit of at least 1 分 and at most the base price",
            ))
        }
        "full" | "deposit" => {}
        _ => issues.push(FieldIssue::new(
            "payment_mode",
            "unknown_payment_mode",
            "`full` or `deposit`",
        )),
    }
    let policy = policy_json(req.policy, issues);
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
        checklist: (!checklist.is_empty()).then(|| json!(checklist).to_string()),
        options: serde_json::to_string(&options).expect("options serialize"),
        payment_mode: req.payment_mode,
        deposit_fen: req.deposit_fen,
        on_shelf: req.on_shelf,
        sort: req.sort,
        policy,
    }
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
