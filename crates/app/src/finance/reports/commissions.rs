//! The commissions report: the splits recorded at completion, by commission rule.

use super::Range;
use crate::{App, Result};
use chrono::NaiveDate;
use daojia_store::entity::commission_rule;
use daojia_store::repo::finance_reports as rows;
use sea_orm::EntityTrait;
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// One commission rule's splits over a range, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommissionRow {
    /// The rule (`None`: no rule matched, the default share applied).
    pub rule_id: Option<Uuid>,
    /// Its name.
    pub rule_name: String,
    /// Orders completed under it.
    pub orders: i64,
    /// What they earned.
    pub gross_fen: i64,
    /// The platform's commission.
    pub platform_fen: i64,
    /// The partners' shares.
    pub partner_fen: i64,
    /// The workers' earnings.
    pub worker_fen: i64,
    /// The commission as basis points of what was earned (0 when nothing was).
    pub effective_bp: i64,
}

/// The commissions report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommissionReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// One line per rule, the largest commission first.
    pub rows: Vec<CommissionRow>,
    /// The sums (`rule_name` 合计).
    pub total: CommissionRow,
}

fn bp(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        ((i128::from(part) * 10_000 + i128::from(whole) / 2) / i128::from(whole)) as i64
    }
}

/// Commissions by rule of the orders completed in `range`.
pub async fn commissions(app: &App, range: Range) -> Result<CommissionReport> {
    let db = app.store.db();
    let (start, end) = range.bounds(app.settings.finance.day_offset_hours);
    let splits = rows::splits_by_rule(db, start, end).await?;
    let names: HashMap<Uuid, String> = commission_rule::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut total = CommissionRow {
        rule_id: None,
        rule_name: "合计".into(),
        orders: 0,
        gross_fen: 0,
        platform_fen: 0,
        partner_fen: 0,
        worker_fen: 0,
        effective_bp: 0,
    };
    let mut out: Vec<CommissionRow> = splits
        .into_iter()
        .map(|s| {
            total.orders += s.orders;
            total.gross_fen += s.gross_fen;
            total.platform_fen += s.platform_fen;
            total.partner_fen += s.partner_fen;
            total.worker_fen += s.worker_fen;
            CommissionRow {
                rule_id: s.rule_id,
                rule_name: match s.rule_id {
                    Some(id) => names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                    None => format!(
                        "默认 {}%",
                        daojia_domain::earning::DEFAULT_BP as f64 / 100.0
                    ),
                },
                orders: s.orders,
                gross_fen: s.gross_fen,
                platform_fen: s.platform_fen,
                partner_fen: s.partner_fen,
                worker_fen: s.worker_fen,
                effective_bp: bp(s.platform_fen, s.gross_fen),
            }
        })
        .collect();
    total.effective_bp = bp(total.platform_fen, total.gross_fen);
    out.sort_by(|a, b| {
        b.platform_fen
            .cmp(&a.platform_fen)
            .then(a.rule_name.cmp(&b.rule_name))
    });
    Ok(CommissionReport {
        from: range.from,
        to: range.to,
        rows: out,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basis_points_round_half_up() {
        assert_eq!(bp(2_000, 10_000), 2_000);
        assert_eq!(bp(1, 3), 3_333);
        assert_eq!(bp(2, 3), 6_667);
        assert_eq!(bp(5, 0), 0);
    }
}
