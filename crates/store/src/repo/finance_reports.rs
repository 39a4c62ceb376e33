//! The grouped reads behind finance's reports (财务报表): money that moved, read from the
//! ledger's postings so that every report adds up to the journal by construction; the
//! commission splits recorded at completion; refunds with their state. Each report is one
//! grouped query over a range of entry times; labels, classification and totals are the
//! application's (`daojia_app::finance::reports`).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
use uuid::Uuid;

/// What one report line of the ledger groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// The entry's local date (`YYYY-MM-DD`, `offset_hours` east of UTC).
    Day {
        /// Hours east of UTC of the zone whose days are counted (China: 8).
        offset_hours: i8,
    },
    /// The order's service area code.
    Area,
    /// The category of the order's first line's item.
    Category,
    /// None beyond the account: the channel report reads the accounts themselves.
    Account,
}

/// One group of postings of entries that concern an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The dimension's value (`None`: the order has none, e.g. no area).
    pub key: Option<String>,
    /// What caused the entries (`source_type`; a reversal counts as what it reverses).
    pub kind: String,
    /// The account, per-person accounts folded to their family
    /// (`customer_wallet`, `worker_pending`, `partner_pending`, …).
    pub account: String,
    /// The postings' sum (debit positive), in fen.
    pub amount_fen: i64,
    /// How many postings.
    pub postings: i64,
}

/// The SQL text of the local date of `col` (a timestamp in UTC) on `backend`.
fn local_day(backend: DatabaseBackend, col: &str, offset_hours: i8) -> String {
    let h = i32::from(offset_hours);
    match backend {
        DatabaseBackend::Postgres => {
            format!("to_char(({col} AT TIME ZONE 'UTC') + interval '{h} hours', 'YYYY-MM-DD')")
        }
        DatabaseBackend::MySql => {
            format!("DATE_FORMAT(DATE_ADD({col}, INTERVAL {h} HOUR), '%Y-%m-%d')")
        }
        _ => format!("date({col}, '{h:+} hours')"),
    }
}

/// Placeholders `n` onwards for `backend` (`$1` on PostgreSQL, `?` elsewhere).
fn ph(backend: DatabaseBackend, n: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".into(),
    }
}

/// The account with per-person accounts folded to their family (SQL).
const ACCOUNT_FAMILY: &str = "CASE \
     WHEN p.account LIKE 'customer_wallet:%' THEN 'customer_wallet' \
     WHEN p.account LIKE 'worker_pending:%' THEN 'worker_pending' \
     WHEN p.account LIKE 'worker_withdrawable:%' THEN 'worker_withdrawable' \
     WHEN p.account LIKE 'partner_pending:%' THEN 'partner_pending' \
     WHEN p.account LIKE 'partner_withdrawable:%' THEN 'partner_withdrawable' \
     ELSE p.account END";

/// The postings of entries about an order made in `[from, to)`, grouped by `dim`, the
/// entry's cause and the account family.
pub async fn order_money(
    db: &impl ConnectionTrait,
    dim: Dimension,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Group>, DbErr> {
    let b = db.get_database_backend();
    let key = match dim {
        Dimension::Day { offset_hours } => local_day(b, "e.at", offset_hours),
        Dimension::Area => "o.area_code".into(),
        Dimension::Category => "(SELECT i.category_code FROM order_line l \
             JOIN service_item i ON i.code = l.item_code \
             WHERE l.order_id = e.order_id ORDER BY l.position LIMIT 1)"
            .into(),
        Dimension::Account => "NULL".into(),
    };
    // Aliases differ from every input column: PostgreSQL resolves a GROUP BY name to an
    // input column first.
    let sql = format!(
        "SELECT g_key, g_kind, g_account, {} AS g_sum, COUNT(*) AS g_n FROM (\
           SELECT {key} AS g_key, COALESCE(r.source_type, e.source_type) AS g_kind, \
                  {ACCOUNT_FAMILY} AS g_account, p.amount_fen AS g_amount \
           FROM ledger_posting p \
           JOIN ledger_entry e ON e.id = p.entry_id \
           LEFT JOIN ledger_entry r ON r.id = e.reverses \
           LEFT JOIN service_order o ON o.id = e.order_id \
           WHERE e.order_id IS NOT NULL AND e.at >= {} AND e.at < {}\
         ) t GROUP BY g_key, g_kind, g_account",
        total(b, "g_amount"),
        ph(b, 1),
        ph(b, 2),
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            b,
            sql,
            [Value::from(from), Value::from(to)],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Group {
                key: r.try_get("", "g_key")?,
                kind: r.try_get("", "g_kind")?,
                account: r.try_get("", "g_account")?,
                amount_fen: sum(r, "g_sum")?,
                postings: r.try_get("", "g_n")?,
            })
        })
        .collect()
}

