//! The demo's deposits: the tier configuration the demo runs with when `[deposit]` names
//! no tiers ([`tiers`]), and deposits lodged a few days ago by the demo city's workers,
//! each a real lodging intent that succeeded and was credited through
//! [`crate::payments::purpose::credit`] (the same entry and kept balance as a channel's
//! callback), and
//! one fine, so the worker app's 保证金 and the console's deposits page show money and
//! `daojia ledger check` passes. Every worker able to nurse lodges the senior tier (the
//! nursing category is gated), most others the standard one; every seventh other worker
//! lodges nothing and takes orders up to the starter tier's limit. Runs once: nothing when
//! any lodging exists.

use crate::payments::purpose::{Purpose, seed_succeeded};
use crate::workers::{Actor, Scope};
use crate::{App, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::deposit::{DepositRules, PURPOSE_DEPOSIT, Tier};
use daojia_domain::money::Money;
use daojia_domain::payment::PayChannel;
use daojia_store::entity::{payment_intent, service_item, staff, worker};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::collections::BTreeSet;

/// The standard tier's deposit, fen (¥500).
pub const STANDARD_FEN: i64 = 50_000;
/// The senior tier's deposit, fen (¥2,000).
pub const SENIOR_FEN: i64 = 200_000;

/// The demo's tiers: starter (no deposit, orders up to ¥800), standard (¥500, any order
/// value), senior (¥2,000, also nursing and care).
pub fn tiers() -> DepositRules {
    let tier = |code: &str, name: &str, fen: i64, max: Option<i64>, cats: &[&str]| Tier {
        code: code.into(),
        name: name.into(),
        required_fen: fen,
        max_order_fen: max,
        categories: cats.iter().map(|c| (*c).to_string()).collect(),
    };
    DepositRules {
        tiers: vec![
            tier("starter", "入门", 0, Some(80_000), &[]),
            tier("standard", "标准", STANDARD_FEN, None, &[]),
            tier("senior", "高级", SENIOR_FEN, None, &["nursing"]),
        ],
        ..Default::default()
    }
}

/// What the demo's deposits seeded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Lodgings made.
    pub lodgings: usize,
    /// Fines taken.
    pub fines: usize,
}

fn skills(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Seeds the demo's deposits at `now` (see the module).
pub async fn seed(app: &App, now: DateTime<Utc>) -> Result<Seeded> {
    let db = app.store.db();
    let any = payment_intent::Entity::find()
        .filter(payment_intent::Column::Purpose.eq(PURPOSE_DEPOSIT))
        .count(db)
        .await?;
    if any > 0 {
        return Ok(Seeded::default());
    }
    let nursing: BTreeSet<String> = service_item::Entity::find()
        .filter(service_item::Column::CategoryCode.eq("nursing"))
        .all(db)
        .await?
        .iter()
        .flat_map(|i| skills(&i.skills))
        .collect();
    let workers = worker::Entity::find()
        .filter(worker::Column::Status.ne("left"))
        .order_by_asc(worker::Column::CreatedAt)
        .order_by_asc(worker::Column::Id)
        .all(db)
        .await?;
    let mut out = Seeded::default();
    let mut others = 0usize;
    let mut first_standard = None;
    for (i, w) in workers.iter().enumerate() {
        let nurse = skills(&w.skills).iter().any(|s| nursing.contains(s));
        let fen = if nurse {
            SENIOR_FEN
        } else {
            others += 1;
            if others.is_multiple_of(7) {
                continue;
            }
            STANDARD_FEN
        };
        let channel = if i % 2 == 0 {
            PayChannel::WechatH5
        } else {
            PayChannel::AlipayWap
        };
        let at = now - Duration::days(20) + Duration::minutes(i as i64 * 11);
        seed_succeeded(app, Purpose::Deposit, w.id, fen, channel, at).await?;
        out.lodgings += 1;
        if fen == STANDARD_FEN && first_standard.is_none() {
            first_standard = Some(w.id);
        }
    }
    // One fine by the first administrator, so the console's history is not empty.
    let admin = staff::Entity::find()
        .filter(staff::Column::Role.eq("super_admin"))
        .order_by_asc(staff::Column::CreatedAt)
        .one(db)
        .await?;
    if let (Some(w), Some(admin)) = (first_standard, admin) {
        let actor = Actor {
            staff_id: admin.id,
            name: "demo".into(),
            scope: Scope::All,
            sees_pii: false,
            request_id: None,
            ip: None,
        };
        super::fines::fine(
            app,
            &actor,
            w,
            super::NewFine {
                amount: Money::fen(5_000),
                reason: Some("服务中迟到两小时且未告知客户（演示数据）".into()),
                order_id: None,
            },
            now - Duration::days(2),
        )
        .await?;
        out.fines += 1;
    }
    Ok(out)
}
