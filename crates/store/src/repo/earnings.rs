//! Commissions and settlement in the store: the commission rules, the split recorded when
//! an order completes (in the transition's transaction, with its ledger entry), its
//! adjustment by a refund after completion, and settlement after the dispute window
//! (pending → withdrawable, with the kept balance a withdrawal locks).

use crate::entity::{
    commission_rule, order_earning, order_line, partner_share, service_category, service_item,
    service_order, worker, worker_balance, worker_skill,
};
use crate::repo::ledger::{self, Source};
use chrono::{DateTime, Utc};
use daojia_domain::earning::{self, Facts, Rule, Share, Split, Terms};
use daojia_domain::ids::{PartnerId, WorkerId};
use daojia_domain::money::Money;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// A completed order's split (`source_id`: the order id).
pub const EARNING: &str = "earning";
/// A refund after completion taking back part of the split (`source_id`: the
/// transition, `<order id>#<seq>`).
pub const EARNING_ADJUSTMENT: &str = "earning_adjustment";
/// An earning settled after the dispute window (`source_id`: the order id).
pub const SETTLEMENT: &str = "settlement";

/// The id of the default rule the migration seeds.
pub const DEFAULT_RULE: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);

/// Seeds the default rule (20%, no minimum) once.
pub async fn seed_default_rule(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    if commission_rule::Entity::find_by_id(DEFAULT_RULE)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    commission_rule::ActiveModel {
        id: Set(DEFAULT_RULE),
        name: Set("默认抽成".into()),
        category_code: Set(None),
        area_code: Set(None),
        min_level: Set(None),
        campaign: Set(None),
        starts_at: Set(None),
        ends_at: Set(None),
        share_kind: Set("percent".into()),
        share_value: Set(i64::from(earning::DEFAULT_BP)),
        minimum_fen: Set(0),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The share stored as (`share_kind`, `share_value`).
pub fn share_columns(s: Share) -> (String, i64) {
    match s {
        Share::Percent { bp } => ("percent".into(), i64::from(bp)),
        Share::Fixed { fen } => ("fixed".into(), fen.as_fen()),
    }
}

/// The share of stored columns.
pub fn share_of(kind: &str, value: i64) -> Result<Share, DbErr> {
    match kind {
        "percent" => Ok(Share::Percent {
            bp: u32::try_from(value).map_err(|_| DbErr::Custom(format!("share {value} bp")))?,
        }),
        "fixed" => Ok(Share::Fixed {
            fen: Money::fen(value),
        }),
        k => Err(DbErr::Custom(format!("unknown share kind `{k}`"))),
    }
}

/// A rule row as the domain's.
pub fn to_rule(r: &commission_rule::Model) -> Result<Rule, DbErr> {
    Ok(Rule {
        id: r.id,
        category: r.category_code.clone(),
        area: r.area_code.clone(),
        min_level: r.min_level.and_then(|l| u8::try_from(l).ok()),
        campaign: r.campaign.clone(),
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        share: share_of(&r.share_kind, r.share_value)?,
        minimum: Money::fen(r.minimum_fen),
        active: r.active,
    })
}

/// Every rule, oldest first.
pub async fn rules(db: &impl ConnectionTrait) -> Result<Vec<commission_rule::Model>, DbErr> {
    commission_rule::Entity::find()
        .order_by_asc(commission_rule::Column::Id)
        .all(db)
        .await
}

/// The terms recorded on an earning.
pub fn terms_of(e: &order_earning::Model) -> Result<Terms, DbErr> {
    Ok(Terms {
        share: share_of(&e.share_kind, e.share_value)?,
        minimum: Money::fen(e.minimum_fen),
        partner_bp: u32::try_from(e.partner_bp).unwrap_or(0),
    })
}

/// The split recorded on an earning.
pub fn split_of(e: &order_earning::Model) -> Split {
    Split {
        gross: Money::fen(e.gross_fen),
        platform: Money::fen(e.platform_fen),
        partner: Money::fen(e.partner_fen),
        worker: Money::fen(e.worker_fen),
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> DbErr {
    DbErr::Custom(format!("{what}: {e}"))
}

/// A partner's share in basis points (0 when none is set).
pub async fn partner_bp(db: &impl ConnectionTrait, partner: Uuid) -> Result<u32, DbErr> {
    Ok(partner_share::Entity::find_by_id(partner)
        .one(db)
        .await?
        .and_then(|p| u32::try_from(p.share_bp).ok())
        .unwrap_or(0)
        .min(earning::WHOLE_BP))
}

/// Sets a partner's share.
pub async fn set_partner_bp(
    db: &impl ConnectionTrait,
    partner: Uuid,
    bp: u32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    partner_share::Entity::insert(partner_share::ActiveModel {
        partner_id: Set(partner),
        share_bp: Set(bp.min(earning::WHOLE_BP) as i32),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(partner_share::Column::PartnerId)
            .update_columns([
                partner_share::Column::ShareBp,
                partner_share::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// What a rule is matched against for `order`: its first line's category (and parent),
/// its area, the worker's highest skill level (1 when none).
async fn facts(
    db: &impl ConnectionTrait,
    order: &service_order::Model,
    worker_id: Uuid,
) -> Result<(Option<String>, Option<String>, u8), DbErr> {
    let first = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order.id))
        .order_by_asc(order_line::Column::Position)
        .one(db)
        .await?;
    let mut category = None;
    let mut parent = None;
    if let Some(l) = first
        && let Some(item) = service_item::Entity::find()
            .filter(service_item::Column::Code.eq(l.item_code))
            .one(db)
            .await?
    {
        parent = service_category::Entity::find()
            .filter(service_category::Column::Code.eq(item.category_code.as_str()))
            .one(db)
            .await?
            .and_then(|c| c.parent_code);
        category = Some(item.category_code);
    }
    let levels: Vec<i16> = worker_skill::Entity::find()
        .select_only()
        .column(worker_skill::Column::Level)
        .filter(worker_skill::Column::WorkerId.eq(worker_id))
        .into_tuple()
        .all(db)
        .await?;
    let level = levels.into_iter().max().unwrap_or(1).clamp(1, 5) as u8;
    Ok((category, parent, level))
}

/// Records the split of `order` (just completed, in the caller's transaction) and posts
/// the entry recognising it: Dr `customer_prepaid` / Cr `platform_revenue`,
/// `partner_pending:<p>`, `worker_pending:<w>`. Once per order: nothing when the order
/// has its earning (a completion after an after-sales case) or no worker.
pub async fn recognise(
    db: &impl ConnectionTrait,
    order: &service_order::Model,
    now: DateTime<Utc>,
) -> Result<Option<order_earning::Model>, DbErr> {
    let Some(worker_id) = order.worker_id else {
        return Ok(None);
    };
    if order_earning::Entity::find_by_id(order.id)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let (category, parent, level) = facts(db, order, worker_id).await?;
    let partner = worker::Entity::find_by_id(worker_id)
        .one(db)
        .await?
        .and_then(|w| w.partner_id);
    let bp = match partner {
        Some(p) => partner_bp(db, p).await?,
        None => 0,
    };
    let all: Vec<Rule> = rules(db)
        .await?
        .iter()
        .map(to_rule)
        .collect::<Result<_, _>>()?;
    let f = Facts {
        category: category.as_deref(),
        parent_category: parent.as_deref(),
        area: order.area_code.as_deref(),
        level,
        at: order.completed_at.unwrap_or(now),
    };
    let chosen = earning::choose(&all, &f);
    let terms = chosen.map_or(earning::default_terms(bp), |r| r.terms(bp));
    let split = terms.split(Money::fen(order.paid_fen - order.refunded_fen));
    let (kind, value) = share_columns(terms.share);
    let row = order_earning::ActiveModel {
        order_id: Set(order.id),
        worker_id: Set(worker_id),
        partner_id: Set(partner),
        rule_id: Set(chosen.map(|r| r.id)),
        share_kind: Set(kind),
        share_value: Set(value),
        minimum_fen: Set(terms.minimum.as_fen()),
        partner_bp: Set(terms.partner_bp as i32),
        gross_fen: Set(split.gross.as_fen()),
        platform_fen: Set(split.platform.as_fen()),
        partner_fen: Set(split.partner.as_fen()),
        worker_fen: Set(split.worker.as_fen()),
        state: Set("pending".into()),
        earned_at: Set(order.completed_at.unwrap_or(now)),
        settled_at: Set(None),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let entry = earning::recognised(&split, WorkerId(worker_id), partner.map(PartnerId))
        .map_err(|e| corrupt("earning", e))?;
    if let Some(entry) = entry {
        let source = Source {
            kind: EARNING,
            id: order.id.to_string(),
            order_id: Some(order.id),
            memo: "完工确认收入（平台抽成、服务商分成、师傅收入）",
        };
        ledger::post(db, source, &entry, now, now).await?;
    }
    Ok(Some(row))
}

/// A refund of `amount` booked by transition `seq` of a completed order: while the earning
/// is pending, the split is made again on what stays paid (with the terms recorded) and
/// the difference taken back from each share; once settled, the platform bears the whole
/// refund (what the worker and partner were paid is not clawed back). Nothing for an
/// order without an earning (completed before commissions existed: its payment was never
/// recognised as revenue, so the refund comes off `customer_prepaid` as before).
pub async fn refunded_after_completion(
    db: &impl ConnectionTrait,
    order: &service_order::Model,
    seq: u32,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(e) = order_earning::Entity::find_by_id(order.id).one(db).await? else {
        return Ok(());
    };
    let source_id = ledger::transition_source(order.id, seq);
    let (entry, memo) = if e.state == "pending" {
        let terms = terms_of(&e)?;
        let old = split_of(&e);
        let new = terms.split(Money::fen(order.paid_fen - order.refunded_fen));
        let updated = order_earning::Entity::update_many()
            .col_expr(
                order_earning::Column::GrossFen,
                Expr::value(new.gross.as_fen()),
            )
            .col_expr(
                order_earning::Column::PlatformFen,
                Expr::value(new.platform.as_fen()),
            )
            .col_expr(
                order_earning::Column::PartnerFen,
                Expr::value(new.partner.as_fen()),
            )
            .col_expr(
                order_earning::Column::WorkerFen,
                Expr::value(new.worker.as_fen()),
            )
            .col_expr(order_earning::Column::UpdatedAt, Expr::value(now))
            .filter(order_earning::Column::OrderId.eq(order.id))
            .filter(order_earning::Column::State.eq("pending"))
            .filter(order_earning::Column::GrossFen.eq(e.gross_fen))
            .exec(db)
            .await?;
        if updated.rows_affected != 1 {
            return Err(DbErr::Custom(format!(
                "order {}: its earning changed meanwhile",
                order.id
            )));
        }
        let less = old.minus(&new);
        let e = earning::taken_back(&less, WorkerId(e.worker_id), e.partner_id.map(PartnerId))
            .map_err(|x| corrupt("earning adjustment", x))?;
        (e, "售后退款冲减收入")
    } else {
        let e = earning::borne_by_platform(amount).map_err(|x| corrupt("refund", x))?;
        (e, "结算后售后退款（平台承担）")
    };
    if let Some(entry) = entry {
        let source = Source {
            kind: EARNING_ADJUSTMENT,
            id: source_id,
            order_id: Some(order.id),
            memo,
        };
        ledger::post(db, source, &entry, now, now).await?;
    }
    Ok(())
}

/// Adds `amount` to a worker's kept withdrawable balance (opening it at zero first).
pub async fn credit_balance(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    open_balance(db, worker_id, now).await?;
    worker_balance::Entity::update_many()
        .col_expr(
            worker_balance::Column::WithdrawableFen,
            sea_orm::sea_query::ExprTrait::add(
                Expr::col(worker_balance::Column::WithdrawableFen),
                amount.as_fen(),
            ),
        )
        .col_expr(worker_balance::Column::UpdatedAt, Expr::value(now))
        .filter(worker_balance::Column::WorkerId.eq(worker_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Opens a worker's kept balance at zero unless it exists.
pub async fn open_balance(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    worker_balance::Entity::insert(worker_balance::ActiveModel {
        worker_id: Set(worker_id),
        withdrawable_fen: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        // A no-op update rather than `DO NOTHING` (which sea-query writes as an `INSERT
        // IGNORE` MariaDB does not take here).
        OnConflict::column(worker_balance::Column::WorkerId)
            .update_column(worker_balance::Column::WorkerId)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The pending earnings whose dispute window has ended (`earned_at <= cutoff`), oldest
/// first, at most `limit`.
pub async fn due(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<order_earning::Model>, DbErr> {
    order_earning::Entity::find()
        .filter(order_earning::Column::State.eq("pending"))
        .filter(order_earning::Column::EarnedAt.lte(cutoff))
        .order_by_asc(order_earning::Column::EarnedAt)
        .limit(limit)
        .all(db)
        .await
}

/// What settling one earning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Moved to withdrawable now.
    Now,
    /// Held: an after-sales case is open on the order.
    Held,
    /// Already settled, or changed meanwhile (tried again on the next run).
    Skipped,
}

/// Settles the earning of `order_id` in the caller's transaction: unless its order has an
/// open after-sales case, marks it settled (compare-and-set on its state and shares),
/// posts pending → withdrawable, and credits the worker's kept balance.
pub async fn settle(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Settled, DbErr> {
    let Some(e) = order_earning::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(Settled::Skipped);
    };
    if e.state != "pending" {
        return Ok(Settled::Skipped);
    }
    let state: Option<String> = service_order::Entity::find_by_id(order_id)
        .select_only()
        .column(service_order::Column::State)
        .into_tuple()
        .one(db)
        .await?;
    if state.as_deref() == Some("after_sales") {
        return Ok(Settled::Held);
    }
    let updated = order_earning::Entity::update_many()
        .col_expr(order_earning::Column::State, Expr::value("settled"))
        .col_expr(order_earning::Column::SettledAt, Expr::value(Some(now)))
        .col_expr(order_earning::Column::UpdatedAt, Expr::value(now))
        .filter(order_earning::Column::OrderId.eq(order_id))
        .filter(order_earning::Column::State.eq("pending"))
        .filter(order_earning::Column::WorkerFen.eq(e.worker_fen))
        .filter(order_earning::Column::PartnerFen.eq(e.partner_fen))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(Settled::Skipped);
    }
    let entry = earning::settled(
        Money::fen(e.worker_fen),
        Money::fen(e.partner_fen),
        WorkerId(e.worker_id),
        e.partner_id.map(PartnerId),
    )
    .map_err(|x| corrupt("settlement", x))?;
    if let Some(entry) = entry {
        let source = Source {
            kind: SETTLEMENT,
            id: order_id.to_string(),
            order_id: Some(order_id),
            memo: "结算：待结算转可提现",
        };
        ledger::post(db, source, &entry, now, now).await?;
    }
    if e.worker_fen > 0 {
        credit_balance(db, e.worker_id, Money::fen(e.worker_fen), now).await?;
    }
    Ok(Settled::Now)
}

/// A worker's earnings, newest first, at most `limit`.
pub async fn of_worker(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
    limit: u64,
) -> Result<Vec<order_earning::Model>, DbErr> {
    order_earning::Entity::find()
        .filter(order_earning::Column::WorkerId.eq(worker_id))
        .order_by_desc(order_earning::Column::EarnedAt)
        .limit(limit)
        .all(db)
        .await
}

/// A worker's kept withdrawable balance (zero when none).
pub async fn withdrawable(db: &impl ConnectionTrait, worker_id: Uuid) -> Result<Money, DbErr> {
    Ok(Money::fen(
        worker_balance::Entity::find_by_id(worker_id)
            .one(db)
            .await?
            .map_or(0, |b| b.withdrawable_fen),
    ))
}
