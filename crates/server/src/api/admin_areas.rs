//! Service areas in the operations console: the outline (drawn on the map or imported from
//! GeoJSON), opening hours, lead time, booking horizon, window length, time zone, the
//! active flag and the area's own order policy; and the areas' price overrides per item.
//! Writes are checked field by field and audited with before and after, like the catalog's
//! (`admin_catalog`).

use super::admin_catalog::{
    PolicyFields, check_fresh, duplicate, field_errors, policy_json, policy_view, stamp,
};
use super::audit_entry;
use super::catalog::PolygonView;
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_domain::catalog::{self as rules};
use daojia_domain::geo::{GeoJsonPolygon, GeoJsonPolygonType};
use daojia_domain::money::Money;
use daojia_domain::pricing::{self, AreaPrice, ItemOption, Selection};
use daojia_store::entity::{area_item_price, service_area, service_item};
use daojia_store::repo::catalog_admin as repo;
use daojia_store::repo::{audit, catalog};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

type Problem = crate::http::error::Problem;

/// A service area as the console edits it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminArea {
    /// Code.
    pub code: String,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// City (areas of one city share their workers).
    pub city: String,
    /// IANA time zone of the area's local times.
    pub timezone: String,
    /// The outline, GeoJSON (`[lng, lat]`, WGS-84).
    pub polygon: PolygonView,
    /// Opening, minutes after local midnight.
    pub open_minute: i32,
    /// Closing, minutes after local midnight.
    pub close_minute: i32,
    /// Earliest bookable start, minutes from now.
    pub lead_minutes: i32,
    /// Days ahead a customer may book.
    pub horizon_days: i32,
    /// Length of an appointment window, minutes.
    pub window_minutes: i32,
    /// Taking bookings.
    pub active: bool,
    /// The area's order policy; none means the platform default. An item's own policy
    /// comes first.
    pub policy: Option<PolicyFields>,
    /// Items with a price of their own here.
    pub price_overrides: u32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed: send it back with an update to be told of a concurrent edit.
    pub updated_at: DateTime<Utc>,
}

fn area_view(a: &service_area::Model, overrides: u32) -> AdminArea {
    let polygon: PolygonView = serde_json::from_str::<GeoJsonPolygon>(&a.polygon)
        .map(|g| PolygonView {
            kind: "Polygon".into(),
            coordinates: g.coordinates,
        })
        // An unreadable stored outline shows as empty so it can be redrawn.
        .unwrap_or(PolygonView {
            kind: "Polygon".into(),
            coordinates: vec![],
        });
    AdminArea {
        code: a.code.clone(),
        name: a.name.clone(),
        name_en: a.name_en.clone(),
        city: a.city.clone(),
        timezone: a.timezone.clone(),
        polygon,
        open_minute: a.open_minute,
        close_minute: a.close_minute,
        lead_minutes: a.lead_minutes,
        horizon_days: a.horizon_days,
        window_minutes: a.window_minutes,
        active: a.active,
        policy: policy_view(a.policy.as_deref()),
        price_overrides: overrides,
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

fn area_audit(a: &service_area::Model) -> Value {
    json!(area_view(a, 0))
}

/// Every service area, active or not.
#[utoipa::path(operation_id = "admin_catalog_areas", get, path = "/api/v1/admin/catalog/areas", tag = "admin", security(("bearer" = ["catalog.read"])),
    responses((status = 200, body = Vec<AdminArea>), (status = 403, body = Problem)))]
pub async fn areas(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
) -> ApiResult<axum::Json<Vec<AdminArea>>> {
    let db = state.store.db();
    let mut out = vec![];
    for a in repo::areas(db).await? {
        let n = catalog::area_prices(db, &a.code).await?.len() as u32;
        out.push(area_view(&a, n));
    }
    Ok(axum::Json(out))
}

/// One service area.
#[utoipa::path(operation_id = "admin_catalog_area", get, path = "/api/v1/admin/catalog/areas/{code}", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = AdminArea), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn area(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<AdminArea>> {
    let db = state.store.db();
    let a = repo::area(db, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("area"))?;
    let n = catalog::area_prices(db, &code).await?.len() as u32;
    Ok(axum::Json(area_view(&a, n)))
}

/// A GeoJSON `Polygon` geometry as sent: rings of `[lng, lat]` positions (an altitude, if
/// any, is ignored), each ring closed.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PolygonInput {
    /// `Polygon`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Rings; the first is the outline, any others are holes.
    pub coordinates: Vec<Vec<Vec<f64>>>,
}

