//! Areas from a GeoJSON upload: one `Feature` or a `FeatureCollection` of `Polygon`
//! features, each with a `code` property, created or updated all or nothing.

use super::areas::{AreaInput, PolygonInput, area_audit, check_area, code_issue};
use super::{audit, duplicate, policy_view, stamp};
use crate::App;
use crate::error::{Error, FieldIssue, Result};
use crate::workers::Actor;
use chrono::{DateTime, Utc};
use daojia_domain::catalog as rules;
use daojia_store::entity::service_area;
use daojia_store::repo::catalog_admin as repo;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaImportResult {
    /// Codes of the areas created (inactive unless the feature said `active: true`).
    pub created: Vec<String>,
    /// Codes of the areas whose outline (and any properties given) changed.
    pub updated: Vec<String>,
}

/// The string property `key` of a feature, if given.
fn prop_str(props: &Value, key: &str, at: &str, issues: &mut Vec<FieldIssue>) -> Option<String> {
    match props.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            issues.push(FieldIssue::new(
                format!("{at}.{key}"),
                "invalid_type",
                "a string",
            ));
            None
        }
    }
}

/// The whole-number property `key` of a feature, if given.
fn prop_int(props: &Value, key: &str, at: &str, issues: &mut Vec<FieldIssue>) -> Option<i32> {
    match props.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                issues.push(FieldIssue::new(
                    format!("{at}.{key}"),
                    "invalid_type",
                    "a whole number",
                ));
                None
            }
        },
    }
}

/// The boolean property `key` of a feature, if given.
fn prop_bool(props: &Value, key: &str, at: &str, issues: &mut Vec<FieldIssue>) -> Option<bool> {
    match props.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            issues.push(FieldIssue::new(
                format!("{at}.{key}"),
                "invalid_type",
                "true or false",
            ));
            None
        }
    }
}

/// The features of the document with their paths (`features[3]`; empty for a lone
/// `Feature`).
fn features(doc: &Value) -> Result<Vec<(String, &Value)>> {
    match doc.get("type").and_then(Value::as_str) {
        Some("Feature") => Ok(vec![(String::new(), doc)]),
        Some("FeatureCollection") => match doc.get("features").and_then(Value::as_array) {
            Some(list) if !list.is_empty() && list.len() <= 200 => Ok(list
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("features[{i}]"), f))
                .collect()),
            _ => Err(Error::field("features", "invalid", "1 to 200 features")),
        },
        _ => Err(Error::field(
            "type",
            "invalid",
            "a GeoJSON `Feature` or `FeatureCollection`",
        )),
    }
}

fn join(base: &str, tail: &str) -> String {
    if base.is_empty() {
        tail.to_string()
    } else {
        format!("{base}.{tail}")
    }
}

/// One area to write: its code, the row it replaces (none: a new area), the new fields.
type Step = (String, Option<service_area::Model>, repo::AreaFields);

