//! Service areas: the outline (drawn on the map or imported, see [`super::import`]),
//! opening hours, lead time, booking horizon, window length, time zone, the active flag and
//! the area's own order policy.

use super::{
    PolicyFields, PolygonView, audit, check_fresh, duplicate, policy_json, policy_view, stamp,
};
use crate::App;
use crate::error::{Error, FieldIssue, Result};
use crate::workers::Actor;
use chrono::{DateTime, Utc};
use daojia_domain::catalog as rules;
use daojia_domain::geo::{GeoJsonPolygon, GeoJsonPolygonType};
use daojia_store::entity::service_area;
use daojia_store::repo::catalog;
use daojia_store::repo::catalog_admin as repo;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

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

/// A stored outline as GeoJSON; an unreadable one shows as empty so it can be redrawn.
pub fn polygon_view(stored: &str) -> PolygonView {
    let coordinates = serde_json::from_str::<GeoJsonPolygon>(stored)
        .map(|g| g.coordinates)
        .unwrap_or_default();
    PolygonView {
        kind: "Polygon".into(),
        coordinates,
    }
}

fn area_view(a: &service_area::Model, overrides: u32) -> AdminArea {
    AdminArea {
        code: a.code.clone(),
        name: a.name.clone(),
        name_en: a.name_en.clone(),
        city: a.city.clone(),
        timezone: a.timezone.clone(),
        polygon: polygon_view(&a.polygon),
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

/// What the audit log keeps of an area.
pub(super) fn area_audit(a: &service_area::Model) -> Value {
    json!(area_view(a, 0))
}

async fn with_overrides(db: &impl ConnectionTrait, a: &service_area::Model) -> Result<AdminArea> {
    let n = catalog::area_prices(db, &a.code).await?.len() as u32;
    Ok(area_view(a, n))
}

/// Every service area, active or not.
pub async fn list(app: &App) -> Result<Vec<AdminArea>> {
    let db = app.store.db();
    let mut out = vec![];
    for a in repo::areas(db).await? {
        out.push(with_overrides(db, &a).await?);
    }
    Ok(out)
}

/// One service area.
pub async fn get(app: &App, code: &str) -> Result<AdminArea> {
    let db = app.store.db();
    let a = repo::area(db, code).await?.ok_or(Error::NotFound("area"))?;
    with_overrides(db, &a).await
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
    #[serde(default, deserialize_with = "daojia_domain::bounds::opt_instant")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Checks a polygon as sent; on success the GeoJSON text to store. `field` prefixes paths.
fn check_polygon(field: &str, p: &PolygonInput, issues: &mut Vec<FieldIssue>) -> String {
    if p.kind != "Polygon" {
        issues.push(FieldIssue::new(
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
                issues.push(FieldIssue::new(
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
            issues.push(e.into());
            String::new()
        }
    }
}

/// Checks every field of an area; the fields to store (meaningful only without issues).
pub(super) fn check_area(req: AreaInput, issues: &mut Vec<FieldIssue>) -> repo::AreaFields {
    let mut found = vec![];
    rules::check_name("name", &req.name, 64, &mut found);
    rules::check_name("name_en", &req.name_en, 64, &mut found);
    rules::check_name("city", &req.city, 64, &mut found);
    found.extend(rules::check_hours(
        req.open_minute,
        req.close_minute,
        req.window_minutes,
    ));
    issues.extend(found.into_iter().map(FieldIssue::from));
    if req.timezone.parse::<chrono_tz::Tz>().is_err() {
        issues.push(FieldIssue::new(
            "timezone",
            "unknown_timezone",
            format!(
                "`{}` is not an IANA time zone such as Asia/Shanghai",
                req.timezone
            ),
        ));
    }
    let polygon = check_polygon("polygon", &req.polygon, issues);
    if !(0..=7 * 24 * 60).contains(&req.lead_minutes) {
        issues.push(FieldIssue::new(
            "lead_minutes",
            "out_of_range",
            "0 to 10080 minutes (a week)",
        ));
    }
    if !(1..=90).contains(&req.horizon_days) {
        issues.push(FieldIssue::new(
            "horizon_days",
            "out_of_range",
            "1 to 90 days",
        ));
    }
    let policy = policy_json(req.policy, issues);
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

/// The issue of a code that is not one: `at` is its path.
pub(super) fn code_issue(at: &str, message: &str) -> FieldIssue {
    FieldIssue::new(at, "invalid", message)
}

/// Adds a service area.
pub async fn create(
    app: &App,
    actor: &Actor,
    req: AreaInput,
    now: DateTime<Utc>,
) -> Result<AdminArea> {
    let code = req.code.clone().unwrap_or_default();
    let mut issues = vec![];
    if !rules::is_code(&code) {
        issues.push(code_issue("code", super::CODE_RULE));
    }
    if req.updated_at.is_some() {
        issues.push(FieldIssue::new(
            "updated_at",
            "unexpected",
            "only an update has one",
        ));
    }
    let fields = check_area(req, &mut issues);
    Error::check(issues)?;
    let now = stamp(now);
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let created = repo::create_area(&txn, &code, fields, now)
            .await
            .map_err(duplicate("area", "code"))?;
        let what = ("catalog.area.create", "service_area", code.as_str());
        audit(
            app,
            &txn,
            actor,
            what,
            (None, Some(area_audit(&created))),
            now,
        )
        .await?;
        Ok(area_view(&created, 0))
    }
    .await;
    crate::workers::settle(txn, r).await
}

/// Changes every field of service area `code`.
pub async fn update(
    app: &App,
    actor: &Actor,
    code: &str,
    req: AreaInput,
    now: DateTime<Utc>,
) -> Result<AdminArea> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let before = repo::area(&txn, code)
            .await?
            .ok_or(Error::NotFound("area"))?;
        check_fresh(req.updated_at, before.updated_at)?;
        let mut issues = vec![];
        if req.code.as_ref().is_some_and(|c| c != code) {
            issues.push(FieldIssue::new(
                "code",
                "immutable",
                "an area's code never changes (orders and workers refer to it)",
            ));
        }
        let fields = check_area(req, &mut issues);
        Error::check(issues)?;
        let now = stamp(now);
        let after = repo::update_area(&txn, before.clone(), fields, now).await?;
        let what = ("catalog.area.update", "service_area", code);
        let change = (Some(area_audit(&before)), Some(area_audit(&after)));
        audit(app, &txn, actor, what, change, now).await?;
        with_overrides(&txn, &after).await
    }
    .await;
    crate::workers::settle(txn, r).await
}