/// An area to create, or the new values of one (every field; codes never change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaInput {
    /// Code (on create only): lowercase letters, digits, `_`, `-`.
    pub code: Option<String>,
    /// 中文 name (1–64 characters).
    pub name: String,
    /// English name (1–64 characters).
    pub name_en: String,
    /// City (1–64 characters); areas of one city share their workers.
    pub city: String,
    /// IANA time zone, e.g. `Asia/Shanghai`.
    pub timezone: String,
    /// The outline.
    pub polygon: PolygonInput,
    /// Opening, minutes after local midnight (0–1439).
    pub open_minute: i32,
    /// Closing, minutes after local midnight (up to 1440), after opening.
    pub close_minute: i32,
    /// Earliest bookable start, minutes from now (0–10080).
    pub lead_minutes: i32,
    /// Days ahead a customer may book (1–90).
    pub horizon_days: i32,
    /// Window length, minutes: 30 to 240 in steps of 30.
    pub window_minutes: i32,
    /// Taking bookings.
    pub active: bool,
    /// The area's order policy; null for the platform default.
    pub policy: Option<PolicyFields>,
    /// On update: the `updated_at` you read; a later change answers 409 `edit_conflict`.
    #[serde(default, deserialize_with = "crate::http::bounds::opt_instant")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Checks a polygon as sent; on success the GeoJSON text to store. `field` prefixes paths.
fn check_polygon(field: &str, p: &PolygonInput, errors: &mut Vec<FieldError>) -> String {
    if p.kind != "Polygon" {
        errors.push(FieldError::new(
            format!("{field}.type"),
            "invalid",
            "a `Polygon` geometry (one outline; draw each district as its own area)",
        ));
        return String::new();
    }
    let mut rings = Vec::with_capacity(p.coordinates.len());
    for (r, ring) in p.coordinates.iter().enumerate() {
        let mut out = Vec::with_capacity(ring.len());
        for (k, pos) in ring.iter().enumerate() {
            if !(2..=3).contains(&pos.len()) {
                errors.push(FieldError::new(
                    format!("{field}.coordinates[{r}][{k}]"),
                    "invalid",
                    "a position is [lng, lat]",
                ));
                return String::new();
            }
            out.push([pos[0], pos[1]]);
        }
        rings.push(out);
    }
    let g = GeoJsonPolygon {
        kind: GeoJsonPolygonType::Polygon,
        coordinates: rings,
    };
    match rules::check_outline(field, &g) {
        Ok(_) => serde_json::to_string(&g).expect("a polygon serializes"),
        Err(e) => {
            errors.extend(field_errors(vec![e]));
            String::new()
        }
    }
}

fn check_timezone(tz: &str, field: &str, errors: &mut Vec<FieldError>) {
    if tz.parse::<chrono_tz::Tz>().is_err() {
        errors.push(FieldError::new(
            field,
            "unknown_timezone",
            format!("`{tz}` is not an IANA time zone such as Asia/Shanghai"),
        ));
    }
}

fn check_area(req: AreaInput, errors: &mut Vec<FieldError>) -> repo::AreaFields {
    let mut found = vec![];
    rules::check_name("name", &req.name, 64, &mut found);
    rules::check_name("name_en", &req.name_en, 64, &mut found);
    rules::check_name("city", &req.city, 64, &mut found);
    found.extend(rules::check_hours(
        req.open_minute,
        req.close_minute,
        req.window_minutes,
    ));
    errors.extend(field_errors(found));
    check_timezone(&req.timezone, "timezone", errors);
    let polygon = check_polygon("polygon", &req.polygon, errors);
    if !(0..=7 * 24 * 60).contains(&req.lead_minutes) {
        errors.push(FieldError::new(
            "lead_minutes",
            "out_of_range",
            "0 to 10080 minutes (a week)",
        ));
    }
    if !(1..=90).contains(&req.horizon_days) {
        errors.push(FieldError::new(
            "horizon_days",
            "out_of_range",
            "1 to 90 days",
        ));
    }
    let policy = policy_json(req.policy, errors);
    repo::AreaFields {
        name: req.name.trim().to_string(),
        name_en: req.name_en.trim().to_string(),
        city: req.city.trim().to_string(),
        timezone: req.timezone,
        polygon,
        open_minute: req.open_minute,
        close_minute: req.close_minute,
        lead_minutes: req.lead_minutes,
        horizon_days: req.horizon_days,
        window_minutes: req.window_minutes,
        active: req.active,
        policy,
    }
}

