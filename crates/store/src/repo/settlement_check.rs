//! The part of `daojia ledger check` about commissions, settlement and withdrawals: every
//! recorded split has its entry for what it recognised (less what refunds took back),
//! every settled earning its settlement entry, every withdrawal its request entry and the
//! entry of its outcome, the withdrawals in flight equal to the open requests, and every
//! worker's kept withdrawable balance equal to the ledger's.

use crate::entity::{ledger_entry, ledger_posting, order_earning, withdrawal, worker_balance};
use crate::repo::earnings::{EARNING, EARNING_ADJUSTMENT, SETTLEMENT};
use crate::repo::withdrawals::{WITHDRAWAL, WITHDRAWAL_PAID, WITHDRAWAL_RETURN};
use daojia_domain::ids::WorkerId;
use daojia_domain::ledger::Account;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The problems found, one line each. `balances` are the ledger's, by account code.
pub async fn check(
    db: &impl ConnectionTrait,
    balances: &BTreeMap<String, i64>,
) -> Result<Vec<String>, DbErr> {
    let mut problems = vec![];
    let kinds = [
        EARNING,
        EARNING_ADJUSTMENT,
        SETTLEMENT,
        WITHDRAWAL,
        WITHDRAWAL_PAID,
        WITHDRAWAL_RETURN,
    ];
    let entries: Vec<(Uuid, String, String, Option<Uuid>)> = ledger_entry::Entity::find()
        .select_only()
        .columns([
            ledger_entry::Column::Id,
            ledger_entry::Column::SourceType,
            ledger_entry::Column::SourceId,
            ledger_entry::Column::OrderId,
        ])
        .filter(ledger_entry::Column::SourceType.is_in(kinds))
        .into_tuple()
        .all(db)
        .await?;
    let ids: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
    // Per entry, per account: what it posted.
    let mut posted: HashMap<Uuid, HashMap<String, i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid, String, i64)> = ledger_posting::Entity::find()
            .select_only()
            .columns([
                ledger_posting::Column::EntryId,
                ledger_posting::Column::Account,
                ledger_posting::Column::AmountFen,
            ])
            .filter(ledger_posting::Column::EntryId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (e, a, fen) in rows {
            *posted.entry(e).or_default().entry(a).or_default() += fen;
        }
    }
    let mut by_source: HashMap<(String, String), Uuid> = HashMap::new();
    // Per order: what the earning entries left on the worker's pending account.
    let mut worker_pending: HashMap<Uuid, i64> = HashMap::new();
    for (id, kind, source, order) in &entries {
        by_source.insert((kind.clone(), source.clone()), *id);
        if (kind == EARNING || kind == EARNING_ADJUSTMENT || kind == SETTLEMENT)
            && let Some(o) = order
        {
            let credit: i64 = posted
                .get(id)
                .into_iter()
                .flatten()
                .filter(|(a, _)| a.starts_with("worker_pending:"))
                .map(|(_, f)| -f)
                .sum();
            *worker_pending.entry(*o).or_default() += credit;
        }
    }
    let earnings = order_earning::Entity::find().all(db).await?;
    for e in &earnings {
        let left = worker_pending.get(&e.order_id).copied().unwrap_or(0);
        let want = if e.state == "settled" {
            0
        } else {
            e.worker_fen
        };
        if left != want {
            problems.push(format!(
                "earning of order {}: the worker's share is {} fen ({}) but the ledger holds {left} fen pending for it",
                e.order_id, e.worker_fen, e.state
            ));
        }
        if e.gross_fen > 0
            && !by_source.contains_key(&(EARNING.to_string(), e.order_id.to_string()))
        {
            problems.push(format!(
                "earning of order {} has no ledger entry",
                e.order_id
            ));
        }
        if e.platform_fen + e.partner_fen + e.worker_fen != e.gross_fen {
            problems.push(format!(
                "earning of order {}: shares do not sum to {} fen",
                e.order_id, e.gross_fen
            ));
        }
    }
    let withdrawals = withdrawal::Entity::find().all(db).await?;
    let mut in_flight = 0;
    for w in &withdrawals {
        let has = |k: &str| by_source.contains_key(&(k.to_string(), w.id.to_string()));
        if !has(WITHDRAWAL) {
            problems.push(format!(
                "withdrawal {} has no ledger entry",
                w.withdrawal_no
            ));
        }
        match w.state.as_str() {
            "requested" | "approved" => in_flight += w.amount_fen,
            "paid" if !has(WITHDRAWAL_PAID) => problems.push(format!(
                "withdrawal {} is paid without its payout entry",
                w.withdrawal_no
            )),
            "rejected" | "failed" if !has(WITHDRAWAL_RETURN) => problems.push(format!(
                "withdrawal {} is {} but its amount was not returned",
                w.withdrawal_no, w.state
            )),
            _ => {}
        }
    }
    let ledger_in_flight = -balances
        .get(&Account::WithdrawalsInFlight.code())
        .copied()
        .unwrap_or(0);
    if ledger_in_flight != in_flight {
        problems.push(format!(
            "withdrawals in flight: {in_flight} fen requested or approved, the ledger holds {ledger_in_flight} fen"
        ));
    }
    let kept = worker_balance::Entity::find().all(db).await?;
    let mut seen = std::collections::HashSet::new();
    for b in &kept {
        let code = Account::WorkerWithdrawable(WorkerId(b.worker_id)).code();
        seen.insert(code.clone());
        let ledger = -balances.get(&code).copied().unwrap_or(0);
        if ledger != b.withdrawable_fen {
            problems.push(format!(
                "worker {}: kept withdrawable balance {} fen, ledger {ledger} fen",
                b.worker_id, b.withdrawable_fen
            ));
        }
    }
    for (code, fen) in balances {
        if code.starts_with("worker_withdrawable:") && *fen != 0 && !seen.contains(code) {
            problems.push(format!(
                "{code}: {} fen in the ledger, no kept balance",
                -fen
            ));
        }
    }
    Ok(problems)
}
