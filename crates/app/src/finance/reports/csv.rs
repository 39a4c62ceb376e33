//! The reports as CSV (amounts in yuan, cells made inert by [`crate::csv`]).

use super::{By, CommissionReport, PayeeReport, RefundReport, RevenueReport};
use crate::csv::{Cell, Csv};

/// The revenue report as CSV.
pub fn revenue_csv(r: &RevenueReport) -> String {
    let channels = r.by == By::Channel;
    let mut head = vec![
        "key",
        "label",
        "payments",
        "paid_yuan",
        "refunds",
        "refunded_yuan",
        "net_yuan",
    ];
    if !channels {
        head.extend([
            "completed",
            "earned_yuan",
            "commission_yuan",
            "partner_yuan",
            "worker_yuan",
        ]);
    }
    let mut csv = Csv::new(&head);
    for row in r.rows.iter().chain([&r.total]) {
        let mut cells = vec![
            Cell::text(&row.key),
            Cell::text(&row.label),
            Cell::Int(row.payments),
            Cell::Yuan(row.paid_fen),
            Cell::Int(row.refunds),
            Cell::Yuan(row.refunded_fen),
            Cell::Yuan(row.net_fen),
        ];
        if !channels {
            cells.extend([
                Cell::Int(row.completed.unwrap_or(0)),
                Cell::Yuan(row.earned_fen.unwrap_or(0)),
                Cell::Yuan(row.commission_fen.unwrap_or(0)),
                Cell::Yuan(row.partner_fen.unwrap_or(0)),
                Cell::Yuan(row.worker_fen.unwrap_or(0)),
            ]);
        }
        csv.row(cells);
    }
    csv.finish()
}

/// The commissions report as CSV.
pub fn commissions_csv(r: &CommissionReport) -> String {
    let mut csv = Csv::new(&[
        "rule_id",
        "rule",
        "orders",
        "gross_yuan",
        "platform_yuan",
        "partner_yuan",
        "worker_yuan",
        "effective_bp",
    ]);
    for row in r.rows.iter().chain([&r.total]) {
        csv.row(vec![
            Cell::text(row.rule_id.map(|i| i.to_string()).unwrap_or_default()),
            Cell::text(&row.rule_name),
            Cell::Int(row.orders),
            Cell::Yuan(row.gross_fen),
            Cell::Yuan(row.platform_fen),
            Cell::Yuan(row.partner_fen),
            Cell::Yuan(row.worker_fen),
            Cell::Int(row.effective_bp),
        ]);
    }
    csv.finish()
}

/// The earnings and payouts report as CSV.
pub fn payees_csv(r: &PayeeReport) -> String {
    let mut csv = Csv::new(&[
        "id",
        "code",
        "name",
        "earned_yuan",
        "settled_yuan",
        "withdrawn_yuan",
        "paid_out_yuan",
        "fees_yuan",
        "pending_now_yuan",
        "withdrawable_now_yuan",
    ]);
    for row in r.rows.iter().chain([&r.total]) {
        csv.row(vec![
            Cell::text(if row.id.is_nil() {
                String::new()
            } else {
                row.id.to_string()
            }),
            Cell::text(&row.code),
            Cell::text(row.name.clone().unwrap_or_default()),
            Cell::Yuan(row.earned_fen),
            Cell::Yuan(row.settled_fen),
            Cell::Yuan(row.withdrawn_fen),
            Cell::Yuan(row.paid_out_fen),
            Cell::Yuan(row.fees_fen),
            Cell::Yuan(row.pending_now_fen),
            Cell::Yuan(row.withdrawable_now_fen),
        ]);
    }
    csv.finish()
}

/// The refunds report's list as CSV.
pub fn refunds_csv(r: &RefundReport) -> String {
    let mut csv = Csv::new(&[
        "refund_no",
        "order_no",
        "provider",
        "amount_yuan",
        "state",
        "origin",
        "created_at",
        "finished_at",
    ]);
    for row in &r.rows {
        csv.row(vec![
            Cell::text(row.refund_no.clone().unwrap_or_default()),
            Cell::text(row.order_no.clone().unwrap_or_default()),
            Cell::text(&row.provider),
            Cell::Yuan(row.amount_fen),
            Cell::text(&row.state),
            Cell::text(row.origin.clone().unwrap_or_default()),
            Cell::text(row.created_at.to_rfc3339()),
            Cell::text(row.finished_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
        ]);
    }
    csv.finish()
}
