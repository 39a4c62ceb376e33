//! Feature flags (灰度发布): staff with `settings.write` set them in the console (audited);
//! the apps ask which are on for them. Evaluation is pure (`daojia_domain::flag`) over each
//! node's copy of the rows (`daojia_store::repo::flags`), refreshed as soon as a change
//! commits anywhere.

use crate::error::FieldIssue;
use crate::workers::Actor;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::access::Role;
use daojia_domain::flag::{Caller, Flag};
use daojia_store::entity::feature_flag;
use daojia_store::repo::flags;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A flag's settings as sent and shown.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagInput {
    /// What it switches, for people (up to 500 characters).
    #[serde(default)]
    pub description: String,
    /// Off overrides everything else.
    pub enabled: bool,
    /// Share of matching callers who get it, 0 to 100 (stable per caller).
    pub percent: i64,
    /// Service-area codes it is limited to (empty: every area).
    #[serde(default)]
    pub areas: Vec<String>,
    /// `customer`, `worker`, `staff`, `anonymous` or staff roles (`dispatcher`, …) it is
    /// limited to (empty: everyone).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A stored flag: its key, its settings (the fields of [`FlagInput`], written out rather
/// than flattened, so the published schema of the answer allows them) and when it last
/// changed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FlagView {
    /// Its key.
    pub key: String,
    /// What it switches, for people.
    pub description: String,
    /// Off overrides everything else.
    pub enabled: bool,
    /// Share of matching callers who get it, 0 to 100 (stable per caller).
    pub percent: i64,
    /// Service-area codes it is limited to (empty: every area).
    pub areas: Vec<String>,
    /// Caller kinds or staff roles it is limited to (empty: everyone).
    pub roles: Vec<String>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

fn view(r: &feature_flag::Model) -> FlagView {
    FlagView {
        key: r.key.clone(),
        description: r.description.clone(),
        enabled: r.enabled,
        percent: i64::from(r.percent),
        areas: flags::list(&r.areas).unwrap_or_default(),
        roles: flags::list(&r.roles).unwrap_or_default(),
        updated_at: r.updated_at,
    }
}

/// The flag a row holds; `None` when its lists do not read (then it is off).
fn flag(r: &feature_flag::Model) -> Option<Flag> {
    Some(Flag {
        key: r.key.clone(),
        enabled: r.enabled,
        percent: u8::try_from(r.percent).ok()?,
        areas: flags::list(&r.areas)?,
        roles: flags::list(&r.roles)?,
    })
}

/// Every flag.
pub async fn list(app: &App) -> Result<Vec<FlagView>> {
    Ok(flags::all(app.store.db()).await?.iter().map(view).collect())
}

/// Which flags are on for a logged-in account (`audience`, `id`) looking at `area`: a
/// staff member's role and, without `area`, a worker's own area are read here. Every flag
/// is listed, on or off.
pub async fn for_account(
    app: &App,
    audience: daojia_domain::access::Audience,
    id: uuid::Uuid,
    area: Option<&str>,
) -> Result<BTreeMap<String, bool>> {
    use daojia_domain::access::Audience;
    use daojia_store::repo::accounts;
    let db = app.store.db();
    let (name, role, own_area) = match audience {
        Audience::Customer => ("customer", None, None),
        Audience::Worker => (
            "worker",
            None,
            accounts::worker(db, id).await?.and_then(|w| w.area_code),
        ),
        Audience::Staff => (
            "staff",
            accounts::staff(db, id).await?.map(|s| s.role),
            None,
        ),
    };
    let caller = Caller {
        id,
        audience: name,
        role: role.as_deref(),
        area: area.or(own_area.as_deref()),
    };
    evaluate(app, &caller).await
}

/// Which flags are on for `caller`: every flag's key with true or false.
pub async fn evaluate(app: &App, caller: &Caller<'_>) -> Result<BTreeMap<String, bool>> {
    evaluate_where(app, caller, |_| true).await
}

/// Which flags are on for a caller not logged in, known by the id the app keeps on the
/// `device`, looking at `area`. Without a device every such caller would be one and the
/// same: only flags given to everyone (100 %) are on then, so that none flickers.
pub async fn for_device(
    app: &App,
    device: Option<uuid::Uuid>,
    area: Option<&str>,
) -> Result<BTreeMap<String, bool>> {
    let caller = Caller {
        id: device.unwrap_or(uuid::Uuid::nil()),
        audience: "anonymous",
        role: None,
        area,
    };
    evaluate_where(app, &caller, |f| device.is_some() || f.percent >= 100).await
}

async fn evaluate_where(
    app: &App,
    caller: &Caller<'_>,
    allowed: impl Fn(&Flag) -> bool,
) -> Result<BTreeMap<String, bool>> {
    Ok(flags::all(app.store.db())
        .await?
        .iter()
        .map(|r| {
            let on = flag(r).is_some_and(|f| allowed(&f) && f.on_for(caller));
            (r.key.clone(), on)
        })
        .collect())
}

fn checked(key: &str, input: &FlagInput) -> Result<Flag> {
    let mut issues = vec![];
    if input.description.chars().count() > 500 {
        issues.push(FieldIssue::new(
            "description",
            "invalid",
            "at most 500 characters",
        ));
    }
    if !(0..=100).contains(&input.percent) {
        issues.push(FieldIssue::new("percent", "out_of_range", "0 to 100"));
    }
    let f = Flag {
        key: key.to_string(),
        enabled: input.enabled,
        percent: input.percent.clamp(0, 100) as u8,
        areas: input.areas.iter().map(|a| a.trim().to_string()).collect(),
        roles: input.roles.iter().map(|r| r.trim().to_string()).collect(),
    };
    let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
    if let Err(found) = f.check(&roles) {
        for i in found {
            if i.field != "percent" {
                issues.push(FieldIssue::new(i.field, "invalid", i.message));
            }
        }
    }
    Error::check(issues)?;
    Ok(f)
}

/// Creates or replaces flag `key` (audited `feature_flag.create` / `.update`).
pub async fn save(
    app: &App,
    actor: &Actor,
    key: &str,
    input: FlagInput,
    now: DateTime<Utc>,
) -> Result<FlagView> {
    let f = checked(key, &input)?;
    let tx = daojia_store::begin(app.store.db()).await?;
    let settings = flags::Settings {
        description: input.description.trim(),
        enabled: f.enabled,
        percent: f.percent,
        areas: &f.areas,
        roles: &f.roles,
    };
    let (before, after) = flags::put(&tx, key, settings, now).await?;
    let action = if before.is_some() {
        "feature_flag.update"
    } else {
        "feature_flag.create"
    };
    let json = |r: &feature_flag::Model| serde_json::to_value(view(r)).ok();
    actor
        .audit(
            app,
            &tx,
            action,
            key,
            (before.as_ref().and_then(json), json(&after)),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(view(&after))
}

/// Deletes flag `key` (audited `feature_flag.delete`); callers then see it off.
pub async fn remove(app: &App, actor: &Actor, key: &str, now: DateTime<Utc>) -> Result<()> {
    let tx = daojia_store::begin(app.store.db()).await?;
    let Some(before) = flags::delete(&tx, key).await? else {
        return Err(Error::NotFound("feature flag"));
    };
    actor
        .audit(
            app,
            &tx,
            "feature_flag.delete",
            key,
            (serde_json::to_value(view(&before)).ok(), None),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