/// Reads one feature at path `at` into a step, or records its issues. Properties left
/// out keep the area's value or, for a new area, take the defaults `import` names.
fn read_feature(
    at: &str,
    f: &Value,
    existing: &[service_area::Model],
    plan: &[Step],
    issues: &mut Vec<FieldIssue>,
) -> Option<Step> {
    let props_at = join(at, "properties");
    let props = f.get("properties").cloned().unwrap_or(Value::Null);
    let code = prop_str(&props, "code", &props_at, issues).unwrap_or_default();
    if !rules::is_code(&code) {
        let rule =
            "every feature needs a `code` property: 1–64 lowercase letters, digits, `_` or `-`";
        issues.push(code_issue(&format!("{props_at}.code"), rule));
        return None;
    }
    if plan.iter().any(|(c, _, _)| c == &code) {
        issues.push(FieldIssue::new(
            format!("{props_at}.code"),
            "duplicate",
            format!("`{code}` appears twice in the file"),
        ));
        return None;
    }
    let geom_at = join(at, "geometry");
    let geometry = f
        .get("geometry")
        .cloned()
        .map(serde_json::from_value::<PolygonInput>);
    let Some(Ok(geometry)) = geometry else {
        issues.push(FieldIssue::new(
            geom_at,
            "invalid",
            "a GeoJSON `Polygon` geometry",
        ));
        return None;
    };
    let before = existing.iter().find(|a| a.code == code).cloned();
    let b = before.as_ref();
    let mut e = vec![];
    let s = |k: &str, e: &mut Vec<FieldIssue>| prop_str(&props, k, &props_at, e);
    let n = |k: &str, e: &mut Vec<FieldIssue>| prop_int(&props, k, &props_at, e);
    let input = AreaInput {
        code: None,
        name: s("name", &mut e)
            .or(b.map(|a| a.name.clone()))
            .unwrap_or_else(|| code.clone()),
        name_en: s("name_en", &mut e)
            .or(b.map(|a| a.name_en.clone()))
            .unwrap_or_else(|| code.clone()),
        city: s("city", &mut e)
            .or(b.map(|a| a.city.clone()))
            // A new area joins the city of the areas there are (its workers' pool).
            .or(existing.first().map(|a| a.city.clone()))
            .unwrap_or_default(),
        timezone: s("timezone", &mut e)
            .or(b.map(|a| a.timezone.clone()))
            .unwrap_or_else(|| "Asia/Shanghai".into()),
        polygon: geometry,
        open_minute: n("open_minute", &mut e)
            .or(b.map(|a| a.open_minute))
            .unwrap_or(8 * 60),
        close_minute: n("close_minute", &mut e)
            .or(b.map(|a| a.close_minute))
            .unwrap_or(20 * 60),
        lead_minutes: n("lead_minutes", &mut e)
            .or(b.map(|a| a.lead_minutes))
            .unwrap_or(120),
        horizon_days: n("horizon_days", &mut e)
            .or(b.map(|a| a.horizon_days))
            .unwrap_or(14),
        window_minutes: n("window_minutes", &mut e)
            .or(b.map(|a| a.window_minutes))
            .unwrap_or(60),
        active: prop_bool(&props, "active", &props_at, &mut e)
            .or(b.map(|a| a.active))
            .unwrap_or(false),
        policy: b.and_then(|a| policy_view(a.policy.as_deref())),
        updated_at: None,
    };
    let fields = check_area(input, &mut e);
    // Paths inside the feature: geometry fields under `geometry`, others under `properties`.
    issues.extend(e.into_iter().map(|mut fe| {
        fe.field = match fe.field.strip_prefix("polygon") {
            Some(rest) => format!("{geom_at}{rest}"),
            None if fe.field.starts_with(&props_at) => fe.field,
            None => format!("{props_at}.{}", fe.field),
        };
        fe
    }));
    Some((code, before, fields))
}

/// Creates or updates areas from a GeoJSON document. Properties that match the area's
/// fields (`name`, `name_en`, `city`, `timezone`, `open_minute`, `close_minute`,
/// `lead_minutes`, `horizon_days`, `window_minutes`, `active`) are applied; what is left
/// out keeps its value, or for a new area takes the default (the city of the existing
/// areas, Asia/Shanghai, 08:00–20:00, 120 minutes lead, 14 days, one-hour windows,
/// inactive). All or nothing.
pub async fn import(
    app: &App,
    actor: &Actor,
    doc: &Value,
    now: DateTime<Utc>,
) -> Result<AreaImportResult> {
    let features = features(doc)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let existing = repo::areas(&txn).await?;
        let mut issues = vec![];
        let mut plan: Vec<Step> = vec![];
        for (at, f) in features {
            if let Some(step) = read_feature(&at, f, &existing, &plan, &mut issues) {
                plan.push(step);
            }
        }
        Error::check(issues)?;
        let now = stamp(now);
        let mut result = AreaImportResult {
            created: vec![],
            updated: vec![],
        };
        for (code, before, fields) in plan {
            let (action, before_audit, after) = match before {
                Some(b) => {
                    let before_audit = Some(area_audit(&b));
                    let after = repo::update_area(&txn, b, fields, now).await?;
                    result.updated.push(code.clone());
                    ("catalog.area.import_update", before_audit, after)
                }
                None => {
                    let after = repo::create_area(&txn, &code, fields, now)
                        .await
                        .map_err(duplicate("area", "code"))?;
                    result.created.push(code.clone());
                    ("catalog.area.import_create", None, after)
                }
            };
            let what = (action, "service_area", code.as_str());
            audit(
                app,
                &txn,
                actor,
                what,
                (before_audit, Some(area_audit(&after))),
                now,
            )
            .await?;
        }
        Ok(result)
    }
    .await;
    crate::workers::settle(txn, r).await
}