fn code_error() -> FieldError {
    FieldError::new(
        "code",
        "invalid",
        "1–64 lowercase letters, digits, `_` or `-`",
    )
}

/// Adds a service area.
#[utoipa::path(operation_id = "admin_catalog_area_create", post, path = "/api/v1/admin/catalog/areas", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = AreaInput,
    responses((status = 201, body = AdminArea), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_area(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(req): Json<AreaInput>,
) -> ApiResult<(StatusCode, axum::Json<AdminArea>)> {
    let code = req.code.clone().unwrap_or_default();
    let mut errors = vec![];
    if !rules::is_code(&code) {
        errors.push(code_error());
    }
    if req.updated_at.is_some() {
        errors.push(FieldError::new(
            "updated_at",
            "unexpected",
            "only an update has one",
        ));
    }
    let fields = check_area(req, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = stamp(&state);
    let txn = daojia_store::begin(state.store.db()).await?;
    let created = repo::create_area(&txn, &code, fields, now)
        .await
        .map_err(duplicate("area", "code"))?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.area.create",
            "service_area",
            &code,
            None,
            Some(area_audit(&created)),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(area_view(&created, 0))))
}

/// Changes every field of a service area.
#[utoipa::path(operation_id = "admin_catalog_area_update", put, path = "/api/v1/admin/catalog/areas/{code}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = AreaInput,
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = AdminArea), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_area(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path(code): Path<String>,
    Json(req): Json<AreaInput>,
) -> ApiResult<axum::Json<AdminArea>> {
    let txn = daojia_store::begin(state.store.db()).await?;
    let before = repo::area(&txn, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("area"))?;
    check_fresh(req.updated_at, before.updated_at)?;
    let mut errors = vec![];
    if req.code.as_ref().is_some_and(|c| c != &code) {
        errors.push(FieldError::new(
            "code",
            "immutable",
            "an area's code never changes (orders and workers refer to it)",
        ));
    }
    let fields = check_area(req, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = stamp(&state);
    let after = repo::update_area(&txn, before.clone(), fields, now).await?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.area.update",
            "service_area",
            &code,
            Some(area_audit(&before)),
            Some(area_audit(&after)),
        ),
        now,
    )
    .await?;
    let n = catalog::area_prices(&txn, &code).await?.len() as u32;
    txn.commit().await?;
    Ok(axum::Json(area_view(&after, n)))
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaImportResult {
    /// Codes of the areas created (inactive unless the feature said `active: true`).
    pub created: Vec<String>,
    /// Codes of the areas whose outline (and any properties given) changed.
    pub updated: Vec<String>,
}

/// The string property `key` of a feature, if given.
fn prop_str(props: &Value, key: &str, at: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    match props.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            errors.push(FieldError::new(
                format!("{at}.{key}"),
                "invalid_type",
                "a string",
            ));
            None
        }
    }
}

fn prop_int(props: &Value, key: &str, at: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    match props.get(key) {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64().and_then(|n| i32::try_from(n).ok()) {
            Some(n) => Some(n),
            None => {
                errors.push(FieldError::new(
                    format!("{at}.{key}"),
                    "invalid_type",
                    "a whole number",
                ));
                None
            }
        },
    }
}

