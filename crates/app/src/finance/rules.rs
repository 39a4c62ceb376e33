//! Commission rules and partners' shares, as finance edits them (platform staff only).

use crate::error::FieldIssue;
use crate::workers::Actor;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::earning::{Rule, RuleError, Share, WHOLE_BP};
use daojia_domain::money::Money;
use daojia_store::entity::commission_rule;
use daojia_store::repo::earnings;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A rule as sent and shown.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleInput {
    /// A name for people.
    pub name: String,
    /// The category's code (its children match too).
    pub category_code: Option<String>,
    /// The area's code.
    pub area_code: Option<String>,
    /// The least worker level (1..=5; a worker's level is their highest skill level).
    pub min_level: Option<u8>,
    /// A campaign's name: outranks every other rule while it runs.
    pub campaign: Option<String>,
    /// From when.
    pub starts_at: Option<DateTime<Utc>>,
    /// Until when (exclusive).
    pub ends_at: Option<DateTime<Utc>>,
    /// `percent` or `fixed`.
    pub share_kind: String,
    /// Basis points (percent) or fen (fixed).
    pub share_value: i64,
    /// The least the platform takes, in fen.
    pub minimum_fen: i64,
    /// Whether it applies.
    pub active: bool,
}

/// A stored rule.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    /// Its id.
    pub id: Uuid,
    /// The rule.
    #[serde(flatten)]
    pub rule: RuleInput,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<commission_rule::Model> for RuleView {
    fn from(r: commission_rule::Model) -> Self {
        RuleView {
            id: r.id,
            rule: RuleInput {
                name: r.name,
                category_code: r.category_code,
                area_code: r.area_code,
                min_level: r.min_level.and_then(|l| u8::try_from(l).ok()),
                campaign: r.campaign,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                share_kind: r.share_kind,
                share_value: r.share_value,
                minimum_fen: r.minimum_fen,
                active: r.active,
            },
            updated_at: r.updated_at,
        }
    }
}

fn blank(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn validate(id: Uuid, i: &RuleInput) -> Result<Rule> {
    let mut issues = vec![];
    if i.name.trim().is_empty() || i.name.chars().count() > 64 {
        issues.push(FieldIssue::new("name", "invalid", "1 to 64 characters"));
    }
    for (f, v) in [
        ("category_code", &i.category_code),
        ("area_code", &i.area_code),
        ("campaign", &i.campaign),
    ] {
        if v.as_ref().is_some_and(|s| s.chars().count() > 64) {
            issues.push(FieldIssue::new(f, "invalid", "at most 64 characters"));
        }
    }
    let share = match i.share_kind.as_str() {
        "percent" if (0..=i64::from(WHOLE_BP)).contains(&i.share_value) => Some(Share::Percent {
            bp: i.share_value as u32,
        }),
        "fixed" if (0..=100_000_000).contains(&i.share_value) => Some(Share::Fixed {
            fen: Money::fen(i.share_value),
        }),
        "percent" | "fixed" => {
            issues.push(FieldIssue::new(
                "share_value",
                "out_of_range",
                "0 to 10000 basis points, or 0 to 100000000 fen",
            ));
            None
        }
        _ => {
            issues.push(FieldIssue::new(
                "share_kind",
                "invalid",
                "`percent` or `fixed`",
            ));
            None
        }
    };
    if !(0..=100_000_000).contains(&i.minimum_fen) {
        issues.push(FieldIssue::new(
            "minimum_fen",
            "out_of_range",
            "0 to 100000000 fen",
        ));
    }
    Error::check(issues)?;
    let rule = Rule {
        id,
        category: blank(&i.category_code),
        area: blank(&i.area_code),
        min_level: i.min_level,
        campaign: blank(&i.campaign),
        starts_at: i.starts_at,
        ends_at: i.ends_at,
        share: share.unwrap_or(Share::Percent { bp: 0 }),
        minimum: Money::fen(i.minimum_fen),
        active: i.active,
    };
    rule.validate().map_err(|e| match e {
        RuleError::Window => Error::field("ends_at", "invalid", e.to_string()),
        RuleError::Level => Error::field("min_level", "out_of_range", e.to_string()),
        _ => Error::field("share_value", "out_of_range", e.to_string()),
    })?;
    Ok(rule)
}

/// Every rule.
pub async fn list(app: &App) -> Result<Vec<RuleView>> {
    Ok(earnings::rules(app.store.db())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Creates (`id` none) or replaces rule `id`; returns it before (none when new) and after.
pub async fn save(
    app: &App,
    actor: &Actor,
    id: Option<Uuid>,
    input: RuleInput,
    now: DateTime<Utc>,
) -> Result<RuleView> {
    let tx = daojia_store::begin(app.store.db()).await?;
    let db = &tx;
    let before = match id {
        Some(id) => Some(
            commission_rule::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(Error::NotFound("commission rule"))?,
        ),
        None => None,
    };
    let rid = id.unwrap_or_else(Uuid::now_v7);
    let r = validate(rid, &input)?;
    let (kind, value) = earnings::share_columns(r.share);
    let am = commission_rule::ActiveModel {
        id: Set(rid),
        name: Set(input.name.trim().to_string()),
        category_code: Set(r.category),
        area_code: Set(r.area),
        min_level: Set(r.min_level.map(i16::from)),
        campaign: Set(r.campaign),
        starts_at: Set(r.starts_at),
        ends_at: Set(r.ends_at),
        share_kind: Set(kind),
        share_value: Set(value),
        minimum_fen: Set(r.minimum.as_fen()),
        active: Set(r.active),
        created_at: Set(before.as_ref().map_or(now, |b| b.created_at)),
        updated_at: Set(now),
    };
    let (saved, action) = if before.is_some() {
        (am.update(db).await?, "commission_rule.update")
    } else {
        (am.insert(db).await?, "commission_rule.create")
    };
    let json = |r: &commission_rule::Model| serde_json::to_value(RuleView::from(r.clone())).ok();
    actor
        .audit(
            app,
            db,
            action,
            rid,
            (before.as_ref().and_then(json), json(&saved)),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(saved.into())
}

/// Sets partner `partner`'s share of what the platform leaves of its workers' orders.
pub async fn set_partner_share(
    app: &App,
    actor: &Actor,
    partner: Uuid,
    share_bp: i64,
    now: DateTime<Utc>,
) -> Result<()> {
    if !(0..=i64::from(WHOLE_BP)).contains(&share_bp) {
        return Err(Error::field(
            "share_bp",
            "out_of_range",
            "0 to 10000 basis points",
        ));
    }
    use daojia_store::entity::partner;
    let tx = daojia_store::begin(app.store.db()).await?;
    partner::Entity::find_by_id(partner)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("partner"))?;
    let before = earnings::partner_bp(&tx, partner).await?;
    earnings::set_partner_bp(&tx, partner, share_bp as u32, now).await?;
    actor
        .audit(
            app,
            &tx,
            "partner.share",
            partner,
            (
                Some(serde_json::json!({ "share_bp": before })),
                Some(serde_json::json!({ "share_bp": share_bp })),
            ),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}