/// A SUM column as fen (see [`total`]).
fn sum(r: &sea_orm::QueryResult, col: &str) -> Result<i64, DbErr> {
    Ok(r.try_get::<Option<i64>>("", col)?.unwrap_or(0))
}

/// `SUM(expr)` as a 64-bit integer: PostgreSQL and MariaDB answer a decimal for a sum of
/// big integers.
fn total(backend: DatabaseBackend, expr: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("CAST(SUM({expr}) AS BIGINT)"),
        DatabaseBackend::MySql => format!("CAST(SUM({expr}) AS SIGNED)"),
        _ => format!("SUM({expr})"),
    }
}

/// One payee account's movements in a range, by cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayeeMovement {
    /// The account (`worker_pending:<id>`, `partner_withdrawable:<id>`, …).
    pub account: String,
    /// What caused the entries (a reversal counts as what it reverses).
    pub kind: String,
    /// The postings' sum (debit positive), in fen.
    pub amount_fen: i64,
}

/// The movements of workers' or partners' accounts (`prefix`: `worker` or `partner`) in
/// `[from, to)`, by account and cause.
pub async fn payee_movements(
    db: &impl ConnectionTrait,
    prefix: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<PayeeMovement>, DbErr> {
    let b = db.get_database_backend();
    let sql = format!(
        "SELECT p.account AS g_account, COALESCE(r.source_type, e.source_type) AS g_kind, \
                {} AS g_sum \
         FROM ledger_posting p \
         JOIN ledger_entry e ON e.id = p.entry_id \
         LEFT JOIN ledger_entry r ON r.id = e.reverses \
         WHERE (p.account LIKE {} OR p.account LIKE {}) AND p.at >= {} AND p.at < {} \
         GROUP BY p.account, COALESCE(r.source_type, e.source_type)",
        total(b, "p.amount_fen"),
        ph(b, 1),
        ph(b, 2),
        ph(b, 3),
        ph(b, 4),
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            b,
            sql,
            [
                Value::from(format!("{prefix}_pending:%")),
                Value::from(format!("{prefix}_withdrawable:%")),
                Value::from(from),
                Value::from(to),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(PayeeMovement {
                account: r.try_get("", "g_account")?,
                kind: r.try_get("", "g_kind")?,
                amount_fen: sum(r, "g_sum")?,
            })
        })
        .collect()
}

/// Every payee account's balance now (`prefix`: `worker` or `partner`), debit positive.
pub async fn payee_balances(
    db: &impl ConnectionTrait,
    prefix: &str,
) -> Result<Vec<(String, i64)>, DbErr> {
    let b = db.get_database_backend();
    let sql = format!(
        "SELECT p.account AS g_account, {} AS g_sum FROM ledger_posting p \
         WHERE p.account LIKE {} OR p.account LIKE {} GROUP BY p.account",
        total(b, "p.amount_fen"),
        ph(b, 1),
        ph(b, 2),
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            b,
            sql,
            [
                Value::from(format!("{prefix}_pending:%")),
                Value::from(format!("{prefix}_withdrawable:%")),
            ],
        ))
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("", "g_account")?, sum(r, "g_sum")?)))
        .collect()
}

/// The commission splits of orders completed in `[from, to)`, per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSplit {
    /// The rule applied (`None`: no rule matched, the default share).
    pub rule_id: Option<Uuid>,
    /// Orders.
    pub orders: i64,
    /// What the customers paid and kept paid.
    pub gross_fen: i64,
    /// The platform's commission.
    pub platform_fen: i64,
    /// The partners' shares.
    pub partner_fen: i64,
    /// The workers' earnings.
    pub worker_fen: i64,
}

/// The splits recorded at completion in `[from, to)`, grouped by rule.
pub async fn splits_by_rule(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RuleSplit>, DbErr> {
    let b = db.get_database_backend();
    let sql = format!(
        "SELECT rule_id AS g_rule, COUNT(*) AS g_n, {} AS g_gross, {} AS g_platform, \
                {} AS g_partner, {} AS g_worker \
         FROM order_earning WHERE earned_at >= {} AND earned_at < {} GROUP BY rule_id",
        total(b, "gross_fen"),
        total(b, "platform_fen"),
        total(b, "partner_fen"),
        total(b, "worker_fen"),
        ph(b, 1),
        ph(b, 2),
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            b,
            sql,
            [Value::from(from), Value::from(to)],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(RuleSplit {
                rule_id: r.try_get("", "g_rule")?,
                orders: r.try_get("", "g_n")?,
                gross_fen: sum(r, "g_gross")?,
                platform_fen: sum(r, "g_platform")?,
                partner_fen: sum(r, "g_partner")?,
                worker_fen: sum(r, "g_worker")?,
            })
        })
        .collect()
}

