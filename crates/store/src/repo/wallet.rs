//! Customers' wallets (余额): the kept balance payments from the wallet lock, and a
//! wallet's movements read from the ledger. The balance is changed only in the
//! transaction that posts the matching ledger entry (a top-up's success, a payment from
//! the wallet, a refund back into it), so it equals the ledger's `customer_wallet:<id>`
//! (`ledger check` compares them). A payment takes the amount with one guarded update
//! (`balance_fen >= amount`): on PostgreSQL and MariaDB a concurrent payment waits on the
//! row until the first commits and then sees the lowered balance; SQLite runs one writer
//! at a time. So no wallet goes below zero.

use super::{Page, PageRequest, page_from};
use crate::entity::{ledger_entry, ledger_posting, wallet_balance};
use chrono::{DateTime, Utc};
use daojia_domain::ids::CustomerId;
use daojia_domain::ledger::Account;
use daojia_domain::money::Money;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Opens a customer's kept balance at zero unless it exists.
pub async fn open(
    db: &impl ConnectionTrait,
    customer: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    wallet_balance::Entity::insert(wallet_balance::ActiveModel {
        customer_id: Set(customer),
        balance_fen: Set(0),
        updated_at: Set(now),
    })
    .on_conflict(
        // A no-op update rather than `DO NOTHING` (which sea-query writes as an `INSERT
        // IGNORE` MariaDB does not take here).
        OnConflict::column(wallet_balance::Column::CustomerId)
            .update_column(wallet_balance::Column::CustomerId)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Adds `amount` to the customer's kept balance (a top-up, a refund into the wallet), in
/// the transaction that posts its entry.
pub async fn credit(
    db: &impl ConnectionTrait,
    customer: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    open(db, customer, now).await?;
    wallet_balance::Entity::update_many()
        .col_expr(
            wallet_balance::Column::BalanceFen,
            Expr::col(wallet_balance::Column::BalanceFen).add(amount.as_fen()),
        )
        .col_expr(wallet_balance::Column::UpdatedAt, Expr::value(now))
        .filter(wallet_balance::Column::CustomerId.eq(customer))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes `amount` off the customer's kept balance if it is there; `false` (nothing taken)
/// when the balance is less. The guarded update is the lock (see the module).
pub async fn take(
    db: &impl ConnectionTrait,
    customer: Uuid,
    amount: Money,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = wallet_balance::Entity::update_many()
        .col_expr(
            wallet_balance::Column::BalanceFen,
            Expr::col(wallet_balance::Column::BalanceFen).sub(amount.as_fen()),
        )
        .col_expr(wallet_balance::Column::UpdatedAt, Expr::value(now))
        .filter(wallet_balance::Column::CustomerId.eq(customer))
        .filter(wallet_balance::Column::BalanceFen.gte(amount.as_fen()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The customer's kept balance (zero for a wallet never used).
pub async fn balance(db: &impl ConnectionTrait, customer: Uuid) -> Result<Money, DbErr> {
    Ok(Money::fen(
        wallet_balance::Entity::find_by_id(customer)
            .one(db)
            .await?
            .map_or(0, |b| b.balance_fen),
    ))
}

/// One movement of a wallet: a posting on its ledger account with its entry's cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    /// The posting's id (the page cursor).
    pub id: Uuid,
    /// What it did to the balance, in fen: positive in (a top-up, a refund), negative out.
    pub amount_fen: i64,
    /// The entry's cause (`intent` for a top-up or a payment, `refund`).
    pub source_type: String,
    /// The cause's id.
    pub source_id: String,
    /// The order it concerns, if any.
    pub order_id: Option<Uuid>,
    /// The entry's memo.
    pub memo: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The customer's wallet movements, newest first, a page at a time.
pub async fn movements(
    db: &impl ConnectionTrait,
    customer: Uuid,
    page: PageRequest,
) -> Result<Page<Movement>, DbErr> {
    account_movements(
        db,
        &Account::CustomerWallet(CustomerId(customer)).code(),
        page,
    )
    .await
}

/// The movements of the liability account `account` (a wallet, a worker's deposit),
/// newest first, a page at a time: a credit to it is a positive movement.
pub async fn account_movements(
    db: &impl ConnectionTrait,
    account: &str,
    page: PageRequest,
) -> Result<Page<Movement>, DbErr> {
    let mut q = ledger_posting::Entity::find()
        .filter(ledger_posting::Column::Account.eq(account))
        .order_by_desc(ledger_posting::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(ledger_posting::Column::Id.lt(after));
    }
    let postings = q.all(db).await?;
    let ids: Vec<Uuid> = postings.iter().map(|p| p.entry_id).collect();
    let entries: HashMap<Uuid, ledger_entry::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect()
    };
    let rows = postings
        .into_iter()
        .map(|p| {
            let e = entries.get(&p.entry_id);
            Movement {
                id: p.id,
                // The account is a liability: a credit (negative posting) adds to it.
                amount_fen: -p.amount_fen,
                source_type: e.map(|e| e.source_type.clone()).unwrap_or_default(),
                source_id: e.map(|e| e.source_id.clone()).unwrap_or_default(),
                order_id: e.and_then(|e| e.order_id),
                memo: e.map(|e| e.memo.clone()).unwrap_or_default(),
                at: p.at,
            }
        })
        .collect();
    Ok(page_from(rows, page.limit, |m| m.id))
}

/// The part of `ledger check` about wallets: each customer's kept balance equals the
/// ledger's `customer_wallet:<id>` (negative wallets are found by the journal check).
/// `balances` are the ledger's, by account code.
pub async fn check(
    db: &impl ConnectionTrait,
    balances: &std::collections::BTreeMap<String, i64>,
) -> Result<Vec<String>, DbErr> {
    let mut problems = vec![];
    let kept = wallet_balance::Entity::find().all(db).await?;
    let mut seen = std::collections::HashSet::new();
    for k in &kept {
        let code = Account::CustomerWallet(CustomerId(k.customer_id)).code();
        let ledger = -balances.get(&code).copied().unwrap_or(0);
        seen.insert(code.clone());
        if ledger != k.balance_fen {
            problems.push(format!(
                "{code}: kept wallet balance {} fen, the ledger says {ledger} fen",
                k.balance_fen
            ));
        }
        if k.balance_fen < 0 {
            problems.push(format!(
                "{code}: kept wallet balance {} fen is negative",
                k.balance_fen
            ));
        }
    }
    for (code, fen) in balances {
        if code.starts_with("customer_wallet:") && !seen.contains(code) && *fen != 0 {
            problems.push(format!(
                "{code}: the ledger holds {} fen but no kept wallet balance exists",
                -fen
            ));
        }
    }
    Ok(problems)
}
