//! The earnings and payouts report: workers' and partners' earnings, settlements,
//! withdrawals and balances, from their ledger accounts.

use super::{Range, is_earning};
use crate::{App, Result};
use chrono::NaiveDate;
use daojia_store::entity::{partner, withdrawal, worker};
use daojia_store::repo::finance_reports as rows;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Whose earnings: workers' or partners'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payee {
    /// Workers (师傅).
    Worker,
    /// Partners (服务商).
    Partner,
}

impl Payee {
    /// The payee kind of a code (`worker`, `partner`).
    pub fn parse(s: &str) -> Option<Payee> {
        match s {
            "worker" => Some(Payee::Worker),
            "partner" => Some(Payee::Partner),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Payee::Worker => "worker",
            Payee::Partner => "partner",
        }
    }
}

/// One worker's or partner's earnings and payouts, in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PayeeRow {
    /// The worker or partner.
    pub id: Uuid,
    /// Their code (工号 / 服务商编码).
    pub code: String,
    /// A partner's name (workers' names are personal information and stay out of reports).
    pub name: Option<String>,
    /// Earned in the range (completions, after-sales adjustments included).
    pub earned_fen: i64,
    /// Settled in the range (moved from pending to withdrawable).
    pub settled_fen: i64,
    /// Taken out of the withdrawable balance by withdrawal requests in the range, less
    /// those returned (rejected or failed).
    pub withdrawn_fen: i64,
    /// Withdrawals paid in the range (what left the platform, fees included).
    pub paid_out_fen: i64,
    /// Fees withheld from those payouts.
    pub fees_fen: i64,
    /// Pending now (in the dispute window).
    pub pending_now_fen: i64,
    /// Withdrawable now.
    pub withdrawable_now_fen: i64,
}

/// The earnings and payouts report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayeeReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Whose.
    pub payee: Payee,
    /// One line per payee with money in the range or a balance now, the largest earning
    /// first.
    pub rows: Vec<PayeeRow>,
    /// The sums (`code` 合计).
    pub total: PayeeRow,
}

/// Workers' (or partners') earnings and payouts over `range`, from their ledger accounts.
pub async fn payees(app: &App, range: Range, payee: Payee) -> Result<PayeeReport> {
    let db = app.store.db();
    let (start, end) = range.bounds(app.settings.finance.day_offset_hours);
    let prefix = payee.prefix();
    let mut by_id: BTreeMap<Uuid, PayeeRow> = BTreeMap::new();
    let split = |account: &str| -> Option<(bool, Uuid)> {
        let (family, id) = account.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        Some((family.ends_with("_pending"), id))
    };
    for m in rows::payee_movements(db, prefix, start, end).await? {
        let Some((pending, id)) = split(&m.account) else {
            continue;
        };
        let row = by_id.entry(id).or_default();
        match (pending, m.kind.as_str()) {
            (true, k) if is_earning(k) => row.earned_fen -= m.amount_fen,
            (false, "settlement") => row.settled_fen -= m.amount_fen,
            (false, "withdrawal" | "withdrawal_return") => row.withdrawn_fen += m.amount_fen,
            _ => {}
        }
    }
    for (account, balance) in rows::payee_balances(db, prefix).await? {
        let Some((pending, id)) = split(&account) else {
            continue;
        };
        if balance == 0 && !by_id.contains_key(&id) {
            continue;
        }
        let row = by_id.entry(id).or_default();
        if pending {
            row.pending_now_fen = -balance;
        } else {
            row.withdrawable_now_fen = -balance;
        }
    }
    if payee == Payee::Worker {
        let paid = withdrawal::Entity::find()
            .filter(withdrawal::Column::State.eq("paid"))
            .filter(withdrawal::Column::FinishedAt.gte(start))
            .filter(withdrawal::Column::FinishedAt.lt(end))
            .all(db)
            .await?;
        for w in paid {
            let row = by_id.entry(w.worker_id).or_default();
            row.paid_out_fen += w.amount_fen;
            row.fees_fen += w.fee_fen;
        }
    }
    let ids: Vec<Uuid> = by_id.keys().copied().collect();
    let names: HashMap<Uuid, (String, Option<String>)> = match payee {
        Payee::Worker => worker::Entity::find()
            .filter(worker::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|w| (w.id, (w.code, None)))
            .collect(),
        Payee::Partner => partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.code, Some(p.name))))
            .collect(),
    };
    let mut total = PayeeRow {
        code: "合计".into(),
        ..Default::default()
    };
    let mut out: Vec<PayeeRow> = by_id
        .into_iter()
        .map(|(id, mut r)| {
            r.id = id;
            if let Some((code, name)) = names.get(&id) {
                r.code = code.clone();
                r.name = name.clone();
            }
            total.earned_fen += r.earned_fen;
            total.settled_fen += r.settled_fen;
            total.withdrawn_fen += r.withdrawn_fen;
            total.paid_out_fen += r.paid_out_fen;
            total.fees_fen += r.fees_fen;
            total.pending_now_fen += r.pending_now_fen;
            total.withdrawable_now_fen += r.withdrawable_now_fen;
            r
        })
        .collect();
    out.sort_by(|a, b| b.earned_fen.cmp(&a.earned_fen).then(a.code.cmp(&b.code)));
    Ok(PayeeReport {
        from: range.from,
        to: range.to,
        payee,
        rows: out,
        total,
    })
}