/// A refund as finance's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundLine {
    /// The channel refund's id, or the ledger entry's for one owed by hand.
    pub id: Uuid,
    /// Our refund number (`None`: owed by hand, no channel carries it).
    pub refund_no: Option<String>,
    /// The order.
    pub order_id: Option<Uuid>,
    /// Its number.
    pub order_no: Option<String>,
    /// `wechat`, `alipay`, or `offline` (owed by hand).
    pub provider: String,
    /// In fen.
    pub amount_fen: i64,
    /// The refund's state (`requested`, `processing`, `succeeded`, `failed`), or
    /// `owed_by_hand`.
    pub state: String,
    /// Why: `cancellation`, `after_sales`, `unowed`, … (`None` when not recorded).
    pub origin: Option<String>,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When the channel confirmed it (or refused it for good).
    pub finished_at: Option<DateTime<Utc>>,
}

/// Refunds booked in `[from, to)`, newest first, at most `limit`: channel refunds in every
/// state and the parts owed by hand (paid offline).
pub async fn refunds(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<RefundLine>, DbErr> {
    use crate::entity::{ledger_entry, ledger_posting, payment_intent, refund, service_order};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    use std::collections::HashMap;
    let channel = refund::Entity::find()
        .filter(refund::Column::CreatedAt.gte(from))
        .filter(refund::Column::CreatedAt.lt(to))
        .order_by_desc(refund::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?;
    let by_hand = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::SourceType.is_in(["offline_refund", "backfill_refund"]))
        .filter(ledger_entry::Column::At.gte(from))
        .filter(ledger_entry::Column::At.lt(to))
        .order_by_desc(ledger_entry::Column::At)
        .limit(limit)
        .all(db)
        .await?;
    let intent_ids: Vec<Uuid> = channel.iter().map(|r| r.intent_id).collect();
    let providers: HashMap<Uuid, String> = payment_intent::Entity::find()
        .select_only()
        .column(payment_intent::Column::Id)
        .column(payment_intent::Column::Provider)
        .filter(payment_intent::Column::Id.is_in(intent_ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let entry_ids: Vec<Uuid> = by_hand.iter().map(|e| e.id).collect();
    let owed: HashMap<Uuid, i64> = ledger_posting::Entity::find()
        .filter(ledger_posting::Column::EntryId.is_in(entry_ids))
        .filter(ledger_posting::Column::Account.eq("refunds_payable"))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.entry_id, -p.amount_fen))
        .collect();
    let order_ids: Vec<Uuid> = channel
        .iter()
        .map(|r| r.order_id)
        .chain(by_hand.iter().filter_map(|e| e.order_id))
        .collect();
    let order_nos: HashMap<Uuid, String> = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::Id)
        .column(service_order::Column::OrderNo)
        .filter(service_order::Column::Id.is_in(order_ids))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out: Vec<RefundLine> = channel
        .into_iter()
        .map(|r| RefundLine {
            id: r.id,
            refund_no: Some(r.refund_no),
            order_id: Some(r.order_id),
            order_no: order_nos.get(&r.order_id).cloned(),
            provider: providers.get(&r.intent_id).cloned().unwrap_or_default(),
            amount_fen: r.amount_fen,
            state: r.state,
            origin: Some(r.origin),
            created_at: r.created_at,
            finished_at: r.finished_at,
        })
        .chain(by_hand.into_iter().map(|e| RefundLine {
            id: e.id,
            refund_no: None,
            order_id: e.order_id,
            order_no: e.order_id.and_then(|o| order_nos.get(&o).cloned()),
            provider: "offline".into(),
            amount_fen: owed.get(&e.id).copied().unwrap_or(0),
            state: "owed_by_hand".into(),
            origin: None,
            created_at: e.at,
            finished_at: None,
        }))
        .collect();
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out.truncate(limit as usize);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_day_per_backend() {
        assert_eq!(
            local_day(DatabaseBackend::Sqlite, "e.at", 8),
            "date(e.at, '+8 hours')"
        );
        assert_eq!(
            local_day(DatabaseBackend::Sqlite, "e.at", -5),
            "date(e.at, '-5 hours')"
        );
        assert!(local_day(DatabaseBackend::MySql, "e.at", 8).contains("INTERVAL 8 HOUR"));
        assert!(local_day(DatabaseBackend::Postgres, "e.at", 8).contains("interval '8 hours'"));
    }
}