/// Creates or updates areas from a GeoJSON upload: one `Feature` or a `FeatureCollection`
/// of `Polygon` features, each with a `code` property. Other properties that match the
/// area's fields (`name`, `name_en`, `city`, `timezone`, `open_minute`, `close_minute`,
/// `lead_minutes`, `horizon_days`, `window_minutes`, `active`) are applied; what is left out
/// keeps its value, or for a new area takes the default (the city of the existing areas,
/// Asia/Shanghai, 08:00–20:00, 120 minutes lead, 14 days, one-hour windows, inactive). All
/// or nothing.
#[utoipa::path(operation_id = "admin_catalog_area_import", post, path = "/api/v1/admin/catalog/areas/import", tag = "admin", security(("bearer" = ["catalog.write"])),
    request_body(content = Object, description = "A GeoJSON Feature or FeatureCollection"),
    responses((status = 200, body = AreaImportResult), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_areas(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Json(doc): Json<Value>,
) -> ApiResult<axum::Json<AreaImportResult>> {
    let features: Vec<(String, &Value)> = match doc.get("type").and_then(Value::as_str) {
        Some("Feature") => vec![(String::new(), &doc)],
        Some("FeatureCollection") => match doc.get("features").and_then(Value::as_array) {
            Some(list) if !list.is_empty() && list.len() <= 200 => list
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("features[{i}]"), f))
                .collect(),
            _ => {
                return Err(ApiError::field("features", "invalid", "1 to 200 features"));
            }
        },
        _ => {
            return Err(ApiError::field(
                "type",
                "invalid",
                "a GeoJSON `Feature` or `FeatureCollection`",
            ));
        }
    };
    let join = |base: &str, tail: &str| {
        if base.is_empty() {
            tail.to_string()
        } else {
            format!("{base}.{tail}")
        }
    };
    let txn = daojia_store::begin(state.store.db()).await?;
    let existing = repo::areas(&txn).await?;
    let mut errors = vec![];
    let mut plan: Vec<(String, Option<service_area::Model>, repo::AreaFields)> = vec![];
    for (at, f) in features {
        let props_at = join(&at, "properties");
        let props = f.get("properties").cloned().unwrap_or(Value::Null);
        let code = prop_str(&props, "code", &props_at, &mut errors).unwrap_or_default();
        if !rules::is_code(&code) {
            errors.push(FieldError::new(
                format!("{props_at}.code"),
                "invalid",
                "every feature needs a `code` property: 1–64 lowercase letters, digits, `_` or `-`",
            ));
            continue;
        }
        if plan.iter().any(|(c, _, _)| c == &code) {
            errors.push(FieldError::new(
                format!("{props_at}.code"),
                "duplicate",
                format!("`{code}` appears twice in the file"),
            ));
            continue;
        }
        let geom_at = join(&at, "geometry");
        let geometry: PolygonInput = match f
            .get("geometry")
            .cloned()
            .map(serde_json::from_value::<PolygonInput>)
        {
            Some(Ok(g)) => g,
            _ => {
                errors.push(FieldError::new(
                    geom_at,
                    "invalid",
                    "a GeoJSON `Polygon` geometry",
                ));
                continue;
            }
        };
        let before = existing.iter().find(|a| a.code == code).cloned();
        let mut e = vec![];
        let s = |k: &str, e: &mut Vec<FieldError>| prop_str(&props, k, &props_at, e);
        let n = |k: &str, e: &mut Vec<FieldError>| prop_int(&props, k, &props_at, e);
        let active = match props.get("active") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                e.push(FieldError::new(
                    format!("{props_at}.active"),
                    "invalid_type",
                    "true or false",
                ));
                None
            }
        };
        let b = before.as_ref();
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
            active: active.or(b.map(|a| a.active)).unwrap_or(false),
            policy: b.and_then(|a| policy_view(a.policy.as_deref())),
            updated_at: None,
        };
        let fields = check_area(input, &mut e);
        // Paths inside the feature: geometry fields under `geometry`, others under `properties`.
        errors.extend(e.into_iter().map(|mut fe| {
            fe.field = match fe.field.strip_prefix("polygon") {
                Some(rest) => format!("{geom_at}{rest}"),
                None if fe.field.starts_with(&props_at) => fe.field,
                None => format!("{props_at}.{}", fe.field),
            };
            fe
        }));
        plan.push((code, before, fields));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let now = stamp(&state);
    let mut result = AreaImportResult {
        created: vec![],
        updated: vec![],
    };
    for (code, before, fields) in plan {
        let (before_audit, after) = match before {
            Some(b) => (
                Some(area_audit(&b)),
                repo::update_area(&txn, b, fields, now).await?,
            ),
            None => (
                None,
                repo::create_area(&txn, &code, fields, now)
                    .await
                    .map_err(duplicate("area", "code"))?,
            ),
        };
        let action = if before_audit.is_some() {
            result.updated.push(code.clone());
            "catalog.area.import_update"
        } else {
            result.created.push(code.clone());
            "catalog.area.import_create"
        };
        audit::record(
            &state.store,
            &txn,
            audit_entry(
                &who.staff,
                &client,
                action,
                "service_area",
                &code,
                before_audit,
                Some(area_audit(&after)),
            ),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(axum::Json(result))
}

// ---------------------------------------------------------------------------------------
// Price overrides

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

/// An area's price overrides.
#[utoipa::path(operation_id = "admin_catalog_area_prices", get, path = "/api/v1/admin/catalog/areas/{code}/prices", tag = "admin", security(("bearer" = ["catalog.read"])),
    params(("code" = String, Path, description = "Area code")),
    responses((status = 200, body = Vec<AreaPriceView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn area_prices(
    State(state): State<AppState>,
    _: Can<perm::CatalogRead>,
    Path(code): Path<String>,
) -> ApiResult<axum::Json<Vec<AreaPriceView>>> {
    let db = state.store.db();
    repo::area(db, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("area"))?;
    let items = repo::items(db).await?;
    let mut out: Vec<AreaPriceView> = catalog::area_prices(db, &code)
        .await?
        .iter()
        .map(|o| price_view(o, items.iter().find(|i| i.code == o.item_code)))
        .collect();
    out.sort_by(|a, b| a.item_code.cmp(&b.item_code));
    Ok(axum::Json(out))
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

/// Sets an item's price in an area.
#[utoipa::path(operation_id = "admin_catalog_area_price_put", put, path = "/api/v1/admin/catalog/areas/{code}/prices/{item}", tag = "admin", security(("bearer" = ["catalog.write"])), request_body = AreaPriceInput,
    params(("code" = String, Path, description = "Area code"), ("item" = String, Path, description = "Item code")),
    responses((status = 200, body = AreaPriceView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_area_price(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path((code, item_code)): Path<(String, String)>,
    Json(req): Json<AreaPriceInput>,
) -> ApiResult<axum::Json<AreaPriceView>> {
    let txn = daojia_store::begin(state.store.db()).await?;
    repo::area(&txn, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("area"))?;
    let item = repo::item(&txn, &item_code)
        .await?
        .ok_or_else(|| ApiError::not_found("item"))?;
    let mut errors = vec![];
    if let Some(p) = req.base_price_fen
        && !(1..=100_000_000).contains(&p)
    {
        errors.push(FieldError::new(
            "base_price_fen",
            "out_of_range",
            "1 to 100,000,000 分, or null for the item's own",
        ));
    }
    if !(-90..=500).contains(&req.markup_percent) {
        errors.push(FieldError::new(
            "markup_percent",
            "out_of_range",
            "−90 to 500 percent",
        ));
    }
    let adjusted = AreaPrice {
        base_price: req.base_price_fen.map(Money::fen),
        markup_percent: req.markup_percent,
    };
    if errors.is_empty() && unit_price(&item, Some(&adjusted), true).is_none() {
        errors.push(FieldError::new(
            "base_price_fen",
            "price",
            "with this price the item's cheapest choices would cost nothing or less",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let before = repo::area_price(&txn, &code, &item_code).await?;
    let now = stamp(&state);
    let after = repo::put_area_price(
        &txn,
        &code,
        &item_code,
        req.base_price_fen,
        req.markup_percent,
        now,
    )
    .await
    .map_err(duplicate("price override", "item"))?;
    let target = format!("{code}/{item_code}");
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.area_price.put",
            "area_item_price",
            &target,
            before.as_ref().map(price_audit),
            Some(price_audit(&after)),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(axum::Json(price_view(&after, Some(&item))))
}

/// Removes an item's price override in an area (its own price applies again).
#[utoipa::path(operation_id = "admin_catalog_area_price_delete", delete, path = "/api/v1/admin/catalog/areas/{code}/prices/{item}", tag = "admin", security(("bearer" = ["catalog.write"])),
    params(("code" = String, Path, description = "Area code"), ("item" = String, Path, description = "Item code")),
    responses((status = 204, description = "Removed"), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_area_price(
    State(state): State<AppState>,
    who: Can<perm::CatalogWrite>,
    client: ClientInfo,
    Path((code, item_code)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let txn = daojia_store::begin(state.store.db()).await?;
    let gone = repo::delete_area_price(&txn, &code, &item_code)
        .await?
        .ok_or_else(|| ApiError::not_found("price override"))?;
    audit::record(
        &state.store,
        &txn,
        audit_entry(
            &who.staff,
            &client,
            "catalog.area_price.delete",
            "area_item_price",
            &format!("{code}/{item_code}"),
            Some(price_audit(&gone)),
            None,
        ),
        stamp(&state),
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
