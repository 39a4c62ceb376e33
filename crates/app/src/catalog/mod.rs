//! The catalog as the operations console edits it (后台 服务项目管理): service areas with
//! their outlines, hours and policies ([`areas`], imported from GeoJSON by [`import`]), and
//! the areas' price overrides per item ([`prices`]); the category tree ([`categories`]) and
//! the service items ([`items`], their rules in [`item_rules`]). What customers see of it
//! before log-in is read from each node's cached copy ([`public`]).
//!
//! Every write is checked field by field (the rules are `daojia_domain::catalog`'s), every
//! wrong field is named at once, and the row before and after is written to the audit log
//! in the write's own transaction. An edit carries the `updated_at` the editor read; a row
//! changed since answers `edit_conflict`.

pub mod areas;
pub mod categories;
pub mod import;
pub mod item_rules;
pub mod items;
pub mod prices;
pub mod public;

use crate::App;
use crate::error::{Error, FieldIssue, Result};
use crate::workers::Actor;
use chrono::{DateTime, SubsecRound, Utc};
use daojia_domain::money::Money;
use daojia_domain::order::policy::Policy;
use daojia_domain::pricing::ItemOption;
use daojia_store::repo::audit::{self, AuditEntry};
use daojia_store::repo::catalog_admin::WriteError;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A GeoJSON polygon (`[lng, lat]`, WGS-84).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolygonView {
    /// Always `Polygon`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Rings of `[lng, lat]` pairs; the first is the outer ring.
    pub coordinates: Vec<Vec<[f64; 2]>>,
}

/// One choice of an option.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OptionChoiceView {
    /// Code.
    pub code: String,
    /// 中文 label.
    pub name: String,
    /// English label.
    pub name_en: String,
    /// Added to the unit price, 分.
    pub price_delta_fen: i64,
    /// Added to the unit duration, minutes.
    pub duration_delta_min: i32,
}

/// An option of an item; the first choice is the default.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ItemOptionView {
    /// Code.
    pub code: String,
    /// 中文 label.
    pub name: String,
    /// English label.
    pub name_en: String,
    /// Choices.
    pub choices: Vec<OptionChoiceView>,
}

impl From<ItemOption> for ItemOptionView {
    fn from(o: ItemOption) -> Self {
        ItemOptionView {
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
        }
    }
}

/// A stored JSON list of strings (skills, tools); an unreadable one is empty.
pub fn strings(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// What a code may be.
pub(crate) const CODE_RULE: &str = "1–64 lowercase letters, digits, `_` or `-`";

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
pub fn policy_json(p: Option<PolicyFields>, issues: &mut Vec<FieldIssue>) -> Option<String> {
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
        issues.push(FieldIssue::new(
            format!("policy.{}", e.field),
            "out_of_range",
            e.message,
        ));
    }
    Some(serde_json::to_string(&policy).expect("a policy serializes"))
}

/// A stored policy for a view; an unreadable one shows as none (the default applies).
pub fn policy_view(stored: Option<&str>) -> Option<PolicyFields> {
    stored
        .and_then(|s| serde_json::from_str::<Policy>(s).ok())
        .map(PolicyFields::from)
}

/// `now` to the microsecond: what every database keeps, so an `updated_at` read back
/// compares equal to the one written.
pub fn stamp(now: DateTime<Utc>) -> DateTime<Utc> {
    now.trunc_subsecs(6)
}

/// `edit_conflict` when the row changed since the client read it.
pub fn check_fresh(sent: Option<DateTime<Utc>>, current: DateTime<Utc>) -> Result<()> {
    match sent {
        Some(s) if s.trunc_subsecs(6) != current.trunc_subsecs(6) => Err(Error::ConflictAt {
            field: "updated_at".into(),
            code: "edit_conflict",
            message:
                "someone changed this since you opened it; reload, then make your change again"
                    .into(),
        }),
        _ => Ok(()),
    }
}

/// A write's error, with a duplicate code named on `field` as `duplicate_code`.
pub fn duplicate(what: &str, field: &str) -> impl Fn(WriteError) -> Error {
    let (what, field) = (what.to_string(), field.to_string());
    move |e| match e {
        WriteError::Duplicate => Error::ConflictAt {
            field: field.clone(),
            code: "duplicate_code",
            message: format!("another {what} already has this code"),
        },
        WriteError::Db(e) => e.into(),
    }
}

/// Records a catalog change by `actor` in `db` (the write's transaction).
pub(crate) async fn audit(
    app: &App,
    db: &impl ConnectionTrait,
    actor: &Actor,
    (action, target_type, target): (&str, &str, &str),
    (before, after): (Option<serde_json::Value>, Option<serde_json::Value>),
    now: DateTime<Utc>,
) -> Result<()> {
    let entry = AuditEntry {
        actor_type: "staff".into(),
        actor_id: Some(actor.staff_id),
        actor_name: Some(actor.name.clone()),
        action: action.into(),
        target_type: target_type.into(),
        target_id: Some(target.to_string()),
        before,
        after,
        request_id: actor.request_id.clone(),
        ip: actor.ip.clone(),
    };
    audit::record(&app.store, db, entry, now).await?;
    Ok(())
}
