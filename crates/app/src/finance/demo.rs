//! The demo's finance: two commission rules (cleaning 15% with a ¥10 minimum; a campaign
//! of 10% running the demo's week), a 10% share for each partner, the split of the
//! latest completed orders of the history (those past the dispute window settled), and
//! one withdrawal waiting for finance, so a newcomer sees 我的收入 and 提现审核 with data.
//! The worker the demo's banner offers always has a settled balance of their own, whatever
//! the date and hour of the first start (the history's latest orders fall on other workers
//! at other hours), and it is not the one asked for. Runs once: nothing when a rule
//! besides the default exists.

use super::rules::RuleInput;
use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_store::entity::{commission_rule, partner, service_order};
use daojia_store::repo::earnings;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// What the demo's finance seeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Orders whose split was recorded.
    pub earnings: usize,
    /// Of them, settled.
    pub settled: usize,
    /// Withdrawals asked for.
    pub withdrawals: usize,
}

fn rule(
    name: &str,
    category: Option<&str>,
    campaign: Option<&str>,
    bp: i64,
    min: i64,
) -> RuleInput {
    RuleInput {
        name: name.into(),
        category_code: category.map(Into::into),
        area_code: None,
        min_level: None,
        campaign: campaign.map(Into::into),
        starts_at: None,
        ends_at: None,
        share_kind: "percent".into(),
        share_value: bp,
        minimum_fen: min,
        active: true,
    }
}

/// Seeds the demo's finance at `now` (see the module); `sample` is the worker the banner
/// offers.
pub async fn seed(app: &App, now: DateTime<Utc>, sample: Option<Uuid>) -> Result<Seeded> {
    let db = app.store.db();
    let others = commission_rule::Entity::find()
        .filter(commission_rule::Column::Id.ne(earnings::DEFAULT_RULE))
        .count(db)
        .await?;
    if others > 0 {
        return Ok(Seeded::default());
    }
    let mut campaign = rule("双十二活动 10%", None, Some("双十二"), 1_000, 0);
    campaign.starts_at = Some(now - Duration::days(1));
    campaign.ends_at = Some(now + Duration::days(6));
    for r in [
        rule(
            "保洁类 15%（最低 ¥10）",
            Some("cleaning"),
            None,
            1_500,
            1_000,
        ),
        campaign,
    ] {
        let (kind, value) = (r.share_kind.clone(), r.share_value);
        commission_rule::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(r.name),
            category_code: Set(r.category_code),
            area_code: Set(None),
            min_level: Set(None),
            campaign: Set(r.campaign),
            starts_at: Set(r.starts_at),
            ends_at: Set(r.ends_at),
            share_kind: Set(kind),
            share_value: Set(value),
            minimum_fen: Set(r.minimum_fen),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    for p in partner::Entity::find().all(db).await? {
        earnings::set_partner_bp(db, p.id, 1_000, now).await?;
    }
    // The latest completed orders of the history, as if completed with commissions: some
    // still in the dispute window, some past it (settled below).
    let window = Duration::hours(i64::from(app.settings.finance.dispute_window_hours));
    let mut done = vec![];
    for (before, n) in [(now, 6), (now - window, 8)] {
        done.extend(
            service_order::Entity::find()
                .filter(service_order::Column::State.eq("completed"))
                .filter(service_order::Column::WorkerId.is_not_null())
                .filter(service_order::Column::CompletedAt.lte(before))
                .order_by_desc(service_order::Column::CompletedAt)
                .limit(n)
                .all(db)
                .await?,
        );
    }
    // The banner's worker: their latest order past the window, unless one is in already.
    if let Some(sample) = sample
        && !done
            .iter()
            .any(|o| o.worker_id == Some(sample) && o.completed_at <= Some(now - window))
    {
        done.extend(
            service_order::Entity::find()
                .filter(service_order::Column::State.eq("completed"))
                .filter(service_order::Column::WorkerId.eq(sample))
                .filter(service_order::Column::CompletedAt.lte(now - window))
                .order_by_desc(service_order::Column::CompletedAt)
                .one(db)
                .await?,
        );
    }
    let mut seeded = Seeded::default();
    for o in &done {
        let tx = daojia_store::begin(db).await?;
        if earnings::recognise(&tx, o, now).await?.is_some() {
            seeded.earnings += 1;
        }
        tx.commit().await?;
    }
    seeded.settled = super::settle_due(app, now).await?.settled;
    // One withdrawal waiting for finance: half of the first balance there is.
    for o in done.iter().rev() {
        let Some(w) = o.worker_id.filter(|w| Some(*w) != sample) else {
            continue;
        };
        let have = earnings::withdrawable(db, w).await?.as_fen();
        let half = have / 2;
        if half >= app.settings.finance.withdrawals.min.as_fen() {
            super::withdrawals::request(app, w, half, "bank", now).await?;
            seeded.withdrawals = 1;
            break;
        }
    }
    Ok(seeded)
}
